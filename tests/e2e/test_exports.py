"""The export page in a real browser: reached from the menu, accessible, and a CSV downloaded."""

import csv
import io
import re

from tests.e2e.test_start_pages import _sign_in


def test_a_coordinator_downloads_a_csv(page, assert_accessible, snap):
    _sign_in(page, "coordinator@cardiff-vale.example")
    page.get_by_role("link", name="Exports").click()
    assert page.locator("h1").inner_text() == "Export data"
    snap(page, "form")
    assert_accessible(page)

    page.get_by_label("Responses").check()
    page.get_by_label("Whose work").select_option(
        label="Cardiff and Vale Regional Safeguarding Board"
    )
    page.get_by_label("Framework").select_option(
        label="Child Protection Rapid Review: improvement themes"
    )
    page.get_by_label("Cycle").select_option(label="2026–27")
    page.get_by_label("CSV").check()
    with page.expect_download() as waiting:
        page.get_by_role("button", name="Download").click()
    download = waiting.value
    assert re.fullmatch(r"responses-rsb-cv-cprr-2023-2026-27\.csv", download.suggested_filename)
    body = open(download.path(), "rb").read()
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows and {r["Organisation"] for r in rows} == {
        "Cardiff and Vale Regional Safeguarding Board"
    }
    assert {r["Cycle"] for r in rows} == {"2026–27"}


def test_a_bad_choice_shows_an_accessible_error(page, assert_accessible):
    _sign_in(page, "coordinator@cardiff-vale.example")
    page.goto("/exports/download?dataset=passwords&scope=all&format=csv")
    assert "Choose what to export" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)
