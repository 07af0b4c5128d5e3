"""Error pages in plain language, and the template helpers every page uses."""

import markdown
import nh3
from flask import Flask, current_app, jsonify, render_template, request
from flask_babel import format_date, format_datetime, format_time
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from markupsafe import Markup
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException

from tracker import access, database
from tracker.evidence.storage import StoreFailed
from tracker.extensions import db, login_manager
from tracker.forms import PostForm
from tracker.labels import (
    ACTION_STATUS_LABELS,
    CHALLENGE_STATUS_LABELS,
    EVIDENCE_KIND_LABELS,
    OUTCOME_LABELS,
    PII_LABELS,
    ROLE_LABELS,
    STATUS_LABELS,
    STATUS_TAG_COLOURS,
    TASK_STATUS_LABELS,
    TRIANGULATION_LABELS,
    pii_summary,
)
from tracker.models.base import localised, utcnow
from tracker.notifications import operations as notifications
from tracker.notifications import queries as inbox

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "ul",
    "ol",
    "li",
    "blockquote",
    "code",
    "pre",
    "h3",
    "h4",
}


# A link keeps its address only to the web or to e-mail: never javascript:, data: or a path
# inside the tracker, whatever the spelling. It opens nothing with a handle on this page.
LINK_SCHEMES = {"http", "https", "mailto"}


def render_markdown(source: str | None) -> Markup:
    """Markdown to HTML with only harmless tags kept: no script, no raw HTML survives, and a
    link keeps an http(s) or mailto address, with rel="noopener noreferrer", and no other."""
    html = markdown.markdown(source or "", extensions=["sane_lists"])
    return Markup(
        nh3.clean(
            html,
            tags=ALLOWED_TAGS | {"a"},
            attributes={"a": {"href"}, "*": set()},
            url_schemes=LINK_SCHEMES,
            url_relative="deny",
            link_rel="noopener noreferrer",
        )
    )


API_ERROR_CODES = {
    400: "bad_request",
    401: "unauthorised",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "unprocessable",
    429: "too_many_requests",
    500: "server_error",
    503: "unavailable",
}


def _error(status: int, message: str | None = None):
    if request.path.startswith("/api/"):
        code = API_ERROR_CODES.get(status, "error")
        return jsonify(error={"code": code, "message": message or code.replace("_", " ")}), status
    return render_template("errors/error.html", status=status, message=message), status


def handle_http_error(exc: HTTPException):
    body, status = _error(exc.code or 500)
    allowed = getattr(exc, "valid_methods", None)  # a 405 says which methods would do
    return body, status, ({"Allow": ", ".join(sorted(allowed))} if allowed else {})


def handle_csrf_error(exc: CSRFError):
    return _error(400, _("The form had expired or was sent from somewhere else. Please try again."))


BUSY_RETRY_SECONDS = 30
# Form fields never shown back: secrets, and the hidden fields a person did not type.
NOT_SHOWN_BACK = ("csrf_token", "password", "version", "seen")


def words_sent() -> list[str]:
    """What the person typed into the form they sent, to give back when it could not be
    saved (they can copy it): every non-empty text field but secrets and hidden ones."""
    return [
        value
        for name, value in request.form.items(multi=True)
        if value.strip() and not any(part in name for part in NOT_SHOWN_BACK)
    ]


def handle_database_error(exc: OperationalError):
    """SQLite locked by another writer past the busy timeout: busy, not broken. Nothing was
    saved; say so, with a time to try again and the person's words. Anything else is the
    unexpected error it is."""
    if not database.is_locked(exc):
        return handle_unexpected_error(exc)
    current_app.logger.warning("Database locked on %s: answered 503", request.path)
    db.session.rollback()
    retry = {"Retry-After": str(BUSY_RETRY_SECONDS)}
    if request.path.startswith("/api/"):
        body, status = _error(503, "The tracker is busy. Nothing was changed: try again shortly.")
        return body, status, retry
    page = render_template("errors/error.html", status=503, words=words_sent())
    return page, 503, retry


STORE_RETRY_SECONDS = 60


def handle_store_error(exc: StoreFailed):
    """The file store (a bucket's server) did not answer: nothing was changed, and trying
    again later may work. The operators find the cause in the log."""
    current_app.logger.error("The evidence store failed on %s: %s", request.path, exc)
    db.session.rollback()
    message = _(
        "A stored file could not be reached because of a problem on our side. Nothing was "
        "changed. Try again in a few minutes."
    )
    body, status = _error(503, message)
    return body, status, {"Retry-After": str(STORE_RETRY_SECONDS)}


def handle_unexpected_error(exc: Exception):
    current_app.logger.exception("Unhandled error on %s", request.path)
    db.session.rollback()
    return _error(500)


def _unread_notifications() -> int:
    """The header's count; an error page shown because the database is down shows none."""
    try:
        return inbox.unread_count(current_user)
    except SQLAlchemyError:
        db.session.rollback()
        return 0


def is_htmx() -> bool:
    """Whether htmx sent this request (it wants a fragment, not a whole page)."""
    return request.headers.get("HX-Request") == "true"


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(OperationalError, handle_database_error)
    app.register_error_handler(StoreFailed, handle_store_error)
    app.register_error_handler(Exception, handle_unexpected_error)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None  # the sign-in page says enough
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.filters.update(
        markdown=render_markdown,
        localised=localised,
        # Dates as people in Wales write them: 31 January 2027 / 31 Ionawr 2027.
        date=lambda day, fmt="d MMMM y": format_date(day, fmt),
        datetime=lambda moment, fmt="d MMMM y, HH:mm": format_datetime(moment, fmt),
    )
    app.jinja_env.globals.update(
        # Templates may hide what a user cannot do; the views and services still decide.
        can=lambda action, obj=None: access.can(current_user, action, obj),
        post_form=lambda: PostForm(formdata=None),  # for its token only: never reads the request
        role_label=lambda role: ROLE_LABELS.get(role, role),
        status_label=lambda status: STATUS_LABELS.get(status, status),
        action_status_label=lambda status: ACTION_STATUS_LABELS.get(status, status),
        task_status_label=lambda status: TASK_STATUS_LABELS.get(status, status),
        triangulation_label=lambda level: TRIANGULATION_LABELS.get(level, level),
        kind_label=lambda kind: EVIDENCE_KIND_LABELS.get(kind, kind),
        pii_label=lambda kind: PII_LABELS.get(kind, kind),
        pii_summary=pii_summary,
        now_time=lambda: format_time(utcnow(), "HH:mm"),
        status_tag_colour=lambda status: STATUS_TAG_COLOURS.get(status, ""),
        notification_text=lambda n: notifications.text_of(n.kind, n.params, n.text),
        unread_notifications=_unread_notifications,
        outcome_label=lambda outcome: OUTCOME_LABELS.get(outcome, outcome),
        challenge_status_label=lambda status: CHALLENGE_STATUS_LABELS.get(status, status),
    )
