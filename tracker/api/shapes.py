"""What API v1 answers with, described once: each pydantic model makes the JSON of an object
(`Model.of(row)`, then `.model_dump(mode="json")`) and its OpenAPI component schema.

Evidence, challenges and statements are in shapes_more.py, request bodies in bodies.py;
the document itself in openapi.py.
"""

from datetime import date, datetime
from typing import Annotated, Any, Literal

from flask import url_for
from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema

from tracker.models.assessments import ACTION_STATUSES, ASSESSMENT_STATUSES
from tracker.models.users import LOCALES, ROLES, STATUSES

# Times as Python writes them (2026-12-03T10:00:00+00:00), as the API always has; pydantic
# alone would write a Z.
Stamp = Annotated[
    datetime,
    PlainSerializer(lambda value: value.isoformat(), return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
Texts = dict[str, str]  # a text in each language: {"en": ..., "cy": ...}
Score = int | None
Triangulation = Literal["unevidenced", "single_source", "partial", "triangulated"]


class Problem(BaseModel):
    path: str
    reason: str


class ErrorDetail(BaseModel):
    code: str
    message: str
    field: str | None = None
    problems: list[Problem] | None = Field(
        None,
        description="A framework file's problems (code invalid_framework), each with where in "
        "the file (sections[0].items[2].key) and what is wrong.",
    )


class Error(BaseModel):
    error: ErrorDetail


class Token(BaseModel):
    id: int
    name: str
    token: str = Field(description="Shown once; send as a bearer token.")
    created_at: Stamp
    expires_at: Stamp
    read_only: bool

    @classmethod
    def of(cls, token, raw: str) -> "Token":
        """A new token with its secret, shown this once."""
        return cls(
            id=token.id,
            name=token.name,
            token=raw,
            created_at=token.created_at,
            expires_at=token.expires_at,
            read_only=token.read_only,
        )


class FromRow(BaseModel):
    """A shape whose every field is the row's attribute of the same name."""

    model_config = ConfigDict(from_attributes=True)

    @classmethod
    def of(cls, row):
        """The shape of a row (a model instance), field by field."""
        return cls.model_validate(row)


class Organisation(FromRow):
    id: int
    code: str
    name: str
    name_cy: str | None
    kind: str
    region_id: int | None
    active: bool = Field(description="A deactivated one is offered for nothing new.")


class Triangulating(BaseModel):
    min_kinds: int
    min_sources: int
    required_from: int


class ScaleLevel(BaseModel):
    value: int
    label: Texts
    rag: str
    descriptor: Texts | None


class Item(BaseModel):
    id: int
    key: str
    theme: Texts
    text: Texts
    guidance: Texts | None
    levels: dict[str, Any] | None


class Section(BaseModel):
    key: str
    title: Texts
    items: list[Item]


class Framework(BaseModel):
    id: int
    key: str
    version: int
    title: Texts
    kind: str
    applies_to: list[str]
    triangulation: Triangulating

    @classmethod
    def fields_of(cls, f) -> dict:
        return {
            "id": f.id,
            "key": f.key,
            "version": f.version,
            "title": f.title,
            "kind": f.kind,
            "applies_to": f.applies_to,
            "triangulation": Triangulating(
                min_kinds=f.min_kinds, min_sources=f.min_sources, required_from=f.required_from
            ),
        }

    @classmethod
    def of(cls, f) -> "Framework":
        """A framework without its items (as listed)."""
        return cls(**cls.fields_of(f))


class FrameworkWithItems(Framework):
    scale: list[ScaleLevel]
    sections: list[Section]

    @classmethod
    def of(cls, f) -> "FrameworkWithItems":
        """A framework with its scale, sections and items."""
        scale = [
            ScaleLevel(value=s.value, label=s.label, rag=s.rag, descriptor=s.descriptor)
            for s in f.scale
        ]
        sections = [
            Section(
                key=section.key,
                title=section.title,
                items=[
                    Item(
                        id=i.id,
                        key=i.key,
                        theme=i.theme,
                        text=i.text,
                        guidance=i.guidance,
                        levels=i.levels,
                    )
                    for i in section.items
                ],
            )
            for section in f.sections
        ]
        return cls(**cls.fields_of(f), scale=scale, sections=sections)


class Cycle(BaseModel):
    id: int
    label: str
    opens_on: date
    due_on: date
    closes_on: date
    closed: bool = Field(description="Closed early by an administrator.")
    closed_at: Stamp | None
    current: bool = Field(
        description="The current cycle: its window contains today and it is not closed "
        "(between cycles, the latest that has opened)."
    )

    @classmethod
    def of(cls, c, current=None) -> "Cycle":
        """A cycle; `current` is the current cycle (cycles.current_cycle()), asked for once."""
        return cls(
            id=c.id,
            label=c.label,
            opens_on=c.opens_on,
            due_on=c.due_on,
            closes_on=c.closes_on,
            closed=c.closed_at is not None,
            closed_at=c.closed_at,
            current=current is not None and c.id == current.id,
        )


class User(BaseModel):
    """A person as an administrator sees them: never a password hash or a link's secret."""

    id: int
    email: str
    name: str
    role: Literal[tuple(ROLES)]
    organisation_id: int
    organisation: str = Field(description="The organisation's code.")
    locale: Literal[tuple(LOCALES)] = Field(description="The language of their pages and e-mails.")
    status: Literal[tuple(STATUSES)]
    active: bool
    created_at: Stamp
    invited_at: Stamp | None
    last_signed_in_at: Stamp | None
    locked_until: Stamp | None
    deactivated_at: Stamp | None
    deactivated_reason: str | None

    @classmethod
    def of(cls, person) -> "User":
        """A person (their lock only while it holds)."""
        return cls(
            id=person.id,
            email=person.email,
            name=person.name,
            role=person.role,
            organisation_id=person.organisation_id,
            organisation=person.organisation.code,
            locale=person.locale,
            status=person.status,
            active=person.active,
            created_at=person.created_at,
            invited_at=person.invited_at,
            last_signed_in_at=person.last_signed_in_at,
            locked_until=person.locked_until if person.is_locked() else None,
            deactivated_at=person.deactivated_at,
            deactivated_reason=person.deactivated_reason,
        )


class Assessment(BaseModel):
    id: int
    organisation_id: int
    framework_id: int
    framework_key: str
    cycle_id: int
    status: Literal[tuple(ASSESSMENT_STATUSES)]
    submitted_at: Stamp | None
    concluded_at: Stamp | None
    returned_at: Stamp | None
    returned_reason: str | None
    reviewer_ids: list[int]

    @classmethod
    def of(cls, a) -> "Assessment":
        """An assessment with its reviewers' ids."""
        return cls(
            id=a.id,
            organisation_id=a.organisation_id,
            framework_id=a.framework_id,
            framework_key=a.framework_key,
            cycle_id=a.cycle_id,
            status=a.status,
            submitted_at=a.submitted_at,
            concluded_at=a.concluded_at,
            returned_at=a.returned_at,
            returned_reason=a.returned_reason,
            reviewer_ids=sorted(a.reviewer_ids),
        )


class Action(FromRow):
    id: int
    response_id: int
    description: str
    owner: str
    due_on: date | None = Field(
        description="Today or later for a new action or a new date; an action already overdue "
        "keeps its date."
    )
    status: Literal[tuple(ACTION_STATUSES)]
    completed_on: date | None
    version: int = Field(description="Send it back to change the action.")


class EvidenceLink(BaseModel):
    evidence_id: int
    note: str | None
    carried_over: bool

    @classmethod
    def of(cls, link) -> "EvidenceLink":
        """One evidence link of a response (an EvidenceLink, or a row with its columns)."""
        # Not validated: three columns of a row, and a response may carry a hundred links.
        return cls.model_construct(
            evidence_id=link.evidence_id, note=link.note, carried_over=link.carried_over
        )


class Response(BaseModel):
    id: int
    assessment_id: int
    item_key: str
    self_score: Score
    narrative: str | None
    impact_measure: str | None
    validated_score: Score
    carried_over: bool = Field(
        description="Copied from last cycle and not yet confirmed: it counts as not done. A "
        "coordinator's PATCH at the current version, with or without changes, confirms it."
    )
    version: int
    triangulation: Triangulation
    claim_beyond_evidence: bool
    evidence_ids: list[int] = Field(
        description="The evidence of evidence_links (the first 100 links, oldest first)."
    )
    evidence_links: list[EvidenceLink] = Field(
        description="The first 100 links, oldest first; evidence_links_next reads on."
    )
    evidence_links_total: int = Field(description="How many links it has.")
    evidence_links_next: str | None = Field(
        description="The next page of links (GET /responses/{id}/evidence), or null when "
        "evidence_links holds them all."
    )
    actions: list[Action]

    @classmethod
    def of(cls, row, links: list, total: int, per_page: int) -> "Response":
        """A response (an assessments ItemRow) with its first `links` of `total`, and where
        to read the next `per_page` of them."""
        r = row.response
        more = total > len(links)
        return cls(
            id=r.id,
            assessment_id=r.assessment_id,
            item_key=row.item.key,
            self_score=r.self_score,
            narrative=r.narrative,
            impact_measure=r.impact_measure,
            validated_score=r.validated_score,
            carried_over=r.carried_over,
            version=r.version,
            triangulation=row.triangulation,
            claim_beyond_evidence=row.claim_beyond_evidence,
            evidence_ids=[link.evidence_id for link in links],
            evidence_links=[EvidenceLink.of(link) for link in links],
            evidence_links_total=total,
            evidence_links_next=url_for(
                "api.list_response_links", response_id=r.id, page=2, per_page=per_page
            )
            if more
            else None,
            actions=[Action.of(a) for a in sorted(r.actions, key=lambda a: a.id)],
        )
