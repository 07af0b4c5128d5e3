"""The service on several hosts, measured (issue #24): two instances (deploy/gunicorn.conf.py,
two workers each) behind nginx (deploy/nginx.conf), sharing the dataset's database, a bucket
on a SeaweedFS the bench starts and Redis for the rate limits, under the same mixed load as one
instance; and a 25 MB upload's memory with that bucket as the store. What this machine cannot
run (no nginx, Redis or SeaweedFS) is reported as not measured, with the reason."""

import os
import time
import uuid
from pathlib import Path

from bench import load
from bench.client import Client
from bench.common import COORDINATOR, Dataset, Results
from bench.measures import upload_label, upload_memory
from bench.servers import Server, free_port
from deploy import nginx
from deploy.seaweed import SeaweedS3
from tracker.evidence.storage import LocalStore
from tracker.evidence.storage.s3 import S3Store

REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
SERVING = "2 instances × 2 workers, nginx, S3, Redis"
TO_S3 = " to S3"
NO_LIMIT = 1 << 50


def several_hosts(results: Results, dataset: Dataset, ids: dict, work: Path) -> None:
    s3 = SeaweedS3(work / "seaweedfs")
    try:
        s3.start()
    except (OSError, RuntimeError) as exc:
        reason = f"SeaweedFS did not start: {str(exc)[:200]}"
        not_measured(results, reason, upload_label(TO_S3), load.label(SERVING))
        return
    try:
        store = copy_to_s3(dataset, s3)
        upload_memory(results, dataset, ids["tokens"][COORDINATOR], store, TO_S3)
        reason = missing()
        if reason:
            not_measured(results, reason, load.label(SERVING))
        else:
            _behind_nginx(results, dataset, ids, work, store)
    finally:
        s3.stop()


def copy_to_s3(dataset: Dataset, s3: SeaweedS3) -> dict:
    """The dataset's stored files put into the bucket with the store's own `put` (a restore
    wants an empty database, and this one is shared as it is); the settings that name it."""
    prefix = f"bench-scale-{dataset.scale}"
    source = LocalStore(dataset.folder / "evidence")
    target = S3Store(s3.bucket, prefix, s3.client())
    for address in source.addresses():
        with source.open(address) as stream:
            if target.put(stream, NO_LIMIT, lambda _path: None).sha256 != address:
                raise RuntimeError(f"stored file {address} changed on its way to S3")
    return {
        "TRACKER_STORAGE_URL": f"s3://{s3.bucket}/{prefix}",
        "TRACKER_S3_ENDPOINT_URL": s3.endpoint,
        **s3.environment(),
    }


def missing() -> str | None:
    """Why two instances behind nginx cannot run here, if they cannot."""
    if not Path(nginx.NGINX).exists():
        return f"nginx is not installed ({nginx.NGINX}; apt-get install nginx)"
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=2).ping()
    except redis.RedisError as exc:
        return f"no Redis at {REDIS_URL} ({exc}); BENCH_REDIS_URL names another"
    return None


def not_measured(results: Results, reason: str, *names: str) -> None:
    for name in names:
        results.add(name, None, "", None, None, not_measured=reason)


def _behind_nginx(results: Results, dataset: Dataset, ids: dict, work: Path, store: dict) -> None:
    root = work / "several-hosts"
    root.mkdir()
    # nginx's workers (user nobody, when the bench runs as root) reach their folders.
    for folder in (work, root):
        folder.chmod(0o755)
    prefix = f"tracker-bench-{uuid.uuid4().hex[:8]}"
    env = dataset.env | store
    env |= {"DATABASE_URL": dataset.sqlalchemy_url, "REDIS_URL": REDIS_URL}
    env |= {"RATELIMIT_KEY_PREFIX": prefix, "TRACKER_PROXY_COUNT": "1"}
    servers, proxy = [], None
    try:
        for name in ("a", "b"):
            (root / name).mkdir()  # an instance folder each: nothing shared on disk
            own = env | {"TRACKER_INSTANCE_DIR": str(root / name)}
            servers.append(Server(own, 2, root / f"{name}.log", deployed=True))
        port = free_port()
        proxy = nginx.start(nginx.render(root, port, [s.port for s in servers]))
        _wait_for(port, proxy, root / "nginx" / "stderr.log")
        load.mixed_load(results, port, ids, SERVING)
        answered = _answered(root / "nginx" / "access.log", servers)
        results.add(f"{load.label(SERVING)}: answered by each instance", answered, "requests")
    finally:
        if proxy is not None:
            proxy.terminate()
            proxy.wait(timeout=10)
        for server in servers:
            server.stop()
        _forget(prefix)


def _wait_for(port: int, proxy, log: Path, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and proxy.poll() is None:
        try:
            if Client(port, timeout=5).request("GET", "/healthz")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"nginx did not answer: {log.read_text()[-2000:]}")


def _answered(access_log: Path, servers: list[Server]) -> str:
    """How many requests each instance answered, from nginx's log (`upstream=` per line)."""
    text = access_log.read_text()
    return " / ".join(str(text.count(f"upstream=127.0.0.1:{s.port} ")) for s in servers)


def _forget(prefix: str) -> None:
    """Remove the run's rate-limit counts from Redis."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=2)
    try:
        for key in client.scan_iter(match=f"*{prefix}*"):
            client.delete(key)
    except redis.RedisError:
        pass
