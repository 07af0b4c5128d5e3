"""Sign-in rules: one generic refusal, lockout after repeated failures, safe redirects.

Failures are counted with single atomic statements, so parallel guesses are all counted; and
addresses with no account are counted too, so "locked" never tells anyone an account exists.
"""

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from tracker.extensions import db
from tracker.models import AuditEvent, LoginThrottle, User
from tracker.models.base import utcnow


@dataclass
class SignIn:
    user: User | None
    refusal: str | None  # "invalid" or "locked"; None when signed in


def authenticate(email: str, password: str, max_failures: int, lock_minutes: int) -> SignIn:
    """Check a sign-in attempt, counting failures and locking when they mount up."""
    email = User.normalise_email(email)
    user = db.session.scalar(select(User).where(User.email == email))
    known = user is not None and user.active
    # Every path hashes the password once, at the real work factor, before any answer: a
    # locked account, an unknown address, an invited account with no password yet. Otherwise
    # the time taken (3 ms against 100 ms) tells which addresses have accounts.
    hashed = user.password_hash if known and user.password_hash else _DUMMY_HASH
    matches = User(password_hash=hashed).check_password(password) and hashed != _DUMMY_HASH
    if not known:
        # Same work and same answers as for an account, so its existence stays hidden.
        locked = _count_unknown_failure(email, max_failures, lock_minutes)
        return SignIn(None, "locked" if locked else "invalid")
    # A lock holds even against the right password. We weighed letting the owner in with the
    # right password during a lock (so that a stranger's five guesses cannot shut them out,
    # as NCSC warns): it would leave the lock no brake on guessing at all. The lock is short
    # (15 minutes), is per account and per address alike, and the owner is never stuck behind
    # it: "Forgotten your password?" sends a link that lifts it at once, and an administrator
    # can unlock. Guessing from one place is also capped by the sign-in rate limit.
    if user.is_locked():
        return SignIn(user, "locked")
    if not matches:
        locked = _count_failure(user, max_failures, lock_minutes)
        return SignIn(user, "locked" if locked else "invalid")
    user.record_successful_login()
    user.last_signed_in_at = utcnow()
    AuditEvent.record(user, "user.signed_in", user)
    db.session.commit()
    return SignIn(user, None)


def _count_failure(user: User, max_failures: int, lock_minutes: int) -> bool:
    failures = db.session.execute(
        update(User)
        .where(User.id == user.id)
        .values(failed_logins=User.failed_logins + 1)
        .returning(User.failed_logins)
    ).scalar_one()
    locked = failures >= max_failures
    if locked:
        until = utcnow() + timedelta(minutes=lock_minutes)
        db.session.execute(
            update(User).where(User.id == user.id).values(failed_logins=0, locked_until=until)
        )
        AuditEvent.record(None, "user.locked", user, after={"locked_until": until})
    db.session.commit()
    return locked


def _count_unknown_failure(email: str, max_failures: int, lock_minutes: int) -> bool:
    digest = hashlib.sha256(email.encode()).hexdigest()
    now = utcnow()
    row = db.session.scalar(select(LoginThrottle).where(LoginThrottle.email_sha256 == digest))
    if row is not None and row.locked_until and row.locked_until > now:
        return True
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    insert = dialect.insert(LoginThrottle).values(
        email_sha256=digest, failures=1, created_at=now, updated_at=now
    )
    failures = db.session.execute(
        insert.on_conflict_do_update(
            index_elements=[LoginThrottle.email_sha256],
            set_={"failures": LoginThrottle.failures + 1, "updated_at": now},
        ).returning(LoginThrottle.failures)
    ).scalar_one()
    locked = failures >= max_failures
    if locked:
        db.session.execute(
            update(LoginThrottle)
            .where(LoginThrottle.email_sha256 == digest)
            .values(failures=0, locked_until=now + timedelta(minutes=lock_minutes))
        )
    db.session.commit()
    return locked


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
