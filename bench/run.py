"""`make bench`: the figures of DESIGN §10, measured on the synthetic national dataset.

    .venv/bin/python -m bench.run              # SQLite, in a fresh temporary instance directory
    DATABASE_URL=postgresql://... make bench   # PostgreSQL: two schemas of its own, dropped after
    BENCH_QUICK=1 make bench                   # fewer requests, 10 s of concurrency
    .venv/bin/python -m bench.run --large      # only the very large records, at scale 1

It generates the dataset at scale 1 and scale 10 (`flask generate-dataset`), publishes statements
in process, counts SQL statements per request in process, then measures through gunicorn on a
free local port: latency per page and API call (one worker, requests to the two scales taken in
turn so that noise from other work on the machine falls on both alike), the memory a 25 MB upload
costs a worker, and 50 users for 60 s against 4 workers; last, it grows the scale-1 dataset to
very large records (a response with 10,000 evidence links, a library of 20,000 pieces) and
measures the pages and API calls that show them, and their SQL statements. It writes
bench/results.json (one object per measurement: name, value, unit, target, pass) and prints a
table whose last line is `bench: N of M targets met`. A missed target does not fail the run; a
broken bench does.
"""

import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import create_engine, text

from bench import inprocess
from bench.client import Client, multipart
from bench.servers import ROOT, Server, child_env, memory_kb, reset_peak
from tracker import synthetic

SEED = 1
QUICK = os.environ.get("BENCH_QUICK", "").lower() in ("1", "true", "yes")
# `python -m bench.run --large`: only the very large records, on a scale-1 dataset.
LARGE_ONLY = "--large" in sys.argv[1:]
REQUESTS = 15 if QUICK else 60  # per endpoint and scale, after warming up
WARM_UP = 3
CONCURRENT_USERS, CONCURRENT_SECONDS = 50, (10 if QUICK else 60)
UPLOAD_BYTES = 25 * 1024 * 1024
RESULTS = ROOT / "bench" / "results.json"
FLASK = [str(Path(sys.executable).with_name("flask")), "--app", "app"]
COORDINATOR, REVIEWER, INSPECTOR = (
    "coordinator@bench.example",
    "reviewer@bench.example",
    "inspector@bench.example",
)


@dataclass
class Endpoint:
    name: str
    who: str  # the benchmark user's e-mail
    path: str
    api: bool = False
    timed: bool = True  # has the p95 target (images and file downloads do not)


def endpoints(ids: dict) -> list[Endpoint]:
    """The key pages and API calls, with this dataset's ids."""
    a, r = ids["draft"], ids["review"]
    current = urlencode({"framework": ids["framework"], "cycle": ids["cycle"]})
    export = urlencode(
        {"dataset": "responses", "format": "csv", "scope": "all"}
        | {"framework": ids["framework"], "cycle": ids["cycle"]}
    )
    return [
        Endpoint("home, coordinator", COORDINATOR, "/"),
        Endpoint("home, inspector", INSPECTOR, "/"),
        Endpoint("task list", COORDINATOR, f"/assessments/{a}"),
        Endpoint("item page", COORDINATOR, f"/assessments/{a}/items/{ids['item']}"),
        Endpoint("item history", COORDINATOR, f"/assessments/{a}/items/{ids['item']}/history"),
        Endpoint("national dashboard", INSPECTOR, f"/dashboards/?{current}"),
        Endpoint(
            "organisation dashboard",
            COORDINATOR,
            f"/dashboards/organisations/{ids['organisation']}",
        ),
        Endpoint("trends", INSPECTOR, f"/dashboards/trends?framework={ids['framework']}"),
        Endpoint("calibration", INSPECTOR, f"/dashboards/calibration?{current}"),
        Endpoint(
            "heat map image",
            INSPECTOR,
            f"/dashboards/charts/tracker-heat-map.png?{current}",
            timed=False,
        ),
        Endpoint("review queue", REVIEWER, "/review/"),
        Endpoint("review of an assessment", REVIEWER, f"/review/assessments/{r}"),
        Endpoint(
            "review of an item", REVIEWER, f"/review/assessments/{r}/items/{ids['review_item']}"
        ),
        Endpoint("challenge thread", REVIEWER, f"/review/challenges/{ids['challenge']}"),
        Endpoint("evidence library", COORDINATOR, "/evidence/"),
        Endpoint("evidence item", COORDINATOR, f"/evidence/{ids['evidence']}"),
        Endpoint("exports page", INSPECTOR, "/exports/"),
        Endpoint("export, national CSV", INSPECTOR, f"/exports/download?{export}", timed=False),
        Endpoint("statements list", INSPECTOR, "/statements/"),
        Endpoint("notifications", COORDINATOR, "/notifications/"),
        Endpoint("API assessments", INSPECTOR, "/api/v1/assessments", api=True),
        Endpoint("API assessment", COORDINATOR, f"/api/v1/assessments/{a}", api=True),
        Endpoint("API responses", COORDINATOR, f"/api/v1/assessments/{a}/responses", api=True),
        Endpoint("API response", COORDINATOR, f"/api/v1/responses/{ids['response']}", api=True),
        Endpoint("API evidence library", COORDINATOR, "/api/v1/evidence", api=True),
        Endpoint("API challenges", REVIEWER, f"/api/v1/assessments/{r}/challenges", api=True),
        Endpoint("API statements", INSPECTOR, "/api/v1/statements", api=True),
        Endpoint("API cycles", INSPECTOR, "/api/v1/cycles", api=True),
    ]


# --- datasets ---------------------------------------------------------------------------------


class Dataset:
    """One generated dataset: an instance directory, and a database (SQLite in it, or a
    PostgreSQL schema of its own in DATABASE_URL's database)."""

    def __init__(self, scale: int, work: Path, postgres: str | None):
        from tracker.config import database_url

        self.scale, self.folder, self.schema = scale, work / f"scale-{scale}", None
        self.folder.mkdir()
        url = None
        if postgres:
            self.schema = f"tracker_bench_{os.getpid()}_s{scale}"
            with admin_engine(postgres).begin() as conn:
                conn.execute(text(f"CREATE SCHEMA {self.schema}"))
            url = (
                f"{postgres}{'&' if '?' in postgres else '?'}options=-csearch_path%3D{self.schema}"
            )
        self.sqlalchemy_url = database_url(url, self.folder)
        self.env = child_env(
            TRACKER_INSTANCE_DIR=str(self.folder),
            TRACKER_ENV="development",
            SECRET_KEY="bench-secret-key-not-for-use",
            DATABASE_URL=url,
        )

    def generate(self) -> float:
        started = time.perf_counter()
        log = (self.folder / "generate.log").open("w")
        for args in (
            ["init-db"],
            ["generate-dataset", "--seed", str(SEED), "--scale", str(self.scale)],
        ):
            subprocess.run(FLASK + args, cwd=ROOT, env=self.env, check=True, stdout=log, stderr=log)
        return time.perf_counter() - started


def admin_engine(url: str):
    return create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))


# --- results ----------------------------------------------------------------------------------


class Results:
    def __init__(self):
        self.rows: list[dict] = []

    def add(self, name, value, unit, target=None, passed=None, **detail) -> None:
        row = {"name": name, "value": value, "unit": unit, "target": target, "pass": passed}
        self.rows.append(row | detail)
        mark = "" if passed is None else (" ok" if passed else " MISSED")
        print(f"  {name}: {value} {unit}{mark}", flush=True)

    def write(self, meta: dict) -> None:
        RESULTS.write_text(json.dumps({"meta": meta, "measurements": self.rows}, indent=1) + "\n")

    def table(self) -> str:
        width = max(len(r["name"]) for r in self.rows)
        lines = [f"{'measurement':<{width}}  {'value':>10}  {'unit':<8}  {'target':<22}  result"]
        for r in self.rows:
            verdict = {None: "", True: "met", False: "MISSED"}[r["pass"]]
            value = f"{r['value']:.1f}" if isinstance(r["value"], float) else str(r["value"])
            value = "–" if r["value"] is None else value
            target = r["target"] or ""
            lines.append(
                f"{r['name']:<{width}}  {value:>10}  {r['unit']:<8}  {target:<22}  {verdict}"
            )
        scored = [r for r in self.rows if r["pass"] is not None]
        lines.append(f"bench: {sum(r['pass'] for r in scored)} of {len(scored)} targets met")
        return "\n".join(lines)


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


# --- measurements -----------------------------------------------------------------------------


def signed_in(port: int, tokens: dict) -> dict[tuple[str, bool], Client]:
    """A page client (session cookie) and an API client (token) per benchmark user."""
    clients = {}
    for email in (COORDINATOR, REVIEWER, INSPECTOR):
        page = Client(port)
        page.login(email, "bench-password-1")
        clients[(email, False)] = page
        clients[(email, True)] = Client(port, token=tokens[email])
    return clients


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
        for n, endpoint in enumerate(plan[1][1]):
            times, failures = {1: [], 10: []}, []
            for turn in range(WARM_UP + REQUESTS):
                for scale, (clients, planned) in plan.items():
                    asked = planned[n]
                    status, seconds = clients[(asked.who, asked.api)].timed("GET", asked.path)
                    if status != 200:
                        failures.append(f"scale {scale}: status {status}")
                    elif turn >= WARM_UP:
                        times[scale].append(seconds * 1000)
            _report_latency(results, endpoint, times, failures, limit_ms)


def _report_latency(results, endpoint, times, failures, limit_ms) -> None:
    if failures:  # a page that fails has no time worth having
        results.add(f"p95 {endpoint.name}", None, "ms", "status 200", False, errors=failures[:5])
        return
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


def upload_memory(results: Results, dataset: Dataset, token: str) -> None:
    """How much a fresh worker's resident memory rises at its peak while taking a 25 MB upload
    (a fresh one: a worker that has served big pages has freed memory to reuse, hiding growth)."""
    with Server(dataset.env, 1, dataset.folder / "gunicorn-upload.log") as server:
        _upload(results, server, token)


def _upload(results: Results, server: Server, token: str) -> None:
    worker = server.workers()[0]
    client = Client(server.port, token=token, timeout=300)
    fields = {"title": "Benchmark upload", "kind": "data"}
    line = b"quarter,area,referrals,within_24_hours\r\n" + b"Q1,Cardiff,123,97\r\n" * 3000

    def send(size):
        body, headers = multipart(fields, "file", "figures.csv", size, line)
        status, reply = client.request("POST", "/api/v1/evidence", body=body, headers=headers)
        if status != 201:
            raise RuntimeError(f"upload of {size} bytes: status {status} {reply[:200]!r}")

    send(64 * 1024)  # warm up: the code paths are loaded before anything is measured
    peak_reset = reset_peak(worker)
    before = memory_kb(worker)
    send(UPLOAD_BYTES)
    after = memory_kb(worker)
    start = before["VmRSS"] if peak_reset else max(before["VmRSS"], before["VmHWM"])
    growth = (after["VmHWM"] - start) / 1024
    results.add(
        "25 MB upload, worker memory growth (peak)",
        round(growth, 1),
        "MB",
        "< 10 MB",
        growth < 10,
        rss_before_mb=round(before["VmRSS"] / 1024, 1),
        peak_after_mb=round(after["VmHWM"] / 1024, 1),
    )


def concurrency(results: Results, dataset: Dataset, ids: dict) -> None:
    """50 users, each requesting the key pages and API calls in turn for 60 s, 4 workers."""
    with Server(dataset.env, 4, dataset.folder / "gunicorn-4.log") as server:
        clients = signed_in(server.port, ids["tokens"])
        plan = endpoints(ids)
        errors, times, lock, stop = [], [], threading.Lock(), time.monotonic() + CONCURRENT_SECONDS

        def user(n: int) -> None:
            mine = {}
            for key, shared in clients.items():  # own client, same sign-in
                mine[key] = Client(server.port, token=shared.token, timeout=60)
                mine[key].cookies = dict(shared.cookies)
            k = n
            while time.monotonic() < stop:
                endpoint = plan[k % len(plan)]
                k += 1
                try:
                    status, seconds = mine[(endpoint.who, endpoint.api)].timed("GET", endpoint.path)
                    failed = status >= 400
                except Exception as exc:  # noqa: BLE001 - every failure is an error counted
                    status, seconds, failed = repr(exc), 0.0, True
                with lock:
                    times.append(seconds * 1000)
                    if failed:
                        errors.append(f"{endpoint.name}: {status}")

        threads = [threading.Thread(target=user, args=(n,)) for n in range(CONCURRENT_USERS)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
    label = f"{CONCURRENT_USERS} users × {CONCURRENT_SECONDS} s, 4 workers"
    results.add(f"{label}: requests", len(times), "requests")
    results.add(f"{label}: throughput", round(len(times) / elapsed, 1), "req/s")
    results.add(f"{label}: p95 under load", round(percentile(times, 0.95), 1), "ms")
    results.add(f"{label}: errors", len(errors), "errors", "0", not errors, examples=errors[:10])


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


# --- very large records ---------------------------------------------------------------------


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


def main() -> int:
    postgres = os.environ.get("DATABASE_URL")
    if postgres and postgres.startswith("postgres://"):
        postgres = "postgresql://" + postgres[len("postgres://") :]
    database = "postgresql" if postgres else "sqlite"
    if postgres:
        try:
            with admin_engine(postgres).connect():
                pass
        except Exception as exc:  # noqa: BLE001 - say what is wrong, not a traceback
            print(
                f"bench: cannot use DATABASE_URL ({exc.__class__.__name__}): it must name an "
                "existing database, e.g. createdb -h 127.0.0.1 -U postgres trackerbench",
                file=sys.stderr,
            )
            return 2
    limit_ms = 150 if postgres else 100
    work = Path(tempfile.mkdtemp(prefix="tracker-bench-"))
    os.environ.update(TRACKER_INSTANCE_DIR=str(work), SECRET_KEY="bench-secret-key-not-for-use")
    results, datasets, apps, began = Results(), [], {}, time.perf_counter()
    finished = False
    load_at_start = os.getloadavg()
    print(f"bench: {database}, {'quick' if QUICK else 'full'} run, work in {work}", flush=True)
    try:
        for scale in (1,) if LARGE_ONLY else (1, 10):
            dataset = Dataset(scale, work, postgres)
            datasets.append(dataset)
            results.add(f"generate-dataset, scale {scale}", round(dataset.generate(), 1), "s")
        apps = {d.scale: inprocess.make_app(d) for d in datasets}
        ids = {scale: inprocess.resolve_ids(app, SEED) for scale, app in apps.items()}
        if not LARGE_ONLY:
            statements(results, apps)
            queries(results, apps, ids)
            latency(results, datasets[0], datasets[1], ids, limit_ms)
            upload_memory(results, datasets[0], ids[1]["tokens"][COORDINATOR])
            concurrency(results, datasets[0], ids[1])
        # Last: it grows the scale-1 dataset, which the measurements above compare as it was.
        large_records(results, datasets[0], apps[1], ids[1], limit_ms)
        finished = True
    finally:
        for app in apps.values():
            with app.app_context():
                from tracker.extensions import db

                db.session.remove()
                db.engine.dispose()
        for dataset in datasets:
            if dataset.schema:
                with admin_engine(postgres).begin() as conn:
                    conn.execute(text(f"DROP SCHEMA IF EXISTS {dataset.schema} CASCADE"))
        if finished:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"bench: failed; its logs are in {work}", file=sys.stderr)
    meta = {
        # Timings are only as quiet as the machine: other work shows in the load average.
        "load_average_start": load_at_start,
        "load_average_end": os.getloadavg(),
        "database": database,
        "quick": QUICK,
        "large_records_only": LARGE_ONLY,
        "requests_per_endpoint": REQUESTS,
        "seed": SEED,
        "cpus": os.cpu_count(),
        "seconds": round(time.perf_counter() - began),
    }
    results.write(meta)
    print(
        f"\n{database}, {meta['seconds']} s, {os.cpu_count()} CPUs, load average "
        f"{load_at_start[0]:.1f} at the start and {meta['load_average_end'][0]:.1f} at the end"
    )
    print(results.table())
    return 0


if __name__ == "__main__":
    sys.exit(main())
