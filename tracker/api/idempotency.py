"""Exactly once over an unreliable network (DESIGN §9, issue #16).

Every authenticated API POST honours an `Idempotency-Key` header: the first request with a
key does the work and its answer is kept; a retry with the same key and the same body within
24 hours gets that answer again (with `Idempotent-Replayed: true`) and changes nothing; the
same key with a different body is a 422; a retry while the first is still running is a 409.
The key is claimed in its own committed statement before the work starts, so of a dozen
simultaneous retries exactly one does the work. An answer of 500 or more is not kept: the
work did not happen (its transaction rolled back), so a retry may do it.

A change committed and then not read back (the database went away between the two) is still
answered as saved, never as a failure that would make a client retry a done change. The
request's first commit also marks its key "committed" in the same transaction. If the process
dies before the answer is kept (a host lost, an instance killed), a retry, once the claim is
older than any request may run (TRACKER_IDEMPOTENCY_STALE_SECONDS), is answered as saved if
the key is so marked, and otherwise (nothing was committed) does the work, instead of hearing
"still being handled" for 24 hours.
"""

import hashlib
import re
from datetime import timedelta

from flask import current_app, g, has_request_context, make_response, request
from sqlalchemy import delete, event, insert, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from tracker import database, web
from tracker.api import bp
from tracker.api.http import PUBLIC, ApiError
from tracker.extensions import db
from tracker.models import IdempotencyRecord
from tracker.models.base import utcnow

HEADER = "Idempotency-Key"
KEEP_FOR = timedelta(hours=24)
KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,200}$")  # printable ASCII, no spaces
record = IdempotencyRecord.__table__


def _request_digest() -> str:
    """The request's method, path and content. A multipart body is digested by its fields
    and files' contents, since a client's retry may choose a new boundary."""
    digest = hashlib.sha256(f"{request.method} {request.full_path}\n".encode())
    if request.mimetype == "multipart/form-data":
        for name, value in sorted(request.form.items(multi=True)):
            digest.update(f"field {name}={value}\n".encode())
        for name, upload in sorted(request.files.items(multi=True), key=lambda kv: kv[0]):
            digest.update(f"file {name} {upload.filename}\n".encode())
            for chunk in iter(lambda u=upload: u.stream.read(256 * 1024), b""):
                digest.update(chunk)
            upload.stream.seek(0)
    else:
        digest.update(request.get_data(cache=True))
    return digest.hexdigest()


# The status of a key whose request committed its change and has not yet kept its answer.
COMMITTED = 0
SAVED = {
    "saved": True,
    "message": "The change was saved, but the tracker could not read it back to answer. Read "
    "the object again to see it.",
}


def _replay(row) -> object:
    response = make_response(row.body or "", row.status)
    response.mimetype = "application/json"
    response.headers["Idempotent-Replayed"] = "true"
    if row.location:
        response.headers["Location"] = row.location
    return response


@bp.before_request
def _claim_key():
    """Runs after authentication: claim the key, or answer from what it already holds."""
    key = request.headers.get(HEADER)
    if request.method != "POST" or key is None or request.endpoint in PUBLIC:
        return None
    if not KEY_PATTERN.match(key):
        raise ApiError(
            400, "bad_request", f"{HEADER} must be 1 to 200 printable characters, no spaces."
        )
    user_id, digest, now = g.api_user.id, _request_digest(), utcnow()
    # The claim is written on a connection of its own; the request's session has done nothing
    # yet but authenticate (committed), and must hold no lock that would block that write.
    db.session.rollback()
    with db.engine.begin() as conn:
        conn.execute(
            delete(record).where(
                record.c.user_id == user_id,
                record.c.key == key,
                record.c.created_at < now - KEEP_FOR,
            )
        )
    try:
        with db.engine.begin() as conn:
            g.idempotency_id = conn.execute(
                insert(record)
                .values(
                    user_id=user_id,
                    key=key,
                    request_sha256=digest,
                    created_at=now,
                    updated_at=now,
                )
                .returning(record.c.id)
            ).scalar_one()
        return None
    except IntegrityError:
        pass  # the key was used before: answer from it
    with db.engine.connect() as conn:
        row = conn.execute(
            select(record).where(record.c.user_id == user_id, record.c.key == key)
        ).first()
    if row is None:  # its first request failed and gave the key back a moment ago
        raise ApiError(409, "conflict", "A request with this Idempotency-Key just failed; retry.")
    if row.request_sha256 != digest:
        raise ApiError(
            422,
            "idempotency_key_reused",
            f"This {HEADER} was used for a different request. Use a new key for a new request.",
        )
    if row.status is None or row.status == COMMITTED:
        return _unanswered(row, now)
    return _replay(row)


def _unanswered(row, now):
    """The key's first request has not answered: it is still running (409), or its process
    died, which is certain once the claim is older than any request may run (gunicorn's
    timeout ends one sooner). If it had committed, the change is saved: say so. If not, this
    retry takes the key over (one wins the conditional UPDATE) and does the work."""
    stale = now - timedelta(seconds=current_app.config["TRACKER_IDEMPOTENCY_STALE_SECONDS"])
    busy = ApiError(
        409, "request_in_progress", f"A request with this {HEADER} is still being handled."
    )
    if row.updated_at >= stale:
        raise busy
    if row.status == COMMITTED:
        saved = make_response(SAVED, 200)
        saved.headers["Idempotent-Replayed"] = "true"
        return saved
    with db.engine.begin() as conn:
        taken = conn.execute(
            update(record)
            .where(record.c.id == row.id, record.c.status.is_(None), record.c.updated_at < stale)
            .values(updated_at=now)
        ).rowcount
    if taken != 1:
        raise busy
    g.idempotency_id = row.id
    return None


@bp.after_request
def _keep_answer(response):
    record_id = g.pop("idempotency_id", None)
    if record_id is None:
        return response
    # The answer is made: whatever the request's session has not committed never will be.
    # Let go of it now, or a write lock it holds (SQLite) would block the write below.
    db.session.rollback()
    with db.engine.begin() as conn:
        if response.status_code >= 500:  # nothing was done: let a retry do it
            conn.execute(delete(record).where(record.c.id == record_id))
        else:
            conn.execute(
                update(record)
                .where(record.c.id == record_id)
                .values(
                    status=response.status_code,
                    body=response.get_data(as_text=True),
                    location=response.headers.get("Location"),
                    updated_at=utcnow(),
                )
            )
    return response


@bp.teardown_request
def _give_back_key(exc):
    """A request that ended in an exception no handler answered keeps no claim."""
    record_id = g.pop("idempotency_id", None)
    if record_id is not None:
        with db.engine.begin() as conn:
            conn.execute(delete(record).where(record.c.id == record_id))


# --- a change committed, then not read back ----------------------------------------------------


@bp.before_request
def _start_view():
    """The last hook before the view: commits from here on are the view's (the token's
    last-used time, committed while authenticating, is not a change the client asked for)."""
    g.api_in_view = True


def _note_commit(session: Session) -> None:
    if has_request_context() and g.get("api_in_view"):
        g.api_committed = True


def _mark_committed(session: Session) -> None:
    """Before the view's first commit: its key says "committed", in the same transaction."""
    if not has_request_context() or not g.get("api_in_view") or g.get("idempotency_committed"):
        return
    record_id = g.get("idempotency_id")
    if record_id is not None:
        g.idempotency_committed = True
        session.execute(
            update(record)
            .where(record.c.id == record_id)
            .values(status=COMMITTED, updated_at=utcnow())
        )


@bp.errorhandler(DBAPIError)
def _database_error(exc: DBAPIError):
    """The database failed. If this request had already committed its change, the change is
    stored: say so (a 200 that names it saved), so that the client does not retry it."""
    db.session.rollback()
    if g.get("api_committed"):
        return make_response(SAVED, 200)
    if database.is_locked(exc):  # busy, not broken: said as the pages say it
        return web.handle_database_error(exc)
    error = make_response(
        {
            "error": {
                "code": "unavailable",
                "message": "The database did not answer. Nothing was changed; try again.",
            }
        },
        503,
    )
    error.headers["Retry-After"] = "5"
    return error


def init_app(app) -> None:
    if not event.contains(Session, "after_commit", _note_commit):
        event.listen(Session, "after_commit", _note_commit)
    if not event.contains(Session, "before_commit", _mark_committed):
        event.listen(Session, "before_commit", _mark_committed)
