"""At 390 px (a phone) no page scrolls sideways (issue #17 point 14): wide tables scroll
inside their own region, which a keyboard can reach and a screen reader names, and nothing
else is wider than the screen.

Each role's pages are found as a person finds them: from the start page, following every link
to a page of the tracker (one page of each kind, in English and in Welsh). A page added later
is measured as soon as something links to it."""

import re
from urllib.parse import urljoin, urlsplit

import pytest

from tests.e2e.test_start_pages import PASSWORD

PHONE = {"width": 390, "height": 844}
PEOPLE = [
    "coordinator@cardiff-vale.example",
    "lead@cvuhb.example",  # a health board's coordinator: other frameworks, other pages
    "contributor@cardiff.example",
    "reviewer@north-wales.example",
    "inspector@ciw.example",
    "admin@tracker.example",
]
# Pages not linked from anywhere a person starts, but visited by the journeys.
ALSO = {"admin@tracker.example": ["/admin/people/invite", "/admin/cycles/new"]}
# Not pages: downloads, images, the API; sign-out and language links change the session.
NOT_PAGES = re.compile(r"^/(static|api)/|\.(pdf|png|csv|xlsx|json)$|/download|/export/|^/logout")
PER_KIND = 1  # pages of one kind (the same path but for its numbers) to measure: one, as the
# layout is the template's; long names and texts are in the demo data every kind shows

# Every table sits in a scroll region; every scroll region is focusable and named.
TABLES = """() => {
  const loose = [...document.querySelectorAll("table")].filter(
    (t) => !t.closest(".app-table-scroll"));
  const unnamed = [...document.querySelectorAll(".app-table-scroll")].filter((r) =>
    r.tabIndex !== 0 || r.getAttribute("role") !== "region" ||
    !(r.getAttribute("aria-label") || (r.getAttribute("aria-labelledby") &&
      document.getElementById(r.getAttribute("aria-labelledby"))?.textContent.trim())));
  return {loose: loose.length, unnamed: unnamed.length};
}"""


def _links(page, base_url: str, here: str) -> list[str]:
    found = []
    for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"):
        url = urlsplit(urljoin(base_url + here, href))
        if url.netloc != urlsplit(base_url).netloc or "lang=" in url.query:
            continue
        path = url.path + (f"?{url.query}" if url.query else "")
        if not NOT_PAGES.search(url.path):
            found.append(path)
    return found


def _kind(path: str) -> str:
    return re.sub(r"\d+", "N", urlsplit(path).path)


@pytest.mark.parametrize("lang", ["en", "cy"])
@pytest.mark.parametrize("email", PEOPLE)
def test_no_page_scrolls_sideways_on_a_phone(browser, live_server, email, lang):
    context = browser.new_context(base_url=live_server, viewport=PHONE)
    page = context.new_page()
    page.goto(f"/login?lang={lang}")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: "/login" not in url)
    queue, seen, kinds = ["/", *ALSO.get(email, [])], set(), {}
    wide, loose, unnamed = {}, [], []
    while queue:
        path = queue.pop(0)
        if path in seen or kinds.get(_kind(path), 0) >= PER_KIND:
            continue
        seen.add(path)
        response = page.goto(path)
        if not response or "text/html" not in response.headers.get("content-type", ""):
            continue
        kinds[_kind(path)] = kinds.get(_kind(path), 0) + 1
        if page.locator("html.govuk-template").count():  # not a statement's own document
            assert page.evaluate("document.documentElement.lang") == lang, path
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            wide[path] = width
        tables = page.evaluate(TABLES)
        if tables["loose"]:
            loose.append(path)
        if tables["unnamed"]:
            unnamed.append(path)
        queue.extend(p for p in _links(page, live_server, path) if p not in seen)
    context.close()
    assert len(seen) > 10, f"too few pages found: {sorted(seen)}"
    assert not wide, f"pages wider than the screen: {wide}"
    assert not loose, f"tables outside a scroll region: {loose}"
    assert not unnamed, f"scroll regions not focusable or not named: {unnamed}"
