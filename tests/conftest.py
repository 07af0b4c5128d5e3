"""Shared fixtures: one app and schema per run, emptied after every test.

The suite runs on SQLite by default. With TRACKER_TEST_DATABASE_URL set (e.g. the PostgreSQL
at 127.0.0.1:5432) it runs on that database instead, inside a schema of its own that is
dropped at the end, so a run never leaves tables behind.
"""

import html
import os
import re
import socket
import uuid
from contextlib import closing, contextmanager
from datetime import date
from pathlib import Path

# The whole suite, and every server it starts, runs as if today were this date (tracker.clock),
# so that a due date in the demo data or a test does not turn into the past as the months go by.
os.environ["TRACKER_TODAY"] = os.environ.get("TRACKER_TEST_TODAY", "2026-12-03")

import pytest  # noqa: E402 - after the clock is set
from aiosmtpd.controller import Controller  # noqa: E402
from flask.globals import _cv_app  # noqa: E402
from flask.testing import FlaskClient  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import JSON, Text, cast, create_engine, event, select, text  # noqa: E402

from tests.template import Template  # noqa: E402
from tracker import create_app  # noqa: E402
from tracker.extensions import db  # noqa: E402

# The factories (make_org, make_user, make_assessment, region, ...) live in a module of their own.
pytest_plugins = ("tests.factories",)

FRAMEWORK_FIXTURES = Path(__file__).parent / "frameworks" / "files"
TEST_PASSWORD = "correct-horse-battery"
CSRF_PATTERN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def postgres_schema(url: str):
    """Make a fresh schema for this run; return the URL that uses it and a cleanup."""
    schema = f"tracker_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    separator = "&" if "?" in url else "?"
    scoped = f"{url}{separator}options=-csearch_path%3D{schema}"

    def drop():
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()

    return scoped, drop


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashing():
    """Scrypt with small work factors: same code path, a thousandth of the time."""
    from werkzeug import security

    from tracker.models import users

    real = security.generate_password_hash
    users.generate_password_hash = lambda password, method="scrypt", **kw: real(
        password, method="scrypt:1024:8:1" if method == "scrypt" else method, **kw
    )
    yield
    users.generate_password_hash = real


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    instance = tmp_path_factory.mktemp("instance")
    url = os.environ.get("TRACKER_TEST_DATABASE_URL")
    drop = None
    if url:
        url, drop = postgres_schema(url)
    else:
        url = f"sqlite:///{instance / 'test.sqlite'}"
    os.environ["TRACKER_INSTANCE_DIR"] = str(instance)
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "test-secret-key",
            "TRACKER_EVIDENCE_DIR": str(instance / "evidence"),
            "SERVER_NAME": "tracker.test",
            # The suite signs in hundreds of times from one address; tests/security lower it.
            "TRACKER_LOGIN_LIMIT": "100000 per minute",
        }
    )
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            # The suite commits tens of thousands of times; SQLite's default waits for the disk
            # at each (milliseconds). NORMAL, in WAL mode, still loses nothing when a process
            # dies, only when the machine does, which a test database can afford.
            event.listen(db.engine, "connect", _sqlite_without_waiting_for_the_disk)
            db.engine.dispose()
        upgrade()  # the real migrations build the test schema
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    if drop:
        drop()


def _sqlite_without_waiting_for_the_disk(dbapi_connection, _record) -> None:
    dbapi_connection.execute("PRAGMA synchronous=NORMAL")


# Which store the app keeps files in: "file" (a directory), "s3" (a SeaweedFS this run starts)
# or "azure" (an Azurite this run starts), as TRACKER_TEST_STORAGE=s3 or azure asks, to run the
# storage tests on a bucket or a container.
TEST_STORAGE = os.environ.get("TRACKER_TEST_STORAGE", "file")
STORES = ("file", "s3", "azure")


@contextmanager
def _environment(variables: dict[str, str]):
    """Set variables for a session fixture's life; put back what was there."""
    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """A real S3-compatible server (SeaweedFS) for this test process, with a bucket; the AWS
    variables point the tracker's client at it."""
    from deploy.seaweed import SeaweedS3

    server = SeaweedS3(tmp_path_factory.mktemp("seaweedfs")).start()
    with _environment(server.environment()):
        yield server
    server.stop()


@pytest.fixture(scope="session")
def azurite_server(tmp_path_factory):
    """A real Azure Blob Storage server (Azurite) for this test process, with a container;
    AZURE_STORAGE_CONNECTION_STRING points the tracker's client at it."""
    from tests.azurite import Azurite

    server = Azurite(tmp_path_factory.mktemp("azurite")).start()
    with _environment(server.environment()):
        yield server
    server.stop()


@pytest.fixture
def store_settings(request, tmp_path):
    """The settings of a new, empty store of a kind: a directory, or a prefix of its own in
    the test bucket or container."""
    made = []

    def _settings(kind: str) -> dict:
        name = f"store{len(made)}"
        made.append(name)
        settings = {
            "TRACKER_EVIDENCE_DIR": str(tmp_path / ("evidence" if len(made) == 1 else name)),
            "TRACKER_STORAGE_URL": None,
            "TRACKER_S3_ENDPOINT_URL": None,
        }
        if kind == "s3":
            server = request.getfixturevalue("s3_server")
            settings["TRACKER_STORAGE_URL"] = f"s3://{server.bucket}/{uuid.uuid4().hex}"
            settings["TRACKER_S3_ENDPOINT_URL"] = server.endpoint
        if kind == "azure":
            server = request.getfixturevalue("azurite_server")
            settings["TRACKER_STORAGE_URL"] = f"az://{server.container}/{uuid.uuid4().hex}"
        return settings

    return _settings


@pytest.fixture(autouse=True)
def _fresh_evidence_store(app, store_settings):
    """Every test stores files in a store of its own (a directory, or a prefix in a bucket)."""
    app.config.update(store_settings(TEST_STORAGE))


def remove_stored(store, sha256: str) -> None:
    """Lose a stored file behind the tracker's back (the store itself never deletes one that
    is referenced)."""
    if store.location.startswith("s3://"):
        store.client.delete_object(Bucket=store.bucket, Key=store._key(sha256))
    elif store.location.startswith("az://"):
        store.container.delete_blob(store._key(sha256))
    else:
        store._path(sha256).unlink()


@pytest.fixture(params=STORES)
def any_store(request, app, store_settings):
    """A test run once with each kind of store, as the app's store."""
    settings = store_settings(request.param)
    saved = {key: app.config.get(key) for key in settings}
    app.config.update(settings)
    yield request.param
    app.config.update(saved)  # for fixtures that replace _fresh_evidence_store


@pytest.fixture(autouse=True)
def _clean_database(app):
    """Every test starts from empty tables."""
    ctx = app.app_context()
    ctx.push()
    yield
    db.session.rollback()
    empty_every_table()
    ctx.pop()


def every_row() -> dict[str, list[tuple]]:
    """Every table's rows in primary-key order, read afresh; JSON as its stored text, so that
    SQL NULL and a JSON null differ. To show that nothing changed, or that a copy is whole."""
    db.session.expire_all()
    with db.engine.connect() as conn:
        return {
            each.name: conn.execute(
                select(
                    *(cast(c, Text) if isinstance(c.type, JSON) else c for c in each.columns)
                ).order_by(*each.primary_key.columns)
            ).all()
            for each in db.metadata.sorted_tables
        }


def empty_every_table() -> None:
    """Empty every table, ids starting again, as on a fresh database."""
    db.session.remove()
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        # Children first. On PostgreSQL, DELETE and setting the sequences back is some thirty
        # times quicker than TRUNCATE ... RESTART IDENTITY on a test's few rows (TRUNCATE makes
        # new files for every table and index), and leaves the same empty tables.
        for table in tables:
            conn.execute(text(f"DELETE FROM {table}"))
        if conn.dialect.name == "postgresql":
            conn.execute(
                text(
                    "SELECT setval(format('%I.%I', schemaname, sequencename)::regclass, 1, false) "
                    "FROM pg_sequences WHERE schemaname = current_schema()"
                )
            )


def assert_security_headers(response) -> None:
    """What every response must carry (DESIGN §11); the client below checks every one."""
    headers = response.headers
    policy = dict(
        (part.strip().split(" ", 1) + [""])[:2]
        for part in headers.get("Content-Security-Policy", "").split(";")
        if part.strip()
    )
    where = f"{response.request.method} {response.request.path} ({response.status_code})"
    assert policy.get("script-src") == "'self'", f"{where}: script-src {policy.get('script-src')}"
    assert "unsafe-inline" not in policy.get("style-src", ""), where
    assert policy.get("frame-ancestors") == "'none'", where
    assert policy.get("object-src") == "'none'", where
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    assert headers.get("Referrer-Policy") == "same-origin", where


class FreshContextClient(FlaskClient):
    """A test client whose every request gets its own app context, as on a real server.

    Tests keep an app context pushed to use the database; without this, requests would share
    it, and with it `g` (where Flask-Login and Flask-Babel keep per-request state).
    """

    def open(self, *args, **kwargs):
        # A streamed page runs its generator while the response is read: read it here, in
        # the request's own context, as a server would send it before the next request.
        kwargs.setdefault("buffered", True)
        token = _cv_app.set(None)
        try:
            response = super().open(*args, **kwargs)
        finally:
            _cv_app.reset(token)
        assert_security_headers(response)
        return response


@pytest.fixture
def today_is():
    """Set the tracker's today (tracker.clock) for one test: `today_is(date(2027, 2, 1))`."""
    from tracker import clock

    def _set(day: date) -> date:
        clock.set_today(day)
        return day

    yield _set
    clock.set_today(date.fromisoformat(os.environ["TRACKER_TODAY"]))


@pytest.fixture
def client(app):
    app.test_client_class = FreshContextClient
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def page_text(response) -> str:
    """A page's HTML with entities decoded, for assertions on what a reader sees."""
    return html.unescape(response.get_data(as_text=True))


def csrf_token(client, path: str = "/login") -> str:
    """The CSRF token from a page's form, as a browser would send it back."""
    page = client.get(path).get_data(as_text=True)
    match = CSRF_PATTERN.search(page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def signed_in_browsers(app, email: str, page: str, count: int) -> list[tuple]:
    """`count` browsers, each signed in as `email` with its own session, as (client, the CSRF
    token of `page` in that session): for posting the same form at the same moment."""
    app.test_client_class = FreshContextClient
    opened = []
    for _n in range(count):
        browser = app.test_client()
        token = csrf_token(browser, "/login")
        browser.post(
            "/login", data={"email": email, "password": TEST_PASSWORD, "csrf_token": token}
        )
        opened.append((browser, csrf_token(browser, page)))
    return opened


@pytest.fixture
def login(client):
    """Sign a user in through the real sign-in form; returns the response."""

    def _login(email: str, password: str = TEST_PASSWORD, next_url: str | None = None):
        path = "/login" + (f"?next={next_url}" if next_url else "")
        token = csrf_token(client, path)
        return client.post(path, data={"email": email, "password": password, "csrf_token": token})

    return _login


# --- a real SMTP server ------------------------------------------------------------------------


def free_port() -> int:
    with closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpSink:
    """Keeps every message the SMTP server is given."""

    def __init__(self):
        self.messages = []

    def parsed(self) -> list:
        """Every message so far as an email.message.EmailMessage."""
        import email
        import email.policy

        return [
            email.message_from_bytes(m.content, policy=email.policy.default) for m in self.messages
        ]

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append(envelope)
        return "250 Message accepted"


@pytest.fixture
def mail_to(app):
    """Point the app's mail settings at a host and port for one test."""
    saved = {k: app.config[k] for k in ("MAIL_SERVER", "MAIL_PORT", "MAIL_TIMEOUT")}

    def _point(port: int, timeout: float = 5):
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_TIMEOUT=timeout)

    yield _point
    from tracker.notifications import mail

    mail.wait()
    app.config.update(saved)


@pytest.fixture
def smtp_sink(mail_to):
    sink = SmtpSink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    mail_to(port)
    yield sink
    controller.stop()


@pytest.fixture(scope="session")
def _demo_password():
    import yaml

    from tracker.seeding import SEEDS

    return yaml.safe_load((SEEDS / "demo.yaml").read_text())["password"]


@pytest.fixture(scope="session")
def _demo_template(app, tmp_path_factory):
    """The demo data, seeded once per test process and set aside (tests/template.py)."""
    from tracker.seeding import seed_demo

    template = Template("demo", tmp_path_factory.mktemp("demo-evidence"))
    with app.app_context():
        # Seeded into a directory, whichever store the tests use; `demo` copies into that.
        saved = {
            key: app.config.get(key) for key in ("TRACKER_EVIDENCE_DIR", "TRACKER_STORAGE_URL")
        }
        app.config.update(TRACKER_EVIDENCE_DIR=str(template.files), TRACKER_STORAGE_URL=None)
        try:
            seed_demo()
            template.take()
        finally:
            app.config.update(saved)
            empty_every_table()
    yield template
    with app.app_context():
        template.drop()


@pytest.fixture
def demo(app, _demo_template, _demo_password):
    """The full demo data set, as the real seed command's service loads it: its rows and
    stored files copied from the seed this process made once (the same ids and bytes)."""
    from tracker.evidence.operations import store

    _demo_template.copy_back(store())
    return _demo_password


@pytest.fixture
def post(client):
    """POST a form as the browser would, with the CSRF token from the page it came from."""

    def _post(path: str, data: dict, page: str | None = None, headers=None):
        token = csrf_token(client, page or path)
        return client.post(path, data={**data, "csrf_token": token}, headers=headers or {})

    return _post


def date_parts(name: str, value) -> dict:
    """A date as GOV.UK's date input sends it, in three boxes `<name>-day`, `-month` and
    `-year`: from a date, "2027-03-31", "31/03/2027" or "" (all three left empty)."""
    if isinstance(value, date):
        day, month, year = value.day, value.month, value.year
    elif value == "":
        day = month = year = ""
    elif re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", value):
        year, month, day = value.split("-")
    elif re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}", value):
        day, month, year = value.split("/")
    else:
        raise ValueError(f"Give the three boxes of {value!r} yourself")
    return {f"{name}-day": str(day), f"{name}-month": str(month), f"{name}-year": str(year)}


def with_dates(data: dict, *names: str) -> dict:
    """A form's data with each named date (if present) sent as three boxes (date_parts)."""
    sent = dict(data)
    for name in names:
        if name in sent:
            sent.update(date_parts(name, sent.pop(name)))
    return sent


# --- post_answer (assess) ---
@pytest.fixture
def post_answer(post):
    """POST an answer form as its page sends it, with the page's CSRF token: an item's
    (`post_answer(assessment, "A1", narrative=..., version=1, then="upload")`, to the item page
    itself) or, given `challenge`, a challenge's (to its /answer). Values are sent as text;
    a list (chosen evidence) as several values."""

    def _post_answer(assessment=None, item_key=None, challenge=None, headers=None, **fields):
        if challenge is not None:
            page = f"/review/challenges/{challenge.id}"
            path = f"{page}/answer"
        else:
            page = path = f"/assessments/{assessment.id}/items/{item_key}"
        data = {
            name: [str(v) for v in value] if isinstance(value, list) else str(value)
            for name, value in fields.items()
        }
        return post(path, data, page=page, headers=headers)

    return _post_answer
