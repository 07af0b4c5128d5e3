"""The coordinator's journey in a real browser: finish the draft item by item, then submit."""

import re

from tests.e2e.test_start_pages import _sign_in


def test_coordinator_completes_and_submits_the_cprr_draft(page, assert_accessible, snap):
    _sign_in(page, "coordinator@cardiff-vale.example")
    page.get_by_role("link", name="Child Protection Rapid Review: improvement themes").first.click()
    assert page.locator("h1").inner_text() == "Child Protection Rapid Review: improvement themes"
    snap(page, "task-list")
    assert_accessible(page)

    page.get_by_role("link", name="Check and submit").click()
    snap(page, "submit-missing")
    assert_accessible(page)
    missing = page.locator("main ul.govuk-list--bullet li").count()
    assert missing > 0

    first = True
    while page.locator("main ul.govuk-list--bullet li").count():
        page.locator("main ul.govuk-list--bullet li a").first.click()
        if first:  # show the error state once: a narrative far too long
            page.get_by_label("What you have done and what it shows (Markdown)").fill("x" * 10_001)
            page.get_by_role("button", name="Save", exact=True).click()
            page.locator(".govuk-error-summary").wait_for()
            snap(page, "item-error")
            assert_accessible(page)
            first = False
        page.locator("input[name=score][value='2']").check()
        page.get_by_label("What you have done and what it shows (Markdown)").fill(
            "A partnership plan is agreed and **the first audit** is booked."
        )
        page.get_by_label("How you will measure impact").fill("Re-audit in six months.")
        page.get_by_role("button", name="Save", exact=True).click()
        page.get_by_text(re.compile(r"Saved at \d\d:\d\d|is saved")).first.wait_for()
        page.goto(page.url.split("/items/")[0] + "/submit")

    assert "Every item has a score and a narrative." in page.locator("main").inner_text()
    snap(page, "submit-ready")
    assert_accessible(page)
    page.get_by_role("button", name="Submit the assessment").click()
    assert "The assessment is submitted" in page.locator(".govuk-notification-banner").inner_text()
    assert "Submitted" in page.locator("main").inner_text()


def test_item_page_is_accessible_and_saves_in_place(page, assert_accessible, snap):
    _sign_in(page, "lead@cvuhb.example")
    page.goto("/")
    page.get_by_role("link", name="Safeguarding Maturity Matrix").first.click()
    # In review: the health board reads but cannot change it.
    page.locator(".govuk-task-list__link").first.click()
    assert page.locator("textarea").count() == 0
    assert_accessible(page)
    snap(page, "read-only-item")
