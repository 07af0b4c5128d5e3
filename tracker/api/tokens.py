"""API tokens: shown once, stored only as a SHA-256 hash, named, revocable."""

import hashlib
import secrets

from sqlalchemy import select, update

from tracker import claims
from tracker.extensions import db
from tracker.models import ApiToken, AuditEvent, User
from tracker.models.base import utcnow

NAME_MAX = 100
LAST_USED_EVERY_SECONDS = 60  # how stale "last used" may be, to spare a write per request


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue(user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for `user`: the row, and the secret to show once (never stored)."""
    raw = "spt_" + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name[:NAME_MAX], token_hash=_hash(raw))
    db.session.add(token)
    AuditEvent.record(user, "token.issued", token, after={"name": token.name})
    db.session.commit()
    return token, raw


def find(raw: str | None) -> ApiToken | None:
    """The live token with this secret, its user active; records when it was last used."""
    if not raw or len(raw) > 200:
        return None
    token = db.session.scalar(
        select(ApiToken).where(ApiToken.token_hash == _hash(raw), ApiToken.revoked_at.is_(None))
    )
    if token is None or not token.user.active:
        return None
    now = utcnow()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > (
        LAST_USED_EVERY_SECONDS
    ):
        db.session.execute(
            update(ApiToken)
            .where(ApiToken.id == token.id)
            .values(last_used_at=now)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        db.session.refresh(token)
    return token


def revoke(user: User, token: ApiToken) -> None:
    """Revoke one of the user's own tokens; revoking twice changes nothing."""
    if token.user_id != user.id or token.revoked_at is not None:
        return
    if not claims.claim(token, ApiToken.revoked_at.is_(None), revoked_at=utcnow()):
        return  # revoked by a simultaneous request, which recorded it
    AuditEvent.record(user, "token.revoked", token, after={"name": token.name})
    db.session.commit()


def of(user: User) -> list[ApiToken]:
    """A user's tokens, newest first, revoked ones included (they show as revoked)."""
    return list(
        db.session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
        )
    )
