"""Peer review in a real browser, on the demo data: the reviewer challenges a Cardiff and Vale
score, the coordinator answers with new evidence and a revised score, the reviewer moderates."""

import re
from datetime import timedelta

from tests.e2e.conftest import fill_date
from tests.e2e.test_start_pages import _sign_in
from tests.evidence import files
from tracker import clock


def _sign_out(page):
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/login"))


def _banner(page) -> str:
    return page.locator(".govuk-notification-banner").first.inner_text()


def test_challenge_answer_and_moderate(page, assert_accessible, snap):
    # The reviewer's queue, and the Cardiff and Vale review ordered by where challenge is needed.
    _sign_in(page, "reviewer@north-wales.example")
    page.get_by_role("link", name="Peer review").click()
    page.get_by_role("heading", name="Your peer reviews").wait_for()
    snap(page, "queue")
    assert_accessible(page)
    page.get_by_role("row").filter(has_text="Joint Inspections").get_by_role("link").click()
    page.get_by_role("heading", name=re.compile("^Review:")).wait_for()
    headings = page.locator("h2.app-priority-group").all_inner_texts()
    assert headings[0].startswith("Claims beyond evidence")
    snap(page, "review")
    assert_accessible(page)

    # A thread with three messages: raised, answered, resolved (from the demo data).
    page.get_by_role("link", name=re.compile(r"^K2 ·")).click()
    page.get_by_role("link", name="Open this challenge").click()
    page.wait_for_url(re.compile(r"/review/challenges/\d+$"))  # count on the new page, not the old
    page.locator(".app-thread__message").first.wait_for()
    assert page.locator(".app-thread__message").count() == 3
    snap(page, "thread-of-three")
    assert_accessible(page)

    # Challenge K5.
    page.go_back()
    page.go_back()
    page.get_by_role("link", name=re.compile(r"^K5 ·")).click()
    page.get_by_role("heading", name="Raise a challenge").wait_for()
    page.get_by_label("Your question").fill(
        "The July audit found risk analysis clear in 15 of 20. Is that enough for a 3?"
    )
    page.get_by_label("Score you would propose (optional)").select_option("2")
    page.get_by_label("Audit", exact=True).check()
    snap(page, "response")
    assert_accessible(page)
    page.get_by_role("button", name="Send the challenge").click()
    page.wait_for_url(re.compile(r"/review/challenges/\d+$"))
    challenge_url = page.url
    assert "Your challenge is sent" in _banner(page)
    _sign_out(page)

    # The coordinator answers from the start page, with new evidence and a revised score.
    _sign_in(page, "coordinator@cardiff-vale.example")
    page.get_by_role("heading", name="Challenges to answer").wait_for()
    assert page.locator(".app-count").inner_text() != ""
    page.get_by_role("link", name=re.compile(r"^K5 ·")).click()
    page.get_by_role("heading", name="Answer the challenge").wait_for()
    # Issue 17.1: what is typed and chosen before leaving for the upload is there on return.
    answer = "The October re-audit found 17 of 20 clear. We accept a 2 until it is sustained."
    page.get_by_label("Your answer").fill(answer)
    library = page.locator("#answer input[name=evidence]")
    ticked = library.first.get_attribute("value") if library.count() else None
    if ticked:
        library.first.check()
    page.get_by_label("Revised score (optional)").select_option("2")
    page.get_by_role("button", name="Upload new evidence for this answer").click()
    page.get_by_role("heading", name="Add evidence").wait_for()
    page.set_input_files(
        "input[type=file]",
        files={
            "name": "risk-analysis-audit-october.pdf",
            "mimeType": "application/pdf",
            "buffer": files.pdf("Risk analysis audit, October 2026: 17 of 20 clear"),
        },
    )
    page.get_by_label("Title").fill("Risk analysis re-audit, October 2026")
    page.get_by_label("Audit", exact=True).check()
    page.get_by_role("button", name="Add evidence").click()
    page.wait_for_url(re.compile(r"/review/challenges/\d+\?add=\d+"))
    assert page.get_by_label("Risk analysis re-audit, October 2026", exact=False).is_checked()
    assert page.get_by_label("Your answer").input_value() == answer
    assert page.get_by_label("Revised score (optional)").input_value() == "2"
    if ticked:
        assert page.locator(f"#answer input[name=evidence][value='{ticked}']").is_checked()
    snap(page, "answer")
    assert_accessible(page)
    page.get_by_role("button", name="Send the answer").click()
    page.wait_for_url(challenge_url)
    assert "Your answer is sent" in _banner(page)
    _sign_out(page)

    # The reviewer moderates; the validated score then shows on the organisation's pages.
    _sign_in(page, "reviewer@north-wales.example")
    page.goto(challenge_url)
    page.get_by_label("Score moderated: set a different validated score").check()
    page.get_by_label("Validated score (if moderated)").select_option("1")
    page.get_by_label("Rationale (needed if moderated)").fill(
        "The improvement is recent: one audit is not yet sustained practice."
    )
    page.get_by_role("button", name="Resolve", exact=True).click()
    page.wait_for_url(challenge_url)
    assert page.locator(".app-thread__message").count() == 3
    snap(page, "moderated")
    assert_accessible(page)
    _sign_out(page)

    _sign_in(page, "coordinator@cardiff-vale.example")
    page.goto("/notifications/")
    assert "is resolved: the score is moderated" in page.locator("main").inner_text()
    snap(page, "notifications")
    assert_accessible(page)
    page.goto(challenge_url)
    page.get_by_role("link", name="Back to your start page").wait_for()
    task_list = challenge_url  # reach the task list through the start page
    page.goto("/")
    page.get_by_role("link", name=re.compile("Joint Inspections")).first.click()
    assert "Validated: 1" in page.locator("main").inner_text(), task_list
    page.get_by_role("link", name=re.compile(r"^K5 ·")).click()
    page.get_by_text("Validated score after peer review").wait_for()
    snap(page, "item-validated")
    assert_accessible(page)


def test_inspector_assigns_a_reviewer(page, assert_accessible, snap):
    _sign_in(page, "inspector@ciw.example")
    page.get_by_role("link", name="Peer review").click()
    page.get_by_role("heading", name="Waiting for a reviewer").wait_for()
    snap(page, "oversight")
    assert_accessible(page)
    page.get_by_role("link", name=re.compile("Assign a reviewer to Gwent")).click()
    page.get_by_role("heading", name="Assign a peer reviewer").wait_for()
    page.get_by_role("button", name="Assign").click()  # nobody chosen yet
    assert "Choose a peer reviewer" in page.locator(".govuk-error-summary").inner_text()
    snap(page, "assign-error")
    assert_accessible(page)
    page.get_by_label("Peer reviewer").select_option(
        label="Eleri Davies (Hywel Dda University Health Board)"
    )
    fill_date(page, "Review due by", clock.today() + timedelta(days=30))
    page.get_by_role("button", name="Assign").click()
    page.wait_for_url(re.compile(r"/review/assessments/\d+$"))
    assert "is assigned to review" in _banner(page)
    assert "In review" in page.locator("main").inner_text()


def test_account_page_makes_a_token(page, assert_accessible, snap):
    _sign_in(page, "coordinator@gwent.example")
    page.get_by_role("link", name="Daniel Price").click()
    page.get_by_role("heading", name="Your account").wait_for()
    page.get_by_label("Name of the token").fill("Gwent performance dashboard")
    page.get_by_role("button", name="Make a new token").click()
    page.get_by_role("heading", name="Your new token").wait_for()
    assert page.locator("code.app-token").inner_text().startswith("spt_")
    snap(page, "account")
    assert_accessible(page)
