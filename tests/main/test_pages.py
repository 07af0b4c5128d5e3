"""Health check, error pages, language switch, security headers and public pages."""

import pytest
from sqlalchemy.exc import OperationalError

from tests.conftest import csrf_token, page_text
from tracker.extensions import db
from tracker.main import queries as main_queries


def test_healthz_answers_ok_when_the_database_does(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_healthz_says_unavailable_when_the_database_does_not(client, monkeypatch):
    def broken(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(db.session, "execute", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable"}


def test_unknown_page_is_a_plain_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Page not found" in page_text(response)


def test_api_paths_get_json_errors(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.get_json() == {"error": {"code": "not_found", "message": "not found"}}


def test_unexpected_error_is_a_plain_500_and_keeps_nothing_half_done(
    client, login, make_user, monkeypatch
):
    user = make_user()
    login(user.email)

    def explode(_user):
        raise RuntimeError("boom")

    monkeypatch.setattr(main_queries, "start_page", explode)
    response = client.get("/")
    assert response.status_code == 500
    page = page_text(response)
    assert "Sorry, there is a problem with the service" in page
    assert "boom" not in page and "Traceback" not in page


def test_request_too_large_is_a_plain_413(app, client):
    original = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 1024
    try:
        response = client.post("/login", data={"email": "x" * 5000, "password": "y"})
    finally:
        app.config["MAX_CONTENT_LENGTH"] = original
    assert response.status_code == 413
    assert "The file is too large" in page_text(response)


def test_accessibility_statement_is_public(client):
    response = client.get("/accessibility")
    assert response.status_code == 200
    assert "WCAG" in page_text(response)


def test_language_switch_shows_welsh_and_is_remembered(client):
    response = client.get("/login?lang=cy")
    page = page_text(response)
    assert '<html lang="cy"' in page
    assert 'href="/login?lang=en"' in page  # the switch back keeps the user on this page
    assert '<html lang="cy"' in page_text(client.get("/accessibility"))
    assert '<html lang="en"' in page_text(client.get("/accessibility?lang=en"))
    assert '<html lang="en"' in page_text(client.get("/login"))


def test_language_choice_is_saved_on_the_account(client, login, make_user):
    """?lang= switches this session only: a GET changes nothing stored (#16 point 12). The
    preference, which also sets the language of one's e-mails, is saved by a POST."""
    user = make_user()
    login(user.email)
    assert '<html lang="cy"' in page_text(client.get("/?lang=cy"))
    assert '<html lang="cy"' in page_text(client.get("/"))  # for the rest of the session
    db.session.refresh(user)
    assert user.locale == "en"
    saved = client.post(
        "/account/language", data={"locale": "cy", "csrf_token": csrf_token(client, "/account")}
    )
    assert saved.status_code == 302
    db.session.refresh(user)
    assert user.locale == "cy"
    # A new browser session picks the account's language.
    token = csrf_token(client, "/")
    client.post("/logout", data={"csrf_token": token})
    with client.session_transaction() as session:
        session.clear()
    login(user.email)
    assert '<html lang="cy"' in page_text(client.get("/"))


def test_switch_link_keeps_other_query_parameters(client):
    page = page_text(client.get("/login?next=/frameworks/"))
    assert "/login?next=%2Fframeworks%2F&lang=cy" in page


@pytest.mark.parametrize("path", ["/login", "/healthz", "/accessibility", "/no-such-page"])
def test_security_headers_on_every_response(client, path):
    headers = client.get(path).headers
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"


def test_session_cookie_is_httponly_and_samesite(client, login, make_user):
    user = make_user()
    response = login(user.email)
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_frameworks_are_listed_for_signed_in_users(client, login, make_user, framework):
    login(make_user("reviewer").email)
    listing = page_text(client.get("/frameworks/"))
    assert "Test framework" in listing
    detail = page_text(client.get(f"/frameworks/{framework.id}"))
    assert "Thresholds are understood." in detail and "Implemented" in detail
    assert client.get("/frameworks/999999").status_code == 404


def test_framework_page_in_welsh_uses_welsh_titles(client, login, make_user, framework):
    login(make_user().email)
    page = page_text(client.get(f"/frameworks/{framework.id}?lang=cy"))
    assert "Fframwaith prawf" in page and "Adran gyntaf" in page


@pytest.mark.parametrize(
    "path",
    [
        "/assessments/2147483648",
        "/assessments/9223372036854775808",
        "/frameworks/99999999999",
        "/assessments/start/2147483648",
        "/assessments/1/actions/99999999999999",
    ],
)
def test_ids_too_large_for_the_database_are_not_found(client, login, make_user, path):
    login(make_user().email)
    assert client.get(path).status_code == 404


def test_nul_bytes_are_refused_plainly(client, make_user):
    user = make_user()
    token = csrf_token(client)
    response = client.post(
        "/login", data={"email": user.email + "\x00", "password": "x", "csrf_token": token}
    )
    assert response.status_code == 400
    assert client.get("/login?next=/\x00").status_code == 400


def test_signed_in_pages_are_not_cached(client, login, make_user):
    assert "no-store" not in client.get("/login").headers.get("Cache-Control", "")
    login(make_user().email)
    assert client.get("/").headers["Cache-Control"] == "no-store"


def test_production_sends_hsts(app, client):
    app.config["TRACKER_ENV"] = "production"
    try:
        headers = client.get("/healthz").headers
    finally:
        app.config["TRACKER_ENV"] = "development"
    assert headers["Strict-Transport-Security"].startswith("max-age=")


def test_start_page_lists_recent_cycles_and_says_where_older_ones_are(
    client, login, region, make_cycle, make_assessment
):
    rsb = region["rsb"]  # region's cycle is 2026–27
    make_assessment(rsb, cycle=make_cycle("2025–26", 2025))
    login("coord@a.test")
    page = page_text(client.get("/"))
    assert "Cycle 2025–26" in page
    assert "Earlier cycles are on the dashboards" not in page  # nothing is left out

    make_assessment(rsb, cycle=make_cycle("2024–25", 2024))
    page = page_text(client.get("/"))
    assert "Cycle 2025–26" in page and "Cycle 2024–25" not in page
    assert "This page lists the two most recent cycles." in page
    assert 'href="/dashboards/">Earlier cycles are on the dashboards</a>' in page


def test_an_inspectors_start_page_lists_assessments_a_page_at_a_time(
    client, login, region, make_org, make_user, make_assessment, monkeypatch
):
    monkeypatch.setattr(main_queries, "PER_PAGE", 3)
    names = [f"Board {n:02d}" for n in range(7)]
    for name in names:
        make_assessment(make_org("rsb", name=name), status="submitted", cycle=region["cycle"])
    login(make_user("inspector", make_org("inspectorate")).email)

    def listed(path):  # the assessments' table, not the list of organisations by region
        return page_text(client.get(path)).split("Organisations by region")[0]

    first = listed("/")
    assert [n for n in names if n in first] == names[:3]
    assert 'aria-label="Page 3"' in first and "7 in all" in first

    last = listed("/?page=3")
    assert [n for n in names if n in last] == names[6:]
    assert 'rel="prev"' in last and 'rel="next"' not in last
    # A page number past the end or not a number shows a page, never an error.
    assert [n for n in names if n in listed("/?page=99")] == names[6:]
    assert [n for n in names if n in listed("/?page=x")] == names[:3]


def test_a_coordinators_start_page_has_no_pages_when_all_fit(
    client, login, region, make_assessment
):
    make_assessment(region["rsb"], cycle=region["cycle"])
    login("coord@a.test")
    page = page_text(client.get("/"))
    assert "govuk-pagination" not in page and "Cycle 2026–27" in page
