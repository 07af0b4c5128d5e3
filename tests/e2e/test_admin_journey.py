"""Running the tracker for real, in a browser (issue #15), in English and in Welsh.

A reference-only install, as the README's "Running it for real" sets it up (init-db,
seed-reference, create-user --role admin; no demo data), with a real SMTP server. The
administrator opens a cycle, invites a coordinator, uploads a framework file with a mistake,
sees the mistake, fixes it and imports it; the invited person sets a password from the e-mail
and signs in; after five wrong passwords their account is locked, the administrator unlocks it
and they sign in again. axe checks every page on the way.
"""

import os
import re
import time
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller

from tests.conftest import SmtpSink, free_port, postgres_schema
from tests.e2e.conftest import ROOT, fill_date, gettext_in, seeded_name, serve
from tracker import clock

ADMIN_PASSWORD = "granite-orchard-lantern"
NEW_PASSWORD = "harbour-thistle-compass"
VALID = ROOT / "tests" / "frameworks" / "files" / "valid.yaml"
LINK = re.compile(r"http://\S+/password/set/[A-Za-z0-9_-]+")

# Each language's run has its own people, cycle and framework key: both share one install.
RUNS = {
    "en": {
        "admin": "lead@national.example",
        "person": "new.coordinator@cardiff-vale.example",
        "cycle": ("2026–27", clock.today() - timedelta(days=30), 200, 300),
    },
    "cy": {
        "admin": "arweinydd@cenedlaethol.example",
        "person": "cydlynydd.newydd@cardiff-vale.example",
        "cycle": ("2027–28", clock.today() + timedelta(days=400), 200, 300),
    },
}


@pytest.fixture(scope="module")
def real_install(tmp_path_factory):
    """The production path of the README on a fresh instance, served with e-mail to a real
    local SMTP server; yields (base URL, the server's inbox)."""
    instance = tmp_path_factory.mktemp("real-install")
    sink = SmtpSink()
    smtp_port = free_port()
    smtp = Controller(sink, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "TRACKER_INSTANCE_DIR": str(instance),
        "TRACKER_ENV": "development",  # production cookies are Secure: no HTTPS here
        "SECRET_KEY": "real-install-secret",
        "TRACKER_LOGIN_LIMIT": "10000 per minute",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp_port),
        "TRACKER_BASE_URL": base_url,
    }
    env.pop("DATABASE_URL", None)
    drop = None
    if os.environ.get("TRACKER_TEST_DATABASE_URL"):
        env["DATABASE_URL"], drop = postgres_schema(os.environ["TRACKER_TEST_DATABASE_URL"])
    commands = [["init-db"], ["seed-reference"]] + [
        [
            "create-user",
            "--email",
            run["admin"],
            "--name",
            f"National lead ({lang})",
            "--organisation",
            "NAT-TEAM",
            "--role",
            "admin",
            "--locale",
            lang,
            "--password",
            ADMIN_PASSWORD,
        ]
        for lang, run in RUNS.items()
    ]
    server, log, _url = serve(env, instance, commands, port)
    yield base_url, sink
    server.terminate()
    server.wait(timeout=10)
    smtp.stop()
    log.close()
    if drop:
        drop()


def _sign_in(page, t, email, password, lang):
    page.goto(f"/login?lang={lang}")
    page.get_by_label(t("Email address")).fill(email)
    page.get_by_label(t("Password"), exact=True).fill(password)
    page.get_by_role("button", name=t("Sign in")).click()


def _mail_to(sink, address: str, timeout: float = 10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in sink.parsed():
            if message["To"] == address:
                return message
        time.sleep(0.1)
    pytest.fail(f"no e-mail to {address}")


@pytest.mark.parametrize("lang", ["en", "cy"])
def test_an_administrator_runs_the_tracker_from_the_browser(
    browser, real_install, lang, tmp_path, assert_accessible, request
):
    base_url, sink = real_install
    run, t = RUNS[lang], gettext_in(lang)
    label, opens, due_days, close_days = run["cycle"]
    context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)

    # The administrator signs in, in their language, and finds the administration area.
    _sign_in(page, t, run["admin"], ADMIN_PASSWORD, lang)
    page.wait_for_url(lambda url: "/login" not in url)
    assert page.locator("html").get_attribute("lang") == lang
    page.get_by_role("link", name=t("Administration"), exact=True).click()
    assert page.locator("h1").inner_text() == t("Administration")
    assert_accessible(page)

    # Opens a cycle.
    page.get_by_role("link", name=t("Cycles"), exact=True).click()
    page.get_by_role("link", name=t("Open a new cycle")).click()
    assert_accessible(page)
    page.get_by_label(t("Label")).fill(label)
    fill_date(page, t("Opens on"), opens, t)
    fill_date(page, t("Assessments due by"), opens + timedelta(days=due_days), t)
    fill_date(page, t("Closes on"), opens + timedelta(days=close_days), t)
    page.get_by_role("button", name=t("Open cycle")).click()
    page.wait_for_url(lambda url: url.endswith("/admin/cycles"))
    assert label in page.locator("table").inner_text()
    assert_accessible(page)

    # Uploads a framework file with a mistake, sees it, then the corrected file, and imports it.
    page.goto("/admin/frameworks")
    good = VALID.read_text(encoding="utf-8").replace(
        "key: test-framework", f"key: journey-{lang}", 1
    )
    broken = tmp_path / f"journey-{lang}.yaml"
    broken.write_text(good.replace("version: 1", "version: none", 1), encoding="utf-8")
    page.get_by_label(t("Framework file")).set_input_files(str(broken))
    page.get_by_role("button", name=t("Upload and preview")).click()
    summary = page.locator(".govuk-error-summary")
    assert f"journey-{lang}.yaml" in summary.inner_text() and "version" in summary.inner_text()
    assert_accessible(page)
    fixed = tmp_path / f"journey-{lang}-fixed.yaml"
    fixed.write_text(good, encoding="utf-8")
    page.get_by_label(t("Framework file")).set_input_files(str(fixed))
    page.get_by_role("button", name=t("Upload and preview")).click()
    assert_accessible(page)
    page.get_by_role("button", name=t("Import version %(version)d", version=1)).click()
    page.wait_for_url(lambda url: url.endswith("/admin/frameworks"))
    assert f"journey-{lang}" in page.locator("main").inner_text()
    assert_accessible(page)

    # Invites a coordinator for Cardiff and Vale, who reads Welsh or English.
    page.goto("/admin/people/invite")
    assert_accessible(page)
    page.get_by_label(t("E-mail address")).fill(run["person"])
    page.get_by_label(t("Full name")).fill(f"Newydd {lang.upper()}")
    page.get_by_label(t("Organisation"), exact=True).select_option(
        label=seeded_name("organisation", "RSB-CV", lang)
    )
    page.get_by_label(t("Role"), exact=True).select_option("coordinator")
    page.locator(f"input[name=locale][value={lang}]").check()
    page.get_by_role("button", name=t("Send the invitation")).click()
    page.wait_for_url(re.compile(r"/admin/people/\d+$"))
    person_page = page.url
    assert run["person"] in page.locator("main").inner_text()
    assert_accessible(page)

    # The invited person follows the e-mailed link, in their language, and sets a password.
    message = _mail_to(sink, run["person"])
    body = message.get_body(("plain",)).get_content()
    assert seeded_name("organisation", "RSB-CV", lang) in body
    link = LINK.search(body).group(0)
    newcomer = browser.new_context(
        base_url=base_url, viewport={"width": 390, "height": 844}
    ).new_page()
    newcomer.set_default_timeout(10_000)
    newcomer.goto(f"{link}?lang={lang}")
    assert_accessible(newcomer)
    newcomer.get_by_label(t("New password"), exact=True).fill(NEW_PASSWORD)
    newcomer.get_by_label(t("Type the new password again")).fill(NEW_PASSWORD)
    newcomer.get_by_role("button", name=t("Save password")).click()
    newcomer.wait_for_url(re.compile(r"/login"))
    assert_accessible(newcomer)

    # Five wrong passwords lock the account...
    for _ in range(5):
        _sign_in(newcomer, t, run["person"], "not-my-password-at-all", lang)
    assert "15" in newcomer.locator(".govuk-error-summary").inner_text()
    _sign_in(newcomer, t, run["person"], NEW_PASSWORD, lang)
    assert "/login" in newcomer.url  # locked, even with the right password

    # ...the administrator unlocks it...
    page.goto(person_page)
    assert t("Locked") in page.locator("main").inner_text()
    page.get_by_role("button", name=t("Unlock the account")).click()
    page.wait_for_url(person_page)
    assert_accessible(page)

    # ...and the coordinator signs in, sees the cycle and its due date.
    _sign_in(newcomer, t, run["person"], NEW_PASSWORD, lang)
    newcomer.wait_for_url(lambda url: "/login" not in url)
    home = newcomer.locator("main").inner_text()
    if lang == "en":  # the English run's cycle is the one in progress
        assert label in home
    assert_accessible(newcomer)
    newcomer.screenshot(path=str(tmp_path / "home.png"), full_page=True)
    newcomer.context.close()
    context.close()
