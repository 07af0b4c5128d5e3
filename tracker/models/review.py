"""Peer review: assignments, challenges and their threads (DESIGN §5, §7)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Column, Date, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship

from tracker.extensions import db
from tracker.models.assessments import Assessment, Response
from tracker.models.base import Timestamped, UTCDateTime, one_of
from tracker.models.evidence import Evidence
from tracker.models.users import User

CHALLENGE_STATUSES = ("open", "responded", "resolved")
CHALLENGE_OUTCOMES = ("accepted", "moderated", "withdrawn")
# What each message in a thread records: the step of the workflow it belongs to.
MESSAGE_KINDS = ("raised", "answered", "resolved", "reopened")
# The outcomes that settle the response's score: it becomes the validated score.
SETTLING_OUTCOMES = ("accepted", "moderated")


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

    # The workflow (DESIGN §7): open → responded → resolved; responded → open when reopened.
    # These change the challenge's own row and thread only. The review operations check who may
    # take a step and whether it may be taken now, audit and commit; the demo seeder and the
    # dataset generator call the same steps, so the workflow is written once.

    @classmethod
    def raise_on(
        cls,
        response_id: int,
        by_id: int,
        question: str,
        proposed_score: int | None = None,
        due_on: date | None = None,
        evidence_requested: list[str] | None = None,
        at: datetime | None = None,
    ) -> Challenge:
        """A new open challenge on a response, its question the first message of the thread."""
        challenge = cls(
            response_id=response_id,
            raised_by_id=by_id,
            question=question,
            proposed_score=proposed_score,
            evidence_requested=evidence_requested,
            status="open",
            due_on=due_on,
        )
        if at is not None:
            challenge.created_at = at
        challenge.add_message(by_id, "raised", question, at=at)
        return challenge

    def answer(
        self, by_id: int, body: str, revised_score: int | None = None, evidence=(), at=None
    ) -> ChallengeMessage:
        """The organisation's answer: the challenge waits for the reviewer again."""
        self.status = "responded"
        return self.add_message(by_id, "answered", body, revised_score, evidence, at)

    def resolve(
        self,
        outcome: str,
        by_id: int,
        score: int | None,
        at: datetime,
        rationale: str | None = None,
    ) -> ChallengeMessage:
        """Close the challenge with an outcome; `score` is kept unless it was withdrawn. The
        caller validates the response's score when the outcome settles it (SETTLING_OUTCOMES)."""
        self.status, self.outcome = "resolved", outcome
        self.resolved_score = score if outcome != "withdrawn" else None
        self.rationale = rationale
        self.resolved_at, self.resolved_by_id = at, by_id
        return self.add_message(by_id, "resolved", rationale or "", at=at)

    def reopen(self, by_id: int, body: str, due_on: date, at=None) -> ChallengeMessage:
        """Ask again: the challenge goes back to the organisation, with a new due date and a
        reminder still to send."""
        self.status, self.due_on, self.overdue_notified_on = "open", due_on, None
        return self.add_message(by_id, "reopened", body, at=at)

    @property
    def settles_score(self) -> bool:
        """Resolved with an outcome that makes a validated score."""
        return self.outcome in SETTLING_OUTCOMES

    def add_message(
        self, by_id: int, kind: str, body: str, revised_score=None, evidence=(), at=None
    ) -> ChallengeMessage:
        """A message at the end of the thread; kept in the challenge's session, if it has one."""
        message = ChallengeMessage(
            challenge=self, author_id=by_id, kind=kind, body=body or "", revised_score=revised_score
        )
        if at is not None:
            message.created_at = at
        message.evidence.extend(evidence)
        session = object_session(self)
        if session is not None:
            session.add(message)
        return message


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
