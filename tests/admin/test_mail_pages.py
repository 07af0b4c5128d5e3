"""The e-mail outbox in the administration area (issue #24): how many e-mails wait and failed,
the list, and a failed one tried again (POST, CSRF, audited, once however often it is asked);
administrators only."""

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_token, page_text
from tracker.extensions import db
from tracker.models import AuditEvent, OutboxMessage
from tracker.models.base import utcnow
from tracker.notifications import mail


@pytest.fixture
def world(make_org, make_user):
    make_user("admin", make_org("national", code="NAT"), email="admin@wales.test")
    make_user("coordinator", make_org("rsb", code="RSB-A"), email="coord@a.test")


def _email(status: str = "failed", **values) -> OutboxMessage:
    message = OutboxMessage(
        recipient=values.pop("recipient", "gone@a.test"),
        subject=values.pop("subject", "Safeguarding Progress Tracker: a challenge"),
        body="Body",
        status=status,
        attempts=values.pop("attempts", 8),
        last_error=values.pop("last_error", "SMTPRecipientsRefused: 451 Try again later"),
        **values,
    )
    if status == "failed":
        message.failed_at = utcnow()
    db.session.add(message)
    db.session.commit()
    return message


def _retry(client, message_id: int, with_token: bool = True):
    token = csrf_token(client, "/admin/mail") if with_token else "not-a-token"
    return client.post(f"/admin/mail/{message_id}/retry", data={"csrf_token": token})


def _retries() -> int:
    return db.session.scalar(
        select(func.count(AuditEvent.id)).where(AuditEvent.action == "email.retried")
    )


def test_an_administrator_sees_what_waits_and_what_failed(client, world, login):
    _email("failed", recipient="gone@a.test", last_error="SMTPRecipientsRefused: 550 No mailbox")
    _email("waiting", recipient="soon@a.test", attempts=0, last_error=None)
    _email("waiting", recipient="later@a.test", attempts=2)
    _email("sent", recipient="done@a.test", attempts=1, last_error=None)
    login("admin@wales.test")
    page = client.get("/admin/mail")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<dd class="govuk-summary-list__value" id="outbox-waiting">2</dd>' in html
    assert '<dd class="govuk-summary-list__value" id="outbox-failed">1</dd>' in html
    text = page_text(page)
    assert "550 No mailbox" in text and "Safeguarding Progress Tracker: a challenge" in text
    assert text.index("gone@a.test") < text.index("later@a.test") < text.index("soon@a.test")
    assert "done@a.test" not in text  # sent: nothing to do
    assert html.count('/retry"') == 1  # only the failed one can be tried again
    assert "No mail server is configured" in text
    index = page_text(client.get("/admin/"))
    assert "E-mails" in index and "1 failed" in index and "2 waiting" in index


def test_retrying_a_failed_e_mail_puts_it_back_once(client, world, login):
    message = _email()
    login("admin@wales.test")
    response = _retry(client, message.id)
    assert response.status_code == 302
    assert "will be sent again" in page_text(client.get("/admin/mail"))
    db.session.refresh(message)
    assert (message.status, message.attempts, message.failed_at) == ("waiting", 0, None)
    assert message.last_error  # what went wrong last time is still shown
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "email.retried"))
    assert event.entity == "outbox_message" and event.entity_id == message.id
    assert event.after == {"status": "waiting", "recipient": "gone@a.test"}

    # A double click, or another administrator: nothing more happens.
    assert _retry(client, message.id).status_code == 302
    assert "had not failed" in page_text(client.get("/admin/mail"))
    assert _retries() == 1


def test_a_retried_e_mail_is_tried_at_once(client, world, login, smtp_sink):
    message = _email()
    login("admin@wales.test")
    _retry(client, message.id)
    assert mail.wait() == [True]
    [sent] = smtp_sink.parsed()
    assert sent["To"] == "gone@a.test"
    db.session.refresh(message)
    assert (message.status, message.attempts) == ("sent", 1)
    assert "No mail server is configured" not in page_text(client.get("/admin/mail"))


@pytest.mark.parametrize("status", ["waiting", "sent"])
def test_only_a_failed_e_mail_is_retried(client, world, login, status):
    message = _email(status)
    login("admin@wales.test")
    _retry(client, message.id)
    db.session.refresh(message)
    assert message.status == status and _retries() == 0


def test_a_retry_needs_the_forms_token_and_a_real_e_mail(client, world, login):
    message = _email()
    login("admin@wales.test")
    assert _retry(client, message.id, with_token=False).status_code == 400
    assert _retry(client, message.id + 1000).status_code == 404
    db.session.refresh(message)
    assert message.status == "failed" and _retries() == 0


def test_nobody_else_sees_or_retries_e_mails(client, world, login):
    message = _email()
    assert client.get("/admin/mail").status_code == 302  # to sign in
    login("coord@a.test")  # may open /admin for people, not for e-mails
    assert client.get("/admin/mail").status_code == 403
    assert _retry(client, message.id).status_code == 403
    assert "E-mails" not in page_text(client.get("/admin/"))
    db.session.refresh(message)
    assert message.status == "failed" and _retries() == 0
