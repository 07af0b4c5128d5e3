"""The organisations and cycles pages of the administration area in a real browser, with axe
on every page loaded, refusals included. Nothing is saved: the live server is shared."""

from datetime import date

import pytest

from tests.e2e.conftest import fill_date
from tests.e2e.test_start_pages import PASSWORD

pytestmark = pytest.mark.usefixtures("every_page_checked")


def _sign_in(page, email, assert_accessible):
    page.goto("/login")
    assert_accessible(page)
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/login" not in url)


def test_organisations_pages(page, assert_accessible):
    _sign_in(page, "admin@tracker.example", assert_accessible)
    assert_accessible(page)
    page.goto("/admin/")
    assert_accessible(page)
    page.get_by_role("link", name="Organisations", exact=True).first.click()
    assert page.locator("h1").inner_text() == "Organisations"
    assert_accessible(page)
    page.get_by_label("Kind").select_option("rsb")
    page.get_by_role("button", name="Apply filters").click()
    assert "kind=rsb" in page.url
    assert_accessible(page)
    page.locator("table a").first.click()
    assert page.locator("h1").inner_text().startswith("Edit ")
    assert_accessible(page)
    page.goto("/admin/organisations/new")
    assert_accessible(page)
    page.get_by_label("Code").fill("la test")
    page.get_by_role("button", name="Add organisation").click()
    summary = page.locator(".govuk-error-summary")
    assert "Enter a code of 2 to 40 capital letters" in summary.inner_text()
    assert page.get_by_label("Code").input_value() == "la test"
    assert_accessible(page)


def test_cycles_pages(page, assert_accessible):
    _sign_in(page, "admin@tracker.example", assert_accessible)
    assert_accessible(page)
    page.goto("/admin/cycles")
    assert page.locator("h1").inner_text() == "Cycles"
    assert "Current" in page.locator("table").inner_text()
    assert_accessible(page)
    page.locator("table a").first.click()
    page.get_by_role("button", name="Close cycle").wait_for()  # waits for the page the click opens
    assert_accessible(page)
    page.goto("/admin/cycles/new")
    assert_accessible(page)
    fill_date(page, "Closes on", date(2001, 1, 1))  # before it is due
    page.get_by_role("button", name="Open cycle").click()
    summary = page.locator(".govuk-error-summary")
    assert "The cycle must close on or after its due date." in summary.inner_text()
    assert_accessible(page)
