"""Issue 17.13 (review part) in a real browser, on a server of its own (concluding changes the
demo data other tests read): each validation and the conclusion ask first, on a page that says
it cannot be undone; with JavaScript on and with it off."""

import re

import pytest

from tests.e2e.conftest import demo_server
from tests.e2e.test_start_pages import _sign_in

REVIEWER = "reviewer@north-wales.example"


@pytest.fixture(scope="module")
def own_server(tmp_path_factory):
    with demo_server(tmp_path_factory.mktemp("e2e-confirm")) as base_url:
        yield base_url


def _open(browser, base_url, javascript: bool):
    context = browser.new_context(
        base_url=base_url, viewport={"width": 1280, "height": 900}, java_script_enabled=javascript
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    return context, page


def _review_page(page):
    page.goto("/review/")
    page.get_by_role("row").filter(has_text="Cardiff and Vale University Health Board").get_by_role(
        "link"
    ).first.click()
    page.get_by_role("heading", name=re.compile("^Review:")).wait_for()
    return page.url


def _validate(page, review_url, key, assert_accessible=None, snap=None):
    page.goto(review_url)
    page.get_by_role("link", name=re.compile(rf"^{key} ·")).click()
    page.get_by_role("button", name="Validate the score").click()  # a link styled as a button
    page.get_by_role("heading", name=f"Validate the score for {key}?").wait_for()
    assert "This cannot be undone." in page.locator("main").inner_text()
    if assert_accessible:
        snap(page, "confirm-validate")
        assert_accessible(page)
    page.get_by_role("button", name="Yes, validate the score").click()
    page.wait_for_url(review_url)
    assert (
        f"The score for {key} is validated."
        in page.locator(".govuk-notification-banner").inner_text()
    )


def test_validate_and_conclude_ask_first(browser, own_server, assert_accessible, snap):
    context, page = _open(browser, own_server, javascript=True)
    _sign_in(page, REVIEWER)
    review_url = _review_page(page)

    # The answered challenge on TRN1 is accepted first: that validates its score.
    page.get_by_role("link", name=re.compile(r"^TRN1 ·")).click()
    page.get_by_role("link", name="Open this challenge").click()
    page.get_by_label("Score accepted: the organisation's score stands").check()
    page.get_by_role("button", name="Resolve", exact=True).click()
    page.wait_for_url(re.compile(r"/review/challenges/\d+$"))

    # Looking at the question does nothing: Cancel goes back, the score still unvalidated.
    page.goto(review_url)
    waiting = [
        re.match(r"(\S+) ·", text).group(1)
        for text in page.locator("tr", has_text="Not yet validated")
        .locator("td:first-child a")
        .all_inner_texts()
    ]
    assert waiting, "the demo review has scores still to validate"
    page.get_by_role("link", name=re.compile(rf"^{waiting[0]} ·")).click()
    page.get_by_role("button", name="Validate the score").click()
    page.get_by_role("link", name="Cancel").click()
    page.get_by_role("heading", name=re.compile(rf"^{waiting[0]} ·")).wait_for()
    assert "Not yet validated" in page.locator("main").inner_text()

    _validate(page, review_url, waiting[0], assert_accessible, snap)
    half = len(waiting) // 2 + 1
    for key in waiting[1:half]:
        _validate(page, review_url, key)

    # The rest with JavaScript off: the same pages, the same plain forms.
    plain_context, plain = _open(browser, own_server, javascript=False)
    _sign_in(plain, REVIEWER)
    for key in waiting[half:]:
        _validate(plain, review_url, key)
    plain_context.close()

    page.goto(review_url)
    page.get_by_role("button", name="Conclude the review").click()
    page.get_by_role("heading", name="Conclude the review?").wait_for()
    text = page.locator("main").inner_text()
    assert "This cannot be undone." in text and "the validated scores become final" in text
    snap(page, "confirm-conclude")
    assert_accessible(page)
    page.get_by_role("button", name="Yes, conclude the review").click()
    page.wait_for_url(review_url)
    assert "The review is concluded" in page.locator(".govuk-notification-banner").inner_text()
    assert "Concluded" in page.locator("main").inner_text()
    context.close()
