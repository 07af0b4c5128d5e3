"""People who sign in, their API tokens and their in-app notifications."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from tracker.extensions import db
from tracker.models.base import Timestamped, UTCDateTime, one_of, utcnow
from tracker.models.organisations import Organisation

ROLES = ("coordinator", "contributor", "reviewer", "inspector", "admin")
LOCALES = ("en", "cy")
# What the administration area filters people by (User.status).
STATUSES = ("invited", "active", "locked", "deactivated")
LINK_PURPOSES = ("invite", "reset")


class User(UserMixin, Timestamped, db.Model):
    __tablename__ = "user_account"  # "user" is reserved in PostgreSQL
    __table_args__ = (
        CheckConstraint(one_of("role", ROLES), name="role"),
        CheckConstraint(one_of("locale", LOCALES), name="locale"),
        CheckConstraint("failed_logins >= 0", name="failed_logins"),
    )

    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # None until an invited person sets their password through the e-mailed link.
    password_hash: Mapped[str | None] = mapped_column(String(256))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locale: Mapped[str] = mapped_column(String(5), default="en")
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_signed_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deactivated_reason: Mapped[str | None] = mapped_column(Text)
    # Part of the session's identity (get_id): raising it ends every session of this person at
    # once, in every process, since each request loads the user and compares.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    organisation: Mapped[Organisation] = relationship()

    @staticmethod
    def normalise_email(email: str) -> str:
        """E-mail addresses are compared without case or surrounding space."""
        return (email or "").strip().lower()

    def set_password(self, password: str) -> None:
        """Store a salted scrypt hash of the password."""
        self.password_hash = generate_password_hash(password, method="scrypt")

    def check_password(self, password: str) -> bool:
        """True when the password matches the stored hash (never before one is set)."""
        if not self.password_hash:
            return False
        return check_password_hash(self.password_hash, password)

    @property
    def status(self) -> str:
        """One of STATUSES: what an administrator needs to know first about an account."""
        if not self.active:
            return "deactivated"
        if self.is_locked():
            return "locked"
        if not self.password_hash:
            return "invited"
        return "active"

    # Set on signing in (tracker.security.sign_in): this browser session's own random id,
    # so that signing out can end this session alone. Not stored in this table.
    session_sid = None

    def get_id(self) -> str:
        """The session's name for this person: id, session version and the session's own id
        (see load_user in tracker/auth/views.py)."""
        return f"{self.id}.{self.session_version or 0}.{self.session_sid or ''}"

    def end_sessions(self) -> None:
        """Sign this person out everywhere: every session's stored id stops matching."""
        self.session_version = (self.session_version or 0) + 1

    def is_locked(self, now: datetime | None = None) -> bool:
        """True while a lock from repeated failed sign-ins is in force."""
        return self.locked_until is not None and self.locked_until > (now or utcnow())

    def record_successful_login(self) -> None:
        """A good sign-in clears the failure count."""
        self.failed_logins = 0
        self.locked_until = None

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class ApiToken(Timestamped, db.Model):
    __tablename__ = "api_token"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 hex of the token
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Chosen when made (90 days unless asked otherwise); warned of by e-mail a week before.
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expiry_warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A read-only token may read what its owner may read, and change nothing.
    read_only: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    user: Mapped[User] = relationship()

    def expired(self, now: datetime | None = None) -> bool:
        return self.expires_at <= (now or utcnow())


class Notification(Timestamped, db.Model):
    __tablename__ = "notification"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    kind: Mapped[str | None] = mapped_column(String(40))  # says which message to show
    params: Mapped[dict | None] = mapped_column(JSON)  # filled into it, in the reader's language
    text: Mapped[str] = mapped_column(Text)  # the English form, for the record
    link: Mapped[str | None] = mapped_column(String(500))
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class AccountLink(Timestamped, db.Model):
    """A single-use link e-mailed to set a password: an invitation (7 days) or a reset (1 hour).

    Only the SHA-256 of the link's secret is stored, so a copy of the database opens nothing.
    """

    __tablename__ = "account_link"
    __table_args__ = (CheckConstraint(one_of("purpose", LINK_PURPOSES), name="purpose"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(10))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class EndedSession(Timestamped, db.Model):
    """A browser session that was signed out: a copy of its cookie opens nothing afterwards.

    Rows older than the longest a session can last (TRACKER_SESSION_HOURS) protect nothing
    and are removed by `sweep-sessions`.
    """

    __tablename__ = "ended_session"

    sid: Mapped[str] = mapped_column(String(43), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)


class LoginThrottle(Timestamped, db.Model):
    """Failed sign-ins for an email address that has no account.

    Counted like an account's, so a lockout message cannot tell anyone which addresses exist.
    """

    __tablename__ = "login_throttle"
    __table_args__ = (CheckConstraint("failures >= 0", name="failures"),)

    email_sha256: Mapped[str] = mapped_column(String(64), unique=True)  # not the address itself
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
