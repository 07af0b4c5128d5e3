"""`make bench`: the figures of DESIGN §10, measured on the synthetic national dataset.

    .venv/bin/python -m bench.run              # SQLite, in a fresh temporary instance directory
    DATABASE_URL=postgresql://... make bench   # PostgreSQL: two schemas of its own, dropped after
    BENCH_QUICK=1 make bench                   # fewer requests, 10 s of concurrency
    .venv/bin/python -m bench.run --large      # only the very large records, at scale 1

It generates the dataset at scale 1 and scale 10 (`flask generate-dataset`), publishes statements
in process, counts SQL statements per request in process, then measures through gunicorn on a
free local port: latency per page and API call (one worker, requests to the two scales taken in
turn so that noise from other work on the machine falls on both alike), the memory a 25 MB upload
costs a worker, and 50 users reading and writing (uploads too) for 60 s against 4 workers;
then the same 50 users against two instances behind nginx that share the database, a bucket on
a SeaweedFS it starts, and Redis, and a 25 MB upload's memory with that bucket (bench/multi.py;
reported as not measured where nginx, Redis or SeaweedFS is missing); last, it grows the
scale-1 dataset to very large records (a response with 10,000 evidence links, a library of
20,000 pieces) and measures the pages and API calls that show them, and their SQL statements.
It writes bench/results.json (one object per measurement: name, value, unit, target, pass) and
prints a table whose last line is `bench: N of M targets met`. A missed target does not fail
the run; a broken bench does.
"""

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

from bench import inprocess
from bench.common import (
    COORDINATOR,
    LARGE_ONLY,
    QUICK,
    REQUESTS,
    SEED,
    Dataset,
    Results,
    admin_engine,
)
from bench.large import large_records
from bench.measures import concurrency, latency, queries, statements, upload_memory
from bench.multi import several_hosts


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
            several_hosts(results, datasets[0], ids[1], work)
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


if __name__ == "__main__":
    sys.exit(main())
