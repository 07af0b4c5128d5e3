"""A person's notifications: how many are unread, and the newest."""

from sqlalchemy import func, select

from tracker.extensions import db
from tracker.models import Notification, User


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
