"""Reminders of overdue review work (DESIGN §7), sent by `flask send-reminders` from cron."""

from datetime import date

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker.access import UNDER_REVIEW
from tracker.extensions import db
from tracker.models import Assessment, AuditEvent, Challenge, Response, ReviewAssignment
from tracker.notifications import operations as notifications
from tracker.review.common import _about, _challenge_link


def send_overdue_reminders(today: date) -> int:
    """Tell people, once, of each challenge left unanswered and each review left unfinished
    past its due date. Safe to run every day (from cron): returns how many were sent."""
    sent = 0
    overdue = db.session.scalars(
        select(Challenge)
        .where(
            Challenge.status == "open",
            Challenge.due_on < today,
            Challenge.overdue_notified_on.is_(None),
        )
        .options(selectinload(Challenge.response).selectinload(Response.assessment))
    ).all()
    for challenge in overdue:
        assessment = challenge.response.assessment
        if assessment.status not in UNDER_REVIEW:
            continue
        people = notifications.coordinators_of(assessment.organisation_id)
        sent += len(
            notifications.notify(
                [*people, challenge.raised_by],
                "challenge_overdue",
                _about(challenge, due=challenge.due_on),
                _challenge_link(challenge),
            )
        )
        challenge.overdue_notified_on = today
        AuditEvent.record(None, "challenge.overdue", challenge, after={"due_on": challenge.due_on})
    late_reviews = db.session.scalars(
        select(ReviewAssignment)
        .join(ReviewAssignment.assessment)
        .where(
            Assessment.status == "in_review",
            ReviewAssignment.due_on < today,
            ReviewAssignment.overdue_notified_on.is_(None),
        )
    ).all()
    for assignment in late_reviews:
        sent += len(
            notifications.notify(
                [assignment.reviewer],
                "review_overdue",
                notifications.about(assignment.assessment, due=assignment.due_on),
                url_for("review.assessment", assessment_id=assignment.assessment_id),
            )
        )
        assignment.overdue_notified_on = today
        AuditEvent.record(None, "review.overdue", assignment, after={"due_on": assignment.due_on})
    db.session.commit()
    return sent
