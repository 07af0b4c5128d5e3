"""The e-mail outbox: every e-mail the tracker sends is first a row here (issue #24).

The row is written in the transaction of the change that causes it, so a change rolled back
sends nothing and a change committed loses nothing, whatever the mail server does. Whoever
sends it (the web process just after the commit, or `flask send-mail`) first claims it by
setting `claimed_until` with a conditional UPDATE, so two senders never both send it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tracker.extensions import db
from tracker.models.base import Timestamped, UTCDateTime, one_of, utcnow

OUTBOX_STATUSES = ("waiting", "sent", "failed")


class OutboxMessage(Timestamped, db.Model):
    __tablename__ = "outbox_message"
    __table_args__ = (
        CheckConstraint(one_of("status", OUTBOX_STATUSES), name="status"),
        CheckConstraint("attempts >= 0", name="attempts"),
        # send-mail's question: which waiting messages are due.
        Index("ix_outbox_message_status_next_attempt_at", "status", "next_attempt_at"),
    )

    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    # Plain text. Emptied once sent: it may hold a single-use link to set a password.
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="waiting")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A sender's lease: until then nobody else may send it (set when claimed, cleared after).
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(300))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
