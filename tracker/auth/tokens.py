"""API tokens: shown once, stored only as a SHA-256 hash, named, revocable, expiring (90 days
unless chosen otherwise, warned of a week before), and optionally read-only."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from tracker import claims
from tracker.extensions import db
from tracker.models import ApiToken, AuditEvent, User
from tracker.models.base import utcnow

NAME_MAX = 100
DEFAULT_DAYS, MAX_DAYS = 90, 365
LIFETIMES = (7, 30, 90, 365)  # offered on the account page; the API takes any 1 to MAX_DAYS
WARN_BEFORE = timedelta(days=7)
LAST_USED_EVERY_SECONDS = 60  # how stale "last used" may be, to spare a write per request


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue(
    user: User, name: str, days: int = DEFAULT_DAYS, read_only: bool = False
) -> tuple[ApiToken, str]:
    """A new token for `user`: the row, and the secret to show once (never stored)."""
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"a token lasts 1 to {MAX_DAYS} days")
    raw = "spt_" + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=name[:NAME_MAX],
        token_hash=_hash(raw),
        expires_at=utcnow() + timedelta(days=days),
        read_only=read_only,
    )
    db.session.add(token)
    AuditEvent.record(
        user,
        "token.issued",
        token,
        after={"name": token.name, "expires_at": token.expires_at, "read_only": read_only},
    )
    db.session.commit()
    return token, raw


@dataclass
class Found:
    token: ApiToken | None
    refusal: str | None  # None, "unknown" or "expired"


def find(raw: str | None) -> ApiToken | None:
    """The live token with this secret, its user active; records when it was last used."""
    found = look_up(raw)
    return found.token if found.refusal is None else None


def look_up(raw: str | None) -> Found:
    """The token with this secret if it may be used, or why not ("expired" is said plainly;
    anything else is "unknown", revealing nothing)."""
    if not raw or len(raw) > 200:
        return Found(None, "unknown")
    token = db.session.scalar(
        select(ApiToken)
        .where(ApiToken.token_hash == _hash(raw), ApiToken.revoked_at.is_(None))
        .options(joinedload(ApiToken.user))  # read on every request: one statement, not two
    )
    if token is None or not token.user.active:
        return Found(None, "unknown")
    if token.expired():
        return Found(token, "expired")
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
    return Found(token, None)


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


def warn_expiring(now=None) -> int:
    """E-mail each owner, in their language, once, a week before a token of theirs expires.
    Each warning is claimed by a conditional UPDATE, so hosts running this together send one."""
    from flask import url_for
    from flask_babel import force_locale
    from flask_babel import gettext as _

    from tracker.models.base import utcnow as _utcnow
    from tracker.notifications import mail
    from tracker.notifications.operations import absolute

    now = now or _utcnow()
    due = db.session.scalars(
        select(ApiToken).where(
            ApiToken.revoked_at.is_(None),
            ApiToken.expiry_warned_at.is_(None),
            ApiToken.expires_at > now,
            ApiToken.expires_at <= now + WARN_BEFORE,
        )
    ).all()
    sent = 0
    for token in due:
        claimed = db.session.execute(
            update(ApiToken)
            .where(ApiToken.id == token.id, ApiToken.expiry_warned_at.is_(None))
            .values(expiry_warned_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if not claimed or not token.user.active:
            continue
        sent += 1
        user = token.user
        with force_locale(user.locale or "en"):
            subject = _("Your API token %(name)s expires soon", name=token.name)
            body = "\n\n".join(
                [
                    _("Hello %(name)s,", name=user.name),
                    _(
                        "Your Safeguarding Progress Tracker API token %(name)s expires on "
                        "%(date)s. Systems using it will stop connecting then. Make a new token "
                        "on your account page and give it to them:",
                        name=token.name,
                        date=token.expires_at.date().isoformat(),
                    ),
                    absolute(url_for("auth.account")),
                ]
            )
        mail.send_after_commit(db.session(), user.email, subject, body)
    db.session.commit()
    return sent
