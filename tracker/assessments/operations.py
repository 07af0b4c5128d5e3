"""The self-assessment's changes: start, save with optimistic locking, actions, submit, return.

Every function takes models and plain values, checks the rules, writes to the session, records
an audit event and commits, or raises one of the errors in rules.py having written nothing.
"""

from datetime import date

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from tracker import claims, clock, drafts
from tracker.access import can
from tracker.assessments.queries import missing_items, previous_assessment, submitted_to
from tracker.assessments.rules import (
    ACTION_DESCRIPTION_MAX,
    IMPACT_MAX,
    NARRATIVE_MAX,
    OWNER_MAX,
    REASON_MAX,
    UNCHANGED,
    AlreadyStarted,
    StaleAction,
    StaleResponse,
    check_text,
)
from tracker.evidence import queries as evidence
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
    Organisation,
    Response,
    User,
)
from tracker.models.assessments import ACTION_STATUSES, EDITABLE_STATUSES
from tracker.models.base import utcnow
from tracker.notifications import operations as notifications
from tracker.rules import RuleError


def _snapshot(response: Response) -> dict:
    return {
        "self_score": response.self_score,
        "narrative": response.narrative,
        "impact_measure": response.impact_measure,
    }


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
            response.revise(score)
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
