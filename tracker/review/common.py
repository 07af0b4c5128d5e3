"""What the review operations share: holding rows while a step is taken, the checks of dates and
scores, and what a message about a challenge says and links to. Private to tracker/review/."""

from datetime import date

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from tracker import claims
from tracker.access import UNDER_REVIEW
from tracker.models import Assessment, AuditEvent, Challenge, Response, User
from tracker.models.base import utcnow
from tracker.notifications import operations as notifications
from tracker.rules import RuleError

TEXT_MAX = 4_000

# What every list of assessments shows: whose, which framework, which cycle.
_NAMES = (
    selectinload(Assessment.organisation),
    selectinload(Assessment.framework),
    selectinload(Assessment.cycle),
)


def _hold_assessment(assessment: Assessment, statuses=UNDER_REVIEW) -> None:
    """Lock the assessment's row for this transaction if it is in one of `statuses`."""
    if not claims.claim(assessment, Assessment.status.in_(statuses), updated_at=utcnow()):
        raise RuleError(_l("This assessment is no longer under review."))


def _check_due(due_on: date | None, today: date) -> date:
    if due_on is None:
        raise RuleError(_l("Enter a due date."), "due_on")
    if not isinstance(due_on, date):
        raise RuleError(_l("The due date must be a real date."), "due_on")
    if due_on < today:
        raise RuleError(_l("The due date must be today or later."), "due_on")
    return due_on


def _check_score(assessment: Assessment, score: int | None, field_name: str) -> int | None:
    if score is not None and assessment.framework.level(score) is None:
        raise RuleError(_l("Choose a score from the scale."), field_name)
    return score


def _set_validated(user: User, response: Response, score: int | None, when, how: str) -> None:
    """Validate the response's score and audit it; `how`: by "review" or by "challenge"."""
    before = {"validated_score": response.validated_score}
    response.validate(score, user.id, when)
    AuditEvent.record(
        user, "response.validated", response, before, {"validated_score": score, "by": how}
    )


def _challenge_link(challenge: Challenge) -> str:
    return url_for("review.challenge", challenge_id=challenge.id)


def _about(challenge: Challenge, **extra) -> dict:
    response = challenge.response
    return notifications.about(response.assessment, item=response.item.key, **extra)
