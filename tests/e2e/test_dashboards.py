"""The inspector's dashboards in a real browser: national tracker, an organisation, the charts."""

from tests.e2e.test_start_pages import _sign_in


def _charts_loaded(page) -> None:
    """Every chart image on the page arrived and decoded (a broken image has no natural width)."""
    images = page.locator("img.app-chart__image")
    assert images.count() > 0
    for n in range(images.count()):
        image = images.nth(n)
        image.scroll_into_view_if_needed()
        page.wait_for_function("img => img.complete", arg=image.element_handle())
        assert image.evaluate("img => img.naturalWidth") > 300
        assert image.get_attribute("alt")


def test_inspector_reads_the_national_tracker_and_an_organisation(page, assert_accessible, snap):
    _sign_in(page, "inspector@ciw.example")
    page.get_by_role("link", name="Dashboards").click()
    page.wait_for_url("**/dashboards/")
    assert page.locator("h1").inner_text() == "National tracker"
    grid = page.locator("table.app-grid")
    assert "Gwent" in grid.inner_text()
    _charts_loaded(page)
    snap(page, "national")
    assert_accessible(page)

    # The earlier cycle holds concluded, validated work.
    page.get_by_label("Cycle").select_option(label="2025–26")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**cycle=*")
    assert "Cardiff and Vale" in page.locator("table.app-grid").inner_text()
    page.locator("table.app-grid th a").first.click()
    page.wait_for_url("**/dashboards/organisations/**")
    assert page.get_by_role("heading", name="Open work").is_visible()
    assert page.get_by_role("heading", name="Status by section").is_visible()
    _charts_loaded(page)
    snap(page, "organisation")
    assert_accessible(page)

    page.get_by_role("link", name="Calibration").click()
    page.wait_for_url("**/dashboards/calibration")
    assert_accessible(page)
    page.get_by_role("link", name="Trends").click()
    page.wait_for_url("**/dashboards/trends")
    _charts_loaded(page)
    snap(page, "trends")
    assert_accessible(page)


def test_national_tracker_in_welsh(page, assert_accessible, snap):
    _sign_in(page, "inspector@ciw.example")
    page.goto("/dashboards/?lang=cy")
    assert page.locator("html").get_attribute("lang") == "cy"
    _charts_loaded(page)
    snap(page, "cy")
    assert_accessible(page)
    page.goto("/dashboards/?lang=en")  # the account's language back as it was


def test_coordinator_prints_and_downloads_the_improvement_plan(page, assert_accessible):
    """#17 point 19: from the organisation's dashboard to its plan, overdue first; the print
    button appears with JavaScript, and printing shows the plan alone; the PDF downloads."""
    _sign_in(page, "coordinator@cardiff-vale.example")
    assert_accessible(page)
    page.get_by_role("link", name="Dashboards").click()
    page.wait_for_url("**/dashboards/")
    assert_accessible(page)
    page.get_by_role("link", name="Your organisation").click()
    page.wait_for_url("**/dashboards/organisations/**")
    assert_accessible(page)
    page.get_by_role("link", name="Improvement plan, 2026–27").click()
    page.get_by_role("heading", name="Improvement plan, 2026–27").wait_for()
    assert_accessible(page)
    page.get_by_role("link", name="Improvement plan, 2025–26").click()
    page.get_by_role("heading", name="Improvement plan, 2025–26").wait_for()
    assert_accessible(page)
    first = page.locator("table.app-plan tbody tr").first
    assert "Overdue" in first.inner_text()
    assert page.get_by_role("button", name="Print this page").is_visible()
    page.emulate_media(media="print")
    assert not page.locator(".govuk-header").is_visible()
    assert not page.get_by_role("link", name="Download the plan as a PDF").is_visible()
    assert "Printed on" in page.locator("main").inner_text()
    page.emulate_media(media="screen")
    with page.expect_download() as info:
        page.get_by_role("link", name="Download the plan as a PDF").click()
    assert info.value.suggested_filename.startswith("improvement-plan-RSB-CV")
