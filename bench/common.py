"""What the benchmark's parts share: its settings, the datasets it generates, the endpoints
it visits and the results it keeps."""

import json
import math
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import create_engine, text

from bench.client import Client
from bench.servers import ROOT, child_env

SEED = 1
QUICK = os.environ.get("BENCH_QUICK", "").lower() in ("1", "true", "yes")
# `python -m bench.run --large`: only the very large records, on a scale-1 dataset.
LARGE_ONLY = "--large" in sys.argv[1:]
REQUESTS = 15 if QUICK else 60  # per endpoint and scale, after warming up
WARM_UP = 3
CONCURRENT_USERS, CONCURRENT_SECONDS = 50, (10 if QUICK else 60)
# DESIGN §10: every page and API call within this many times a trivial route's p95 in the same
# run, and a single object read through the API in at most this many SQL statements.
# A page is compared with the trivial page (the accessibility statement: the signed-in layout
# every page shares, and no data), an API call with the trivial route (/healthz: one SELECT 1).
TIMES_TRIVIAL, SINGLE_OBJECT_QUERIES = 5, 6
TRIVIAL = "trivial route (healthz)"
TRIVIAL_PAGE = "trivial page (accessibility statement)"
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
    single: bool = False  # an API read of one object: at most SINGLE_OBJECT_QUERIES statements


def endpoints(ids: dict) -> list[Endpoint]:
    """The key pages and API calls, with this dataset's ids."""
    a, r = ids["draft"], ids["review"]
    current = urlencode({"framework": ids["framework"], "cycle": ids["cycle"]})
    export = urlencode(
        {"dataset": "responses", "format": "csv", "scope": "all"}
        | {"framework": ids["framework"], "cycle": ids["cycle"]}
    )
    return [
        Endpoint(TRIVIAL, COORDINATOR, "/healthz"),
        Endpoint(TRIVIAL_PAGE, COORDINATOR, "/accessibility"),
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
        Endpoint("API assessment", COORDINATOR, f"/api/v1/assessments/{a}", api=True, single=True),
        Endpoint("API responses", COORDINATOR, f"/api/v1/assessments/{a}/responses", api=True),
        Endpoint(
            "API response",
            COORDINATOR,
            f"/api/v1/responses/{ids['response']}",
            api=True,
            single=True,
        ),
        Endpoint("API evidence library", COORDINATOR, "/api/v1/evidence", api=True),
        Endpoint("API challenges", REVIEWER, f"/api/v1/assessments/{r}/challenges", api=True),
        Endpoint("API statements", INSPECTOR, "/api/v1/statements", api=True),
        Endpoint("API cycles", INSPECTOR, "/api/v1/cycles", api=True),
    ]


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


class Results:
    def __init__(self):
        self.rows: list[dict] = []

    def add(self, name, value, unit, target=None, passed=None, **detail) -> None:
        row = {"name": name, "value": value, "unit": unit, "target": target, "pass": passed}
        self.rows.append(row | detail)
        mark = "" if passed is None else (" ok" if passed else " MISSED")
        if "not_measured" in detail:
            mark = f" not measured: {detail['not_measured']}"
        print(f"  {name}: {value} {unit}{mark}", flush=True)

    def write(self, meta: dict) -> None:
        RESULTS.write_text(json.dumps({"meta": meta, "measurements": self.rows}, indent=1) + "\n")

    def table(self) -> str:
        width = max(len(r["name"]) for r in self.rows)
        lines = [f"{'measurement':<{width}}  {'value':>10}  {'unit':<8}  {'target':<22}  result"]
        for r in self.rows:
            verdict = {None: "", True: "met", False: "MISSED"}[r["pass"]]
            if "not_measured" in r:  # this machine cannot run it (no nginx, say)
                verdict = f"not measured: {r['not_measured']}"
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


def signed_in(port: int, tokens: dict) -> dict[tuple[str, bool], Client]:
    """A page client (session cookie) and an API client (token) per benchmark user."""
    clients = {}
    for email in (COORDINATOR, REVIEWER, INSPECTOR):
        page = Client(port)
        page.login(email, "bench-password-1")
        clients[(email, False)] = page
        clients[(email, True)] = Client(port, token=tokens[email])
    return clients
