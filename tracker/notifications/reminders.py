"""Reminders of the current cycle's due date (issue #15), for `flask send-reminders`.

The active coordinators of every active organisation are reminded of each assessment of the
current cycle not yet submitted (or returned to them), not started ones included: 28, 7 and 1
days before the due date, and once when it has passed. Each reminder goes out once: it is
claimed by inserting its `Reminder` row (INSERT … ON CONFLICT DO NOTHING) in the transaction
that adds the notifications, so of several hosts running the command at once, one inserts
and the others insert nothing and send nothing; e-mails leave only when that commits. A day
the command did not run is not made up for: only the reminder that applies today is sent.
"""

from dataclasses import dataclass
from datetime import date

from flask import url_for
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from tracker import cycles
from tracker.extensions import db
from tracker.frameworks.queries import latest_frameworks
from tracker.models import Assessment, AuditEvent, Cycle, Organisation, Reminder, User
from tracker.models.assessments import EDITABLE_STATUSES
from tracker.notifications import operations as notifications

# Days before the due date at which each reminder starts to apply, latest first.
BANDS = ((1, "due_1"), (7, "due_7"), (28, "due_28"))


@dataclass(frozen=True)
class Outstanding:
    """An assessment an organisation still has to submit (`assessment_id` None: not started)."""

    organisation_id: int
    framework_id: int
    framework_key: str
    assessment_id: int | None
    params: dict


def reminder_for(days_left: int) -> str | None:
    """The reminder that applies `days_left` days before the due date (negative: after)."""
    if days_left < 0:
        return "overdue"
    for days, kind in BANDS:
        if days_left <= days:
            return kind
    return None


def send_due_reminders(today: date) -> int:
    """Send today's reminder of each assessment not yet submitted, once; returns how many
    notifications were made. Needs a request context (the links in them)."""
    cycle = cycles.current_cycle(today)
    if cycle is None or not cycle.contains(today):
        return 0  # between cycles, or closed early: nothing can be started or submitted
    kind = reminder_for(cycles.days_left(cycle, today))
    if kind is None:
        return 0
    outstanding = outstanding_assessments(cycle)
    db.session.commit()  # end the reads: each claim is a transaction of its own
    sent = 0
    for item in outstanding:
        sent += _claim_and_send(item, cycle.id, kind)
    return sent


def outstanding_assessments(cycle: Cycle) -> list[Outstanding]:
    """For every active organisation with an active coordinator: each latest framework that
    applies to its kind whose assessment this cycle is missing or not submitted."""
    frameworks = latest_frameworks()
    organisations = db.session.scalars(
        select(Organisation)
        .where(
            Organisation.active.is_(True),
            Organisation.id.in_(
                select(User.organisation_id).where(
                    User.role == "coordinator", User.active.is_(True)
                )
            ),
        )
        .order_by(Organisation.id)
    ).all()
    assessments = {
        (org_id, key): (assessment_id, status)
        for org_id, key, assessment_id, status in db.session.execute(
            select(
                Assessment.organisation_id,
                Assessment.framework_key,
                Assessment.id,
                Assessment.status,
            ).where(Assessment.cycle_id == cycle.id)
        )
    }
    found = []
    for org in organisations:
        for framework in frameworks:
            if not framework.applies_to_kind(org.kind):
                continue
            assessment_id, status = assessments.get((org.id, framework.key), (None, "draft"))
            if status not in EDITABLE_STATUSES:
                continue
            params = {
                "org": {"en": org.name, "cy": org.name_cy or org.name},
                "framework": framework.title,
                "cycle": cycle.label,
                "due": cycle.due_on.isoformat(),
            }
            found.append(Outstanding(org.id, framework.id, framework.key, assessment_id, params))
    return found


def _claim_and_send(item: Outstanding, cycle_id: int, kind: str) -> int:
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    claim = (
        dialect.insert(Reminder)
        .values(
            organisation_id=item.organisation_id,
            framework_key=item.framework_key,
            cycle_id=cycle_id,
            kind=kind,
        )
        .on_conflict_do_nothing(
            index_elements=[
                Reminder.organisation_id,
                Reminder.framework_key,
                Reminder.cycle_id,
                Reminder.kind,
            ]
        )
        .returning(Reminder.id)
    )
    if db.session.execute(claim).scalar() is None:
        db.session.rollback()  # sent already, by this host or another
        return 0
    link = (
        url_for("assessments.task_list", assessment_id=item.assessment_id)
        if item.assessment_id
        else url_for("assessments.start", framework_id=item.framework_id)
    )
    message = "assessment_overdue" if kind == "overdue" else "assessment_due"
    people = notifications.coordinators_of(item.organisation_id)
    made = notifications.notify(people, message, item.params, link)
    AuditEvent.record(
        None,
        "assessment.reminded",
        db.session.get(Organisation, item.organisation_id),
        after={"framework": item.framework_key, "cycle": item.params["cycle"], "kind": kind},
    )
    db.session.commit()
    return len(made)
