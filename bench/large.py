"""DESIGN §10's very large records: a response with 10,000 evidence links and a library of
20,000 pieces, measured against the same pages at normal size in the same run."""

import json
import time

from bench import inprocess
from bench.client import Client
from bench.common import (
    COORDINATOR,
    REQUESTS,
    WARM_UP,
    Dataset,
    Endpoint,
    Results,
    percentile,
    signed_in,
)
from bench.servers import Server
from tracker import synthetic


def large_endpoints(ids: dict) -> list[Endpoint]:
    """The pages and API calls that show a response with 10,000 links and a library of 20,000
    pieces, and a trivial route to compare them with."""
    a, r = ids["draft"], ids["large_response"]
    item = f"/assessments/{a}/items/{ids['large_item']}"
    last = -(-synthetic.LARGE_LINKS // 50)
    return [
        Endpoint("trivial route (healthz)", COORDINATOR, "/healthz"),
        Endpoint("item page, 10,000 links", COORDINATOR, item),
        Endpoint("item page, 10,000 links, last page", COORDINATOR, f"{item}?page={last}"),
        Endpoint(
            "item page, library of 20,000", COORDINATOR, f"/assessments/{a}/items/{ids['item']}"
        ),
        Endpoint(
            "item page, library of 20,000, searched by title",
            COORDINATOR,
            f"/assessments/{a}/items/{ids['item']}?find=01",
        ),
        Endpoint("task list, 10,000 links", COORDINATOR, f"/assessments/{a}"),
        Endpoint("API response, 10,000 links", COORDINATOR, f"/api/v1/responses/{r}", api=True),
        Endpoint(
            "API response's links, last page",
            COORDINATOR,
            f"/api/v1/responses/{r}/evidence?page=100&per_page=100",
            api=True,
        ),
        Endpoint(
            "API responses, 10,000 links",
            COORDINATOR,
            f"/api/v1/assessments/{a}/responses",
            api=True,
        ),
    ]


def large_records(results: Results, dataset: Dataset, app, ids: dict, limit_ms: int) -> None:
    """DESIGN §10's very large records: the SQL statements and time of each page and API call
    that shows them (PATCH of the response with 10,000 links included), against the same
    pages at normal size measured in the same run just before."""
    normal = ids | {"large_response": ids["response"], "large_item": ids["item"]}
    queries_before = inprocess.count_queries(app, large_endpoints(normal), ids["tokens"])
    timed_before = _time_large(dataset, normal)
    large = normal | inprocess.grow_large_records(app, ids)
    queries_after = inprocess.count_queries(app, large_endpoints(large), ids["tokens"])
    for name, count in queries_after.items():
        results.add(
            f"queries {name}",
            count,
            "queries",
            f"≤ {queries_before[name]} (normal size)",
            count <= queries_before[name],
            normal_size=queries_before[name],
        )
    for name, (times, size, failures) in _time_large(dataset, large).items():
        if failures:
            results.add(f"p95 {name}", None, "ms", "status 200", False, errors=failures[:5])
            continue
        p95, normal_p95 = percentile(times, 0.95), percentile(timed_before[name][0], 0.95)
        results.add(
            f"p95 {name}",
            round(p95, 1),
            "ms",
            f"< {limit_ms} ms",
            p95 < limit_ms,
            p50=round(percentile(times, 0.5), 1),
            kilobytes=round(size / 1024, 1),
            normal_size_p95=round(normal_p95, 1),
        )
        ratio = p95 / normal_p95
        results.add(
            f"growth at large size {name}", round(ratio, 2), "×", "≤ 1.5× (p95)", ratio <= 1.5
        )


def _time_large(dataset: Dataset, ids: dict) -> dict[str, tuple[list[float], int, list[str]]]:
    """Times (ms), largest answer (bytes) and failures of each large-record endpoint."""
    patch = f"/api/v1/responses/{ids['large_response']}"
    with Server(dataset.env, 1, dataset.folder / "gunicorn-large.log") as server:
        clients = signed_in(server.port, ids["tokens"])
        timed = {
            e.name: _series(clients[(e.who, e.api)], lambda _turn, e=e: ("GET", e.path, None))
            for e in large_endpoints(ids)
        }
        api = clients[(COORDINATOR, True)]

        def change(turn: int):  # at the response's current version, read first (not timed)
            version = api.get_json(patch)["version"]
            return "PATCH", patch, {"version": version, "narrative": f"Benchmark change {turn}."}

        timed["API PATCH response, 10,000 links"] = _series(api, change)
    return timed


def _series(client: Client, request_for) -> tuple[list[float], int, list[str]]:
    times, size, failures = [], 0, []
    for turn in range(WARM_UP + REQUESTS):
        method, path, body = request_for(turn)
        headers = {"Content-Type": "application/json"} if body is not None else None
        data = json.dumps(body) if body is not None else None
        started = time.perf_counter()
        status, answer = client.request(method, path, body=data, headers=headers)
        if status != 200:
            failures.append(f"status {status}")
        elif turn >= WARM_UP:
            times.append((time.perf_counter() - started) * 1000)
            size = max(size, len(answer))
    return times, size, failures
