"""Reminders of the current cycle's due date (issue #15): 28, 7 and 1 days before and once
overdue, to the active coordinators of active organisations whose assessment is not yet
submitted (not started included); each sent once, however many runs at the same moment."""

import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tracker.extensions import db
from tracker.models import Assessment, AuditEvent, Notification, Reminder
from tracker.models.base import utcnow
from tracker.notifications import mail
from tracker.notifications.reminders import reminder_for, send_due_reminders

DUE = date(2027, 1, 31)  # the region fixture's cycle 2026–27


@pytest.fixture
def today(today_is):
    return today_is


@pytest.fixture
def _links(app):
    """The reminders' links are built as in a request to the tracker."""
    with app.test_request_context():
        yield


@pytest.fixture
def boards(region, make_org, make_user, make_assessment, _links):
    """Region A has a draft, Region B has not started, Region C has submitted; Region D is
    deactivated; Region E's only coordinator has left."""
    draft = make_assessment(organisation=region["rsb"], cycle=region["cycle"])
    c = make_org("rsb", code="RSB-C")
    make_user("coordinator", c, email="coord@c.test")
    make_assessment(organisation=c, cycle=region["cycle"], status="submitted")
    d = make_org("rsb", code="RSB-D", active=False)
    make_user("coordinator", d, email="coord@d.test")
    e = make_org("rsb", code="RSB-E")
    make_user("coordinator", e, email="coord@e.test", active=False)
    second = make_user("coordinator", region["rsb"], email="coord2@a.test")
    return {**region, "draft": draft, "second": second}


def _told(kind: str | None = None) -> list[str]:
    """Who has been reminded, by e-mail address, in order."""
    query = select(Notification).where(
        Notification.kind.in_(("assessment_due", "assessment_overdue"))
    )
    if kind:
        query = query.where(Notification.kind == kind)
    return sorted(n.user.email for n in db.session.scalars(query))


@pytest.mark.parametrize(
    "days_left, kind",
    [
        (60, None),
        (29, None),
        (28, "due_28"),
        (8, "due_28"),
        (7, "due_7"),
        (2, "due_7"),
        (1, "due_1"),
        (0, "due_1"),
        (-1, "overdue"),
        (-40, "overdue"),
    ],
)
def test_which_reminder_applies(days_left, kind):
    assert reminder_for(days_left) == kind


@pytest.mark.parametrize("days_before", [28, 7, 1])
def test_reminders_before_the_due_date_go_to_those_with_work_to_submit(boards, today, days_before):
    sent = send_due_reminders(today(DUE - timedelta(days=days_before)))
    assert sent == 3
    assert _told("assessment_due") == ["coord2@a.test", "coord@a.test", "coord@b.test"]
    kinds = db.session.scalars(select(Reminder.kind).distinct()).all()
    assert kinds == [{28: "due_28", 7: "due_7", 1: "due_1"}[days_before]]
    note = db.session.scalar(
        select(Notification).where(Notification.user_id == boards["coordinator"].id)
    )
    assert note.link == f"/assessments/{boards['draft'].id}"
    assert "is due by 31 January 2027" in note.text
    not_started = db.session.scalar(
        select(Notification).where(Notification.user_id == boards["outsider"].id)
    )
    assert not_started.link == f"/assessments/start/{boards['framework'].id}"


def test_each_reminder_goes_out_once_and_the_next_at_its_day(boards, today):
    assert send_due_reminders(today(DUE - timedelta(days=28))) == 3
    assert send_due_reminders(today(DUE - timedelta(days=28))) == 0
    assert send_due_reminders(today(DUE - timedelta(days=27))) == 0
    assert send_due_reminders(today(DUE - timedelta(days=7))) == 3
    assert send_due_reminders(today(DUE - timedelta(days=1))) == 3
    assert send_due_reminders(today(DUE)) == 0  # due_1 covers the due date itself
    assert send_due_reminders(today(DUE + timedelta(days=1))) == 3
    assert send_due_reminders(today(DUE + timedelta(days=5))) == 0  # overdue: once
    assert len(_told("assessment_due")) == 9 and len(_told("assessment_overdue")) == 3
    events = select(func.count(AuditEvent.id)).where(AuditEvent.action == "assessment.reminded")
    assert db.session.scalar(events) == 8  # 2 organisations × 4 reminders


def test_a_missed_day_sends_only_the_reminder_that_applies_now(boards, today):
    # Nothing ran 28 days before; the first run is 5 days before: the 7-day reminder only.
    assert send_due_reminders(today(DUE - timedelta(days=5))) == 3
    assert set(db.session.scalars(select(Reminder.kind))) == {"due_7"}
    assert send_due_reminders(today(DUE - timedelta(days=4))) == 0


def test_none_for_submitted_assessments_and_returned_ones_are_reminded(boards, today):
    boards["draft"].status, boards["draft"].submitted_at = "in_review", utcnow()
    db.session.commit()
    send_due_reminders(today(DUE - timedelta(days=7)))
    assert _told() == ["coord@b.test"]
    boards["draft"].status = "returned"  # back with the organisation: still to submit
    db.session.commit()
    send_due_reminders(today(DUE - timedelta(days=1)))
    assert _told("assessment_due") == [
        "coord2@a.test",
        "coord@a.test",
        "coord@b.test",
        "coord@b.test",
    ]


def test_none_outside_the_open_current_cycle(boards, today):
    assert send_due_reminders(today(DUE - timedelta(days=29))) == 0
    assert send_due_reminders(today(date(2027, 4, 1))) == 0  # the cycle has ended
    boards["cycle"].closed_at = utcnow()
    db.session.commit()
    assert send_due_reminders(today(DUE - timedelta(days=7))) == 0
    assert db.session.scalar(select(func.count(Reminder.id))) == 0


def test_two_runs_at_the_same_moment_send_each_reminder_once(app, boards, today):
    on = today(DUE - timedelta(days=7))
    db.session.commit()
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run():
        with app.app_context(), app.test_request_context():
            try:
                barrier.wait()
                results.append(send_due_reminders(on))
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(results) == 2 and sum(results) == 3  # however the two runs shared the work
    db.session.expire_all()
    assert _told() == ["coord2@a.test", "coord@a.test", "coord@b.test"]
    assert db.session.scalar(select(func.count(Reminder.id))) == 2


def test_the_command_sends_them_by_email_in_each_persons_language(boards, today, runner, smtp_sink):
    mail.wait()
    smtp_sink.messages.clear()
    boards["outsider"].locale = "cy"
    db.session.commit()
    today(DUE + timedelta(days=2))
    result = runner.invoke(args=["send-reminders"])
    assert result.exit_code == 0, result.output
    assert "Reminders sent: 3." in result.output
    messages = {m["To"]: m for m in smtp_sink.parsed()}
    assert set(messages) == {"coord@a.test", "coord2@a.test", "coord@b.test"}
    english = messages["coord@a.test"]
    assert "is overdue: it was due by 31 January 2027" in english["Subject"]
    body = english.get_body(("plain",)).get_content()
    assert f"/assessments/{boards['draft'].id}" in body
    welsh = messages["coord@b.test"].get_body(("plain",)).get_content()
    assert "Fframwaith prawf" in welsh  # the framework's Welsh title
    assert "Reminders sent: 0." in runner.invoke(args=["send-reminders"]).output
    assert mail.wait() == []


def test_a_draft_of_a_framework_that_no_longer_applies_is_not_a_reminder(boards, today):
    boards["draft"].framework.applies_to = ["health_board"]
    db.session.commit()
    send_due_reminders(today(DUE - timedelta(days=7)))
    assert _told() == []
    assert db.session.scalar(select(func.count(Assessment.id))) == 2
