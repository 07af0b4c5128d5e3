"""Each demo account signs in through a real browser and sees its start page; axe finds nothing."""

import re

import pytest
import yaml

from tracker.seeding import SEEDS

PASSWORD = yaml.safe_load((SEEDS / "demo.yaml").read_text())["password"]
ACCOUNTS = {
    "coordinator@cardiff-vale.example": "Your organisation's assessments",
    "coordinator@gwent.example": "Your organisation's assessments",
    "lead@cvuhb.example": "Your organisation's assessments",
    "contributor@cardiff.example": "Assessments you contribute to",
    "reviewer@north-wales.example": "Assessments assigned to you for peer review",
    "inspector@ciw.example": "Submitted assessments across Wales",
    "admin@tracker.example": "Submitted assessments",
}


def _sign_in(page, email, password=PASSWORD):
    page.goto("/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    if password == PASSWORD:  # wait until the start page has replaced the sign-in page
        page.wait_for_url(lambda url: "/login" not in url)


def test_sign_in_page_is_accessible(page, assert_accessible):
    page.goto("/login")
    assert page.locator("html").get_attribute("lang") == "en"
    assert_accessible(page)


def test_wrong_password_shows_an_error_summary(page, assert_accessible):
    _sign_in(page, "coordinator@gwent.example", "not-the-password")
    summary = page.locator(".govuk-error-summary")
    assert "The email address or password is not right." in summary.inner_text()
    assert_accessible(page)


@pytest.mark.parametrize("email", ACCOUNTS)
def test_demo_account_reaches_its_start_page(page, assert_accessible, snap, email):
    _sign_in(page, email)
    assert page.locator("h1").inner_text() == ACCOUNTS[email]
    snap(page, "start")
    assert_accessible(page)
    page.get_by_role("button", name="Sign out").click()
    assert re.search(r"/login$", page.url)


def test_start_page_in_welsh(page, assert_accessible, snap):
    _sign_in(page, "cydlynydd@gogledd-cymru.example")
    assert page.locator("html").get_attribute("lang") == "cy"
    assert page.locator("h1").inner_text() == "Asesiadau eich sefydliad"
    assert page.get_by_role("button", name="Allgofnodi").is_visible()
    snap(page, "cy")
    assert_accessible(page)
    page.get_by_role("link", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"


def test_accessibility_statement_and_frameworks_are_accessible(page, assert_accessible):
    page.goto("/accessibility")
    assert_accessible(page)
    _sign_in(page, "inspector@ciw.example")
    page.get_by_role("link", name="Frameworks").click()
    assert_accessible(page)
    page.get_by_role("link", name=re.compile("Safeguarding Maturity Matrix")).click()
    assert_accessible(page)
