"""An item with many evidence links in a real browser (issue #16 point 7, #17 point 11): the
links a page at a time behind GOV.UK pagination, and linking without choosing refused with the
note kept; both pass axe-core, in English and Welsh."""

import pytest

from tests.e2e.conftest import demo_server
from tests.e2e.test_start_pages import _sign_in

# Run with the server's database before it serves; it leaves the item's address beside it.
GROW = """
import os
from pathlib import Path
from sqlalchemy import select
from tracker import create_app, synthetic
from tracker.extensions import db
from tracker.models import Assessment, Organisation
app = create_app()
with app.app_context():
    board = db.session.scalar(select(Organisation).where(Organisation.code == "RSB-CV"))
    draft = db.session.scalar(
        select(Assessment).where(
            Assessment.organisation_id == board.id, Assessment.status == "draft"
        )
    )
    response = sorted(draft.responses, key=lambda r: r.item.position)[1]
    synthetic.large_records(response.id, links=120, library=300)
    item = f"/assessments/{draft.id}/items/{response.item.key}"
    (Path(os.environ["TRACKER_INSTANCE_DIR"]) / "large-item").write_text(item)
"""


@pytest.fixture(scope="module")
def large_server(tmp_path_factory):
    """The demo data with one of Cardiff and Vale's draft items holding 120 links."""
    instance = tmp_path_factory.mktemp("e2e-large")
    with demo_server(instance, python=GROW) as base_url:
        yield base_url, (instance / "large-item").read_text()


@pytest.mark.parametrize("lang", ["en", "cy"])
def test_links_in_pages_and_an_empty_choice_refused(
    browser, large_server, assert_accessible, snap, lang
):
    base_url, item = large_server
    context = browser.new_context(base_url=base_url, viewport={"width": 390, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        _sign_in(page, "coordinator@cardiff-vale.example")
        page.goto(f"{item}?lang={lang}")
        links = page.locator(".app-evidence-list > li")
        assert links.count() == 50
        pages = page.locator("nav.govuk-pagination")
        assert pages.locator(".govuk-pagination__item").count() == 3
        assert_accessible(page)
        pages.locator("a[rel=next]").click()
        page.wait_for_url(f"**{item}?*page=2#evidence")
        assert links.count() == 50
        pages.locator(".govuk-pagination__item a").last.click()
        page.wait_for_url(f"**{item}?*page=3#evidence")
        assert links.count() == 20
        assert_accessible(page)
        snap(page, f"last-page-{lang}")

        chooser = page.locator("#link-evidence")
        assert chooser.evaluate("el => el.selectedOptions[0].value") == ""
        page.locator("#link-note").fill("Shows the audit was done")
        page.locator(f"form[action*='{item}/evidence'] button[type=submit]").click()
        page.wait_for_load_state()
        summary = page.locator(".govuk-error-summary")
        refusal = {
            "en": "Choose the evidence to link",
            "cy": "Dewiswch y dystiolaeth i'w chysylltu",
        }
        assert refusal[lang] in summary.inner_text()
        assert page.locator("#link-note").input_value() == "Shows the audit was done"
        assert_accessible(page)
        snap(page, f"empty-choice-{lang}")
        summary.get_by_role("link").click()  # the summary's link takes the focus to the list
        assert page.evaluate("document.activeElement.id") == "link-evidence"
        # Nothing was linked: still 120.
        page.goto(f"{item}?lang={lang}")
        assert "120" in page.locator("nav.govuk-pagination + p").inner_text()
    finally:
        context.close()
