"""The inspector's statement journey in a real browser: build a national statement in Welsh
and English, edit a section in place in each language, preview, publish while the steps show,
download the PDF, and check it on the public verification page."""

import hashlib
import io
import re

from pypdf import PdfReader

from tests.e2e.test_review_journey import _sign_out
from tests.e2e.test_start_pages import _sign_in


def _edit_in_place(page, section_id: str, label: str, text: str):
    section = page.locator(f"#{section_id}")
    section.get_by_role("link", name=re.compile("^Edit")).click()
    box = page.get_by_label(label)
    box.fill(text)
    page.locator(f"#{section_id}").get_by_role("button", name=re.compile("^Save")).click()
    page.locator(f"#{section_id}").get_by_text(text.split("\n")[0]).wait_for()


def test_build_edit_publish_and_verify_a_national_statement(
    page, assert_accessible, snap, tmp_path
):
    _sign_in(page, "inspector@ciw.example")
    page.get_by_role("link", name="Statements").first.click()
    page.get_by_role("heading", name="Progress statements").wait_for()
    assert_accessible(page)

    page.get_by_role("link", name="Build a statement").click()
    page.get_by_label("Wales: every organisation").check()
    page.get_by_label("Framework").select_option(
        label="Joint Inspections of Child Protection Arrangements 2024: key conclusions"
    )
    page.get_by_label("Welsh and English").check()
    assert_accessible(page)
    page.get_by_role("button", name="Build the draft").click()
    page.get_by_role("heading", name=re.compile("Progress statement for Wales")).wait_for()
    snap(page, "builder")
    assert_accessible(page)

    # A refused edit in place shows the GOV.UK error summary in the form, and it takes focus.
    page.locator("#en-headline").get_by_role("link", name=re.compile("^Edit")).click()
    page.get_by_label("Headline figures (English)").fill("x" * 6001)
    page.locator("#en-headline").get_by_role("button", name=re.compile("^Save")).click()
    summary = page.locator("#en-headline .govuk-error-summary")
    summary.get_by_role("link", name="The text must be 6,000 characters or fewer").wait_for()
    page.wait_for_function(
        "() => document.activeElement?.classList.contains('govuk-error-summary')"
    )
    snap(page, "section-error")
    assert_accessible(page)
    page.locator("#en-headline").get_by_role("link", name="Cancel").click()
    page.get_by_role("heading", name=re.compile("Progress statement for Wales")).wait_for()

    # htmx swaps each form in place; the saved text replaces it and is announced. Editing the
    # English marks the Welsh of the same section as needing an update, and only that one.
    _edit_in_place(
        page, "en-progress", "Notable progress (English)", "Our edited words on progress."
    )
    page.locator("#cy-progress").get_by_text("Needs updating").wait_for()
    assert "Needs updating" not in page.locator("#en-progress").inner_text()
    assert "Needs updating" not in page.locator("#cy-remaining").inner_text()
    snap(page, "needs-updating")
    assert_accessible(page)
    _edit_in_place(page, "cy-progress", re.compile(r"\(Cymraeg\)$"), "Ein geiriau ni am Gŵyl Ŷ.")
    assert "saved" in page.locator("#statement-status").inner_text()
    assert page.get_by_text("Needs updating").count() == 0  # the Welsh is up to date again
    assert_accessible(page)
    # A Welsh edit left unmatched: the English of that section differs when publishing.
    _edit_in_place(
        page, "cy-review", re.compile(r"\(Cymraeg\)$"), "Cododd adolygwyr gwestiynau newydd."
    )
    page.locator("#en-review").get_by_text("Needs updating").wait_for()

    page.get_by_role("link", name=re.compile("^Preview the whole statement")).click()
    page.get_by_role("heading", name="Charts").first.wait_for()
    # Every chart is drawn (the images load on their own requests).
    page.wait_for_function(
        "() => [...document.images].every(i => i.complete && i.naturalWidth > 0)"
    )
    snap(page, "preview")
    assert_accessible(page)
    page.go_back()

    # Publishing is a page that says what will happen, then a confirmation; while a section
    # differs between the languages, it lists them and asks again.
    page.get_by_role("link", name="Publish version 1").click()
    page.get_by_role("heading", name="Publish version 1").wait_for()
    assert "cannot be undone" in page.locator("main").inner_text()
    page.get_by_role("link", name="Peer review and challenge (English)").wait_for()
    snap(page, "confirm-publishing")
    assert_accessible(page)
    page.get_by_role("button", name="Publish version 1").click()
    page.get_by_role("heading", name="There is a problem").wait_for()
    assert_accessible(page)
    page.get_by_label("I have checked these sections").check()
    page.get_by_role("button", name="Publish version 1").click()
    page.get_by_role("heading", name=re.compile("is published")).wait_for(timeout=60_000)
    steps = page.locator("ol.govuk-list--number li").all_inner_texts()
    assert steps[0].startswith("Reading the figures") and steps[-1] == "Published"
    snap(page, "published")
    assert_accessible(page)

    with page.expect_download() as info:
        page.get_by_role("link", name="Download the PDF").click()
    pdf = tmp_path / "statement.pdf"
    info.value.save_as(pdf)
    data = pdf.read_bytes()
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    assert "Our edited words on progress." in text and "Ein geiriau ni am Gŵyl Ŷ." in text
    fingerprint = hashlib.sha256(data).hexdigest()
    assert fingerprint in page.locator("main").inner_text()

    # Anyone may check a PDF: signed out, the genuine one is recognised, a changed one is not.
    _sign_out(page)
    page.goto("/statements/verify")
    assert_accessible(page)
    page.get_by_label("The PDF").set_input_files(str(pdf))
    page.get_by_role("button", name="Check").click()
    page.get_by_role("heading", name="This is a published statement").wait_for()
    snap(page, "verified")
    assert_accessible(page)

    changed = bytearray(data)
    changed[len(changed) // 3] ^= 0x20
    altered = tmp_path / "altered.pdf"
    altered.write_bytes(bytes(changed))
    page.get_by_label("The PDF").set_input_files(str(altered))
    page.get_by_role("button", name="Check").click()
    page.get_by_role("heading", name="Not recognised").wait_for()
    assert_accessible(page)

    # Signed out, the verification page leads to every published statement, its PDF and
    # fingerprint; the footer of every page does too.
    page.get_by_role("link", name=re.compile("^See every published statement")).click()
    page.get_by_role("heading", name="Published progress statements").wait_for()
    assert fingerprint in page.locator("main").inner_text()
    assert "Our edited words on progress." not in page.content()
    snap(page, "published-list")
    assert_accessible(page)
    page.goto("/login")
    page.locator("footer").get_by_role("link", name="Published progress statements").click()
    page.get_by_role("heading", name="Published progress statements").wait_for()
