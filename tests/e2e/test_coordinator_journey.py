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
    assert "Assessment submitted" in page.locator(".govuk-panel--confirmation").inner_text()
    assert "What happens next" in page.locator("main").inner_text()


def test_item_page_is_accessible_and_saves_in_place(page, assert_accessible, snap):
    _sign_in(page, "lead@cvuhb.example")
    page.goto("/")
    page.get_by_role("link", name="Safeguarding Maturity Matrix").first.click()
    # In review: the health board reads but cannot change it.
    page.locator(".govuk-task-list__link").first.click()
    page.wait_for_url(re.compile(r"/items/"))
    assert page.locator("textarea").count() == 0
    assert_accessible(page)
    snap(page, "read-only-item")


def test_two_tabs_never_overwrite_each_other(browser, live_server, assert_accessible, snap):
    """Two tabs of one coordinator edit one answer: the second save shows both, loses neither."""
    context = browser.new_context(base_url=live_server)
    first, second = context.new_page(), context.new_page()
    _sign_in(first, "cydlynydd@gogledd-cymru.example")
    first.get_by_role("link", name=re.compile("Adolygiad Cyflym")).first.click()
    item_url = first.locator(".govuk-task-list__link").first.get_attribute("href")
    first.goto(item_url)
    second.goto(item_url)
    first.locator("textarea[name=narrative]").fill("Testun o'r tab cyntaf.")
    first.locator("button[name=save]").click()
    first.get_by_text(re.compile(r"\d\d:\d\d")).first.wait_for()
    second.locator("textarea[name=narrative]").fill("Testun o'r ail dab.")
    second.locator("button[name=save]").click()
    second.locator(".app-compare").first.wait_for()
    body = second.locator("main").inner_text()
    assert "Testun o'r tab cyntaf." in body and "Testun o'r ail dab." in body
    snap(second, "conflict")
    assert_accessible(second)
    second.locator("form button[name=save]").first.click()  # keep my version
    second.goto(item_url)
    assert second.locator("textarea[name=narrative]").input_value() == "Testun o'r ail dab."
    context.close()
