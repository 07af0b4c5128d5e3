"""Sign-in rules: one generic refusal, lockout after repeated failures, safe redirects."""

from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import select

from tracker.extensions import db
from tracker.models import AuditEvent, User


@dataclass
class SignIn:
    user: User | None
    refusal: str | None  # "invalid" or "locked"; None when signed in


def authenticate(email: str, password: str, max_failures: int, lock_minutes: int) -> SignIn:
    """Check a sign-in attempt, counting failures and locking the account when they mount up."""
    user = db.session.scalar(select(User).where(User.email == User.normalise_email(email)))
    if user is None or not user.active:
        # Same work and same answer as a wrong password, so the email's existence stays hidden.
        User(password_hash=_DUMMY_HASH).check_password(password)
        return SignIn(None, "invalid")
    if user.is_locked():
        return SignIn(user, "locked")
    if not user.check_password(password):
        user.record_failed_login(max_failures, lock_minutes)
        locked = user.is_locked()
        if locked:
            AuditEvent.record(None, "user.locked", user, after={"locked_until": user.locked_until})
        db.session.commit()
        return SignIn(user, "locked" if locked else "invalid")
    user.record_successful_login()
    AuditEvent.record(user, "user.signed_in", user)
    db.session.commit()
    return SignIn(user, None)


def safe_next(target: str | None) -> str | None:
    """Return `target` only if it is a path on this site; anything else is dropped."""
    if not target or "\\" in target or any(ord(c) < 32 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _make_dummy_hash() -> str:
    probe = User()
    probe.set_password("not-a-real-password")
    return probe.password_hash


_DUMMY_HASH = _make_dummy_hash()
