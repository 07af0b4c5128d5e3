"""Assigning peer reviewers (DESIGN §7): who may review an assessment, and the assignment that
moves a submitted assessment into review. The reviewer's queue is in queries.py."""

from datetime import date

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker.access import can
from tracker.extensions import db
from tracker.models import Assessment, AuditEvent, ReviewAssignment, User
from tracker.notifications import operations as notifications
from tracker.review.common import _check_due, _hold_assessment
from tracker.rules import RuleError


def reviewers() -> list[User]:
    """Every active peer reviewer, with their organisation, for choosing one."""
    return list(
        db.session.scalars(
            select(User)
            .options(selectinload(User.organisation))
            .where(User.role == "reviewer", User.active.is_(True))
            .order_by(User.name)
        )
    )


def conflict_of_interest(reviewer: User, assessment: Assessment) -> str | None:
    """Why `reviewer` may not review `assessment`, or None."""
    if reviewer.organisation_id == assessment.organisation_id:
        return _l(
            "%(name)s works for %(org)s, the organisation being assessed. A peer reviewer must "
            "come from another organisation.",
            name=reviewer.name,
            org=assessment.organisation.name,
        )
    return None


def assign(
    user: User, assessment: Assessment, reviewer: User | None, due_on: date, today: date
) -> ReviewAssignment:
    """Assign a peer reviewer to a submitted assessment, which moves it into review."""
    if not can(user, "assessment.assign", assessment):
        raise RuleError(_l("You cannot assign reviewers to this assessment."))
    if reviewer is None or reviewer.role != "reviewer" or not reviewer.active:
        raise RuleError(_l("Choose a peer reviewer."), "reviewer")
    conflict = conflict_of_interest(reviewer, assessment)
    if conflict:
        raise RuleError(conflict, "reviewer")
    due_on = _check_due(due_on, today)
    if reviewer.id in assessment.reviewer_ids:
        raise RuleError(
            _l("%(name)s is already reviewing this assessment.", name=reviewer.name), "reviewer"
        )
    reviewer_id, user_id = reviewer.id, user.id  # read before the row lock's rollback risk
    _hold_assessment(assessment)
    if db.session.scalar(  # assigned meanwhile, by a double click or another administrator
        select(ReviewAssignment.id).where(
            ReviewAssignment.assessment_id == assessment.id,
            ReviewAssignment.reviewer_id == reviewer_id,
        )
    ):
        db.session.rollback()
        raise RuleError(
            _l("%(name)s is already reviewing this assessment.", name=reviewer.name), "reviewer"
        )
    before = {"status": assessment.status}
    assignment = ReviewAssignment(
        assessment=assessment, reviewer_id=reviewer_id, assigned_by_id=user_id, due_on=due_on
    )
    db.session.add(assignment)
    assessment.status = "in_review"
    AuditEvent.record(
        user,
        "review.assigned",
        assessment,
        before,
        {"status": "in_review", "reviewer_id": reviewer_id, "due_on": due_on},
    )
    notifications.notify(
        [reviewer],
        "assigned",
        notifications.about(assessment, due=due_on),
        url_for("review.assessment", assessment_id=assessment.id),
    )
    db.session.commit()
    return assignment
