"""The e-mail outbox (issue #24): written with the change, tried after the commit off the
request thread, then sent by `flask send-mail` once, with backoff and a last try; against a
real SMTP server (aiosmtpd) that the tests stop, start again, silence or make refuse."""

import smtplib
import socket
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from tests.conftest import csrf_token, date_parts, page_text
from tests.review.conftest import DUE
from tracker import clock
from tracker.extensions import db
from tracker.models import Challenge, OutboxMessage
from tracker.notifications import mail, outbox
from tracker.notifications import operations as notifications


def _rows() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def _put(count: int, to: str = "person{}@a.test") -> None:
    """`count` e-mails in the outbox, committed together."""
    for n in range(count):
        mail.send_after_commit(db.session(), to.format(n), f"Subject {n}", f"Body {n}")
    db.session.commit()


def _raise_challenge(client, login, assessment) -> float:
    """Raise a challenge through the page, as a reviewer; how long the request took."""
    login("rev@b.test")
    page = f"/review/assessments/{assessment.id}/items/A1"
    token = csrf_token(client, page)
    started = time.monotonic()
    response = client.post(
        f"{page}/challenge",
        data={"csrf_token": token, "question": "Why 3?", **date_parts("due_on", DUE)},
    )
    elapsed = time.monotonic() - started
    assert response.status_code == 302, page_text(response)
    return elapsed


def _waited(row: OutboxMessage) -> timedelta:
    """How long a failed e-mail waits for its next try, to the second."""
    return timedelta(seconds=round((row.next_attempt_at - row.updated_at).total_seconds()))


def _a_day_later(today_is, days: int = 1) -> None:
    """Time passes: every backoff (at most 6 hours) is over."""
    today_is(clock.today() + timedelta(days=days))


# --- the test ----------------------------------------------------------------------------


def test_a_challenge_raised_while_the_server_is_down_is_sent_once_by_send_mail(
    smtp, people, in_review, client, login, runner, today_is
):
    mail.wait()
    smtp.messages.clear()  # the assignment's e-mail to the reviewer
    smtp.stop()
    elapsed = _raise_challenge(client, login, in_review)
    assert elapsed < 1, elapsed
    assert mail.wait() == [False]  # tried after the commit, refused, kept
    [row] = [r for r in _rows() if r.status == "waiting"]
    assert (row.recipient, row.attempts) == ("coord@a.test", 1)
    assert "Connection refused" in row.last_error
    assert row.next_attempt_at > clock.now()  # backing off

    smtp.start()
    assert "E-mails sent: 0" in runner.invoke(args=["send-mail"]).output  # not due yet
    _a_day_later(today_is)
    result = runner.invoke(args=["send-mail"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == (
        "E-mails sent: 1; to try again later: 0; failed: 0; waiting: 0."
    )
    assert "E-mails sent: 0" in runner.invoke(args=["send-mail"]).output
    [message] = smtp.parsed()
    assert message["To"] == "coord@a.test"
    assert message["Subject"].startswith("Safeguarding Progress Tracker: Rhian Reviewer")
    challenge_id = db.session.scalar(select(Challenge.id))
    assert f"/review/challenges/{challenge_id}" in message.get_content()
    [row] = [r for r in _rows() if r.id == row.id]
    assert (row.status, row.attempts, row.claimed_until) == ("sent", 2, None)
    assert row.sent_at is not None and row.body == ""  # a sent body (maybe a link) is not kept


def test_a_silent_server_delays_no_request_and_send_mail_stops_at_it(
    people, in_review, client, login, mail_to, runner, today_is
):
    # Accepts the connection, then never says a word: worse than a refusal.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)
    mail_to(silent.getsockname()[1], timeout=1)
    try:
        mail.wait()
        assert _raise_challenge(client, login, in_review) < 1
        assert mail.wait() == [False]
        _put(2)
        _put(1, to="third{}@a.test")  # committed while the attempt above waits for the server
        started = time.monotonic()
        # The first timed out and the second was not tried; nor was the third, queued before
        # the server was found silent: one timeout, not one per commit.
        assert mail.wait() == [False, False, False]
        assert time.monotonic() - started < 1.8
        assert [r.attempts for r in _rows()][-3:] == [1, 0, 0]
        _a_day_later(today_is)
        started = time.monotonic()
        result = runner.invoke(args=["send-mail"])
        took = time.monotonic() - started
        # One timeout, not one per e-mail: the run stops at a server that does not answer.
        assert took < 2.5, took
        assert "E-mails sent: 0; to try again later: 1; failed: 0; waiting: 5." in result.output
        assert "Stopped early, the mail server could not be reached: " in result.output
        assert result.output.strip().endswith("timed out")
        assert all(r.status == "waiting" and r.claimed_until is None for r in _rows())
    finally:
        silent.close()


# --- written with the change ---------------------------------------------------------------------


def test_a_change_rolled_back_writes_and_sends_nothing(smtp, people, in_review):
    mail.wait()
    before = len(_rows())
    notifications.notify([people["coordinator"]], "assessment_concluded", {}, "/")
    db.session.rollback()
    db.session.commit()  # a later commit sends nothing of what was rolled back
    assert mail.wait() == []
    assert len(_rows()) == before


def test_every_e_mail_is_a_row_with_its_change_even_with_no_server(people, in_review, runner):
    [row] = _rows()  # the assignment's e-mail to the reviewer, in the assignment's commit
    assert (row.recipient, row.status, row.attempts) == ("rev@b.test", "waiting", 0)
    assert row.subject.startswith("Safeguarding Progress Tracker: You are asked to peer review")
    assert "/review/" in row.body
    assert mail.wait() == []  # nothing tried: there is no server
    result = runner.invoke(args=["send-mail"])
    assert result.exit_code == 0
    assert "No MAIL_SERVER is configured: 1 e-mail(s) wait in the outbox." in result.output


def test_what_waited_for_a_server_goes_once_one_is_configured(app, smtp, runner, monkeypatch):
    with monkeypatch.context() as before_the_server:
        before_the_server.setitem(app.config, "MAIL_SERVER", None)
        _put(2)
        assert mail.wait() == []
    result = runner.invoke(args=["send-mail"])
    assert "E-mails sent: 2; to try again later: 0; failed: 0; waiting: 0." in result.output
    assert smtp.recipients() == ["person0@a.test", "person1@a.test"]


def test_an_e_mail_that_cannot_be_written_is_refused_with_its_change(app):
    with pytest.raises(ValueError):
        mail.send_after_commit(db.session(), "a@a.test", "Two\nlines", "Body")
    db.session.commit()
    assert _rows() == []


# --- send-mail -----------------------------------------------------------------------------------


def test_send_mail_sends_each_due_e_mail_once_with_a_stable_message_id(smtp, runner):
    smtp.stop()
    _put(3)
    assert mail.wait() == [False, False, False]
    smtp.start()
    # Not due yet (backing off after the first refusal) except the two never tried.
    result = runner.invoke(args=["send-mail"])
    assert "E-mails sent: 2; to try again later: 0; failed: 0; waiting: 1." in result.output
    assert smtp.recipients() == ["person1@a.test", "person2@a.test"]
    ids = {m["Message-ID"] for m in smtp.parsed()}
    rows = _rows()
    assert ids == {f"<outbox.{r.id}.{int(r.created_at.timestamp())}@localhost>" for r in rows[1:]}
    assert all(m["Date"] for m in smtp.parsed())


def test_a_temporary_refusal_backs_off_and_gives_up_after_the_last_try(
    app, smtp, runner, today_is, monkeypatch
):
    monkeypatch.setitem(app.config, "TRACKER_MAIL_MAX_ATTEMPTS", 3)
    smtp.refuse = "451 4.3.0 Try again later"
    _put(1)
    assert mail.wait() == [False]
    [row] = _rows()
    assert (row.status, row.attempts) == ("waiting", 1)
    assert row.last_error == "SMTPRecipientsRefused: 451 4.3.0 Try again later"
    assert _waited(row) == timedelta(minutes=5)

    _a_day_later(today_is)
    assert "to try again later: 1" in runner.invoke(args=["send-mail"]).output
    [row] = _rows()
    assert row.attempts == 2
    assert _waited(row) == timedelta(minutes=10)

    _a_day_later(today_is)
    assert "failed: 1; waiting: 0." in runner.invoke(args=["send-mail"]).output
    [row] = _rows()
    assert (row.status, row.attempts) == ("failed", 3)
    assert row.failed_at is not None and row.body == "Body 0"  # kept, to be tried again
    _a_day_later(today_is)
    assert "E-mails sent: 0; to try again later: 0; failed: 0" in (
        runner.invoke(args=["send-mail"]).output
    )
    assert smtp.messages == []


def test_a_permanent_refusal_fails_at_once(smtp):
    smtp.refuse = "550 5.1.1 No such mailbox"
    _put(1)
    assert mail.wait() == [False]
    [row] = _rows()
    assert (row.status, row.attempts) == ("failed", 1)
    assert "550 5.1.1 No such mailbox" in row.last_error


@pytest.mark.parametrize("attempts, minutes", [(1, 5), (2, 10), (3, 20), (6, 160), (7, 320)])
def test_backoff_doubles(attempts, minutes):
    assert outbox.backoff(attempts) == timedelta(minutes=minutes)


def test_backoff_stops_growing_at_six_hours():
    assert outbox.backoff(8) == outbox.backoff(30) == timedelta(hours=6)


def test_an_error_is_short_and_holds_no_password():
    server = mail.Server("127.0.0.1", 25, "tracker", "hunter2-secret", False, False, 5)
    error = smtplib.SMTPAuthenticationError(535, b"5.7.8 hunter2-secret\nrejected " + b"x" * 500)
    text = outbox.short_error(error, server)
    assert "hunter2" not in text and "\n" not in text and len(text) <= outbox.ERROR_LENGTH
    assert text.startswith("SMTPAuthenticationError: 535 5.7.8 ••• rejected")


# --- exactly once --------------------------------------------------------------------------------


def test_two_send_mail_runs_at_once_deliver_each_e_mail_once(app, smtp):
    smtp.stop()
    _put(40)
    mail.wait()
    db.session.execute(update(OutboxMessage).values(next_attempt_at=clock.now()))  # all due
    db.session.commit()
    smtp.delay = 0.01  # slow enough for the two runs to overlap
    smtp.start()
    server = mail.Server.from_config(app.config)
    barrier, runs, errors = threading.Barrier(2), [], []

    def run():
        with app.app_context():
            try:
                barrier.wait()
                runs.append(outbox.deliver_due(server))
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(run.sent for run in runs)[0] > 0, runs  # they did share the work
    assert sum(run.sent for run in runs) == 40
    assert smtp.recipients() == sorted(f"person{n}@a.test" for n in range(40))
    assert {r.status for r in _rows()} == {"sent"}


def test_a_claimed_e_mail_is_nobody_elses_until_its_lease_runs_out(app, mail_to, today_is):
    mail_to(1)  # nothing listens: the attempt after the commit is refused at once
    mail.send_after_commit(db.session(), "a@a.test", "S", "B")
    db.session.commit()
    mail.wait()
    [row] = _rows()
    db.session.execute(update(OutboxMessage).values(next_attempt_at=clock.now()))
    db.session.commit()
    server = mail.Server.from_config(app.config)
    assert outbox.claim(row.id, server) is not None  # as send-mail would, then dies
    assert outbox.claim(row.id, server) is None  # the post-commit attempt, say
    assert outbox.claim_next(server) is None  # another host's send-mail
    _a_day_later(today_is)  # the lease (minutes) is long over: the sender died
    again = outbox.claim_next(server)
    assert again is not None and again.attempts == 3


def test_the_attempt_after_the_commit_and_send_mail_never_both_send(app, smtp):
    for _round in range(10):
        _put(1)
        outbox.deliver_due(mail.Server.from_config(app.config))
        mail.wait()
    assert len(smtp.messages) == 10
    assert {r.status for r in _rows()} == {"sent"}
