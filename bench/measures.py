"""The measurements at normal size: latency per page and API call (against a trivial route in
the same run), SQL statements per request, statement PDFs, the memory of an upload and 50
users at once (bench/load.py)."""

from bench import inprocess
from bench.client import Client, multipart
from bench.common import (
    REQUESTS,
    SINGLE_OBJECT_QUERIES,
    TIMES_TRIVIAL,
    TRIVIAL,
    TRIVIAL_PAGE,
    UPLOAD_BYTES,
    WARM_UP,
    Dataset,
    Results,
    endpoints,
    percentile,
    signed_in,
)
from bench.load import mixed_load
from bench.servers import Server, memory_kb, reset_peak


def latency(results: Results, small: Dataset, large: Dataset, ids: dict, limit_ms: int) -> None:
    """p50 / p95 per endpoint at both scales, one worker each, requests taken in turn."""
    with (
        Server(small.env, 1, small.folder / "gunicorn.log") as s1,
        Server(large.env, 1, large.folder / "gunicorn.log") as s10,
    ):
        plan = {}
        for server, dataset in ((s1, small), (s10, large)):
            clients = signed_in(server.port, ids[dataset.scale]["tokens"])
            plan[dataset.scale] = (clients, endpoints(ids[dataset.scale]))
        p95s, beside = {}, {}
        planned_1 = plan[1][1]
        # An API call's counterpart is the trivial route, a page's the trivial page (both are
        # fetched by page clients, so their own `api` flags cannot tell them apart).
        named = {e.name: e for e in planned_1}
        trivial = {True: named[TRIVIAL], False: named[TRIVIAL_PAGE]}
        for n, endpoint in enumerate(planned_1):
            times, failures, base = {1: [], 10: []}, [], []
            # Its trivial counterpart is timed in the same turns, so that the comparison holds
            # however the machine's load changes while the benchmark runs.
            twin = trivial[endpoint.api]
            for turn in range(WARM_UP + REQUESTS):
                for scale, (clients, planned) in plan.items():
                    asked = planned[n]
                    status, seconds = clients[(asked.who, asked.api)].timed("GET", asked.path)
                    if status != 200:
                        failures.append(f"scale {scale}: status {status}")
                    elif turn >= WARM_UP:
                        times[scale].append(seconds * 1000)
                client = plan[1][0][(twin.who, twin.api)]
                _status, seconds = client.timed("GET", twin.path)
                if turn >= WARM_UP:
                    base.append(seconds * 1000)
            p95s[endpoint.name] = _report_latency(results, endpoint, times, failures, limit_ms)
            beside[endpoint.name] = percentile(base, 0.95)
    _against_trivial(results, planned_1, p95s, beside)


def _against_trivial(results: Results, plan: list, p95s: dict, beside: dict) -> None:
    """Each page's p95 (scale 1) as a multiple of the trivial page's, and each API call's as a
    multiple of the trivial route's, the trivial one timed in the same turns as it."""
    for endpoint in plan:
        if not endpoint.timed or endpoint.name in (TRIVIAL, TRIVIAL_PAGE):
            continue
        p95, trivial = p95s.get(endpoint.name), beside.get(endpoint.name)
        ratio = p95 / trivial if p95 is not None and trivial else None
        results.add(
            f"× trivial {'route' if endpoint.api else 'page'} {endpoint.name}",
            None if ratio is None else round(ratio, 1),
            "×",
            f"≤ {TIMES_TRIVIAL}× {trivial:.1f} ms" if trivial else "a trivial time",
            ratio is not None and ratio <= TIMES_TRIVIAL,
        )


def _report_latency(results, endpoint, times, failures, limit_ms) -> float | None:
    """Report an endpoint's p50, p95 and growth; return its p95 at scale 1."""
    if failures:  # a page that fails has no time worth having
        results.add(f"p95 {endpoint.name}", None, "ms", "status 200", False, errors=failures[:5])
        return None
    p50 = {s: percentile(t, 0.5) for s, t in times.items()}
    p95 = {s: percentile(t, 0.95) for s, t in times.items()}
    for scale in (1, 10):
        results.add(f"p50 {endpoint.name}, scale {scale}", round(p50[scale], 1), "ms")
    timed = endpoint.timed
    results.add(
        f"p95 {endpoint.name}",
        round(p95[1], 1),
        "ms",
        f"< {limit_ms} ms" if timed else None,
        (p95[1] < limit_ms) if timed else None,
        scale_10=round(p95[10], 1),
    )
    ratio = p95[10] / p95[1]
    results.add(
        f"growth ×10 {endpoint.name}",
        round(ratio, 2),
        "×",
        "≤ 1.5× (p95)",
        ratio <= 1.5,
        p50_ratio=round(p50[10] / p50[1], 2),
    )
    return p95[1]


def upload_memory(
    results: Results, dataset: Dataset, token: str, store: dict | None = None, to: str = ""
) -> None:
    """How much a fresh worker's resident memory rises at its peak while taking a 25 MB upload
    (a fresh one: a worker that has served big pages has freed memory to reuse, hiding growth),
    into the dataset's directory or the store that `store`'s settings name (`to` says which)."""
    env, log = dataset.env | (store or {}), dataset.folder / f"gunicorn-upload{to}.log"
    with Server(env, 1, log) as server:
        _upload(results, server, token, to)


def upload_label(to: str) -> str:
    return f"25 MB upload{to}, worker memory growth (peak)"


def _upload(results: Results, server: Server, token: str, to: str) -> None:
    worker = server.workers()[0]
    client = Client(server.port, token=token, timeout=300)
    fields = {"title": "Benchmark upload", "kind": "data"}
    line = b"quarter,area,referrals,within_24_hours\r\n" + b"Q1,Cardiff,123,97\r\n" * 3000

    def send(size):
        body, headers = multipart(fields, "file", "figures.csv", size, line)
        status, reply = client.request("POST", "/api/v1/evidence", body=body, headers=headers)
        if status != 201:
            raise RuntimeError(f"upload of {size} bytes: status {status} {reply[:200]!r}")

    # Warm up: the code paths are loaded before anything is measured (an S3 store's multipart
    # upload is used from 8 MB).
    send(64 * 1024 if not to else UPLOAD_BYTES // 2)
    peak_reset = reset_peak(worker)
    before = memory_kb(worker)
    send(UPLOAD_BYTES)
    after = memory_kb(worker)
    start = before["VmRSS"] if peak_reset else max(before["VmRSS"], before["VmHWM"])
    growth = (after["VmHWM"] - start) / 1024
    results.add(
        upload_label(to),
        round(growth, 1),
        "MB",
        "< 10 MB",
        growth < 10,
        rss_before_mb=round(before["VmRSS"] / 1024, 1),
        peak_after_mb=round(after["VmHWM"] / 1024, 1),
    )


def concurrency(results: Results, dataset: Dataset, ids: dict) -> None:
    """50 users reading and writing for 60 s against one instance of 4 workers."""
    with Server(dataset.env, 4, dataset.folder / "gunicorn-4.log") as server:
        mixed_load(results, server.port, ids, "4 workers")


def queries(results: Results, apps: dict, ids: dict) -> None:
    counts = {}
    for scale, app in apps.items():
        counts[scale] = inprocess.count_queries(app, endpoints(ids[scale]), ids[scale]["tokens"])
    for name, at_10 in counts[10].items():
        at_1 = counts[1][name]
        results.add(
            f"queries {name}",
            at_10,
            "queries",
            f"≤ {at_1} (as at scale 1)",
            at_10 <= at_1,
            scale_1=at_1,
        )
    for endpoint in endpoints(ids[1]):
        if endpoint.single:
            most = max(counts[1][endpoint.name], counts[10][endpoint.name])
            results.add(
                f"queries, one object: {endpoint.name}",
                most,
                "queries",
                f"≤ {SINGLE_OBJECT_QUERIES}",
                most <= SINGLE_OBJECT_QUERIES,
            )


def statements(results: Results, apps: dict) -> None:
    for scale, app in apps.items():
        for label, scope, code, limit in (
            ("national", "national", None, 10),
            ("organisation", "organisation", "HB-CAV", 3),
        ):
            seconds = inprocess.publish_statement(app, scope, code)
            results.add(
                f"statement PDF, {label}, scale {scale}",
                round(seconds, 2),
                "s",
                f"< {limit} s",
                seconds < limit,
            )
