"""A person's notifications (how many are unread, the newest), and the e-mail outbox."""

from sqlalchemy import func, select

from tracker.extensions import db
from tracker.models import Notification, OutboxMessage, User


def unread_count(user: User) -> int:
    """How many of a user's notifications are unread."""
    return db.session.scalar(
        select(func.count(Notification.id)).where(
            Notification.user_id == user.id, Notification.read_at.is_(None)
        )
    )


def recent(user: User, limit: int = 100) -> list[Notification]:
    """A user's notifications, newest first."""
    return list(
        db.session.scalars(
            select(Notification)
            .where(Notification.user_id == user.id)
            .order_by(Notification.id.desc())
            .limit(limit)
        )
    )


def outbox_counts() -> dict[str, int]:
    """How many e-mails wait to be sent and how many failed."""
    counts = dict(
        db.session.execute(
            select(OutboxMessage.status, func.count(OutboxMessage.id))
            .where(OutboxMessage.status.in_(("waiting", "failed")))
            .group_by(OutboxMessage.status)
        ).all()
    )
    return {"waiting": counts.get("waiting", 0), "failed": counts.get("failed", 0)}


def unsent_emails(limit: int = 200) -> list[OutboxMessage]:
    """The e-mails not sent yet, failed ones first, then the newest."""
    return list(
        db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.status.in_(("waiting", "failed")))
            .order_by((OutboxMessage.status == "failed").desc(), OutboxMessage.id.desc())
            .limit(limit)
        )
    )
