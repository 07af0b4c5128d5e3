"""Single-use links that set a password: invitations (7 days) and resets (1 hour).

The link carries a random secret; only its SHA-256 is stored. Using a link is one conditional
UPDATE, so of two requests with the same link exactly one sets the password. Setting a
password ends every other session of the person and spends every other link they hold.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select, update

from tracker.auth import passwords
from tracker.extensions import db
from tracker.models import AccountLink, AuditEvent, User
from tracker.models.base import utcnow
from tracker.notifications import mail
from tracker.notifications.operations import absolute
from tracker.rules import RuleError

LIFETIMES = {"invite": timedelta(days=7), "reset": timedelta(hours=1)}
TOKEN_MAX = 100  # longer than any secret we make: refused without a database look-up


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue(user: User, purpose: str, created_by: User | None = None) -> str:
    """A new link for `user` (added to the session; the caller commits): its secret."""
    raw = secrets.token_urlsafe(32)
    db.session.add(
        AccountLink(
            user_id=user.id,
            purpose=purpose,
            token_hash=_hash(raw),
            expires_at=utcnow() + LIFETIMES[purpose],
            created_by_id=getattr(created_by, "id", None),
        )
    )
    return raw


@dataclass
class Found:
    link: AccountLink | None
    state: str  # "ok", "used", "expired" or "unknown"


def find(raw: str | None) -> Found:
    """The link with this secret, and whether it can still be used."""
    if not raw or len(raw) > TOKEN_MAX:
        return Found(None, "unknown")
    link = db.session.scalar(select(AccountLink).where(AccountLink.token_hash == _hash(raw)))
    if link is None or not link.user.active:
        return Found(None, "unknown")
    if link.used_at is not None:
        return Found(link, "used")
    if link.expires_at <= utcnow():
        return Found(link, "expired")
    return Found(link, "ok")


def use(raw: str, password: str) -> User:
    """Set the password through the link: once. RuleError says why not (field "password" for
    the password itself, None for the link)."""
    found = find(raw)
    if found.state != "ok":
        raise RuleError(refusal(found.state))
    user = found.link.user
    problem = passwords.problem(password, user.email)
    if problem:
        raise RuleError(problem, "password")
    now = utcnow()
    spent = db.session.execute(
        update(AccountLink)
        .where(
            AccountLink.id == found.link.id,
            AccountLink.used_at.is_(None),
            AccountLink.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if spent != 1:  # another request used it a moment ago
        db.session.rollback()
        raise RuleError(refusal("used"))
    set_password(user, password, "user.password_set_by_link", {"purpose": found.link.purpose})
    db.session.commit()
    return user


def set_password(user: User, password: str, action: str, after: dict | None = None) -> None:
    """Store a new password: every session ends, every outstanding link is spent, any lock is
    lifted. Added to the session; the caller commits."""
    user.set_password(password)
    user.end_sessions()
    user.failed_logins, user.locked_until = 0, None
    spend_all(user)
    AuditEvent.record(user, action, user, after=after)


def spend_all(user: User) -> None:
    """Every link `user` holds and has not used stops working (a new one was sent, the
    password was set, or the account was deactivated). Added to the session."""
    db.session.execute(
        update(AccountLink)
        .where(AccountLink.user_id == user.id, AccountLink.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def refusal(state: str) -> str:
    """What a person is told about a link that cannot be used."""
    if state == "used":
        return _("This link has been used already. Each link works once.")
    if state == "expired":
        return _("This link has expired.")
    return _("This link is not right. Check that you copied all of it from the e-mail.")


# --- e-mails -----------------------------------------------------------------------------------


def send_invitation(user: User, invited_by: User | None) -> None:
    """Make an invitation link and e-mail it, in the person's language, after the commit."""
    raw = issue(user, "invite", invited_by)
    with force_locale(user.locale or "en"):
        subject = _("You are invited to the Safeguarding Progress Tracker")
        body = "\n\n".join(
            [
                _("Hello %(name)s,", name=user.name),
                _(
                    "%(inviter)s has invited you to use the Safeguarding Progress Tracker for "
                    "%(organisation)s.",
                    inviter=invited_by.name if invited_by else _("The national team"),
                    organisation=user.organisation.display_name(user.locale),
                ),
                _("Choose your password here to start (the link works once, for 7 days):"),
                absolute(url_for("auth.set_password", token=raw, _external=False)),
                _(
                    "Your e-mail address to sign in is %(email)s. If you did not expect this "
                    "e-mail, you can ignore it.",
                    email=user.email,
                ),
            ]
        )
    _send(user, subject, body)


def send_reset(user: User) -> None:
    """Make a reset link and e-mail it, in the person's language, after the commit."""
    raw = issue(user, "reset")
    with force_locale(user.locale or "en"):
        subject = _("Reset your Safeguarding Progress Tracker password")
        body = "\n\n".join(
            [
                _("Hello %(name)s,", name=user.name),
                _(
                    "Someone asked to reset the password of your account. Choose a new password "
                    "here (the link works once, for one hour):"
                ),
                absolute(url_for("auth.set_password", token=raw, _external=False)),
                _(
                    "If you did not ask for this, you can ignore this e-mail: your password has "
                    "not changed."
                ),
            ]
        )
    _send(user, subject, body)


def _send(user: User, subject: str, body: str) -> None:
    mail.send_after_commit(db.session(), user.email, subject, body)
