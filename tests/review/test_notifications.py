"""Notifications in the tracker, and their e-mail copies through a real local SMTP server."""

import email
import email.policy
import re
import socket
import time
from datetime import timedelta

from sqlalchemy import select

from tests.conftest import csrf_token, date_parts, free_port, page_text
from tests.review.conftest import DUE, TODAY, response_for
from tracker.extensions import db
from tracker.models import Challenge, Notification
from tracker.notifications import mail
from tracker.notifications import operations as notifications
from tracker.notifications.queries import unread_count
from tracker.review import assignments, challenges


def _raise(people, assessment):
    return challenges.raise_challenge(
        people["reviewer"], response_for(assessment, "A1"), "Why 3?", None, DUE, [], TODAY
    )


def test_email_is_sent_after_the_commit(people, in_review, smtp_sink):
    mail.wait()
    smtp_sink.messages.clear()  # the assignment's e-mail to the reviewer
    challenge = _raise(people, in_review)
    assert mail.wait() == [True]
    [envelope] = smtp_sink.messages
    assert envelope.rcpt_tos == ["coord@a.test"]
    message = email.message_from_bytes(envelope.content, policy=email.policy.default)
    assert message["Subject"].startswith(
        "Safeguarding Progress Tracker: Rhian Reviewer has challenged A1"
    )
    body = message.get_content()
    assert f"/review/challenges/{challenge.id}" in body, body


def test_no_email_for_a_change_that_was_rolled_back(people, in_review, smtp_sink):
    mail.wait()
    smtp_sink.messages.clear()
    notifications.notify([people["coordinator"]], "assessment_concluded", {}, "/")
    db.session.rollback()
    db.session.commit()  # a later commit must not send what was rolled back
    assert mail.wait() == []
    assert smtp_sink.messages == []
    assert unread_count(people["coordinator"]) == 0


def test_a_mail_server_that_is_down_neither_fails_nor_blocks_the_request(
    people, in_review, client, login, mail_to
):
    # A server that accepts the connection and then says nothing: worse than a refusal.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(5)
    mail_to(silent.getsockname()[1], timeout=2)
    try:
        login("rev@b.test")
        page = f"/review/assessments/{in_review.id}/items/A1"
        token = csrf_token(client, page)
        started = time.monotonic()
        response = client.post(
            f"{page}/challenge",
            data={"csrf_token": token, "question": "Why 3?", **date_parts("due_on", DUE)},
        )
        elapsed = time.monotonic() - started
        assert response.status_code == 302, page_text(response)
        assert elapsed < 1.5, elapsed  # the e-mail's 2-second timeout was not waited for
        assert db.session.scalar(select(Challenge.id))
        assert db.session.scalars(
            select(Notification).where(Notification.kind == "challenge_raised")
        ).all()
        assert mail.wait() == [False]  # given up and logged, nothing raised
    finally:
        silent.close()


def test_a_refused_connection_is_logged_not_raised(people, submitted, mail_to, caplog):
    mail_to(free_port())  # nothing listens there
    assignments.assign(people["admin"], submitted, people["reviewer"], DUE, TODAY)
    assert mail.wait() == [False]
    assert "E-mail to rev@b.test not sent" in caplog.text
    assert submitted.status == "in_review"


def test_without_a_mail_server_only_the_tracker_is_told(people, submitted, app):
    assert app.config["MAIL_SERVER"] is None
    assignments.assign(people["admin"], submitted, people["reviewer"], DUE, TODAY)
    assert mail.wait() == []
    assert unread_count(people["reviewer"]) == 1


# --- in the tracker ------------------------------------------------------------------------------


def test_header_count_list_and_mark_as_read(people, in_review, client, login):
    _raise(people, in_review)
    login("coord@a.test")
    home = page_text(client.get("/"))
    assert re.search(r'Notifications <span class="app-count">1</span>.*unread', home)
    listing = client.get("/notifications/")
    assert "Rhian Reviewer has challenged A1 in Region A Safeguarding Board" in page_text(listing)
    note = db.session.scalar(
        select(Notification).where(Notification.user_id == people["coordinator"].id)
    )
    token = csrf_token(client, "/notifications/")
    client.post(f"/notifications/{note.id}/read", data={"csrf_token": token})
    db.session.refresh(note)
    assert note.read_at is not None
    assert 'class="app-count"' not in page_text(client.get("/"))


def test_nobody_marks_another_users_notification(people, in_review, client, login):
    _raise(people, in_review)
    note = db.session.scalar(
        select(Notification).where(Notification.user_id == people["coordinator"].id)
    )
    login("coord@b.test")
    token = csrf_token(client, "/notifications/")
    client.post(f"/notifications/{note.id}/read", data={"csrf_token": token})
    client.post("/notifications/read", data={"csrf_token": token})
    db.session.refresh(note)
    assert note.read_at is None
    assert "Rhian Reviewer" not in page_text(client.get("/notifications/"))


def test_mark_all_read(people, in_review, client, login):
    _raise(people, in_review)
    login("rev@b.test")  # told of the assignment
    token = csrf_token(client, "/notifications/")
    response = client.post("/notifications/read", data={"csrf_token": token}, follow_redirects=True)
    assert "Every notification is marked as read" in page_text(response)
    assert unread_count(people["reviewer"]) == 0


def test_a_notification_reads_in_the_readers_language(people, in_review, client, login):
    _raise(people, in_review)
    people["coordinator"].locale = "cy"
    db.session.commit()
    login("coord@a.test")
    text = page_text(client.get("/notifications/?lang=cy"))
    assert "Rhian Reviewer" in text
    assert "has challenged" not in text  # the Welsh message, not the stored English


def test_send_reminders_command_tells_each_person_once(people, challenge, runner, app):
    challenge.due_on = TODAY - timedelta(days=30)  # overdue; the review itself is not
    challenge.response.assessment.assignments[0].due_on = TODAY + timedelta(days=30)
    # The cycle's own due-date reminders (to Region B, not started) are not this test's.
    people["cycle"].due_on = people["cycle"].closes_on = TODAY + timedelta(days=60)
    db.session.commit()
    result = runner.invoke(args=["send-reminders"])
    assert result.exit_code == 0, result.output
    assert "Reminders sent: 2." in result.output  # the coordinator and the challenger
    [note] = db.session.scalars(
        select(Notification).where(
            Notification.user_id == people["coordinator"].id,
            Notification.kind == "challenge_overdue",
        )
    ).all()
    assert note.link == f"/review/challenges/{challenge.id}"
    assert "Reminders sent: 0." in runner.invoke(args=["send-reminders"]).output


def test_email_is_in_the_recipients_language(people, in_review, smtp_sink):
    mail.wait()
    smtp_sink.messages.clear()
    people["coordinator"].locale = "cy"
    db.session.commit()
    _raise(people, in_review)
    assert mail.wait() == [True]
    message = email.message_from_bytes(smtp_sink.messages[0].content, policy=email.policy.default)
    assert message["Subject"].startswith("Traciwr Cynnydd Diogelu:")
    assert "has challenged" not in message.get_content()


def test_a_reason_over_several_lines_is_e_mailed_not_refused(people, in_review, smtp_sink):
    from tracker.assessments import operations as assessment_ops

    mail.wait()
    smtp_sink.messages.clear()
    assessment_ops.return_assessment(people["reviewer"], in_review, "Add impact.\nAnd a baseline.")
    assert in_review.status == "returned"
    assert mail.wait() == [True]
    message = email.message_from_bytes(smtp_sink.messages[0].content, policy=email.policy.default)
    assert "\n" not in message["Subject"]
    assert "Add impact.\r\nAnd a baseline." in message.get_content()


def test_links_in_e_mails_use_the_configured_address_not_the_host_header(app):
    # Whoever acts cannot point other people's e-mails elsewhere with a Host header.
    with app.test_request_context("/", base_url="http://evil.example"):
        link = notifications.absolute("/review/challenges/1")
    assert link == app.config["TRACKER_BASE_URL"] + "/review/challenges/1"
