"""The self-assessment read: an assessment loaded for its pages, its task list with each item's
triangulation, last cycle's scores, a response's history and what stops a submission."""

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker.access import can
from tracker.evidence import queries as evidence
from tracker.evidence import triangulation
from tracker.extensions import db
from tracker.models import (
    Assessment,
    AuditEvent,
    Cycle,
    EvidenceLink,
    Framework,
    Item,
    Organisation,
    Response,
    Section,
    User,
)
from tracker.notifications import operations as notifications
from tracker.reporting.loaders import framework_contents


def previous_assessment(org: Organisation, framework: Framework, cycle: Cycle) -> Assessment | None:
    """The organisation's most recent assessment of the same framework in an earlier cycle."""
    return db.session.scalar(
        select(Assessment)
        .join(Assessment.cycle)
        .where(
            Assessment.organisation_id == org.id,
            Assessment.framework_key == framework.key,
            Cycle.opens_on < cycle.opens_on,
        )
        .order_by(Cycle.opens_on.desc())
        .limit(1)
    )


@dataclass
class ItemRow:
    item: Item
    response: Response
    links: list[EvidenceLink] = field(default_factory=list)
    triangulation: str = triangulation.UNEVIDENCED
    claim_beyond_evidence: bool = False
    # The evidence now, as triangulation.summary describes it, counted by the database (one row
    # per kind and source): read with the links, for an answer submitted once, the only rows
    # whose pages (the review's) compare it with the evidence at submission.
    evidence_now: dict | None = None

    @property
    def evidence_at_submission(self) -> dict | None:
        """The evidence as it stood at submission, if it has changed since (issue 17.5)."""
        then, now = self.response.submitted_evidence, self.evidence_now
        return then if then and now is not None and then != now else None

    @property
    def status(self) -> str:
        r = self.response
        if r.carried_over:
            return "carried_over"
        if r.is_scored and r.has_narrative:
            return "complete"
        if r.is_scored or r.has_narrative or (r.impact_measure or "").strip() or r.actions:
            return "in_progress"
        return "not_started"


@dataclass
class TaskList:
    assessment: Assessment
    sections: list[tuple[Section, list[ItemRow]]] = field(default_factory=list)

    @property
    def rows(self) -> list[ItemRow]:
        return [row for _section, rows in self.sections for row in rows]

    @property
    def complete(self) -> int:
        return sum(1 for row in self.rows if row.status == "complete")

    @property
    def triangulated(self) -> int:
        return sum(1 for row in self.rows if row.triangulation == triangulation.TRIANGULATED)

    @property
    def claims_beyond_evidence(self) -> int:
        return sum(1 for row in self.rows if row.claim_beyond_evidence)


def load_summary(assessment_id: int) -> Assessment | None:
    """An assessment with its review assignments only: what deciding who may see it and its
    summary (status, dates, reviewers) need."""
    return db.session.scalar(
        select(Assessment)
        .where(Assessment.id == assessment_id)
        .options(selectinload(Assessment.assignments))
    )


def load_assessment(assessment_id: int) -> Assessment | None:
    """An assessment with its framework, scale, sections, items, responses and actions loaded
    in a fixed number of queries, whatever their number."""
    return db.session.scalar(
        select(Assessment)
        .where(Assessment.id == assessment_id)
        .options(
            selectinload(Assessment.organisation),
            selectinload(Assessment.cycle),
            selectinload(Assessment.assignments),
            *framework_contents(selectinload(Assessment.framework)),
            selectinload(Assessment.responses).selectinload(Response.actions),
        )
    )


def task_list(assessment: Assessment, links: bool = True) -> TaskList:
    """Each section's items with the organisation's response and its triangulation (counted by
    the database), and with `links` every evidence link (a response may have thousands: a
    page that shows none leaves them unread) and each submitted answer's evidence now."""
    by_item = {r.item_id: r for r in assessment.responses}
    response_ids = [r.id for r in assessment.responses]
    rule = evidence.rule_of(assessment.framework)
    levels = evidence.levels_by_response(response_ids, rule)
    all_links = evidence.links_by_response(response_ids) if links else {}
    now = _evidence_now(assessment.responses, rule) if links else {}
    result = TaskList(assessment)
    for section in assessment.framework.sections:
        rows = []
        for item in section.items:
            response = by_item.get(item.id)
            if response is None:
                continue
            row_links = all_links.get(response.id, [])
            level = levels[response.id]
            claim = triangulation.claim_beyond_evidence(response.self_score, level, rule)
            rows.append(ItemRow(item, response, row_links, level, claim, now.get(response.id)))
        result.sections.append((section, rows))
    return result


def item_rows(assessment: Assessment) -> list[ItemRow]:
    """The task list's rows without their links, in its order, for a reader that needs no
    framework text (the API's list of responses): the responses with their items and actions
    and the framework's rule, in five queries, whatever their number."""
    responses = db.session.scalars(
        select(Response)
        .join(Item, Item.id == Response.item_id)
        .join(Section, Section.id == Item.section_id)
        .where(Response.assessment_id == assessment.id)
        .options(
            selectinload(Response.item),
            selectinload(Response.actions),
        )
        .order_by(Section.position, Item.position)
    ).all()
    rule = evidence.rule_of(assessment.framework)
    levels = evidence.levels_by_response([r.id for r in responses], rule)
    return [
        ItemRow(
            r.item,
            r,
            triangulation=levels[r.id],
            claim_beyond_evidence=triangulation.claim_beyond_evidence(
                r.self_score, levels[r.id], rule
            ),
        )
        for r in responses
    ]


def find_row(assessment: Assessment, item_key: str, links: bool = True) -> ItemRow | None:
    """The item with this key in the assessment's framework, with its response, as
    `response_row` gives it."""
    for section in assessment.framework.sections:
        for item in section.items:
            if item.key == item_key:
                response = next((r for r in assessment.responses if r.item_id == item.id), None)
                return response_row(response, links) if response is not None else None
    return None


def response_row(response: Response, links: bool = True) -> ItemRow:
    """A response's row, its triangulation counted by the database; with `links`, every link
    loaded (a page that may show thousands reads them a page at a time instead:
    evidence.links_of)."""
    rule = evidence.rule_of(response.assessment.framework)
    level = evidence.levels_by_response([response.id], rule)[response.id]
    row_links = evidence.links_by_response([response.id])[response.id] if links else []
    claim = triangulation.claim_beyond_evidence(response.self_score, level, rule)
    now = _evidence_now([response], rule).get(response.id) if links else None
    return ItemRow(response.item, response, row_links, level, claim, now)


def _evidence_now(responses: list[Response], rule: triangulation.Rule) -> dict[int, dict]:
    """The evidence summary now of those responses that were submitted once: what their
    evidence at submission is compared with. None submitted, nothing read."""
    submitted_once = [r.id for r in responses if r.submitted_evidence]
    return evidence.summaries_by_response(submitted_once, rule) if submitted_once else {}


def previous_scores(
    assessment: Assessment, user: User, item_key: str | None = None
) -> dict[str, int | None]:
    """Last cycle's score for each item key, for showing beside this cycle's, if the user may
    see last cycle's assessment (an unsubmitted one stays private to its organisation)."""
    previous = previous_assessment(assessment.organisation, assessment.framework, assessment.cycle)
    if previous is None or not can(user, "assessment.view", previous):
        return {}
    query = (
        select(Item.key, Response.self_score, Response.validated_score)
        .join(Response, Response.item_id == Item.id)
        .where(Response.assessment_id == previous.id)
    )
    if item_key is not None:
        query = query.where(Item.key == item_key)
    rows = db.session.execute(query).all()
    return {key: (validated if validated is not None else score) for key, score, validated in rows}


def response_history(response: Response) -> list[AuditEvent]:
    """Every recorded change to a response, newest first, with who made it."""
    return list(
        db.session.scalars(
            select(AuditEvent)
            .options(selectinload(AuditEvent.user))
            .where(AuditEvent.entity == "response", AuditEvent.entity_id == response.id)
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        )
    )


@dataclass
class Missing:
    item: Item
    problem: str  # "carried_over", "unscored" or "no_narrative"


def missing_items(assessment: Assessment) -> list[Missing]:
    """What stops the assessment being submitted, item by item, in framework order."""
    missing = []
    for row in task_list(assessment).rows:
        if row.response.carried_over:
            missing.append(Missing(row.item, "carried_over"))
        elif not row.response.is_scored:
            missing.append(Missing(row.item, "unscored"))
        elif not row.response.has_narrative:
            missing.append(Missing(row.item, "no_narrative"))
    return missing


def submitted_to(assessment: Assessment) -> list[User]:
    """Who is told of a submission: its reviewers when it goes back to them, otherwise the
    national team, who assign the peer reviewers."""
    reviewers = [a.reviewer for a in assessment.assignments]
    return reviewers or notifications.administrators()
