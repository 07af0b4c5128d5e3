"""What every API module shares: bearer authentication, JSON errors (the two handlers that
turn any area's RuleError into a 422 and Conflict into a 409), reading query strings, and
answering reads (ETags) and lists (pagination). Request bodies are read in bodies.py.

Authentication is by bearer token alone: a browser's session cookie never authenticates an
API call, so CSRF does not arise here.
"""

import hashlib
import json
from datetime import date

from flask import current_app, g, jsonify, make_response, request
from flask_babel import force_locale
from pydantic import BaseModel
from sqlalchemy import func, select
from werkzeug.exceptions import HTTPException

from tracker.api import bp
from tracker.auth import tokens
from tracker.extensions import db
from tracker.models import User
from tracker.rules import Conflict, RuleError, Stale
from tracker.security import as_id
from tracker.web import API_ERROR_CODES, handle_http_error

PER_PAGE_DEFAULT, PER_PAGE_MAX = 25, 100
PUBLIC = {"api.create_token", "api.openapi"}
READS = ("GET", "HEAD", "OPTIONS")
SELF_SERVICE = {"api.revoke_current_token"}  # a read-only token may still revoke itself


class ApiError(Exception):
    """An error answered as {"error": {"code", "message"}} with its HTTP status; `details`
    adds members to the error object (a framework file's `problems`)."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        field: str | None = None,
        *,
        details: dict | None = None,
        retry_after: int | None = None,
    ):
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field
        self.details = details or {}
        self.retry_after = retry_after  # seconds, for a 503 that may pass


@bp.errorhandler(ApiError)
def answer_error(error: ApiError):
    """The JSON answer to an ApiError (raised, or returned by an error handler)."""
    body = {"code": error.code, "message": error.message}
    if error.field:
        body["field"] = error.field
    body |= error.details
    response = jsonify(error=body)
    response.status_code = error.status
    if error.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="tracker"'
    if error.retry_after is not None:
        response.headers["Retry-After"] = str(error.retry_after)
    return response


MESSAGES = {
    403: "You may see this, but you may not do this to it (now).",
    404: "There is no such object, or you may not see it.",
    413: "The request is larger than the upload limit of {mb} MB.",
    429: "Too many attempts from this address. Wait a minute and try again.",
}


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    """The access loaders' 403 / 404 and the request limit's 413, said in words; any other
    HTTP error as the app says it (JSON on API paths)."""
    if exc.code in MESSAGES:
        message = MESSAGES[exc.code].format(mb=current_app.config["TRACKER_MAX_UPLOAD_MB"])
        return answer_error(ApiError(exc.code, API_ERROR_CODES[exc.code], message))
    return handle_http_error(exc)


@bp.before_request
def _authenticate():
    if request.endpoint in PUBLIC:
        return
    header = request.headers.get("Authorization", "")
    scheme, _, raw = header.partition(" ")
    found = tokens.look_up(raw.strip()) if scheme.lower() == "bearer" else None
    if found is not None and found.refusal == "expired":
        raise ApiError(
            401,
            "token_expired",
            f"This token expired on {found.token.expires_at.date().isoformat()}. Make a new one "
            "on your account page, or with POST /api/v1/tokens.",
        )
    if found is None or found.token is None:
        raise ApiError(401, "unauthorised", "A valid bearer token is needed.")
    token = found.token
    if token.read_only and request.method not in READS and request.endpoint not in SELF_SERVICE:
        raise ApiError(
            403, "read_only_token", "This token is read-only: it may read, not change anything."
        )
    g.api_user, g.api_token = token.user, token


def user() -> User:
    """The user whose bearer token authenticated this request."""
    return g.api_user


# --- reading requests ----------------------------------------------------------------------------


def json_body() -> dict:
    """The request's JSON object, or a 415 / 400 (bodies.parse validates it)."""
    if not request.is_json:
        raise ApiError(415, "unsupported_media_type", "Send the body as application/json.")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "bad_request", "The body must be a JSON object.")
    return body


def as_date(value: str | None, name: str) -> date | None:
    """An ISO 8601 date (2027-01-31) from a form field, or a 422 naming the field."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ApiError(422, "invalid", f"{name} must be a date like 2027-01-31.", name) from None


def id_arg(name: str) -> int | None:
    """An id from the query string, or a 400."""
    raw = request.args.get(name)
    if raw is None:
        return None
    value = as_id(raw)
    if value is None:
        raise ApiError(400, "bad_request", f"{name} must be an id.")
    return value


def bool_arg(name: str) -> bool:
    """A true/false query parameter (absent is false), or a 400."""
    raw = request.args.get(name, "false").lower()
    if raw not in ("true", "false"):
        raise ApiError(400, "bad_request", f"{name} must be true or false.")
    return raw == "true"


def english(message) -> str:
    """A (lazily translated) message in English, as every API message is."""
    with force_locale("en"):
        return str(message)


# A page's form field, as the API names it, where the two differ (by endpoint).
FIELD_NAMES = {
    "api.update_response": {"score": "self_score", "impact": "impact_measure"},
    "api.assign_reviewer": {"reviewer": "reviewer_id"},
    "api.upload_evidence": {"source": "source_organisation_id", "evidence": "evidence_id"},
    "api.link_evidence": {"source": "source_organisation_id", "evidence": "evidence_id"},
}


def refused(error) -> ApiError:
    """A rule's refusal (a RuleError, or an area's error with `message` and `field`) as a 422,
    its field named as the API names it."""
    field = FIELD_NAMES.get(request.endpoint, {}).get(error.field, error.field)
    return ApiError(422, "invalid", english(error.message), field)


def conflict(message, field: str | None = None) -> ApiError:
    """A 409: the object changed meanwhile, or its unique key (`field`) is taken."""
    return ApiError(409, "conflict", english(message), field)


@bp.errorhandler(RuleError)
def _rule_error(error: RuleError):
    """Any change the rules refuse, from any area's service."""
    return answer_error(refused(error))


@bp.errorhandler(Conflict)
def _conflict(error: Conflict):
    """A stale version quotes the one sent and the one stored; any other conflict says why."""
    if isinstance(error, Stale):
        noun = type(error.current).__name__.lower()
        sent = getattr(g.get("api_body"), "version", None)  # kept by bodies.parse
        return answer_error(
            conflict(
                f"The {noun} changed since version {sent}; it is now version "
                f"{error.current.version}. Read it again and reapply your change."
            )
        )
    return answer_error(conflict(error.message, getattr(error, "field", None)))


# --- answering -----------------------------------------------------------------------------------


def plain(value):
    """A shape (a pydantic model) as JSON values: json.dumps's default for what it cannot
    write itself."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    raise TypeError(f"{type(value).__name__} is not JSON")


def read(payload, status: int = 200):
    """A read (a shape, or a dict of them), with an ETag of its body: If-None-Match gets 304
    when nothing changed."""
    body = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=plain)
    etag = hashlib.sha256(body.encode()).hexdigest()[:32]
    response = make_response(body, status)
    response.mimetype = "application/json"
    response.set_etag(etag)
    response.headers["Cache-Control"] = "private, no-cache"
    return response.make_conditional(request) if status == 200 else response


def _page_args() -> tuple[int, int]:
    try:
        page = int(request.args.get("page", 1))
        per_page = int(request.args.get("per_page", PER_PAGE_DEFAULT))
    except ValueError:
        raise ApiError(400, "bad_request", "page and per_page must be whole numbers.") from None
    if page < 1 or page > 1_000_000 or not 1 <= per_page <= PER_PAGE_MAX:
        raise ApiError(
            400, "bad_request", f"page must be 1 or more; per_page from 1 to {PER_PAGE_MAX}."
        )
    return page, per_page


def paginated(query, shape):
    """A page of `query` (already in a stable order) as {items, page, per_page, total}, each
    row as `shape(row)`."""
    page, per_page = _page_args()
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)).unique().all()
    return read(
        {
            "items": [shape(row) for row in rows],
            "page": page,
            "per_page": per_page,
            "total": total,
        }
    )


def listed(items: list, shape):
    """A whole (short) list as {items, total}, each item as `shape(item)`."""
    return read({"items": [shape(item) for item in items], "total": len(items)})
