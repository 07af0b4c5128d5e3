"""Validated scores and concluding a review (DESIGN §7): a reviewer confirms a score without
challenge, and ends the review once every response is settled. Functions commit, or raise
RuleError having written nothing."""

from flask import url_for
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy import func, select

from tracker.access import can
from tracker.extensions import db
from tracker.models import Assessment, AuditEvent, Challenge, Response, User
from tracker.models.base import utcnow
from tracker.notifications import operations as notifications
from tracker.review.common import _hold_assessment, _set_validated
from tracker.rules import RuleError


def validate(user: User, response: Response, now=None) -> Response:
    """Confirm a response's score without challenge: the validated score is the self score."""
    assessment = response.assessment
    if not can(user, "assessment.validate", assessment):
        raise RuleError(_l("You cannot validate scores in this assessment."))
    if response.self_score is None:
        raise RuleError(_l("There is no score to validate."))
    _hold_assessment(assessment, ("in_review",))
    db.session.refresh(response)  # as it is now, under the lock
    refused = validation_refused(response)
    if refused:
        db.session.rollback()
        raise RuleError(refused)
    _set_validated(user, response, response.self_score, now or utcnow(), "review")
    db.session.commit()
    return response


def validation_refused(response: Response) -> str | None:
    """Why this response's score cannot be validated now, or None: what the confirmation page
    says, and what validate() checks again under the lock."""
    if response.assessment.status != "in_review":
        return _l("This assessment is no longer under review.")
    if response.self_score is None:
        return _l("There is no score to validate.")
    if response.validated_score is not None:
        return _l("This score is already validated.")
    if db.session.scalar(
        select(Challenge.id).where(
            Challenge.response_id == response.id, Challenge.status != "resolved"
        )
    ):
        return _l("Resolve the challenge on this response before validating it.")
    return None


def conclusion_refused(assessment: Assessment) -> str | None:
    """Why the review cannot be concluded now, or None (see validation_refused)."""
    if assessment.status != "in_review":
        return _l("This assessment is no longer under review.")
    waiting = _waiting(assessment.id)
    if waiting:
        return lazy_ngettext(
            "%(num)d response still needs a validated score or a resolved challenge.",
            "%(num)d responses still need a validated score or a resolved challenge.",
            waiting,
        )
    return None


def _waiting(assessment_id: int) -> int:
    """Responses not yet settled (ReviewPage.unsettled, counted by the database): without a
    validated score, or with a challenge not resolved."""
    unresolved = select(Challenge.response_id).where(Challenge.status != "resolved")
    return db.session.scalar(
        select(func.count(Response.id)).where(
            Response.assessment_id == assessment_id,
            Response.validated_score.is_(None) | Response.id.in_(unresolved),
        )
    )


def conclude(user: User, assessment: Assessment, now=None) -> Assessment:
    """End the review once every response has a validated score and no challenge is open."""
    if not can(user, "assessment.conclude", assessment):
        raise RuleError(_l("You cannot conclude this review."))
    user_id = user.id
    _hold_assessment(assessment, ("in_review",))
    refused = conclusion_refused(assessment)  # as committed now, under the lock
    if refused:
        db.session.rollback()
        raise RuleError(refused)
    assessment.status, assessment.concluded_by_id, assessment.concluded_at = (
        "concluded",
        user_id,
        now or utcnow(),
    )
    AuditEvent.record(
        user, "assessment.concluded", assessment, {"status": "in_review"}, {"status": "concluded"}
    )
    notifications.notify(
        notifications.coordinators_of(assessment.organisation_id)
        + [a.reviewer for a in assessment.assignments if a.reviewer_id != user_id],
        "assessment_concluded",
        notifications.about(assessment),
        url_for("assessments.task_list", assessment_id=assessment.id),
    )
    db.session.commit()
    return assessment
