"""Security headers on every response, sign-in session limits, and refusals of input no page
should get (DESIGN §11)."""

import logging
import secrets
import time

from flask import Flask, Response, abort, current_app, flash, request, session
from flask.logging import default_handler
from flask_babel import gettext as _
from flask_login import login_user, logout_user
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1  # the largest id a database integer column holds


def as_id(value) -> int | None:
    """A value from a form or query string as a database id, or None if it cannot be one."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 1 <= number <= MAX_ID else None


class IdConverter(IntegerConverter):
    """`<int:...>` that matches only ids a database can hold; larger ones are simply 404."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def refuse_nul_bytes() -> None:
    """A NUL character is never meaningful in a form or a query, and PostgreSQL refuses it."""
    for values in (request.args, request.form):
        for value in values.values():
            if "\x00" in value:
                abort(400)


# How often a signed-in session's last-seen time is rewritten (each rewrite resends the cookie).
SEEN_RESOLUTION = 30
# Asking how long is left is not using the tracker: it must not extend the session.
NOT_ACTIVITY = {"auth.session_remaining", "static"}


def login_limit() -> str:
    """Sign-in attempts (pages and API tokens) allowed per client address."""
    return current_app.config["TRACKER_LOGIN_LIMIT"]


def sign_in_attempts():
    """The rate limit of every way to try a password or a link from one address: the sign-in
    page, POST /api/v1/tokens, the forgotten-password page and the set-password link. One
    count for them all, so that spreading guesses over the routes gains nothing."""
    from tracker.extensions import limiter

    return limiter.shared_limit(login_limit, scope="sign-in", methods=["POST"])


def start_session() -> None:
    """Call on signing in: the session's age and idle time are counted from now."""
    now = int(time.time())
    session["signed_in_at"] = session["seen_at"] = now


def sign_in(user) -> None:
    """Sign `user` in to this browser with a session id of its own (so that signing out ends
    this session and no copy of its cookie), a fresh CSRF token, and the clock started."""
    user.session_sid = secrets.token_urlsafe(24)
    session.pop("csrf_token", None)  # Flask-WTF makes a new one for the next form
    login_user(user)
    start_session()


def parse_session_id(value) -> tuple[int, int, str] | None:
    """(user id, session version, session id) from a session's "_user_id", or None."""
    parts = str(value or "").split(".")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit() or not parts[2]:
        return None
    return int(parts[0]), int(parts[1]), parts[2]


def sign_out() -> None:
    """End this browser session for good: its id is recorded as ended, so a copy of the
    cookie taken before signing out opens nothing afterwards, on any process."""
    from tracker.extensions import db
    from tracker.models import EndedSession

    parsed = parse_session_id(session.get("_user_id"))
    if parsed is not None:
        user_id, _version, sid = parsed
        db.session.add(EndedSession(sid=sid[:43], user_id=user_id))
        db.session.commit()
    logout_user()
    session.pop("csrf_token", None)


def session_seconds_left(now: int | None = None) -> int:
    """Seconds until this session ends for want of use, or for age, whichever is sooner."""
    now = int(time.time()) if now is None else now
    config = current_app.config
    try:
        idle_end = int(session["seen_at"]) + config["TRACKER_IDLE_MINUTES"] * 60
        age_end = int(session["signed_in_at"]) + config["TRACKER_SESSION_HOURS"] * 3600
    except (KeyError, TypeError, ValueError):
        return 0
    return max(0, min(idle_end, age_end) - now)


def enforce_session_limits() -> None:
    """Sign out a session left unused too long, or signed in too long ago; otherwise note that
    it is in use. The view then treats the user as signed out (sign-in page, or 401)."""
    if "_user_id" not in session or request.blueprint == "api":  # the API uses bearer tokens
        return
    now = int(time.time())
    if session_seconds_left(now) <= 0:
        logout_user()
        for key in ("signed_in_at", "seen_at"):
            session.pop(key, None)
        flash(
            _(
                "You were signed out because the tracker was not used for %(minutes)d minutes, "
                "or you signed in a long time ago. Everything you saved is kept. Sign in again "
                "to carry on.",
                minutes=current_app.config["TRACKER_IDLE_MINUTES"],
            )
        )
        return
    if request.endpoint not in NOT_ACTIVITY and now - int(session["seen_at"]) >= SEEN_RESOLUTION:
        session["seen_at"] = now


def add_security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    if session.get("_user_id"):  # signed in (read without loading the user again)
        # Signed-in pages hold unpublished work: keep them out of shared caches and history.
        response.headers["Cache-Control"] = "no-store"
    if current_app.config.get("TRACKER_ENV") == "production":
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    return response


def log_limit_storage(app: Flask) -> None:
    """With a shared limit store (Redis), say in the server's log when a process falls back to
    counting in its own memory and when the store is back: Flask-Limiter reports both on its
    own logger, which has no handler of its own."""
    if app.config["RATELIMIT_STORAGE_URI"].startswith("memory"):
        return
    logger = logging.getLogger("flask-limiter")
    logger.setLevel(logging.INFO)
    if default_handler not in logger.handlers:
        logger.addHandler(default_handler)


def init_app(app: Flask) -> None:
    log_limit_storage(app)
    if app.config.get("TRACKER_PROXY_COUNT"):  # the client's address, for limits and logs
        count = app.config["TRACKER_PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
    app.url_map.converters["int"] = IdConverter
    app.before_request(refuse_nul_bytes)
    app.before_request(enforce_session_limits)
    app.after_request(add_security_headers)
