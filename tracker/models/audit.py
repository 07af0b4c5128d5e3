"""The audit trail: one event for every change (DESIGN §5, §11)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.extensions import db
from tracker.models.base import Timestamped, UTCDateTime, utcnow
from tracker.models.users import User


def _plain(value):
    """Make a value JSON-safe for the before/after record."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


class AuditEvent(Timestamped, db.Model):
    __tablename__ = "audit_event"
    # A record's history is looked up by entity and id (see migration b7e3c1a9d4f2).
    __table_args__ = (Index("ix_audit_event_entity_entity_id", "entity", "entity_id"),)

    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    action: Mapped[str] = mapped_column(String(60))
    entity: Mapped[str] = mapped_column(String(60))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)

    user: Mapped[User | None] = relationship()

    @classmethod
    def record(cls, user, action: str, entity, before=None, after=None) -> AuditEvent:
        """Add an audit event for a change to `entity` to the session (committed with it)."""
        if entity.id is None:
            db.session.flush()  # the new row needs its id before it can be named
        event = cls(
            user_id=getattr(user, "id", None),
            action=action,
            entity=entity.__tablename__,
            entity_id=entity.id,
            before={k: _plain(v) for k, v in before.items()} if before else None,
            after={k: _plain(v) for k, v in after.items()} if after else None,
        )
        db.session.add(event)
        return event

    @classmethod
    def record_changes(cls, user, action: str, entity, before: dict, after: dict) -> bool:
        """Audit the fields whose values differ between `before` and `after`, and only those;
        False (and nothing recorded) when none does."""
        changed = [k for k in after if after[k] != before.get(k)]
        if not changed:
            return False
        cls.record(
            user,
            action,
            entity,
            {k: before.get(k) for k in changed},
            {k: after[k] for k in changed},
        )
        return True
