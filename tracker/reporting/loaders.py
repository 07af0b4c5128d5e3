"""The data loaders reporting shares: how a framework's scale, sections and items are read, and
the facts of a set of responses with their triangulation worked out."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker.evidence import queries as evidence_queries
from tracker.evidence import triangulation
from tracker.extensions import db
from tracker.models import Assessment, Framework, Item, Response, Section


def framework_contents(framework_path=None) -> tuple:
    """Loader options for a framework's scale and its sections with their items.

    `framework_path` is the loader option that reaches the framework, e.g.
    `selectinload(Statement.framework)`; none when the query selects frameworks themselves.
    """

    def step(attribute):
        if framework_path is None:
            return selectinload(attribute)
        return framework_path.selectinload(attribute)

    return (
        step(Framework.scale),
        step(Framework.sections).selectinload(Section.items),
    )


def sections_of(framework: Framework) -> list[Section]:
    """The framework's sections in order, each with its items, in two queries."""
    return list(
        db.session.scalars(
            select(Section)
            .where(Section.framework_id == framework.id)
            .options(selectinload(Section.items))
            .order_by(Section.position)
        )
    )


@dataclass(frozen=True)
class ResponseFact:
    """One response as reporting counts it, its evidence already judged."""

    id: int
    assessment_id: int
    organisation_id: int
    item_key: str
    self_score: int | None
    validated_score: int | None
    level: str  # triangulation level of its evidence
    claim: bool  # a claim beyond evidence, judged on the score shown


def response_facts(assessment_ids, framework: Framework) -> list[ResponseFact]:
    """The responses of these assessments (ids, or a query of ids), oldest first, with their
    triangulation level and claim beyond evidence: two queries, whatever their number."""
    found = db.session.execute(
        select(
            Response.id,
            Response.assessment_id,
            Assessment.organisation_id,
            Item.key,
            Response.self_score,
            Response.validated_score,
        )
        .join(Assessment, Assessment.id == Response.assessment_id)
        .join(Item, Item.id == Response.item_id)
        .where(Response.assessment_id.in_(assessment_ids))
        .order_by(Response.id)
    ).all()
    pieces = evidence_queries.pieces_by_response([r.id for r in found])
    rule = triangulation.Rule(framework.min_kinds, framework.min_sources, framework.required_from)
    facts = []
    for r in found:
        level = triangulation.level(pieces.get(r.id, ()), rule)
        shown = r.validated_score if r.validated_score is not None else r.self_score
        claim = triangulation.claim_beyond_evidence(shown, level, rule)
        facts.append(ResponseFact(*r, level, claim))
    return facts
