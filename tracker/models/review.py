"""Peer review: assignments, challenges and their threads (DESIGN §5, §7)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Column, Date, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.extensions import db
from tracker.models.assessments import Assessment, Response
from tracker.models.base import Timestamped, UTCDateTime, one_of
from tracker.models.evidence import Evidence
from tracker.models.users import User

CHALLENGE_STATUSES = ("open", "responded", "resolved")
CHALLENGE_OUTCOMES = ("accepted", "moderated", "withdrawn")
# What each message in a thread records: the step of the workflow it belongs to.
MESSAGE_KINDS = ("raised", "answered", "resolved", "reopened")


class ReviewAssignment(Timestamped, db.Model):
    __tablename__ = "review_assignment"
    __table_args__ = (db.UniqueConstraint("assessment_id", "reviewer_id"),)

    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    assigned_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    due_on: Mapped[date | None] = mapped_column(Date)
    overdue_notified_on: Mapped[date | None] = mapped_column(Date)  # one reminder, not daily

    assessment: Mapped[Assessment] = relationship(back_populates="assignments")
    reviewer: Mapped[User] = relationship(foreign_keys=[reviewer_id])
    assigned_by: Mapped[User] = relationship(foreign_keys=[assigned_by_id])


class Challenge(Timestamped, db.Model):
    __tablename__ = "challenge"
    __table_args__ = (
        CheckConstraint(one_of("status", CHALLENGE_STATUSES), name="status"),
        CheckConstraint(
            f"outcome IS NULL OR {one_of('outcome', CHALLENGE_OUTCOMES)}", name="outcome"
        ),
        CheckConstraint("(status = 'resolved') = (outcome IS NOT NULL)", name="resolved_outcome"),
        CheckConstraint("outcome <> 'moderated' OR resolved_score IS NOT NULL", name="moderated"),
    )

    response_id: Mapped[int] = mapped_column(ForeignKey("response.id"), index=True)
    raised_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    question: Mapped[str] = mapped_column(Text)
    proposed_score: Mapped[int | None] = mapped_column(Integer)
    evidence_requested: Mapped[list | None] = mapped_column(JSON)  # evidence kinds asked for
    status: Mapped[str] = mapped_column(String(20), default="open")
    outcome: Mapped[str | None] = mapped_column(String(20))
    resolved_score: Mapped[int | None] = mapped_column(Integer)
    rationale: Mapped[str | None] = mapped_column(Text)
    due_on: Mapped[date | None] = mapped_column(Date)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    overdue_notified_on: Mapped[date | None] = mapped_column(Date)  # one reminder, not daily

    response: Mapped[Response] = relationship()
    raised_by: Mapped[User] = relationship(foreign_keys=[raised_by_id])
    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id])
    messages: Mapped[list[ChallengeMessage]] = relationship(
        back_populates="challenge", order_by="ChallengeMessage.id", cascade="all, delete-orphan"
    )

    @property
    def is_unresolved(self) -> bool:
        return self.status != "resolved"

    def is_overdue(self, today: date) -> bool:
        """Waiting for an answer past its due date."""
        return self.status == "open" and self.due_on is not None and self.due_on < today


challenge_message_evidence = Table(
    "challenge_message_evidence",
    db.metadata,
    Column("message_id", ForeignKey("challenge_message.id"), primary_key=True),
    Column("evidence_id", ForeignKey("evidence.id"), primary_key=True),
)


class ChallengeMessage(Timestamped, db.Model):
    """One step of a challenge's thread: the question, an answer, a resolution, a reopening."""

    __tablename__ = "challenge_message"
    __table_args__ = (CheckConstraint(one_of("kind", MESSAGE_KINDS), name="kind"),)

    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenge.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    kind: Mapped[str] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(Text)
    revised_score: Mapped[int | None] = mapped_column(Integer)

    challenge: Mapped[Challenge] = relationship(back_populates="messages")
    author: Mapped[User] = relationship()
    evidence: Mapped[list[Evidence]] = relationship(
        secondary=challenge_message_evidence, order_by="Evidence.id"
    )
