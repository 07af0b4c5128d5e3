"""Statements, read: the lists, one statement with what its pages show, the figures it is
drafted from (in a fixed number of queries), its published versions, and which version a PDF
is (DESIGN §7)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import selectinload

from tracker import access
from tracker.evidence import operations as evidence_ops
from tracker.extensions import db
from tracker.models import (
    Action,
    Assessment,
    Challenge,
    Cycle,
    Framework,
    Item,
    Organisation,
    PublishedStatement,
    Response,
    ReviewAssignment,
    Statement,
    User,
)
from tracker.reporting import loaders
from tracker.statements import drafting, figures
from tracker.statements.figures import (
    REPORTED_STATUSES,
    ChallengeFact,
    Dataset,
    ItemInfo,
    OrgInfo,
    OverdueAction,
    ScaleInfo,
    SectionInfo,
)

LANGUAGES = {"en": ("en",), "cy": ("cy",), "both": ("cy", "en")}  # Welsh first when both


def languages(statement: Statement) -> tuple[str, ...]:
    """The languages a statement is written in, in the order a published copy shows them."""
    return LANGUAGES[statement.language]


def load(statement_id: int) -> Statement | None:
    """A statement with what its pages show, in a fixed number of queries."""
    return db.session.scalar(
        select(Statement)
        .where(Statement.id == statement_id)
        .options(
            selectinload(Statement.organisation),
            selectinload(Statement.cycle),
            *loaders.framework_contents(selectinload(Statement.framework)),
            selectinload(Statement.versions).selectinload(PublishedStatement.published_by),
        )
    )


def load_summary(statement_id: int) -> Statement | None:
    """A statement with its published versions only: who may read it, and its summary."""
    return db.session.scalar(
        select(Statement)
        .where(Statement.id == statement_id)
        .options(selectinload(Statement.versions))
    )


def listing(user: User) -> list[Statement]:
    """The statements `user` may read, the newest first."""
    return _newest_first(access.visible_statements(user))


def published_listing() -> list[Statement]:
    """Every statement with a published version, for the public list, the newest first."""
    return _newest_first(access.published_statements())


def _newest_first(query) -> list[Statement]:
    return db.session.scalars(
        query.options(
            selectinload(Statement.organisation),
            selectinload(Statement.cycle),
            selectinload(Statement.framework),
            selectinload(Statement.versions),
        ).order_by(Statement.id.desc())
    ).all()


def dataset(statement: Statement, today: date) -> Dataset:
    """The figures a statement is drafted from, read as of `today`."""
    return gather(
        statement.scope, statement.organisation, statement.framework, statement.cycle, today
    )


@dataclass(frozen=True)
class Differing:
    """A section of a bilingual statement that may no longer say what the other language says."""

    locale: str
    key: str
    title: str


def differing_sections(statement: Statement) -> list[Differing]:
    """The sections marked as needing an update, in the order the statement shows them."""
    titles = dict(drafting.SECTIONS)
    return [
        Differing(locale, key, str(titles[key]))
        for locale in languages(statement)
        for key in drafting.SECTION_KEYS
        if statement.needs_update(locale, key)
    ]


def published_version(statement: Statement, number: int) -> PublishedStatement | None:
    """Version `number` of a statement's published copies, if there is one."""
    return next((v for v in statement.versions if v.version == number), None)


def open_pdf(published: PublishedStatement):
    """The stored PDF of a published version, as a stream."""
    return evidence_ops.store().open(published.pdf_sha256)


def sha256_of(stream, limit: int) -> str | None:
    """The SHA-256 of a stream read in chunks, or None when it is longer than `limit`."""
    digest, size = hashlib.sha256(), 0
    while chunk := stream.read(64 * 1024):
        size += len(chunk)
        if size > limit:
            return None
        digest.update(chunk)
    return digest.hexdigest()


def verify(sha256: str) -> PublishedStatement | None:
    """The published version whose PDF has this SHA-256, if there is one."""
    return db.session.scalar(
        select(PublishedStatement)
        .where(PublishedStatement.pdf_sha256 == sha256.strip().lower())
        .options(
            selectinload(PublishedStatement.statement).selectinload(Statement.organisation),
            selectinload(PublishedStatement.statement).selectinload(Statement.framework),
            selectinload(PublishedStatement.statement).selectinload(Statement.cycle),
            selectinload(PublishedStatement.published_by).selectinload(User.organisation),
        )
    )


# --- the figures a statement reports ------------------------------------------------------------


def scope_organisations(scope: str, organisation: Organisation | None, framework: Framework):
    """The organisations a statement of this scope covers that assess against the framework."""
    query = select(Organisation).where(Organisation.kind.in_(framework.applies_to or []))
    if scope == "organisation":
        query = query.where(Organisation.id == organisation.id)
    elif scope == "region":
        query = query.where(
            (Organisation.id == organisation.id) | (Organisation.region_id == organisation.id)
        )
    return db.session.scalars(query.order_by(Organisation.name)).all()


def gather(
    scope: str,
    organisation: Organisation | None,
    framework: Framework,
    cycle: Cycle,
    today: date,
) -> Dataset:
    """Read what a statement needs in a fixed number of queries, whatever the size of the data."""
    orgs = scope_organisations(scope, organisation, framework)
    org_ids = [o.id for o in orgs]
    assessments = db.session.execute(
        select(Assessment.id, Assessment.organisation_id, Assessment.status).where(
            Assessment.framework_key == framework.key,
            Assessment.cycle_id == cycle.id,
            Assessment.organisation_id.in_(org_ids),
        )
    ).all()
    statuses = {a.organisation_id: a.status for a in assessments}
    reported = [a.id for a in assessments if a.status in REPORTED_STATUSES]

    previous = _previous_scores(framework, cycle, org_ids)
    rows = [
        figures.Row(
            fact.organisation_id,
            fact.item_key,
            fact.self_score,
            fact.validated_score,
            fact.level,
            fact.claim,
            previous.get((fact.organisation_id, fact.item_key)),
        )
        for fact in loaders.response_facts(reported, framework)
    ]
    return Dataset(
        scale=[ScaleInfo(s.value, s.label, s.rag) for s in framework.scale],
        sections=[SectionInfo(s.key, s.title) for s in framework.sections],
        items=[
            ItemInfo(i.key, i.section.key, n, i.theme)
            for n, i in enumerate(i for s in framework.sections for i in s.items)
        ],
        organisations=[OrgInfo(o.id, o.name, o.name_cy, o.region_rsb_id, o.kind) for o in orgs],
        statuses=statuses,
        rows=rows,
        challenges=_challenges(reported),
        overdue_actions=_overdue_actions(reported, today),
        reviewed=_reviewed(reported),
    )


def _previous_scores(
    framework: Framework, cycle: Cycle, org_ids: list[int]
) -> dict[tuple[int, str], int]:
    """Each organisation's reported score on each item in the last cycle before `cycle`
    (validated where a reviewer set one), by (organisation id, item key)."""
    last = db.session.scalar(
        select(Cycle.id)
        .where(Cycle.opens_on < cycle.opens_on)
        .order_by(Cycle.opens_on.desc())
        .limit(1)
    )
    if last is None:
        return {}
    found = db.session.execute(
        select(Assessment.organisation_id, Item.key, Response.self_score, Response.validated_score)
        .join(Response, Response.assessment_id == Assessment.id)
        .join(Item, Item.id == Response.item_id)
        .where(
            Assessment.framework_key == framework.key,
            Assessment.cycle_id == last,
            Assessment.organisation_id.in_(org_ids),
            Assessment.status.in_(REPORTED_STATUSES),
        )
    ).all()
    scores = {}
    for org_id, key, own, validated in found:
        score = validated if validated is not None else own
        if score is not None:
            scores[(org_id, key)] = score
    return scores


def _challenges(assessment_ids: list[int]) -> list[ChallengeFact]:
    found = db.session.execute(
        select(Challenge.status, Challenge.outcome)
        .join(Response, Response.id == Challenge.response_id)
        .where(Response.assessment_id.in_(assessment_ids))
        .order_by(Challenge.id)
    ).all()
    return [ChallengeFact(c.status, c.outcome) for c in found]


def _overdue_actions(assessment_ids: list[int], today: date) -> list[OverdueAction]:
    found = db.session.execute(
        select(
            Assessment.organisation_id,
            Item.key,
            Action.description,
            Action.owner,
            Action.due_on,
            Action.status,
        )
        .join(Response, Response.id == Action.response_id)
        .join(Assessment, Assessment.id == Response.assessment_id)
        .join(Item, Item.id == Response.item_id)
        .where(
            Response.assessment_id.in_(assessment_ids),
            Action.status != "done",
            Action.due_on < today,
        )
        .order_by(Action.due_on, Action.id)
    ).all()
    return [OverdueAction(*a) for a in found]


def _reviewed(assessment_ids: list[int]) -> int:
    return db.session.scalar(
        select(func.count(distinct(ReviewAssignment.assessment_id))).where(
            ReviewAssignment.assessment_id.in_(assessment_ids)
        )
    )
