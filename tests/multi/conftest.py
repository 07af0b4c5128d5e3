"""Two tracker instances behind nginx, sharing a database, Redis and an evidence store: the
deployment of deploy/ (its nginx.conf and gunicorn.conf.py, filled in with free ports and
temporary paths), started once per test process.

The database is PostgreSQL (a database of its own, dropped after) when
TRACKER_TEST_DATABASE_URL is set, else one SQLite file both instances open, which shows the
same things on one host. Redis is the one at 127.0.0.1:6379 (REDIS_URL below); the cluster's
keys carry a prefix of their own, removed after, so runs side by side never meet. Without
nginx or Redis the tests are skipped, unless TRACKER_TEST_MULTI_REQUIRED=1 (as in .ci/run),
when they fail.
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from deploy import nginx
from deploy.nginx import DEPLOY, NGINX, ROOT
from tests.conftest import free_port

REDIS_URL = os.environ.get("TRACKER_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
SECRET_KEY = "multi-instance-secret-key"
# Low enough for the test to reach; every test signs in from an address of its own.
LOGIN_LIMIT = 8
# An Idempotency-Key claimed by a request on a killed instance may be taken over after this
# (120 s in production, beyond gunicorn's timeout; here beyond any request's time).
STALE_SECONDS = 4
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def shared_store(s3) -> dict:
    """The evidence store every instance uses, as settings: a prefix of its own in the test
    S3 server's bucket (SeaweedFS), as on a real service of several hosts."""
    return {
        "TRACKER_STORAGE_URL": f"s3://{s3.bucket}/multi-{uuid.uuid4().hex[:8]}",
        "TRACKER_S3_ENDPOINT_URL": s3.endpoint,
        **s3.environment(),
    }


def _unavailable(reason: str):
    if os.environ.get("TRACKER_TEST_MULTI_REQUIRED") == "1":
        pytest.fail(f"{reason} (TRACKER_TEST_MULTI_REQUIRED=1)")
    pytest.skip(reason)


def _redis():
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        _unavailable(f"no Redis at {REDIS_URL}: {error}")
    return client


def _shared_database(root: Path):
    """(URL, drop): PostgreSQL's own database for the run, or an SQLite file."""
    url = os.environ.get("TRACKER_TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{root / 'shared.sqlite'}", lambda: None
    from sqlalchemy import create_engine, make_url, text

    url = make_url(url)
    admin = create_engine(url.set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
    name = f"tracker_multi_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()

    return url.set(database=name).render_as_string(hide_password=False), drop


def wait_until_up(url: str, process: subprocess.Popen, log: Path, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            if requests.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()
            pytest.fail(f"{url} did not start: {log.read_text()[-3000:]}")
        time.sleep(0.2)


@dataclass
class Instance:
    name: str
    port: int
    env: dict
    log: Path
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def launch(self) -> None:
        """gunicorn with deploy/gunicorn.conf.py, in a process group of its own."""
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", str(DEPLOY / "gunicorn.conf.py")]
                + ["app:app"],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def start(self) -> None:
        self.launch()
        wait_until_up(self.url, self.process, self.log)

    def kill(self) -> None:
        """SIGKILL the master and its workers at once, as a host failing would."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


@dataclass
class Cluster:
    root: Path
    env: dict
    instances: list[Instance]
    url: str  # nginx
    access_log: Path
    key_prefix: str
    redis: object
    nginx: subprocess.Popen | None = None
    extra: list[Instance] = field(default_factory=list)

    def instance(self, name: str, **env) -> Instance:
        """Another instance on the same shared services (with `env` changed), not started."""
        made = Instance(
            name,
            free_port(),
            {**self.env, **env},
            self.root / f"{name}.log",
        )
        made.env.update(TRACKER_BIND=f"127.0.0.1:{made.port}", TRACKER_INSTANCE_DIR=str(self.root))
        self.extra.append(made)
        return made

    def limit_keys(self) -> list:
        """The rate-limit counts this cluster keeps in Redis."""
        return list(self.redis.scan_iter(match=f"*{self.key_prefix}*"))


def _server_env(database_url: str, key_prefix: str, s3) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TRACKER_", "RATELIMIT_", "MAIL_")) and k != "DATABASE_URL"
    }
    env.update(
        TRACKER_TODAY=os.environ["TRACKER_TODAY"],
        TRACKER_ENV="development",
        SECRET_KEY=SECRET_KEY,
        DATABASE_URL=database_url,
        REDIS_URL=REDIS_URL,
        RATELIMIT_KEY_PREFIX=key_prefix,
        TRACKER_LOGIN_LIMIT=f"{LOGIN_LIMIT} per minute",
        TRACKER_PROXY_COUNT="1",
        TRACKER_WORKERS="2",
        TRACKER_IDEMPOTENCY_STALE_SECONDS=str(STALE_SECONDS),
        **shared_store(s3),
    )
    return env


@pytest.fixture(scope="session")
def cluster(s3_server):
    """The demo data (init-db, seed-demo) served by two instances behind nginx."""
    if not Path(NGINX).exists():
        _unavailable("nginx is not installed (apt-get install nginx)")
    redis_client = _redis()
    # Under /tmp rather than pytest's folder: nginx's workers (user nobody, when started as
    # root) must reach their temporary folders and the log.
    root = Path(tempfile.mkdtemp(prefix="tracker-multi-"))
    root.chmod(0o755)
    database_url, drop_database = _shared_database(root)
    key_prefix = f"tracker-multi-{uuid.uuid4().hex[:8]}"
    env = _server_env(database_url, key_prefix, s3_server)
    seed_env = {**env, "TRACKER_INSTANCE_DIR": str(root)}
    flask = [sys.executable, "-m", "flask", "--app", "app"]
    subprocess.run(flask + ["init-db"], cwd=ROOT, env=seed_env, check=True, capture_output=True)
    instances = []
    for name in ("a", "b"):
        (root / name).mkdir()
        port = free_port()
        instance_env = {
            **env,
            "TRACKER_INSTANCE_DIR": str(root / name),
            "TRACKER_BIND": f"127.0.0.1:{port}",
        }
        instances.append(Instance(name, port, instance_env, root / f"{name}.log"))
    nginx_port = free_port()
    conf = nginx.render(root, nginx_port, [i.port for i in instances])
    made = Cluster(
        root,
        env,
        instances,
        f"http://127.0.0.1:{nginx_port}",
        root / "nginx" / "access.log",
        key_prefix,
        redis_client,
    )
    try:
        # The demo is seeded while both instances load (seconds each): they answer /healthz
        # before it is done, and no test asks them anything until it is.
        seeding = subprocess.Popen(
            flask + ["seed-demo"],
            cwd=ROOT,
            env=seed_env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for instance in instances:
            instance.launch()
        _, seed_errors = seeding.communicate(timeout=300)
        assert seeding.returncode == 0, seed_errors.decode()[-3000:]
        for instance in instances:
            wait_until_up(instance.url, instance.process, instance.log)
        made.nginx = nginx.start(conf)
        wait_until_up(made.url, made.nginx, root / "nginx" / "stderr.log")
        yield made
    finally:
        if made.nginx is not None:
            made.nginx.terminate()
            made.nginx.wait(timeout=10)
        for instance in [*instances, *made.extra]:
            instance.kill()  # nothing to keep: the database and folder go next
        for key in made.limit_keys():
            redis_client.delete(key)
        drop_database()
        shutil.rmtree(root, ignore_errors=True)


# --- a client of the tracker ---------------------------------------------------------------------


def browser(address: str) -> requests.Session:
    """A browser at `address`: the instances trust one proxy's X-Forwarded-For
    (TRACKER_PROXY_COUNT=1), so a test reaching an instance directly names its own address
    and has its own sign-in count."""
    session = requests.Session()
    session.headers["X-Forwarded-For"] = address
    return session


def csrf_token(session: requests.Session, url: str) -> str:
    page = session.get(url, timeout=10)
    match = CSRF.search(page.text)
    assert match, f"no form on {url}: {page.status_code}"
    return match.group(1)


def sign_in(session: requests.Session, base: str, email: str, password: str):
    """Post the sign-in form; the answer (a 302 when signed in)."""
    token = csrf_token(session, f"{base}/login")
    return session.post(
        f"{base}/login",
        data={"email": email, "password": password, "csrf_token": token},
        allow_redirects=False,
        timeout=10,
    )


def api_token(base: str, email: str, password: str, address: str) -> dict:
    """Headers carrying a new API token of `email`."""
    made = requests.post(
        f"{base}/api/v1/tokens",
        json={"email": email, "password": password},
        headers={"X-Forwarded-For": address},
        timeout=10,
    )
    assert made.status_code == 201, made.text
    return {"Authorization": f"Bearer {made.json()['token']}", "X-Forwarded-For": address}
