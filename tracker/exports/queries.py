"""What an export holds: the rows of responses, actions, evidence or challenges that a user may
see, for a scope (an organisation, a region, or everything), a framework and a cycle.

Who may see what is decided only by tracker/access.py: assessments through
`visible_assessments` (see scope.py), evidence through `can(user, "evidence.view", ...)`.
Each export makes a fixed number of queries, however many rows it holds.
"""

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import selectinload

from tracker.access import can
from tracker.evidence import queries as evidence_queries
from tracker.evidence import triangulation
from tracker.exports.columns import (
    WHERE_HEADERS,
    in_framework_order,
    label,
    loaded_names,
    score_label,
    table,
    where_columns,
    yes_no,
)
from tracker.exports.scope import Filters, assessment_ids, libraries_kept
from tracker.exports.spreadsheets import Table
from tracker.extensions import db
from tracker.labels import (
    ACTION_STATUS_LABELS,
    CHALLENGE_STATUS_LABELS,
    EVIDENCE_KIND_LABELS,
    OUTCOME_LABELS,
    STATUS_LABELS,
    TRIANGULATION_LABELS,
)
from tracker.models import (
    Action,
    Assessment,
    Challenge,
    ChallengeMessage,
    Evidence,
    EvidenceLink,
    Organisation,
    Response,
    User,
)

# --- the four exports ----------------------------------------------------------------------------


def responses(user: User, filters: Filters, locale: str) -> Table:
    """One row per response: scores, triangulation, narrative and impact measure."""
    ids = assessment_ids(user, filters)
    found = db.session.scalars(
        in_framework_order(select(Response).where(Response.assessment_id.in_(ids))).options(
            *loaded_names()
        )
    ).all()
    pieces = evidence_queries.pieces_by_response(
        select(Response.id).where(Response.assessment_id.in_(ids))
    )
    rows = []
    for response in found:
        framework = response.assessment.framework
        rule = evidence_queries.rule_of(framework)
        linked = pieces.get(response.id, [])
        level = triangulation.level(linked, rule)
        claim = triangulation.claim_beyond_evidence(response.self_score, level, rule)
        rows.append(
            [
                *where_columns(response, locale),
                label(STATUS_LABELS, response.assessment.status),
                response.item.section.title_in(locale),
                response.item.key,
                response.item.theme_in(locale),
                response.self_score,
                score_label(framework, response.self_score, locale),
                response.validated_score,
                score_label(framework, response.validated_score, locale),
                label(TRIANGULATION_LABELS, level),
                yes_no(claim),
                response.narrative,
                response.impact_measure,
                sum(1 for piece in linked if not piece.withdrawn),
            ]
        )
    columns = [
        *WHERE_HEADERS,
        (_l("Assessment status"), 14),
        (_l("Section"), 30),
        (_l("Item"), 8),
        (_l("Theme"), 30),
        (_l("Organisation's score"), 10),
        (_l("Organisation's score (label)"), 16),
        (_l("Validated score"), 10),
        (_l("Validated score (label)"), 16),
        (_l("Triangulation"), 16),
        (_l("Claim beyond evidence"), 12),
        (_l("Narrative"), 60),
        (_l("How impact will be measured"), 40),
        (_l("Evidence items"), 10),
    ]
    return table("responses", columns, rows)


def _is_overdue(action: Action, today: date) -> bool:
    """Not done by its due date (as the start page counts them)."""
    return action.status != "done" and action.due_on is not None and action.due_on < today


def actions(user: User, filters: Filters, locale: str, today: date) -> Table:
    """One row per improvement action, with whether it is overdue today."""
    ids = assessment_ids(user, filters)
    found = db.session.scalars(
        in_framework_order(
            select(Action)
            .join(Response, Response.id == Action.response_id)
            .where(Response.assessment_id.in_(ids))
        )
        .order_by(Action.id)
        .options(*loaded_names(selectinload(Action.response)))
    ).all()
    rows = [
        [
            *where_columns(action.response, locale),
            action.response.item.key,
            action.response.item.theme_in(locale),
            action.description,
            action.owner,
            action.due_on,
            label(ACTION_STATUS_LABELS, action.status),
            action.completed_on,
            yes_no(_is_overdue(action, today)),
        ]
        for action in found
    ]
    columns = [
        *WHERE_HEADERS,
        (_l("Item"), 8),
        (_l("Theme"), 30),
        (_l("Action"), 60),
        (_l("Owner"), 20),
        (_l("Due"), 12),
        (_l("Status"), 14),
        (_l("Completed on"), 12),
        (_l("Overdue"), 10),
    ]
    return table("actions", columns, rows)


def _linked_item(link: EvidenceLink) -> str:
    assessment = link.response.assessment
    return f"{link.response.item.key} ({assessment.framework_key}, {assessment.cycle.label})"


def evidence(user: User, filters: Filters, locale: str) -> Table:
    """One row per item of evidence the user may see, with the items it is linked to.

    With a framework or a cycle chosen, the evidence linked to those assessments; otherwise
    also the evidence not linked yet in the libraries the user keeps."""
    ids = assessment_ids(user, filters)
    linked = exists().where(
        EvidenceLink.evidence_id == Evidence.id,
        EvidenceLink.response_id.in_(select(Response.id).where(Response.assessment_id.in_(ids))),
    )
    if not filters.narrowed:
        kept = [org.id for org in libraries_kept(user)]
        linked = or_(linked, Evidence.organisation_id.in_(kept))
    link_path = selectinload(Evidence.links).selectinload(EvidenceLink.response)
    found = db.session.scalars(
        select(Evidence)
        .join(Organisation, Organisation.id == Evidence.organisation_id)
        .where(linked, filters.scope.condition(Evidence.organisation_id))
        .order_by(Organisation.name, Evidence.title, Evidence.id)
        .options(
            selectinload(Evidence.organisation),
            selectinload(Evidence.source_organisation),
            selectinload(Evidence.uploaded_by),
            selectinload(Evidence.withdrawn_by),
            *loaded_names(link_path),
            link_path.selectinload(Response.assessment).selectinload(Assessment.assignments),
        )
    ).all()
    shown_ids = set(db.session.scalars(ids)) if filters.narrowed else None
    rows = []
    for item in found:
        if not can(user, "evidence.view", item):  # the final word, from tracker/access.py
            continue
        uses = [
            link
            for link in item.links
            if can(user, "assessment.view", link.response.assessment)
            and (shown_ids is None or link.response.assessment_id in shown_ids)
        ]
        rows.append(
            [
                item.title,
                label(EVIDENCE_KIND_LABELS, item.kind),
                item.organisation.display_name(locale),
                item.source_organisation.display_name(locale),
                item.evidence_date,
                "; ".join(_linked_item(link) for link in uses),
                len(uses),
                yes_no(item.is_withdrawn),
                item.withdrawn_at,
                item.withdrawn_reason,
                item.uploaded_by.name,
                item.created_at,
                item.filename or item.url,
                item.sha256,
            ]
        )
    columns = [
        (_l("Title"), 40),
        (_l("Kind"), 14),
        (_l("Evidence library"), 30),
        (_l("Comes from"), 30),
        (_l("Date of the evidence"), 12),
        (_l("Linked items"), 40),
        (_l("Number of linked items"), 10),
        (_l("Withdrawn"), 10),
        (_l("Withdrawn on"), 12),
        (_l("Reason for withdrawal"), 40),
        (_l("Added by"), 20),
        (_l("Added"), 12),
        (_l("File or web address"), 40),
        (_l("SHA-256"), 66),
    ]
    return table("evidence", columns, rows)


def challenges(user: User, filters: Filters, locale: str, today: date) -> Table:
    """One row per challenge: who raised it and when, where it stands, and its scores."""
    ids = assessment_ids(user, filters)
    found = db.session.scalars(
        in_framework_order(
            select(Challenge)
            .join(Response, Response.id == Challenge.response_id)
            .where(Response.assessment_id.in_(ids))
        )
        .order_by(Challenge.id)
        .options(
            *loaded_names(selectinload(Challenge.response)),
            selectinload(Challenge.raised_by).selectinload(User.organisation),
        )
    ).all()
    messages = dict(
        db.session.execute(
            select(ChallengeMessage.challenge_id, func.count())
            .join(Challenge, Challenge.id == ChallengeMessage.challenge_id)
            .join(Response, Response.id == Challenge.response_id)
            .where(Response.assessment_id.in_(ids))
            .group_by(ChallengeMessage.challenge_id)
        ).all()
    )
    rows = []
    for challenge in found:
        framework = challenge.response.assessment.framework
        rows.append(
            [
                *where_columns(challenge.response, locale),
                challenge.response.item.key,
                challenge.response.item.theme_in(locale),
                challenge.raised_by.name,
                challenge.raised_by.organisation.display_name(locale),
                challenge.created_at,
                challenge.question,
                challenge.due_on,
                label(CHALLENGE_STATUS_LABELS, challenge.status),
                yes_no(challenge.is_overdue(today)),
                label(OUTCOME_LABELS, challenge.outcome),
                challenge.proposed_score,
                score_label(framework, challenge.proposed_score, locale),
                challenge.resolved_score,
                score_label(framework, challenge.resolved_score, locale),
                challenge.resolved_at,
                messages.get(challenge.id, 0),
            ]
        )
    columns = [
        *WHERE_HEADERS,
        (_l("Item"), 8),
        (_l("Theme"), 30),
        (_l("Raised by"), 20),
        (_l("Raised by (organisation)"), 30),
        (_l("Raised on"), 12),
        (_l("Question"), 60),
        (_l("Due"), 12),
        (_l("Status"), 20),
        (_l("Overdue"), 10),
        (_l("Outcome"), 20),
        (_l("Proposed score"), 10),
        (_l("Proposed score (label)"), 16),
        (_l("Resolved score"), 10),
        (_l("Resolved score (label)"), 16),
        (_l("Resolved on"), 12),
        (_l("Messages"), 10),
    ]
    return table("challenges", columns, rows)


BUILDERS = {
    "responses": responses,
    "actions": actions,
    "evidence": evidence,
    "challenges": challenges,
}
AS_OF_TODAY = {"actions", "challenges"}  # the exports that say what is overdue


def build(user: User, dataset: str, filters: Filters, locale: str, today: date) -> Table:
    """The table of `dataset` for `user`, names in `locale` where a Welsh form exists."""
    if dataset in AS_OF_TODAY:
        return BUILDERS[dataset](user, filters, locale, today)
    return BUILDERS[dataset](user, filters, locale)
