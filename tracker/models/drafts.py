"""Words a person has typed but not yet sent, kept while they leave the page (issue 17.1)."""

from __future__ import annotations

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from tracker.extensions import db
from tracker.models.base import Timestamped


class Draft(Timestamped, db.Model):
    """One person's unsent form (`key` names it, e.g. "challenge-answer:12"), as they left it
    to do something else first (upload evidence); restored when they come back, dropped when
    what it holds is sent."""

    __tablename__ = "draft"
    __table_args__ = (db.UniqueConstraint("user_id", "key"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    key: Mapped[str] = mapped_column(String(80))
    data: Mapped[dict] = mapped_column(JSON)
