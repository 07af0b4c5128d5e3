"""Cycles, assessments, responses and improvement actions (DESIGN §5, §7)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    String,
    Text,
    exists,
    false,
)
from sqlalchemy.orm import Mapped, aliased, mapped_column, relationship, validates

from tracker.extensions import db
from tracker.models.base import Timestamped, UTCDateTime, one_of
from tracker.models.frameworks import Framework, Item
from tracker.models.organisations import Organisation
from tracker.models.users import User

ASSESSMENT_STATUSES = ("draft", "submitted", "in_review", "returned", "concluded")
EDITABLE_STATUSES = ("draft", "returned")
# What readers outside the organisation (reviewers, inspectors, administrators) may read: work
# as submitted. A returned assessment is a draft again, being changed: hidden from them until
# it is submitted again, like any draft (issue #16 point 14).
SUBMITTED_STATUSES = ("submitted", "in_review", "concluded")
ACTION_STATUSES = ("open", "in_progress", "done")


class Cycle(Timestamped, db.Model):
    """A reporting period such as 2025–26."""

    __tablename__ = "cycle"
    __table_args__ = (CheckConstraint("opens_on <= due_on AND due_on <= closes_on", name="dates"),)

    label: Mapped[str] = mapped_column(String(20), unique=True)
    opens_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    closes_on: Mapped[date] = mapped_column(Date)
    # Closed early by an administrator: no new assessments; no longer in progress.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def contains(self, day: date) -> bool:
        """True when `day` falls inside this cycle's window and it has not been closed."""
        return self.closed_at is None and self.opens_on <= day <= self.closes_on

    def __repr__(self) -> str:
        return f"<Cycle {self.label}>"


class Assessment(Timestamped, db.Model):
    __tablename__ = "assessment"
    __table_args__ = (
        # One per organisation, framework and cycle, whichever version of the framework.
        db.UniqueConstraint("organisation_id", "framework_key", "cycle_id"),
        db.UniqueConstraint("id", "framework_id"),
        ForeignKeyConstraint(["framework_id", "framework_key"], ["framework.id", "framework.key"]),
        CheckConstraint(one_of("status", ASSESSMENT_STATUSES), name="status"),
        CheckConstraint("(status = 'draft') = (submitted_at IS NULL)", name="submitted_at"),
    )

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    framework_id: Mapped[int] = mapped_column(Integer, index=True)
    framework_key: Mapped[str] = mapped_column(String(60))
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    concluded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    concluded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    returned_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    returned_reason: Mapped[str | None] = mapped_column(Text)

    organisation: Mapped[Organisation] = relationship()
    framework: Mapped[Framework] = relationship(
        primaryjoin="Assessment.framework_id == Framework.id", foreign_keys=[framework_id]
    )
    cycle: Mapped[Cycle] = relationship()
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    concluded_by: Mapped[User | None] = relationship(foreign_keys=[concluded_by_id])
    returned_by: Mapped[User | None] = relationship(foreign_keys=[returned_by_id])
    responses: Mapped[list[Response]] = relationship(
        back_populates="assessment",
        cascade="all, delete-orphan",
        primaryjoin="Response.assessment_id == Assessment.id",
        foreign_keys="Response.assessment_id",
        # In the order they were made: on PostgreSQL an updated row moves on disk, so without
        # an order the list would come back shuffled after an edit.
        order_by="Response.id",
    )
    assignments: Mapped[list[ReviewAssignment]] = relationship(  # noqa: F821
        back_populates="assessment", cascade="all, delete-orphan"
    )

    @validates("framework")
    def _keep_framework_key(self, _name, framework: Framework) -> Framework:
        self.framework_key = framework.key
        return framework

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES

    @property
    def reviewer_ids(self) -> set[int]:
        return {a.reviewer_id for a in self.assignments}

    def __repr__(self) -> str:
        return f"<Assessment {self.id} {self.status}>"


class Response(Timestamped, db.Model):
    """An organisation's answer to one item. `version` guards against lost updates."""

    __tablename__ = "response"
    __table_args__ = (
        db.UniqueConstraint("assessment_id", "item_id"),
        ForeignKeyConstraint(["item_id", "framework_id"], ["item.id", "item.framework_id"]),
        # The item belongs to the framework the assessment is against.
        ForeignKeyConstraint(
            ["assessment_id", "framework_id"], ["assessment.id", "assessment.framework_id"]
        ),
        # A score must be a level of the item's own framework's scale; NULL means unscored.
        ForeignKeyConstraint(
            ["framework_id", "self_score"], ["scale_level.framework_id", "scale_level.value"]
        ),
        ForeignKeyConstraint(
            ["framework_id", "validated_score"],
            ["scale_level.framework_id", "scale_level.value"],
        ),
        CheckConstraint("version >= 1", name="version"),
    )

    assessment_id: Mapped[int] = mapped_column(Integer, index=True)
    item_id: Mapped[int] = mapped_column(Integer)
    framework_id: Mapped[int] = mapped_column(Integer)
    self_score: Mapped[int | None] = mapped_column(Integer)
    narrative: Mapped[str | None] = mapped_column(Text)  # Markdown, sanitised when shown
    impact_measure: Mapped[str | None] = mapped_column(Text)
    validated_score: Mapped[int | None] = mapped_column(Integer)
    validated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    validated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The evidence as it stood when the assessment was last submitted, so a reviewer sees what
    # was submitted beside what is true now (withdrawn evidence stops counting at once):
    # {"level": ..., "kinds": [...], "sources": [organisation ids]}.
    submitted_evidence: Mapped[dict | None] = mapped_column(JSON)
    # Copied from last cycle and not yet read: not done until confirmed or changed (#17.2).
    carried_over: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    assessment: Mapped[Assessment] = relationship(
        back_populates="responses",
        primaryjoin="Response.assessment_id == Assessment.id",
        foreign_keys=[assessment_id],
    )
    item: Mapped[Item] = relationship(
        primaryjoin="Response.item_id == Item.id", foreign_keys=[item_id], viewonly=True
    )
    validated_by: Mapped[User | None] = relationship()
    actions: Mapped[list[Action]] = relationship(
        back_populates="response", cascade="all, delete-orphan", order_by="Action.id"
    )

    @property
    def is_scored(self) -> bool:
        return self.self_score is not None

    @property
    def has_narrative(self) -> bool:
        return bool((self.narrative or "").strip())

    @staticmethod
    def validation(score: int | None, by_id: int | None, at: datetime | None) -> dict:
        """The columns a validated score sets (all None: no validation), for a row or a bulk
        insert alike."""
        return {"validated_score": score, "validated_by_id": by_id, "validated_at": at}

    def validate(self, score: int, by_id: int, at: datetime) -> None:
        """Record the validated score, by whom and when (a review step; no audit here)."""
        for name, value in self.validation(score, by_id, at).items():
            setattr(self, name, value)

    def revise(self, score: int) -> None:
        """A new self score (answering a challenge): any validation was of the old score."""
        self.self_score = score
        for name, value in self.validation(None, None, None).items():
            setattr(self, name, value)


class Action(Timestamped, db.Model):
    """An improvement action the organisation commits to against a response."""

    __tablename__ = "improvement_action"
    __table_args__ = (
        CheckConstraint(one_of("status", ACTION_STATUSES), name="status"),
        CheckConstraint("status <> 'done' OR completed_on IS NOT NULL", name="completed"),
    )

    response_id: Mapped[int] = mapped_column(ForeignKey("response.id"), index=True)
    description: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="open")
    completed_on: Mapped[date | None] = mapped_column(Date)
    # The action of last cycle's assessment this one carries forward: that one is then
    # followed up here, not there.
    carried_from_id: Mapped[int | None] = mapped_column(
        ForeignKey("improvement_action.id"), index=True
    )
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    response: Mapped[Response] = relationship(back_populates="actions")

    @classmethod
    def outstanding(cls):
        """SQL: the action is still to do here, not done and not carried into a later cycle
        (where its copy is the one to follow up), so lists show each piece of work once."""
        copy = aliased(cls)
        return (cls.status != "done") & ~exists().where(copy.carried_from_id == cls.id)

    def is_overdue(self, today: date) -> bool:
        """Due before `today` and not done."""
        return self.status != "done" and self.due_on is not None and self.due_on < today


REMINDER_KINDS = ("due_28", "due_7", "due_1", "overdue")


class Reminder(Timestamped, db.Model):
    """A reminder sent about an assessment not yet submitted. The unique key makes each one
    go out once, however many hosts run `send-reminders` at the same moment."""

    __tablename__ = "assessment_reminder"
    __table_args__ = (
        db.UniqueConstraint("organisation_id", "framework_key", "cycle_id", "kind"),
        CheckConstraint(one_of("kind", REMINDER_KINDS), name="kind"),
    )

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    framework_key: Mapped[str] = mapped_column(String(60))
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
