"""Sign-in sessions end when unused or old, with a warning first; sign-in is rate-limited;
cookies are HttpOnly, SameSite=Lax and Secure outside development (DESIGN §11)."""

import pytest
from flask import Response

from tests.conftest import TEST_PASSWORD, assert_security_headers, csrf_token, page_text
from tracker import security
from tracker.config import load as load_config
from tracker.extensions import limiter

MINUTE = 60


class Clock:
    def __init__(self, start: float = 1_800_000_000.0):
        self.now = start

    def time(self) -> float:
        return self.now

    def forward(self, minutes: float) -> None:
        self.now += minutes * MINUTE


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(security, "time", clock)
    return clock


@pytest.fixture
def signed_in(client, login, make_user, clock):
    user = make_user("coordinator")
    assert login(user.email).status_code == 302
    return user


def _is_signed_in(client) -> bool:
    response = client.get("/")
    return response.status_code == 200 and "Sign out" in page_text(response)


def test_unused_session_ends_after_the_idle_time(app, client, signed_in, clock):
    assert app.config["TRACKER_IDLE_MINUTES"] == 30
    clock.forward(29)
    assert _is_signed_in(client)  # using it starts the clock again
    clock.forward(29)
    assert _is_signed_in(client)
    clock.forward(31)
    response = client.get("/evidence/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    page = page_text(client.get(response.headers["Location"]))
    assert "You were signed out because the tracker was not used for 30 minutes" in page
    assert "Everything you saved is kept" in page
    assert not _is_signed_in(client)


def test_asking_how_long_is_left_does_not_extend_the_session(client, signed_in, clock):
    clock.forward(20)
    assert client.get("/session").get_json() == {"seconds": 10 * MINUTE}
    clock.forward(9)
    assert client.get("/session").get_json() == {"seconds": 1 * MINUTE}
    clock.forward(2)
    response = client.get("/session")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_staying_signed_in_restarts_the_idle_clock(client, signed_in, clock):
    clock.forward(28)
    token = csrf_token(client, "/")
    response = client.post(
        "/session", data={"csrf_token": token}, headers={"Accept": "application/json"}
    )
    assert response.get_json() == {"seconds": 30 * MINUTE}
    clock.forward(28)
    # Without JavaScript the warning's form posts and comes back to the page it was on.
    response = client.post("/session", data={"csrf_token": token, "next": "/evidence/"})
    assert response.status_code == 302 and response.headers["Location"] == "/evidence/"
    response = client.post("/session", data={"csrf_token": token, "next": "//elsewhere.test/"})
    assert response.headers["Location"] == "/"  # never sent off the site
    clock.forward(28)
    assert _is_signed_in(client)


def test_staying_signed_in_needs_the_form_token(client, signed_in, clock):
    assert client.post("/session", data={}).status_code == 400


def test_a_session_ends_20_hours_after_signing_in_however_busy(app, client, signed_in, clock):
    assert app.config["TRACKER_SESSION_HOURS"] == 20
    for _ in range(59):  # every 20 minutes for 19 hours 40 minutes
        clock.forward(20)
        assert client.get("/session").status_code == 200
        client.get("/")
    assert client.get("/session").get_json()["seconds"] == 20 * MINUTE
    clock.forward(21)
    assert not _is_signed_in(client)


def test_a_session_from_before_the_limits_is_signed_out(client, signed_in, clock):
    with client.session_transaction() as session:
        del session["signed_in_at"]
    assert not _is_signed_in(client)


def test_the_api_is_not_signed_out_by_the_page_clock(client, make_user, login, clock):
    user = make_user("coordinator")
    login(user.email)  # a browser session beside the token, which the clock will end
    created = client.post("/api/v1/tokens", json={"email": user.email, "password": TEST_PASSWORD})
    headers = {"Authorization": f"Bearer {created.get_json()['token']}"}
    clock.forward(24 * 60)
    assert client.get("/api/v1/organisations", headers=headers).status_code == 200
    assert not _is_signed_in(client)


def test_pages_carry_the_warning_the_script_shows(client, signed_in):
    page = page_text(client.get("/"))
    assert 'id="session-warning" hidden' in page
    assert 'data-idle-seconds="1800"' in page
    assert "Stay signed in" in page


@pytest.fixture
def rate_limited(app, monkeypatch):
    monkeypatch.setitem(app.config, "TRACKER_LOGIN_LIMIT", "3 per minute")
    limiter.reset()
    yield
    limiter.reset()


def test_sign_in_attempts_are_rate_limited_per_address(client, make_user, rate_limited):
    user = make_user("coordinator")
    token = csrf_token(client)
    form = {"email": user.email, "password": "not the password", "csrf_token": token}
    for _ in range(3):
        assert client.post("/login", data=form).status_code == 400
    refused = client.post("/login", data={**form, "password": TEST_PASSWORD})
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert "Too many attempts" in page_text(refused)
    assert _is_signed_in(client) is False
    # Reading the sign-in page is not an attempt; another address has its own count.
    assert client.get("/login").status_code == 200
    other = client.post("/login", data=form, environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert other.status_code == 400
    welsh = client.post("/login?lang=cy", data=form)
    assert welsh.status_code == 429 and "Gormod o ymdrechion" in page_text(welsh)


def test_token_requests_are_rate_limited_too(client, make_user, rate_limited):
    user = make_user("coordinator")
    body = {"email": user.email, "password": "not the password"}
    for _ in range(3):
        assert client.post("/api/v1/tokens", json=body).status_code == 401
    refused = client.post("/api/v1/tokens", json={**body, "password": TEST_PASSWORD})
    assert refused.status_code == 429
    assert refused.get_json()["error"]["code"] == "too_many_requests"
    assert "Retry-After" in refused.headers


def test_session_cookie_is_httponly_and_samesite(client, make_user, monkeypatch, app):
    user = make_user("coordinator")
    token = csrf_token(client)
    form = {"email": user.email, "password": TEST_PASSWORD, "csrf_token": token}
    cookie = client.post("/login", data=form).headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    monkeypatch.setitem(app.config, "SESSION_COOKIE_SECURE", True)  # as production sets it
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    cookie = client.post("/login", data={**form, "csrf_token": csrf_token(client)}).headers[
        "Set-Cookie"
    ]
    assert "Secure" in cookie


def test_production_settings_secure_the_cookies_and_bound_the_session():
    production = load_config({"TRACKER_ENV": "production", "SECRET_KEY": "k" * 32})
    assert production["SESSION_COOKIE_SECURE"] and production["REMEMBER_COOKIE_SECURE"]
    assert production["SESSION_COOKIE_HTTPONLY"] and production["SESSION_COOKIE_SAMESITE"] == "Lax"
    development = load_config({"TRACKER_ENV": "development", "TRACKER_INSTANCE_DIR": "/tmp/x"})
    assert not development["SESSION_COOKIE_SECURE"]
    assert (
        load_config({"TRACKER_ENV": "production", "SECRET_KEY": "k", "TRACKER_IDLE_MINUTES": "10"})[
            "TRACKER_IDLE_MINUTES"
        ]
        == 10
    )


@pytest.mark.parametrize(
    "env",
    [
        {"TRACKER_IDLE_MINUTES": "half an hour"},
        {"TRACKER_IDLE_MINUTES": "1"},
        {"TRACKER_SESSION_HOURS": "0"},
        {"TRACKER_PROXY_COUNT": "-1"},
    ],
)
def test_bad_session_settings_are_refused(env):
    from tracker.config import ConfigError

    with pytest.raises(ConfigError):
        load_config({"TRACKER_ENV": "production", "SECRET_KEY": "k", **env})


def test_the_header_check_fails_a_response_without_the_headers(app):
    """The client in tests/conftest.py checks every response of the suite with this."""
    with app.test_request_context("/"):
        bare = Response("hello")
        bare.request = type("R", (), {"method": "GET", "path": "/"})()
        with pytest.raises(AssertionError):
            assert_security_headers(bare)
        whole = security.add_security_headers(Response("hello"))
        whole.request = bare.request
        assert_security_headers(whole)


def test_pages_and_tokens_share_one_count(client, make_user, rate_limited):
    """Guesses spread over the sign-in page, the token endpoint and the forgotten-password
    page count together (#16 point 15b)."""
    user = make_user("coordinator")
    token = csrf_token(client)
    form = {"email": user.email, "password": "not the password", "csrf_token": token}
    assert client.post("/login", data=form).status_code == 400
    body = {"email": user.email, "password": "not the password"}
    assert client.post("/api/v1/tokens", json=body).status_code == 401
    forgot = {"email": user.email, "csrf_token": token}
    assert client.post("/password/forgot", data=forgot).status_code == 200
    assert client.post("/api/v1/tokens", json=body).status_code == 429
    assert client.post("/login", data=form).status_code == 429
