"""Reminders of overdue review work (DESIGN §7), sent by `flask send-reminders` from cron.

Every host may run the command at the same moment: each reminder is claimed by a conditional
UPDATE (tracker.claims) and committed with its notifications, one at a time, so a host that
read the same overdue list a moment later finds it claimed and sends nothing.
"""

from datetime import date

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker import claims
from tracker.access import UNDER_REVIEW
from tracker.extensions import db
from tracker.models import Assessment, AuditEvent, Challenge, Response, ReviewAssignment
from tracker.notifications import operations as notifications
from tracker.review.common import _about, _challenge_link


def send_overdue_reminders(today: date) -> int:
    """Tell people, once, of each challenge left unanswered and each review left unfinished
    past its due date. Safe to run every day (from cron), on every host: returns how many
    notifications this call made."""
    challenges, reviews = overdue_challenges(today), late_reviews(today)
    db.session.commit()  # end the reads: each claim is a transaction of its own
    sent = sum(remind_of_challenge(challenge, today) for challenge in challenges)
    return sent + sum(remind_of_review(assignment, today) for assignment in reviews)


def overdue_challenges(today: date) -> list[Challenge]:
    """Open challenges past their due date, not yet reminded of, whose review is going on."""
    found = db.session.scalars(
        select(Challenge)
        .where(
            Challenge.status == "open",
            Challenge.due_on < today,
            Challenge.overdue_notified_on.is_(None),
        )
        .options(selectinload(Challenge.response).selectinload(Response.assessment))
        .order_by(Challenge.id)
    ).all()
    return [c for c in found if c.response.assessment.status in UNDER_REVIEW]


def late_reviews(today: date) -> list[ReviewAssignment]:
    """Review assignments past their due date, not yet reminded of, still in review."""
    return list(
        db.session.scalars(
            select(ReviewAssignment)
            .join(ReviewAssignment.assessment)
            .where(
                Assessment.status == "in_review",
                ReviewAssignment.due_on < today,
                ReviewAssignment.overdue_notified_on.is_(None),
            )
            .order_by(ReviewAssignment.id)
        )
    )


def remind_of_challenge(challenge: Challenge, today: date) -> int:
    """Claim and send one overdue challenge's reminder; 0 if another run claimed it first."""
    if not claims.claim(
        challenge, Challenge.overdue_notified_on.is_(None), overdue_notified_on=today
    ):
        return 0
    assessment = challenge.response.assessment
    people = notifications.coordinators_of(assessment.organisation_id)
    made = notifications.notify(
        [*people, challenge.raised_by],
        "challenge_overdue",
        _about(challenge, due=challenge.due_on),
        _challenge_link(challenge),
    )
    AuditEvent.record(None, "challenge.overdue", challenge, after={"due_on": challenge.due_on})
    db.session.commit()
    return len(made)


def remind_of_review(assignment: ReviewAssignment, today: date) -> int:
    """Claim and send one late review's reminder; 0 if another run claimed it first."""
    if not claims.claim(
        assignment, ReviewAssignment.overdue_notified_on.is_(None), overdue_notified_on=today
    ):
        return 0
    made = notifications.notify(
        [assignment.reviewer],
        "review_overdue",
        notifications.about(assignment.assessment, due=assignment.due_on),
        url_for("review.assessment", assessment_id=assignment.assessment_id),
    )
    AuditEvent.record(None, "review.overdue", assignment, after={"due_on": assignment.due_on})
    db.session.commit()
    return len(made)
