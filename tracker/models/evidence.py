"""Evidence and its links to responses (DESIGN §5, §6). Evidence is withdrawn, never deleted."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.extensions import db
from tracker.models.assessments import Response
from tracker.models.base import Timestamped, UTCDateTime, one_of
from tracker.models.organisations import Organisation
from tracker.models.users import User

EVIDENCE_KINDS = ("document", "data", "audit", "voice", "practitioner", "external")


class Evidence(Timestamped, db.Model):
    __tablename__ = "evidence"
    __table_args__ = (
        CheckConstraint(one_of("kind", EVIDENCE_KINDS), name="kind"),
        # Exactly one of a stored file or a URL.
        CheckConstraint("(sha256 IS NULL) <> (url IS NULL)", name="file_or_url"),
        CheckConstraint(
            "withdrawn_at IS NULL OR withdrawn_reason IS NOT NULL", name="withdrawn_reason"
        ),
        # A library is read newest first a page at a time: this index gives the page without
        # sorting the whole library, which grows every cycle (DESIGN §10).
        Index("ix_evidence_library_order", "organisation_id", "created_at", "id"),
    )

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20))
    source_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    evidence_date: Mapped[date | None] = mapped_column(Date)
    description: Mapped[str | None] = mapped_column(Text)
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    content_type: Mapped[str | None] = mapped_column(String(120))
    filename: Mapped[str | None] = mapped_column(String(255))  # shown only, never used as a path
    url: Mapped[str | None] = mapped_column(String(2000))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)
    pii_warnings: Mapped[list | None] = mapped_column(JSON)

    organisation: Mapped[Organisation] = relationship(foreign_keys=[organisation_id])
    source_organisation: Mapped[Organisation] = relationship(foreign_keys=[source_organisation_id])
    uploaded_by: Mapped[User] = relationship(foreign_keys=[uploaded_by_id])
    withdrawn_by: Mapped[User | None] = relationship(foreign_keys=[withdrawn_by_id])
    links: Mapped[list[EvidenceLink]] = relationship(back_populates="evidence")

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None


class EvidenceLink(Timestamped, db.Model):
    __tablename__ = "evidence_link"
    __table_args__ = (db.UniqueConstraint("evidence_id", "response_id"),)

    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id"), index=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("response.id"), index=True)
    note: Mapped[str | None] = mapped_column(Text)
    carried_over: Mapped[bool] = mapped_column(Boolean, default=False)
    linked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    evidence: Mapped[Evidence] = relationship(back_populates="links")
    response: Mapped[Response] = relationship()
