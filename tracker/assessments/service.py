"""The self-assessment rules: start, save with optimistic locking, actions, submit, return.

Every function takes models and plain values, checks the rules, writes to the session, records
an audit event and commits, or raises one of the errors below having written nothing.
"""

from dataclasses import dataclass, field
from datetime import date

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from tracker import claims, clock, drafts
from tracker.access import can
from tracker.evidence import service as evidence
from tracker.evidence import triangulation
from tracker.extensions import db
from tracker.frameworks.queries import latest_frameworks
from tracker.models import (
    Action,
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
from tracker.models.assessments import ACTION_STATUSES, EDITABLE_STATUSES
from tracker.models.base import utcnow
from tracker.notifications import operations as notifications
from tracker.rules import Conflict, RuleError, Stale

NARRATIVE_MAX = 10_000
IMPACT_MAX = 4_000
ACTION_DESCRIPTION_MAX = 2_000
OWNER_MAX = 200
REASON_MAX = 4_000
UNCHANGED = object()  # a score a contributor's form does not carry


class AlreadyStarted(Conflict):
    """This cycle's assessment of the framework exists already (perhaps from a double click)."""

    def __init__(self, assessment_id: int):
        super().__init__("already started")
        self.assessment_id = assessment_id


class StaleAction(Stale):
    """The action changed since the user loaded it; nothing was saved."""


class StaleResponse(Stale):
    """The response changed since the user loaded it; nothing was saved. `editor` is who
    changed it last, if anyone did."""

    def __init__(self, current: Response):
        super().__init__(current)
        last = db.session.scalar(
            select(AuditEvent)
            .where(AuditEvent.entity == "response", AuditEvent.entity_id == current.id)
            .order_by(AuditEvent.id.desc())
            .limit(1)
        )
        self.editor = last.user if last else None


def _snapshot(response: Response) -> dict:
    return {
        "self_score": response.self_score,
        "narrative": response.narrative,
        "impact_measure": response.impact_measure,
    }


# --- starting --------------------------------------------------------------------------------


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


def start_assessment(
    user: User, org: Organisation, framework: Framework, cycle: Cycle, copy_previous: bool
) -> Assessment:
    """Create this cycle's draft, empty or carrying forward last cycle's answers."""
    if not can(user, "organisation.start_assessment", org):
        raise RuleError(_l("You cannot start an assessment for this organisation."))
    if not framework.applies_to_kind(org.kind):
        raise RuleError(_l("This framework does not apply to your organisation."), "framework")
    if framework.retired_at is not None:
        raise RuleError(_l("This framework version is retired: it cannot be started."), "framework")
    if framework not in latest_frameworks():
        raise RuleError(_l("A newer version of this framework is in use."), "framework")
    existing = _existing(org, framework, cycle)
    if existing:
        raise AlreadyStarted(existing)
    assessment = Assessment(organisation=org, framework=framework, cycle=cycle, status="draft")
    responses = {
        item.key: Response(item_id=item.id, framework_id=framework.id) for item in framework.items
    }
    assessment.responses.extend(responses.values())
    db.session.add(assessment)
    previous = previous_assessment(org, framework, cycle) if copy_previous else None
    if previous is not None:
        _copy_forward(previous, framework, responses)
    db.session.flush()
    AuditEvent.record(
        user,
        "assessment.started",
        assessment,
        after={"copied_from": previous.id if previous else None},
    )
    try:
        db.session.commit()
    except IntegrityError:  # another request (a double click) started it first
        db.session.rollback()
        raise AlreadyStarted(_existing(org, framework, cycle)) from None
    return assessment


def _existing(org: Organisation, framework: Framework, cycle: Cycle) -> int | None:
    return db.session.scalar(
        select(Assessment.id).where(
            Assessment.organisation_id == org.id,
            Assessment.framework_key == framework.key,
            Assessment.cycle_id == cycle.id,
        )
    )


def _copy_forward(previous: Assessment, framework: Framework, responses: dict) -> None:
    """Copy answers by item key; a score the new framework's scale lacks is left unscored."""
    old_responses = db.session.scalars(
        select(Response)
        .where(Response.assessment_id == previous.id)
        .options(selectinload(Response.item), selectinload(Response.actions))
    ).all()
    links = db.session.scalars(
        select(EvidenceLink)
        .options(selectinload(EvidenceLink.evidence))
        .where(EvidenceLink.response_id.in_([r.id for r in old_responses]))
    ).all()
    scale = set(framework.scale_values)
    db.session.flush()  # the new responses need ids for their links
    for old in old_responses:
        new = responses.get(old.item.key)
        if new is None:
            continue
        new.self_score = old.self_score if old.self_score in scale else None
        new.narrative, new.impact_measure = old.narrative, old.impact_measure
        # Last cycle's words are not this cycle's answer until someone has read them.
        new.carried_over = bool(new.is_scored or new.has_narrative or new.impact_measure)
        for action in old.actions:
            if action.status != "done":
                new.actions.append(
                    Action(
                        description=action.description,
                        owner=action.owner,
                        due_on=action.due_on,
                        status=action.status,
                        carried_from_id=action.id,
                    )
                )
        for link in links:
            if link.response_id == old.id and not link.evidence.is_withdrawn:
                db.session.add(
                    EvidenceLink(
                        evidence_id=link.evidence_id,
                        response=new,
                        note=link.note,
                        carried_over=True,
                    )
                )


# --- reading ---------------------------------------------------------------------------------


@dataclass
class ItemRow:
    item: Item
    response: Response
    links: list[EvidenceLink] = field(default_factory=list)
    triangulation: str = triangulation.UNEVIDENCED
    claim_beyond_evidence: bool = False

    @property
    def evidence_now(self) -> dict:
        """The evidence as triangulation.summary describes it, from the links loaded."""
        current = [ln.evidence for ln in self.links if not ln.evidence.is_withdrawn]
        return {
            "level": self.triangulation,
            "kinds": sorted({e.kind for e in current}),
            "sources": sorted({e.source_organisation_id for e in current}),
        }

    @property
    def evidence_at_submission(self) -> dict | None:
        """The evidence as it stood at submission, if it has changed since (issue 17.5)."""
        then = self.response.submitted_evidence
        return then if then and then != self.evidence_now else None

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
            selectinload(Assessment.framework).selectinload(Framework.scale),
            selectinload(Assessment.framework)
            .selectinload(Framework.sections)
            .selectinload(Section.items),
            selectinload(Assessment.responses).selectinload(Response.actions),
        )
    )


def task_list(assessment: Assessment, links: bool = True) -> TaskList:
    """Each section's items with the organisation's response and its triangulation (counted by
    the database), and with `links` every evidence link (a response may have thousands: a
    page that shows none leaves them unread)."""
    by_item = {r.item_id: r for r in assessment.responses}
    response_ids = [r.id for r in assessment.responses]
    rule = evidence.rule_of(assessment.framework)
    levels = evidence.levels_by_response(response_ids, rule)
    all_links = evidence.links_by_response(response_ids) if links else {}
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
            rows.append(ItemRow(item, response, row_links, level, claim))
        result.sections.append((section, rows))
    return result


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
    return ItemRow(response.item, response, row_links, level, claim)


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


# --- saving ----------------------------------------------------------------------------------


def check_text(value: str | None, limit: int, field_name: str, label: str) -> str | None:
    value = (value or "").replace("\r\n", "\n").strip()
    if len(value) > limit:
        raise RuleError(
            _l(
                "%(what)s is too long: the most is %(limit)s characters.",
                what=label,
                limit=f"{limit:,}",
            ),
            field_name,
        )
    return value or None


def save_response(
    user: User,
    response: Response,
    version: int,
    narrative: str | None,
    impact: str | None,
    score=UNCHANGED,
) -> Response:
    """Save a response if `version` is still current; a stale save raises StaleResponse."""
    assessment = response.assessment
    if not can(user, "assessment.draft", assessment):
        raise RuleError(_l("This assessment cannot be changed now."))
    if score is not UNCHANGED and score != response.self_score:
        if not can(user, "assessment.edit", assessment):
            raise RuleError(
                _l("Only your organisation's coordinator can change the score."), "score"
            )
        if score is not None and assessment.framework.level(score) is None:
            raise RuleError(_l("Choose a score from the scale."), "score")
    narrative = check_text(narrative, NARRATIVE_MAX, "narrative", _l("The narrative"))
    impact = check_text(impact, IMPACT_MAX, "impact", _l("How you will measure impact"))
    if version != response.version:
        raise StaleResponse(response)
    _hold_editable(response.assessment)
    before = _snapshot(response)
    if score is not UNCHANGED:
        if score != response.self_score and response.validated_score is not None:
            # A peer review validated the old score; the new one needs reviewing afresh.
            before["validated_score"] = response.validated_score
            response.validated_score = response.validated_by_id = response.validated_at = None
        response.self_score = score
    response.narrative, response.impact_measure = narrative, impact
    after = _snapshot(response) | ({"validated_score": None} if "validated_score" in before else {})
    # Saved by the person who answers for the score: read and checked. A contributor's
    # words leave the coordinator's check to do.
    carried = response.carried_over and can(user, "assessment.edit", assessment)
    if carried:
        response.carried_over = False
    if after == before:
        if not carried:
            drafts.discard(user, drafts.response_answer(response.id))  # what it held is saved
            db.session.commit()
            return response
        AuditEvent.record(user, "response.confirmed", response, {"carried_over": True}, {})
    else:
        AuditEvent.record(
            user,
            "response.updated",
            response,
            before={k: v for k, v in before.items() if after[k] != v},
            after={k: v for k, v in after.items() if before[k] != v},
        )
    try:
        drafts.discard(user, drafts.response_answer(response.id))  # saved: nothing to keep
        db.session.commit()  # the version column makes a concurrent commit fail, not overwrite
    except StaleDataError:
        db.session.rollback()
        db.session.refresh(response)
        raise StaleResponse(response) from None
    return response


def confirm_response(user: User, response: Response, version: int) -> bool:
    """Confirm a carried-over answer as still right this cycle, unchanged. False if it needed no
    confirming (already confirmed or changed, perhaps by the same click a moment before)."""
    if not can(user, "assessment.edit", response.assessment):
        raise RuleError(_l("Only your organisation's coordinator can confirm an answer."))
    if not response.carried_over:
        return False
    try:
        save_response(
            user, response, version, response.narrative, response.impact_measure, UNCHANGED
        )
    except StaleResponse as stale:
        if stale.current.carried_over:
            raise
        return False
    return True


def _hold_editable(assessment: Assessment) -> None:
    """Lock the assessment's row for this transaction if it is still editable, so that a
    submission cannot slip in between this check and the save; otherwise refuse."""
    if not claims.claim(assessment, Assessment.status.in_(EDITABLE_STATUSES), updated_at=utcnow()):
        raise RuleError(_l("This assessment cannot be changed now."))


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


# --- actions ---------------------------------------------------------------------------------


def _action_values(description, owner, due_on, status) -> dict:
    description = check_text(description, ACTION_DESCRIPTION_MAX, "description", _l("The action"))
    if not description:
        raise RuleError(_l("Describe the action."), "description")
    owner = check_text(owner, OWNER_MAX, "owner", _l("The owner"))
    if not owner:
        raise RuleError(_l("Say who owns the action."), "owner")
    if status not in ACTION_STATUSES:
        raise RuleError(_l("Choose a status."), "status")
    if due_on is not None and not isinstance(due_on, date):
        raise RuleError(_l("The due date must be a real date."), "due_on")
    return {"description": description, "owner": owner, "due_on": due_on, "status": status}


def save_action(
    user: User,
    response: Response,
    action: Action | None,
    description: str,
    owner: str,
    due_on: date | None,
    status: str,
    today: date | None = None,
    version: int | None = None,
) -> Action:
    """Add an action to a response, or change one (at `version`); marking it done records the
    day. A change to an action someone else changed meanwhile raises StaleAction."""
    if not can(user, "assessment.draft", response.assessment):
        raise RuleError(_l("This assessment cannot be changed now."))
    values = _action_values(description, owner, due_on, status)
    today = today or clock.today()
    if due_on is not None and due_on < today and (action is None or due_on != action.due_on):
        # An action already overdue keeps its date (it is shown as overdue); a new one, or a
        # new date, in the past would be printed in a statement as if it were a plan.
        raise RuleError(_l("The due date must be today or later."), "due_on")
    if action is not None and version != action.version:
        raise StaleAction(action)
    _hold_editable(response.assessment)
    creating = action is None
    if creating:
        action = Action(response=response)
        db.session.add(action)
    before = {k: getattr(action, k) for k in values} if not creating else None
    for key, value in values.items():
        setattr(action, key, value)
    if status == "done" and action.completed_on is None:
        action.completed_on = today
    elif status != "done":
        action.completed_on = None
    AuditEvent.record(
        user, "action.added" if creating else "action.updated", action, before, values
    )
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        db.session.refresh(action)
        raise StaleAction(action) from None
    return action


# --- submit and return -----------------------------------------------------------------------


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


def submit(user: User, assessment: Assessment, now=None) -> Assessment:
    """Submit a complete assessment; it is then locked to its organisation."""
    if not can(user, "assessment.submit", assessment):
        raise RuleError(_l("You cannot submit this assessment."))
    before = {"status": assessment.status}
    _hold_editable(assessment)
    # Check again under the lock: a save that finished meanwhile is now visible.
    db.session.expire_all()
    if missing_items(assessment):
        db.session.rollback()
        raise RuleError(
            _l(
                "Every item needs a score and a narrative before you can submit, and every "
                "answer carried over from last cycle must be confirmed or changed."
            )
        )
    user_id, submitted_at = user.id, now or utcnow()  # read first: no flush half-way through
    keep_evidence_as_submitted(assessment)
    # Sent back during a review and now resubmitted: it goes straight back to its reviewers.
    status = "in_review" if assessment.assignments else "submitted"
    assessment.submitted_by_id = user_id
    assessment.submitted_at = submitted_at
    assessment.status = status
    AuditEvent.record(user, "assessment.submitted", assessment, before, {"status": status})
    notifications.notify(
        submitted_to(assessment),
        "assessment_submitted",
        notifications.about(assessment, name=user.name),
        url_for("review.assessment", assessment_id=assessment.id),
    )
    db.session.commit()
    return assessment


def keep_evidence_as_submitted(assessment: Assessment) -> None:
    """Record each response's evidence as it stands now, so a later withdrawal shows as a
    change beside what was submitted (issue 17.5). Written to the table directly: it is no
    edit of the answer, so the response's version does not move."""
    rule = evidence.rule_of(assessment.framework)
    ids = [r.id for r in assessment.responses]
    pieces = evidence.pieces_by_response(ids)
    table = Response.__table__
    db.session.execute(
        table.update()
        .where(table.c.id == bindparam("response_id"))
        .values(submitted_evidence=bindparam("summary")),
        [
            {"response_id": rid, "summary": triangulation.summary(pieces.get(rid, []), rule)}
            for rid in ids
        ],
    )


def submitted_to(assessment: Assessment) -> list[User]:
    """Who is told of a submission: its reviewers when it goes back to them, otherwise the
    national team, who assign the peer reviewers."""
    reviewers = [a.reviewer for a in assessment.assignments]
    return reviewers or notifications.administrators()


def return_assessment(user: User, assessment: Assessment, reason: str, now=None) -> Assessment:
    """Send a submitted assessment back to its organisation, with the reason, for changes."""
    if not can(user, "assessment.return", assessment):
        raise RuleError(_l("You cannot return this assessment."))
    reason = check_text(reason, REASON_MAX, "reason", _l("The reason"))
    if not reason:
        raise RuleError(_l("Say why you are returning the assessment."), "reason")
    before = {"status": assessment.status}
    waiting = Assessment.status.in_(("submitted", "in_review"))
    if not claims.claim(assessment, waiting, updated_at=utcnow()):  # not if concluded meanwhile
        raise RuleError(_l("This assessment is no longer waiting for review."))
    assessment.status = "returned"
    assessment.returned_by_id = user.id
    assessment.returned_at = now or utcnow()
    assessment.returned_reason = reason
    AuditEvent.record(
        user, "assessment.returned", assessment, before, {"status": "returned", "reason": reason}
    )
    notifications.notify(
        notifications.coordinators_of(assessment.organisation_id),
        "assessment_returned",
        notifications.about(assessment, reason=reason),
        url_for("assessments.task_list", assessment_id=assessment.id),
    )
    db.session.commit()
    return assessment
