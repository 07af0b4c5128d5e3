"""Issue #17 points 2 and 13 in a real browser: a coordinator starts this cycle's JICPA from
last cycle's answers (Gwent's, seeded for this test alone), sees every answer marked as carried
over, cannot submit until each is confirmed or changed, checks the answers, submits and reads
what happens next. axe checks every page it loads (`every_page_checked`). On a server of its
own: submitting puts a second Gwent assessment in the queue other journeys read."""

import re

import pytest

from tests.e2e.conftest import demo_server, seeded_name
from tests.e2e.test_journeys import _sign_in

pytestmark = pytest.mark.usefixtures("every_page_checked")
CARRIED = "Carried over — check it"


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    with demo_server(tmp_path_factory.mktemp("e2e-carried")) as base_url:
        yield base_url


def test_carried_over_answers_are_checked_before_submitting(page, assert_accessible, snap):
    framework = seeded_name("framework", "jicpa-2024", "en")
    _sign_in(page, "en", "coordinator@gwent.example", assert_accessible)
    assert_accessible(page)
    page.get_by_role("link", name=f"Start: {framework}").click()
    page.get_by_label("Start from last cycle's answers").wait_for()
    assert page.get_by_label("Start from last cycle's answers").is_checked()
    assert_accessible(page)
    page.get_by_role("button", name="Start the assessment").click()
    page.wait_for_url(re.compile(r"/assessments/\d+$"))
    task_list = page.url

    statuses = page.locator(".govuk-task-list__status")
    assert statuses.count() == 8
    assert statuses.all_inner_texts() == [CARRIED] * 8
    assert "You have completed 0 of 8 items." in page.locator("main").inner_text()
    snap(page, "task-list-carried")
    assert_accessible(page)

    # Nothing can be submitted yet: the check page says why, item by item.
    page.get_by_role("link", name="Check and submit").click()
    page.get_by_role("heading", name="Check your answers before you submit").wait_for()
    main = page.locator("main").inner_text()
    assert "8 items need attention before you can submit" in main
    assert main.count("carried over from last cycle: confirm or change it") == 8
    assert page.get_by_role("button", name="Submit the assessment").count() == 0
    assert page.locator(".govuk-summary-list__row").count() == 8
    snap(page, "check-carried")
    assert_accessible(page)

    hrefs = [
        page.locator(f"#row-K{n} .govuk-summary-list__actions a").get_attribute("href")
        for n in range(1, 9)
    ]
    for n, href in enumerate(hrefs):
        page.goto(href)
        assert CARRIED in page.locator("#carried-over").inner_text()
        if n == 0:
            snap(page, "item-carried")
        assert_accessible(page)
        if n < 7:
            page.get_by_role("button", name="This is still right").click()
            page.wait_for_url(re.compile(r"/items/K\d$"))
            assert "still right" in page.locator(".govuk-notification-banner").inner_text()
            assert page.locator("#carried-over").inner_text().strip() == ""
        else:  # change the last one instead: the save (htmx, in place) clears the mark
            page.locator("input[name=score][value='3']").check()
            page.get_by_role("button", name="Save", exact=True).click()
            page.locator("#save-status").get_by_text(re.compile(r"Saved at")).wait_for()
            page.wait_for_function(
                "() => document.querySelector('#carried-over').innerText.trim() === ''"
            )
        assert_accessible(page)

    page.goto(task_list)
    assert page.locator(".govuk-task-list__status").all_inner_texts() == ["Completed"] * 8
    assert_accessible(page)
    page.get_by_role("link", name="Check and submit").click()
    page.get_by_role("heading", name="Check your answers before you submit").wait_for()
    assert "Every item has a score and a narrative." in page.locator("main").inner_text()
    assert "3 · " in page.locator("#row-K8").inner_text()
    snap(page, "check-ready")
    assert_accessible(page)

    page.get_by_role("button", name="Submit the assessment").click()
    page.locator(".govuk-panel--confirmation").wait_for()
    assert "Assessment submitted" in page.locator(".govuk-panel__title").inner_text()
    main = page.locator("main").inner_text()
    assert "What happens next" in main and "The national team has been told" in main
    snap(page, "confirmation")
    assert_accessible(page)

    # Back to the check page: it says the assessment was submitted, by whom, with a link.
    page.go_back()
    assert_accessible(page)
    page.reload()
    page.get_by_role("heading", name="This assessment was submitted").wait_for()
    assert "Daniel Price submitted it on" in page.locator("main").inner_text()
    assert_accessible(page)
    page.get_by_role("link", name="See the assessment as submitted").click()
    page.wait_for_url(task_list)
    assert_accessible(page)
