"""Security headers on every response, and refusals of input no page should get (DESIGN §11)."""

from flask import Flask, Response, abort, current_app, request, session
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


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = IdConverter
    app.before_request(refuse_nul_bytes)
    app.after_request(add_security_headers)
