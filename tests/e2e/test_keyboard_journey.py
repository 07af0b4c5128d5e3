"""The coordinator's journey with the keyboard alone: no click, fill or check. Every element that
takes focus on the way shows it; an error summary takes focus and its links move focus to the
field; an htmx save is announced by a live region that was already on the page.

West Glamorgan's JICPA assessment was returned by CIW (demo data): the coordinator revises K3,
adds a web link as evidence, links it to K6 too, and submits again."""

import re

import pytest

from tests.e2e.test_start_pages import PASSWORD

pytestmark = pytest.mark.usefixtures("every_page_checked")
EMAIL = "coordinator@west-glamorgan.example"
EVIDENCE = "Front-door decisions, quarter 2 2026-27"

# What GOV.UK Frontend draws on focus, in the focus colour #ffdd00: an outline (fields, error
# summary), a background (links, buttons) or a box shadow (radios and checkboxes, on the label).
FOCUS_SHOWN = """el => {
  const yellow = "rgb(255, 221, 0)";
  const shows = (s) =>
    (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2 && s.outlineColor === yellow)
    || s.boxShadow.includes(yellow) || s.backgroundColor === yellow;
  if (!el || el === document.body) return "focus is on no element";
  const box = el.getBoundingClientRect();
  const labels = [...(el.labels || [])];
  if (!labels.length && !(box.width && box.height)) return "focus is on a hidden element";
  if (shows(getComputedStyle(el))) return "";
  for (const label of labels) {
    for (const part of [null, "::before", "::after"]) {
      if (shows(getComputedStyle(label, part))) return "";
    }
  }
  const s = getComputedStyle(el);
  return `no visible focus (outline ${s.outline}, box-shadow ${s.boxShadow}, background `
    + `${s.backgroundColor}) on ${el.outerHTML.slice(0, 160)}`;
}"""


def _assert_focus_visible(page):
    problem = page.evaluate(f"({FOCUS_SHOWN})(document.activeElement)")
    assert not problem, problem


def _is_focused(locator) -> bool:
    return locator.evaluate("el => el === document.activeElement")


# Where the next Tab starts from: the focused element, else the target of the URL's fragment
# (a redirect to #evidence starts there), else the top of the page.
_BEHIND = """target => {
  const start = document.activeElement !== document.body ? document.activeElement
    : location.hash && document.getElementById(decodeURIComponent(location.hash.slice(1)));
  return Boolean(start && start !== target
    && target.compareDocumentPosition(start) & Node.DOCUMENT_POSITION_FOLLOWING);
}"""


def _tab_to(page, target, key=None, limit=80):
    """Press Tab (Shift+Tab if the target is behind) until `target` has focus, checking that
    focus shows at each stop."""
    key = key or ("Shift+Tab" if target.evaluate(_BEHIND) else "Tab")
    for _ in range(limit):
        page.keyboard.press(key)
        _assert_focus_visible(page)
        if _is_focused(target):
            return
    raise AssertionError(f"{key} never reached {target}")


def _activate(page, target, wait_for_url=None):
    """Tab to a link or button and press Enter; wait for the page it opens, if it opens one."""
    _tab_to(page, target)
    if wait_for_url is None:
        page.keyboard.press("Enter")
        return
    with page.expect_navigation(url=wait_for_url):
        page.keyboard.press("Enter")


def _replace_text(page, field, text):
    _tab_to(page, field)
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type(text)
    assert field.input_value() == text


def test_coordinator_journey_with_the_keyboard_alone(page, assert_accessible, snap):
    page.goto("/login")
    assert_accessible(page)
    _tab_to(page, page.get_by_label("Email address"))
    page.keyboard.type(EMAIL)
    _tab_to(page, page.get_by_label("Password"))
    page.keyboard.type(PASSWORD)
    with page.expect_navigation(url=lambda url: "/login" not in url):
        page.keyboard.press("Enter")
    assert_accessible(page)

    # Open the returned assessment, then K3.
    _activate(
        page,
        page.get_by_role("link", name=re.compile("^Joint Inspections")),
        re.compile(r"/assessments/\d+$"),
    )
    task_list = page.url
    assert_accessible(page)
    _activate(page, page.get_by_role("link", name=re.compile(r"^K3 ·")), re.compile("/items/K3$"))
    assert_accessible(page)

    # Score with the arrow keys: Tab lands on the chosen level (3), Up arrow chooses 2.
    _tab_to(page, page.locator("input[name=score]:checked"))
    assert page.evaluate("document.activeElement.value") == "3"
    page.keyboard.press("ArrowUp")
    _assert_focus_visible(page)
    assert page.locator("input[name=score][value='2']").is_checked()
    _replace_text(
        page,
        page.get_by_label("What you have done and what it shows (Markdown)"),
        "Swansea's front door co-locates social workers, police and health visitors; "
        "Neath Port Talbot joins in January 2027.",
    )
    _replace_text(
        page,
        page.get_by_label("How you will measure impact"),
        "Median hours from contact to decision, monthly, from a baseline of 31 in October 2026.",
    )

    # Save through htmx: the status region already on the page announces it, and focus stays
    # on the Save button rather than falling back to the page.
    status = page.locator("#save-status")
    assert status.get_attribute("role") == "status" or status.get_attribute("aria-live")
    status.evaluate("el => { window.__e2eStatus = el; }")
    _tab_to(page, page.get_by_role("button", name="Save", exact=True))
    page.keyboard.press("Enter")
    status.get_by_text(re.compile(r"Saved at \d\d:\d\d")).wait_for()
    assert status.evaluate("el => el === window.__e2eStatus"), "the live region was replaced"
    page.wait_for_function("() => document.activeElement?.id === 'save-button'")
    _assert_focus_visible(page)
    snap(page, "saved")
    assert_accessible(page)

    # Add evidence: a failed submit first. The error summary takes focus; its link moves focus
    # to the field.
    _activate(
        page,
        page.get_by_role("button", name="Upload new evidence and link it to this item"),
        re.compile(r"/evidence/new"),
    )
    assert_accessible(page)
    _activate(page, page.get_by_role("button", name="Add evidence"), re.compile(r"/evidence/new"))
    summary = page.locator(".govuk-error-summary")
    summary.wait_for()
    page.wait_for_function("() => document.activeElement?.matches('.govuk-error-summary')")
    _assert_focus_visible(page)
    snap(page, "error-summary")
    assert_accessible(page)
    page.keyboard.press("Tab")
    _assert_focus_visible(page)
    first_error = summary.locator("a").first
    assert _is_focused(first_error)
    field_id = first_error.get_attribute("href").split("#", 1)[1]
    page.keyboard.press("Enter")
    page.wait_for_function("id => document.activeElement?.id === id", arg=field_id)
    _assert_focus_visible(page)

    # Fill the form: a web link (arrow keys in the radios), its title, its kind.
    _tab_to(page, page.locator("input[name=source]:checked"))
    page.keyboard.press("ArrowDown")
    assert page.get_by_label("A link to a web page").is_checked()
    _tab_to(page, page.get_by_label("Web address"))
    page.keyboard.type("https://example.org/west-glamorgan/front-door-q2")
    _tab_to(page, page.get_by_label("Title", exact=True))
    page.keyboard.type(EVIDENCE)
    _tab_to(page, page.locator("input[name=kind]").first)
    page.keyboard.press("Space")
    assert page.get_by_label("Document", exact=True).is_checked()
    page.keyboard.press("ArrowDown")
    _assert_focus_visible(page)
    assert page.get_by_label("Data", exact=True).is_checked()
    _activate(page, page.get_by_role("button", name="Add evidence"), re.compile("/items/K3"))
    assert "The evidence is added." in page.locator(".govuk-notification-banner").inner_text()
    assert_accessible(page)

    # Link it to K6 from the library, choosing it in the select with the arrow keys.
    _activate(page, page.get_by_role("link", name="Back to the task list"), task_list)
    assert_accessible(page)
    _activate(page, page.get_by_role("link", name=re.compile(r"^K6 ·")), re.compile("/items/K6$"))
    assert_accessible(page)
    library = page.get_by_label("Evidence from your library")
    _tab_to(page, library)
    for _ in range(library.locator("option").count()):
        if library.evaluate("el => el.selectedOptions[0].text").startswith(EVIDENCE):
            break
        page.keyboard.press("ArrowDown")
    assert library.evaluate("el => el.selectedOptions[0].text") == f"{EVIDENCE} (Data)"
    _activate(page, page.get_by_role("button", name="Link evidence"), re.compile("/items/K6"))
    banner = page.locator(".govuk-notification-banner")
    assert "The evidence is linked to K6." in banner.inner_text()
    assert_accessible(page)

    # Submit again.
    _activate(page, page.get_by_role("link", name="Back to the task list"), task_list)
    assert_accessible(page)
    _activate(page, page.get_by_role("link", name="Check and submit"), re.compile("/submit$"))
    assert "Every item has a score and a narrative." in page.locator("main").inner_text()
    assert_accessible(page)
    _activate(page, page.get_by_role("button", name="Submit the assessment"), task_list)
    assert "The assessment is submitted" in page.locator(".govuk-notification-banner").inner_text()
    assert "Submitted" in page.locator("main").inner_text()
    snap(page, "submitted")
    assert_accessible(page)
