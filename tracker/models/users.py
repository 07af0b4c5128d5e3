"""People who sign in, their API tokens and their in-app notifications."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from tracker.extensions import db
from tracker.models.base import Timestamped, UTCDateTime, utcnow
from tracker.models.organisations import Organisation, _in

ROLES = ("coordinator", "contributor", "reviewer", "inspector", "admin")
LOCALES = ("en", "cy")


class User(UserMixin, Timestamped, db.Model):
    __tablename__ = "user_account"  # "user" is reserved in PostgreSQL
    __table_args__ = (
        CheckConstraint(_in("role", ROLES), name="role"),
        CheckConstraint(_in("locale", LOCALES), name="locale"),
        CheckConstraint("failed_logins >= 0", name="failed_logins"),
    )

    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(256))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locale: Mapped[str] = mapped_column(String(5), default="en")

    organisation: Mapped[Organisation] = relationship()

    @staticmethod
    def normalise_email(email: str) -> str:
        """E-mail addresses are compared without case or surrounding space."""
        return (email or "").strip().lower()

    def set_password(self, password: str) -> None:
        """Store a salted scrypt hash of the password."""
        self.password_hash = generate_password_hash(password, method="scrypt")

    def check_password(self, password: str) -> bool:
        """True when the password matches the stored hash."""
        return check_password_hash(self.password_hash, password)

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

    user: Mapped[User] = relationship()


class Notification(Timestamped, db.Model):
    __tablename__ = "notification"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    kind: Mapped[str | None] = mapped_column(String(40))  # says which message to show
    params: Mapped[dict | None] = mapped_column(JSON)  # filled into it, in the reader's language
    text: Mapped[str] = mapped_column(Text)  # the English form, for the record
    link: Mapped[str | None] = mapped_column(String(500))
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class LoginThrottle(Timestamped, db.Model):
    """Failed sign-ins for an email address that has no account.

    Counted like an account's, so a lockout message cannot tell anyone which addresses exist.
    """

    __tablename__ = "login_throttle"
    __table_args__ = (CheckConstraint("failures >= 0", name="failures"),)

    email_sha256: Mapped[str] = mapped_column(String(64), unique=True)  # not the address itself
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
