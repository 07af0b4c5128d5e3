"""The three journeys of DESIGN §7 in a real browser, once in English and once in Welsh: the same
steps, with each language's accounts and data (no other test uses them) and the labels read from
the app's own catalogue. axe checks every page each journey loads (`every_page_checked`)."""

import io
import re
from dataclasses import dataclass

import pytest
from pypdf import PdfReader

from tests.e2e.conftest import gettext_in, seeded_name
from tests.e2e.test_start_pages import PASSWORD
from tests.evidence import files

pytestmark = pytest.mark.usefixtures("every_page_checked")
LANGUAGES = ["en", "cy"]
CYCLE = "2026–27"


@dataclass(frozen=True)
class Cast:
    coordinator: str  # starts this cycle's JICPA assessment for an RSB that has none
    reviewer: str  # reviews `reviewed`'s SMM: challenges one item, moderates an answered one
    reviewed: str
    challenge_item: str
    moderate_item: str
    inspector: str  # builds an organisation statement for `reviewed` in this language alone
    statement_text: str


CASTS = {
    "en": Cast(
        coordinator="coordinator@cwm-taf-morgannwg.example",
        reviewer="reviewer@north-wales.example",
        reviewed="HB-CAV",
        challenge_item="VOI1",
        moderate_item="TRN1",
        inspector="inspector@ciw.example",
        statement_text="Training has reached the target in two directorates of three.",
    ),
    "cy": Cast(
        coordinator="cydlynydd@cysur.example",
        reviewer="adolygydd@bipbc.example",
        reviewed="HB-SB",
        challenge_item="VOI1",
        moderate_item="SUP1",
        inspector="arolygydd@agic.example",
        statement_text="Mae'r oruchwyliaeth yn rheolaidd; Gŵyl Ŷ yn Abertawe.",
    ),
}


def _sign_in(page, lang, email, check):
    _ = gettext_in(lang)
    page.goto(f"/login?lang={lang}")
    assert page.locator("html").get_attribute("lang") == lang
    check(page)
    page.get_by_label(_("Email address")).fill(email)
    page.get_by_label(_("Password")).fill(PASSWORD)
    page.get_by_role("button", name=_("Sign in")).click()
    page.wait_for_url(lambda url: "/login" not in url)
    assert page.locator("html").get_attribute("lang") == lang


def _banner(page) -> str:
    return page.locator(".govuk-notification-banner").first.inner_text()


def _watch_live_region(page, selector: str):
    """Remember the live region now on the page, to check later that htmx wrote into it rather
    than replacing it (a region that arrives with its text is not announced)."""
    region = page.locator(selector)
    assert region.get_attribute("role") == "status" or region.get_attribute("aria-live")
    region.evaluate("el => { window.__e2eLiveRegion = el; }")


def _announced(page, selector: str, text: re.Pattern):
    page.locator(selector).get_by_text(text).wait_for()
    assert page.locator(selector).evaluate("el => el === window.__e2eLiveRegion")


def _pattern(text: str) -> re.Pattern:
    """A translated message with its %(name)s placeholders matching anything."""
    parts = re.split(r"%\(\w+\)s", text)
    return re.compile(".+".join(re.escape(part) for part in parts))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_coordinator_starts_scores_evidences_and_submits(page, assert_accessible, snap, lang):
    _, cast = gettext_in(lang), CASTS[lang]
    framework = seeded_name("framework", "jicpa-2024", lang)
    _sign_in(page, lang, cast.coordinator, assert_accessible)
    assert page.locator("h1").inner_text() == _("Your organisation's assessments")
    assert_accessible(page)

    page.get_by_role("link", name=_("Start: %(title)s", title=framework)).click()
    page.get_by_role("button", name=_("Start the assessment")).wait_for()
    assert page.locator("h1").inner_text() == framework
    assert_accessible(page)
    page.get_by_role("button", name=_("Start the assessment")).click()
    page.wait_for_url(re.compile(r"/assessments/\d+$"))
    items = page.locator(".govuk-task-list__link")
    items.first.wait_for()
    snap(page, "task-list")
    assert_accessible(page)
    task_list = page.url
    hrefs = [items.nth(n).get_attribute("href") for n in range(items.count())]
    assert len(hrefs) == 8

    title = {"en": "Front-door audit, October 2026", "cy": "Archwiliad y drws ffrynt, Hydref 2026"}
    saved = _pattern(_("Saved at %(time)s"))
    for n, href in enumerate(hrefs):
        page.goto(href)
        page.locator("input[name=score][value='2']").check()
        page.get_by_label(_("What you have done and what it shows (Markdown)")).fill(
            f"{title[lang]}: **{n + 1}**."
        )
        page.get_by_label(_("How you will measure impact")).fill(title[lang])
        # htmx swaps the form in place; the live region that stays on the page says so.
        _watch_live_region(page, "#save-status")
        page.get_by_role("button", name=_("Save"), exact=True).click()
        _announced(page, "#save-status", saved)
        if n == 0:
            snap(page, "item-saved")
        assert_accessible(page)
        if n == 0:  # upload a PDF and link it to this item
            page.get_by_role(
                "button", name=_("Upload new evidence and link it to this item")
            ).click()
            page.get_by_role("heading", name=_("Add evidence")).wait_for()
            page.set_input_files(
                "input[type=file]",
                files={
                    "name": "audit.pdf",
                    "mimeType": "application/pdf",
                    "buffer": files.pdf(title[lang]),
                },
            )
            page.get_by_label(_("Title"), exact=True).fill(title[lang])
            page.get_by_label(_("Audit"), exact=True).check()
            page.get_by_label(_("What does it show for this item? (optional)")).fill("12/20")
            snap(page, "add-evidence")
            assert_accessible(page)
            page.get_by_role("button", name=_("Add evidence")).click()
            page.wait_for_url(re.compile(r"/items/"))
            assert _("The evidence is added.") in _banner(page)
            assert_accessible(page)
        if n == 1:  # link the same evidence from the library
            page.get_by_label(_("Evidence from your library")).select_option(
                label=f"{title[lang]} ({_('Audit')})"
            )
            page.get_by_role("button", name=_("Link evidence")).click()
            page.wait_for_url(re.compile(r"/items/.*#evidence$"))
            assert _("The evidence is linked to %(item)s.", item="K2") in _banner(page)
            linked = page.locator(".app-evidence-list").get_by_role("link", name=title[lang])
            assert linked.is_visible()
            assert_accessible(page)

    page.goto(task_list)
    assert_accessible(page)
    page.get_by_role("link", name=_("Check and submit")).click()
    page.get_by_role("heading", name=_("Check and submit")).wait_for()
    assert _("Every item has a score and a narrative.") in page.locator("main").inner_text()
    snap(page, "submit")
    assert_accessible(page)
    page.get_by_role("button", name=_("Submit the assessment")).click()
    page.wait_for_url(task_list)
    assert _("The assessment is submitted. It is now locked for review.") in _banner(page)
    assert _("Submitted") in page.locator("main").inner_text()
    assert_accessible(page)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_reviewer_challenges_and_moderates(page, assert_accessible, snap, lang):
    _, cast = gettext_in(lang), CASTS[lang]
    organisation = seeded_name("organisation", cast.reviewed, lang)
    framework = seeded_name("framework", "smm", lang)
    _sign_in(page, lang, cast.reviewer, assert_accessible)
    assert_accessible(page)

    page.get_by_role("link", name=_("Peer review"), exact=True).click()
    page.get_by_role("heading", name=_("Your peer reviews")).wait_for()
    snap(page, "queue")
    assert_accessible(page)
    row = page.get_by_role("row").filter(has_text=framework).filter(has_text=organisation)
    row.get_by_role("link", name=organisation).click()
    page.get_by_role("heading", name=_("Review: %(title)s", title=framework)).wait_for()
    review = page.url
    assert_accessible(page)

    page.get_by_role("link", name=re.compile(rf"^{cast.challenge_item} ·")).click()
    page.get_by_role("heading", name=_("Raise a challenge")).wait_for()
    assert_accessible(page)
    page.get_by_label(_("Your question")).fill(
        {"en": "How many families answered, and what changed?", "cy": "Faint o deuluoedd?"}[lang]
    )
    page.get_by_label(_("Score you would propose (optional)")).select_option("1")
    page.get_by_label(_("Voice"), exact=True).check()
    page.get_by_role("button", name=_("Send the challenge")).click()
    page.wait_for_url(re.compile(r"/review/challenges/\d+$"))
    assert _pattern(_("Your challenge is sent to %(org)s.")).search(_banner(page))
    snap(page, "challenge-sent")
    assert_accessible(page)

    page.goto(review)
    assert_accessible(page)
    page.get_by_role("link", name=re.compile(rf"^{cast.moderate_item} ·")).click()
    page.get_by_role("link", name=_("Open this challenge")).wait_for()
    assert_accessible(page)
    page.get_by_role("link", name=_("Open this challenge")).click()
    page.wait_for_url(re.compile(r"/review/challenges/\d+$"))
    page.get_by_label(_("Score moderated: set a different validated score")).wait_for()
    assert_accessible(page)
    page.get_by_label(_("Score moderated: set a different validated score")).check()
    page.get_by_label(_("Validated score (if moderated)")).select_option("2")
    page.get_by_label(_("Rationale (needed if moderated)")).fill(
        {"en": "Below target in two directorates.", "cy": "Nid oes tystiolaeth gan y staff."}[lang]
    )
    snap(page, "moderate")
    page.get_by_role("button", name=_("Resolve"), exact=True).click()
    page.get_by_role("heading", name=_("The thread")).wait_for()
    assert _("The challenge is resolved.") in _banner(page)
    assert page.locator(".app-thread__message").count() == 3
    snap(page, "moderated")
    assert_accessible(page)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_inspector_builds_edits_publishes_and_downloads(
    page, assert_accessible, snap, tmp_path, lang
):
    _, cast = gettext_in(lang), CASTS[lang]
    organisation = seeded_name("organisation", cast.reviewed, lang)
    _sign_in(page, lang, cast.inspector, assert_accessible)
    assert_accessible(page)

    page.get_by_role("link", name=_("Dashboards"), exact=True).click()
    page.get_by_role("heading", name=_("National tracker"), exact=True).wait_for()
    page.wait_for_function(
        "() => [...document.images].every(i => i.complete && i.naturalWidth > 0)"
    )
    snap(page, "dashboard")
    assert_accessible(page)

    page.get_by_role("link", name=_("Statements"), exact=True).first.click()
    page.get_by_role("heading", name=_("Progress statements")).wait_for()
    assert_accessible(page)
    page.get_by_role("link", name=_("Build a statement")).click()
    page.get_by_label(_("One organisation")).check()
    page.get_by_label(_("Organisation"), exact=True).select_option(label=organisation)
    page.get_by_label(_("Framework"), exact=True).select_option(
        label=seeded_name("framework", "smm", lang)
    )
    page.get_by_label(_("Cycle"), exact=True).select_option(label=CYCLE)
    page.get_by_label({"en": _("English"), "cy": _("Welsh")}[lang], exact=True).check()
    assert_accessible(page)
    page.get_by_role("button", name=_("Build the draft")).click()
    page.wait_for_url(re.compile(r"/statements/\d+$"))
    assert organisation in page.locator("h1").inner_text()
    snap(page, "builder")
    assert_accessible(page)

    # htmx swaps the section's form in, then the saved text; a live region announces the save.
    section = page.locator(f"#{lang}-progress")
    section.get_by_role("link", name=re.compile(f"^{re.escape(_('Edit'))}")).click()
    box = page.locator(f"#{lang}-progress textarea")
    # Focus follows the swap (once htmx has settled it), not left on the page.
    page.wait_for_function(f"() => document.activeElement?.matches('#{lang}-progress textarea')")
    box.fill(cast.statement_text)
    assert_accessible(page)
    _watch_live_region(page, "#statement-status")
    page.locator(f"#{lang}-progress").get_by_role("button", name=re.compile(_("Save"))).click()
    page.locator(f"#{lang}-progress").get_by_text(cast.statement_text).wait_for()
    _announced(page, "#statement-status", _pattern(_("%(section)s saved.")))
    page.wait_for_function(f"() => document.activeElement?.closest('#{lang}-progress')")
    snap(page, "edited")
    assert_accessible(page)

    page.get_by_role("button", name=_("Publish version %(number)s", number=1)).click()
    page.get_by_role("heading", name=_("Version %(number)s is published", number=1)).wait_for(
        timeout=60_000
    )
    snap(page, "published")
    assert_accessible(page)
    with page.expect_download() as info:
        page.get_by_role("link", name=_("Download the PDF")).click()
    pdf = tmp_path / "statement.pdf"
    info.value.save_as(pdf)
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    assert cast.statement_text in text
    assert organisation in text
