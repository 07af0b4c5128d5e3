"""Evidence in a real browser: upload a PDF, link it to three items, withdraw it."""

import re

from tests.e2e.test_start_pages import _sign_in
from tests.evidence import files


def test_upload_link_and_withdraw_a_pdf(page, assert_accessible, snap):
    _sign_in(page, "cydlynydd@gogledd-cymru.example")
    page.goto("/?lang=en")
    try:
        _journey(page, assert_accessible, snap)
    finally:
        page.goto("/?lang=cy")  # give the account back its own language for the other tests


def _journey(page, assert_accessible, snap):
    page.get_by_role("link", name="Child Protection Rapid Review: improvement themes").click()
    items = [page.locator(".govuk-task-list__link").nth(i).get_attribute("href") for i in range(3)]

    page.goto(items[0])
    # Issue 17.1: an answer typed but not saved is kept while the upload is made (htmx on).
    typed = "Typed before the upload: the threshold audit will show consistent decisions."
    page.get_by_label("What you have done and what it shows (Markdown)").fill(typed)
    page.get_by_role("button", name="Upload new evidence and link it to this item").click()
    page.get_by_role("heading", name="Add evidence").wait_for()
    assert_accessible(page)
    page.set_input_files(
        "input[type=file]",
        files={
            "name": "threshold-audit.pdf",
            "mimeType": "application/pdf",
            "buffer": files.pdf("Threshold audit: 40 cases reviewed"),
        },
    )
    page.get_by_label("Title").fill("Threshold audit, autumn 2026")
    page.get_by_label("Audit", exact=True).check()
    page.get_by_label("What does it show for this item? (optional)").fill("40 cases reviewed")
    snap(page, "add-evidence")
    page.get_by_role("button", name="Add evidence").click()
    assert "The evidence is added." in page.locator(".govuk-notification-banner").inner_text()
    assert "Single source" in page.locator("#evidence ~ p").first.inner_text()
    assert (
        page.get_by_label("What you have done and what it shows (Markdown)").input_value() == typed
    )
    assert "Your unsaved answer is restored" in page.locator("main").inner_text()
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_text("Saved at").wait_for()

    answer = page.get_by_label("What you have done and what it shows (Markdown)")
    for number, url in enumerate(items[1:]):
        page.goto(url)
        if number == 0:  # and while another of the page's forms reloads it (Link evidence)
            typed = "Typed before linking: the audit covers every partner's decisions."
            answer.fill(typed)
        page.get_by_label("Evidence from your library").select_option(
            label="Threshold audit, autumn 2026 (Audit)"
        )
        page.get_by_role("button", name="Link evidence").click()
        assert "is linked" in page.locator(".govuk-notification-banner").inner_text()
        if number == 0:
            assert answer.input_value() == typed
            assert "Your unsaved answer is restored" in page.locator("main").inner_text()
            page.get_by_role("button", name="Save", exact=True).click()
            page.get_by_text("Saved at").wait_for()
    snap(page, "item-with-evidence")
    assert_accessible(page)

    page.get_by_role("link", name="Threshold audit, autumn 2026").click()
    page.get_by_role("heading", name="Where it is used").wait_for()
    assert page.locator("main li").count() >= 3  # where it is used
    snap(page, "evidence")
    assert_accessible(page)
    page.get_by_role("link", name="Withdraw this evidence").click()
    page.get_by_label("Why are you withdrawing it?").fill("Replaced by the full-year audit")
    page.get_by_role("button", name="Withdraw the evidence").click()
    page.wait_for_url(re.compile(r"/evidence/\d+$"))
    assert "withdrawn" in page.locator(".govuk-notification-banner").inner_text()
    page.goto(items[0])
    assert "No evidence" in page.locator("#evidence ~ p").first.inner_text()

    page.get_by_role("link", name="Evidence library").click()
    page.get_by_label("Include withdrawn evidence").check()
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**withdrawn=1**")
    snap(page, "library")
    assert_accessible(page)
