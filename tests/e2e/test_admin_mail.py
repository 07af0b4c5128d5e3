"""The administration area's e-mail page in a real browser, on a server of its own (a retry
changes data other tests read): a failed and a waiting e-mail listed, axe finds nothing, and
the failed one is tried again with its button, with JavaScript off too."""

import pytest

from tests.e2e.conftest import demo_server
from tests.e2e.test_start_pages import _sign_in

OUTBOX = """
from tracker import create_app
from tracker.extensions import db
from tracker.models import OutboxMessage
from tracker.models.base import utcnow
app = create_app()
with app.app_context():
    db.session.add_all([
        OutboxMessage(recipient="gone@cardiff-vale.example", subject="Reset your password",
                      body="-", status="failed", attempts=8, failed_at=utcnow(),
                      last_error="SMTPRecipientsRefused: 550 5.1.1 No such mailbox"),
        OutboxMessage(recipient="lead@cvuhb.example", subject="A challenge to answer",
                      body="-", status="waiting", attempts=2,
                      last_error="SMTPServerDisconnected: Connection unexpectedly closed"),
    ])
    db.session.commit()
"""


@pytest.fixture(scope="module")
def mail_server(tmp_path_factory):
    with demo_server(tmp_path_factory.mktemp("e2e-mail"), python=OUTBOX) as base_url:
        yield base_url


def _open(browser, base_url, javascript: bool):
    context = browser.new_context(base_url=base_url, java_script_enabled=javascript)
    page = context.new_page()
    page.set_default_timeout(10_000)
    _sign_in(page, "admin@tracker.example")
    page.goto("/admin/")
    page.get_by_role("link", name="E-mails").click()
    assert page.locator("h1").inner_text() == "E-mails"
    return context, page


def test_the_mail_page_lists_and_retries_accessibly(browser, mail_server, assert_accessible):
    context, page = _open(browser, mail_server, javascript=True)
    try:
        assert "550 5.1.1 No such mailbox" in page.get_by_role("table").inner_text()
        assert_accessible(page)
        page.get_by_role("button", name="Try again – e-mail to gone@cardiff-vale.example").click()
        banner = page.locator(".govuk-notification-banner").inner_text()
        assert "The e-mail to gone@cardiff-vale.example will be sent again." in banner
        assert page.get_by_role("button", name="Try again").count() == 0
        assert_accessible(page)
    finally:
        context.close()
    # Without JavaScript the page is the same list (the retry is a plain form's POST).
    context, page = _open(browser, mail_server, javascript=False)
    try:
        assert "lead@cvuhb.example" in page.get_by_role("table").inner_text()
    finally:
        context.close()
