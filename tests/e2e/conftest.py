"""Browser tests: the real app in its own server process, driven by Debian's Chromium."""

import contextlib
import functools
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
import yaml
from babel import support

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(__file__).parent / "screenshots"
CHROMIUM = os.environ.get("TRACKER_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# Chromium as root in a container, with nothing reaching out to the network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(env: dict, instance: Path, commands, port: int | None = None, python: str = ""):
    """Run `commands` (flask subcommands) in `env`, then `python` (a script given the app's
    database, for data the commands do not make), then serve the app on a free local port:
    (server process, its log file, base URL). Fails the test if it does not start."""
    flask = [sys.executable, "-m", "flask", "--app", "app"]
    for command in commands:
        subprocess.run(flask + command, cwd=ROOT, env=env, check=True, capture_output=True)
    if python:
        subprocess.run([sys.executable, "-c", python], cwd=ROOT, env=env, check=True)
    port = port or _free_port()
    # The server logs every request: to a file, as a pipe nobody reads would fill and stall it.
    log = (instance / "server.log").open("w+b")
    server = subprocess.Popen(
        flask + ["run", "--port", str(port), "--no-reload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            urllib.request.urlopen(f"{base_url}/healthz", timeout=1)
            return server, log, base_url
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                log.seek(0)
                pytest.fail(f"server did not start: {log.read().decode()[-2000:]}")
            time.sleep(0.2)


def _server_env(instance: Path) -> dict:
    env = {
        **os.environ,
        "TRACKER_INSTANCE_DIR": str(instance),
        "TRACKER_ENV": "development",
        "SECRET_KEY": "e2e-secret-key",
        # Every browser test signs in from 127.0.0.1; tests/security checks the real limit.
        "TRACKER_LOGIN_LIMIT": "10000 per minute",
    }
    env.pop("DATABASE_URL", None)
    return env


class DemoTemplate:
    """The demo database made once per test process with the real commands (init-db, then
    seed-demo), and copied for each demo server: on SQLite its file and stored evidence, on
    PostgreSQL a database made from it with CREATE DATABASE ... TEMPLATE."""

    def __init__(self):
        self.instance: Path | None = None
        self.admin = None  # on PostgreSQL: an engine on the suite's database, for CREATE DATABASE
        self.made: list[str] = []  # PostgreSQL databases made, the template first

    def _database(self, template: str | None = None) -> str:
        """A new PostgreSQL database (a copy of `template`, if given); its URL."""
        from sqlalchemy import create_engine, make_url, text

        url = make_url(os.environ["TRACKER_TEST_DATABASE_URL"])
        if self.admin is None:
            driven = url.set(drivername="postgresql+psycopg")
            self.admin = create_engine(driven, isolation_level="AUTOCOMMIT")
        name = f"tracker_e2e_{uuid.uuid4().hex[:10]}"
        with self.admin.connect() as conn:
            conn.execute(
                text(f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else ""))
            )
        self.made.append(name)
        return url.set(database=name).render_as_string(hide_password=False)

    def copy_to(self, instance: Path, env: dict) -> None:
        """Give the server about to run in `instance` (with `env`) its own copy of the demo."""
        if self.instance is None:
            self.instance = Path(tempfile.mkdtemp(prefix="e2e-demo-"))
            made = _server_env(self.instance)
            if os.environ.get("TRACKER_TEST_DATABASE_URL"):
                made["DATABASE_URL"] = self._database()
            flask = [sys.executable, "-m", "flask", "--app", "app"]
            for command in (["init-db"], ["seed-demo"]):
                subprocess.run(flask + command, cwd=ROOT, env=made, check=True, capture_output=True)
        if self.made:
            env["DATABASE_URL"] = self._database(template=self.made[0])
        else:
            with (
                contextlib.closing(sqlite3.connect(self.instance / "tracker.sqlite")) as source,
                contextlib.closing(sqlite3.connect(instance / "tracker.sqlite")) as copy,
            ):
                source.backup(copy)
        shutil.copytree(self.instance / "evidence", instance / "evidence", dirs_exist_ok=True)

    def drop(self, name: str) -> None:
        """Drop a database this made (its server has stopped)."""
        from sqlalchemy import text

        with self.admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))

    def remove(self) -> None:
        """Drop the template and its copies; remove its files."""
        for name in reversed(self.made):
            self.drop(name)
        if self.admin is not None:
            self.admin.dispose()
        if self.instance is not None:
            shutil.rmtree(self.instance, ignore_errors=True)


_DEMO = DemoTemplate()


@pytest.fixture(scope="session", autouse=True)
def _demo_template():
    """The demo template lives for the run, made when the first demo server needs it."""
    yield _DEMO
    _DEMO.remove()


@contextlib.contextmanager
def demo_server(instance: Path, python: str = ""):
    """A copy of the demo database (made once with the real commands, DemoTemplate) in
    `instance`, then `python` run on it, as serve() runs it, served on a random local port (on
    PostgreSQL in a database of its own when TRACKER_TEST_DATABASE_URL is set)."""
    env = _server_env(instance)
    _DEMO.copy_to(instance, env)
    server, log, base_url = serve(env, instance, (), python=python)
    try:
        yield base_url
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()
        if "DATABASE_URL" in env:
            database = env["DATABASE_URL"].rsplit("/", 1)[1].split("?")[0]
            _DEMO.drop(database)
            _DEMO.made.remove(database)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The demo, served for the whole run."""
    with demo_server(tmp_path_factory.mktemp("e2e-instance")) as base_url:
        yield base_url


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: install Debian's chromium package "
            "(`apt-get install chromium`) or set TRACKER_CHROMIUM."
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield WatchedBrowser(browser)
        browser.close()


# What Chromium says when the Content-Security-Policy refuses something (an inline style or
# script, an eval, a resource from elsewhere), in the console or as an uncaught error.
CSP_REFUSAL = re.compile(r"Content[ -]Security[ -]Policy", re.IGNORECASE)
_refusals: list[str] = []


def _watch(target) -> None:
    """Record every CSP refusal reported by `target` (a context or a page) for `no_csp_refusals`."""

    def _console(message):
        if CSP_REFUSAL.search(message.text):
            _refusals.append(f"{message.page.url if message.page else '?'}: {message.text}")

    def _page_error(error):
        text = str(error.error if hasattr(error, "error") else error)
        if CSP_REFUSAL.search(text):
            _refusals.append(f"{getattr(error, 'page', None) and error.page.url}: {text}")

    target.on("console", _console)
    target.on("weberror" if hasattr(target, "pages") else "pageerror", _page_error)
    # Chromium's own message does not say where the refused style came from: the page's
    # violation event does.
    target.add_init_script(_REPORT_WHERE)


_REPORT_WHERE = """
document.addEventListener("securitypolicyviolation", (e) => console.error(
  `Content Security Policy refused ${e.effectiveDirective} ${e.blockedURI || ""} ` +
  `from ${e.sourceFile || "the page"}:${e.lineNumber}:${e.columnNumber} ${e.sample || ""}`));
"""


class WatchedBrowser:
    """The session's browser: every context made from it, by any test, reports the
    Content-Security-Policy refusals of all its pages, so no test can leave them unseen."""

    def __init__(self, browser):
        self._browser = browser

    def new_context(self, **kwargs):
        context = self._browser.new_context(**kwargs)
        _watch(context)
        return context

    def new_page(self, **kwargs):
        page = self._browser.new_page(**kwargs)
        _watch(page)
        return page

    def __getattr__(self, name):
        return getattr(self._browser, name)


@pytest.fixture(autouse=True)
def no_csp_refusals():
    """Fail any browser test whose pages met a Content-Security-Policy refusal (issue #17
    point 17): an inline style or script the policy blocks is a page that looks or works
    differently from the one we test. Checked after the test's pages are closed."""
    _refusals.clear()
    yield
    refusals, _refusals[:] = list(dict.fromkeys(_refusals)), []
    assert not refusals, "Content-Security-Policy refusals:\n" + "\n".join(refusals)


@pytest.fixture
def page(browser, live_server, request):
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{request.node.name}.png"), full_page=True)
    context.close()


@pytest.fixture
def snap(request):
    """Save a full-page screenshot now, named after the test (kept when a run fails)."""

    def _snap(page, label: str):
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{request.node.name}-{label}.png"), full_page=True)

    return _snap


@pytest.fixture(scope="session")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


@pytest.fixture
def assert_accessible(axe, request):
    """Run axe-core on the page: zero WCAG 2.2 A/AA violations. Each check is recorded (which
    page load, after how many htmx swaps) for `every_page_checked`."""
    checked = request.node.stash.setdefault(CHECKED, set())

    def _check(page):
        page.wait_for_function("() => !document.querySelector('.htmx-request')")
        results = axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
        assert results.violations_count == 0, results.generate_report()
        visit = page.evaluate("() => window.__e2eVisit && [window.__e2eVisit, window.__e2eSwaps]")
        if visit:
            checked.add(tuple(visit))

    return _check


CHECKED = pytest.StashKey[set]()
# Each page load gets an id, and each htmx swap into it a number; both are reported to the test.
_TRACK_VISITS = """
(() => {
  if (!location.protocol.startsWith("http") || window !== window.top) return;
  const visit = Math.random().toString(36).slice(2) + Date.now().toString(36);
  window.__e2eVisit = visit;
  window.__e2eSwaps = 0;
  window.__e2eRecordVisit({visit, url: location.href, swaps: 0});
  document.addEventListener("htmx:afterSwap", () => {
    window.__e2eSwaps += 1;
    window.__e2eRecordVisit({visit, url: location.href, swaps: window.__e2eSwaps});
  });
})();
"""


@pytest.fixture
def every_page_checked(page, assert_accessible, request):
    """Fail the test unless axe checked every page it loaded, in the state after the page's
    last htmx swap: the check cannot be forgotten on one page of a journey."""
    visits: dict[str, tuple[str, int]] = {}

    def _record(_source, seen):
        url, swaps = visits.get(seen["visit"], (seen["url"], 0))
        visits[seen["visit"]] = (url, max(swaps, seen["swaps"]))

    page.expose_binding("__e2eRecordVisit", _record)
    page.add_init_script(_TRACK_VISITS)
    yield visits
    page.evaluate("1")  # let the last reports arrive
    checked = request.node.stash.get(CHECKED, set())
    missed = [
        f"{url} (after {swaps} htmx swaps)"
        for visit, (url, swaps) in visits.items()
        if (visit, swaps) not in checked
    ]
    assert visits, "no page was visited"
    assert not missed, "pages not checked with axe:\n" + "\n".join(missed)


@functools.cache
def _catalogue(lang: str) -> support.NullTranslations:
    if lang == "en":
        return support.NullTranslations()
    return support.Translations.load(str(ROOT / "translations"), [lang])


def gettext_in(lang: str):
    """The app's own catalogue as a function, so tests read labels as users see them and do not
    repeat the translations (an untranslated string stays English, as on the page)."""

    def _(msgid: str, **variables) -> str:
        text = _catalogue(lang).gettext(msgid)
        return text % variables if variables else text

    return _


def seeded_name(kind: str, key: str, lang: str) -> str:
    """An organisation's or framework's name in a language, as the seeds give it."""
    if kind == "organisation":
        rows = yaml.safe_load((ROOT / "seeds" / "organisations.yaml").read_text())["organisations"]
        row = next(r for r in rows if r["code"] == key)
        return row["name_cy"] if lang == "cy" and row.get("name_cy") else row["name"]
    framework = yaml.safe_load((ROOT / "seeds" / "frameworks" / f"{key}.yaml").read_text())
    return framework["title"].get(lang) or framework["title"]["en"]


def fill_date(page, legend: str, day, _=lambda text: text):
    """Type `day` into the GOV.UK date input whose legend is `legend`, box by box, as a person
    would (labels read through `_`, the page's language)."""
    group = page.get_by_role("group", name=legend, exact=True)
    group.get_by_label(_("Day"), exact=True).fill(str(day.day))
    group.get_by_label(_("Month"), exact=True).fill(str(day.month))
    group.get_by_label(_("Year"), exact=True).fill(str(day.year))
