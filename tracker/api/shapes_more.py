"""What API v1 answers with, continued: evidence, reviewers and challenges, statements (the
other objects are in shapes.py)."""

from datetime import date
from typing import Literal

from flask import url_for
from pydantic import BaseModel, Field

from tracker.api.shapes import FromRow, Score, Stamp
from tracker.evidence.pii import KINDS as PII_KINDS
from tracker.models.evidence import EVIDENCE_KINDS
from tracker.models.review import CHALLENGE_OUTCOMES, CHALLENGE_STATUSES
from tracker.models.statements import SCOPES

LANGUAGES = ("en", "cy", "both")

PII_WARNINGS = (
    "How many likely personal identifiers of children of each kind the readable text holds "
    "(never the text itself). Check the file, and withdraw it if it should not be here. "
    "checked_pages: the scan of a long or complex PDF was cut short after this many pages; "
    "the rest was not checked."
)


class EvidenceUse(BaseModel):
    response_id: int
    assessment_id: int
    item_key: str
    note: str | None
    carried_over: bool


class Evidence(BaseModel):
    id: int
    organisation_id: int = Field(description="Whose library it is in.")
    title: str
    kind: Literal[EVIDENCE_KINDS]
    source_organisation_id: int = Field(description="Where it comes from.")
    evidence_date: date | None
    description: str | None
    url: str | None = Field(description="A web link (null for a file).")
    filename: str | None = Field(description="The uploaded file's name, for showing only.")
    content_type: str | None = Field(description="Decided from the content, not the name.")
    size_bytes: int | None
    sha256: str | None
    download_url: str | None = Field(description="Where to download a file from.")
    uploaded_by_id: int
    created_at: Stamp
    withdrawn_at: Stamp | None
    withdrawn_by_id: int | None
    withdrawn_reason: str | None
    pii_warnings: dict[Literal[(*PII_KINDS, "checked_pages")], int] = Field(
        description=PII_WARNINGS
    )

    @classmethod
    def fields_of(cls, e) -> dict:
        return {
            "id": e.id,
            "organisation_id": e.organisation_id,
            "title": e.title,
            "kind": e.kind,
            "source_organisation_id": e.source_organisation_id,
            "evidence_date": e.evidence_date,
            "description": e.description,
            "url": e.url,
            "filename": e.filename,
            "content_type": e.content_type,
            "size_bytes": e.size_bytes,
            "sha256": e.sha256,
            "download_url": url_for("api.download_evidence", evidence_id=e.id)
            if e.sha256
            else None,
            "uploaded_by_id": e.uploaded_by_id,
            "created_at": e.created_at,
            "withdrawn_at": e.withdrawn_at,
            "withdrawn_by_id": e.withdrawn_by_id,
            "withdrawn_reason": e.withdrawn_reason,
            "pii_warnings": e.pii_warnings or {},
        }

    @classmethod
    def of(cls, e) -> "Evidence":
        """An item of evidence."""
        return cls(**cls.fields_of(e))


class EvidenceWithLinks(Evidence):
    links: list[EvidenceUse] = Field(
        description="Responses it is linked to that you may see (one item only)."
    )

    @classmethod
    def of(cls, e, links: list) -> "EvidenceWithLinks":
        """An item of evidence with the `links` to responses the user may see."""
        uses = [
            EvidenceUse(
                response_id=link.response_id,
                assessment_id=link.response.assessment_id,
                item_key=link.response.item.key,
                note=link.note,
                carried_over=link.carried_over,
            )
            for link in links
        ]
        return cls(**cls.fields_of(e), links=uses)


class Reviewer(FromRow):
    """A peer reviewer who may be assigned."""

    id: int
    name: str
    organisation_id: int


class Message(BaseModel):
    id: int
    kind: str
    author_id: int
    body: str
    revised_score: Score
    evidence_ids: list[int]
    created_at: Stamp


class Challenge(BaseModel):
    id: int
    response_id: int
    raised_by_id: int
    question: str
    proposed_score: Score
    evidence_requested: list[Literal[EVIDENCE_KINDS]]
    status: Literal[CHALLENGE_STATUSES]
    outcome: Literal[CHALLENGE_OUTCOMES] | None
    resolved_score: Score
    rationale: str | None
    due_on: date | None
    resolved_at: Stamp | None
    messages: list[Message]

    @classmethod
    def of(cls, c) -> "Challenge":
        """A challenge with its thread of messages."""
        return cls(
            id=c.id,
            response_id=c.response_id,
            raised_by_id=c.raised_by_id,
            question=c.question,
            proposed_score=c.proposed_score,
            evidence_requested=c.evidence_requested or [],
            status=c.status,
            outcome=c.outcome,
            resolved_score=c.resolved_score,
            rationale=c.rationale,
            due_on=c.due_on,
            resolved_at=c.resolved_at,
            messages=[
                Message(
                    id=m.id,
                    kind=m.kind,
                    author_id=m.author_id,
                    body=m.body,
                    revised_score=m.revised_score,
                    evidence_ids=[e.id for e in m.evidence],
                    created_at=m.created_at,
                )
                for m in c.messages
            ],
        )


class StatementVersion(BaseModel):
    version: int
    language: Literal[LANGUAGES]
    published_at: Stamp
    published_by_id: int
    pdf_sha256: str
    pdf_size: int
    pdf_url: str


class Statement(BaseModel):
    id: int
    scope: Literal[SCOPES]
    organisation_id: int | None
    framework_id: int
    cycle_id: int
    language: Literal[LANGUAGES]
    status: Literal["draft", "published"]
    versions: list[StatementVersion]

    @classmethod
    def of(cls, s) -> "Statement":
        """A statement with its published versions."""
        return cls(
            id=s.id,
            scope=s.scope,
            organisation_id=s.organisation_id,
            framework_id=s.framework_id,
            cycle_id=s.cycle_id,
            language=s.language,
            status=s.status,
            versions=[
                StatementVersion(
                    version=v.version,
                    language=v.language,
                    published_at=v.published_at,
                    published_by_id=v.published_by_id,
                    pdf_sha256=v.pdf_sha256,
                    pdf_size=v.pdf_size,
                    pdf_url=url_for("api.statement_pdf", statement_id=s.id, number=v.version),
                )
                for v in s.versions
            ],
        )
