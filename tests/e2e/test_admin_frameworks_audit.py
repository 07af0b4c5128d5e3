"""The administration area's framework and audit pages in a real browser: axe finds nothing on
the list, an upload's problems, its preview, the audit log and its filter errors. Nothing is
imported or retired here, so the shared demo data stays as the other browser tests expect."""

import re
from datetime import date

from tests.e2e.conftest import fill_date
from tests.e2e.test_start_pages import _sign_in
from tracker.seeding import SEEDS


def test_framework_pages_are_accessible(page, assert_accessible, tmp_path):
    _sign_in(page, "admin@tracker.example")
    page.goto("/admin/frameworks")
    assert page.locator("h1").inner_text() == "Frameworks"
    assert_accessible(page)

    broken = tmp_path / "broken.yaml"
    broken.write_text("key: cprr-2023\nversion: [\n", encoding="utf-8")
    page.get_by_label("Framework file").set_input_files(str(broken))
    page.get_by_role("button", name="Upload and preview").click()
    summary = page.locator(".govuk-error-summary")
    assert "broken.yaml" in summary.inner_text() and "not valid YAML" in summary.inner_text()
    assert_accessible(page)

    text = (SEEDS / "frameworks" / "cprr-2023.yaml").read_text(encoding="utf-8")
    second = tmp_path / "cprr-2023-v2.yaml"
    second.write_text(re.sub(r"(?m)^version: 1$", "version: 2", text, count=1), encoding="utf-8")
    page.get_by_label("Framework file").set_input_files(str(second))
    page.get_by_role("button", name="Upload and preview").click()
    assert page.locator("h1").inner_text() == "Check the changes before importing"
    page.get_by_role("button", name="Import version 2").wait_for()  # the preview has loaded
    assert_accessible(page)


def test_audit_log_is_accessible(page, assert_accessible):
    _sign_in(page, "admin@tracker.example")
    page.goto("/admin/audit")
    assert page.locator("h1").inner_text() == "Audit log"
    assert page.locator("tr.app-audit-event").count() > 0
    assert_accessible(page)
    fill_date(page, "To", date(2020, 1, 1))
    fill_date(page, "From", date(2021, 1, 1))
    page.get_by_role("button", name="Filter").click()
    assert "must be the same as or after" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)
