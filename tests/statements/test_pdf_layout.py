"""The printed statement reads as a document (issue #17, point 16): no heading ends a page,
characters the font lacks print as words rather than boxes, and the figures read as sentences.
Each PDF is read back with pypdf, as a reader would."""

import dataclasses
import io
from datetime import date

import pytest
from pypdf import PdfReader

from tests.statements.test_pages import build, wales  # noqa: F401 (fixture)
from tracker.extensions import db
from tracker.models import Statement
from tracker.statements import document, pdf, queries, rendering

TODAY = date(2026, 12, 1)
WALES_TAGS = "".join(chr(0xE0000 + ord(c)) for c in "gbwls") + "\U000e007f"  # 🏴 + these: Wales


def headings(reader: PdfReader) -> set[str]:
    """The titles of the document's outline: every heading it prints."""

    def walk(items):
        for item in items:
            if isinstance(item, list):
                yield from walk(item)
            else:
                yield " ".join(item.title.split())

    return set(walk(reader.outline))


CM = 72 / 2.54
FOOTER_TOP = 2 * CM  # the page footer sits in the bottom 2 cm
FOOT = 7 * CM  # a heading this near the bottom has nothing but the foot of the page below it


def last_lines(reader: PdfReader) -> list[tuple[str, float]]:
    """The lowest line of printed content on each page but the last, with its height above
    the bottom of the page; the footer is left out. An image below a heading pushes the
    heading up the page, so a heading low on its page has nothing under it."""
    ends = []
    for page in reader.pages[:-1]:
        lines: dict[float, list[str]] = {}

        def visit(text, cm, tm, _font, _size, lines=lines):
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]  # the text's height on the page
            if text.strip() and y > FOOTER_TOP:
                lines.setdefault(round(y, 1), []).append(text)

        page.extract_text(visitor_text=visit)
        if lines:
            y = min(lines)
            ends.append((" ".join("".join(lines[y]).split()), y))
    return ends


@pytest.fixture
def bilingual(login, post, wales):  # noqa: F811
    login("insp@ciw.test")
    created = build(post, wales, language="both")
    return db.session.get(Statement, int(created.headers["Location"].rsplit("/", 1)[1]))


def printed(statement, first_text: str | None = None) -> PdfReader:
    data = queries.dataset(statement, TODAY)
    parts = document.parts(statement, data, queries.languages(statement), TODAY, inline=True)
    if first_text is not None:  # a longer first section moves everything after it down
        first = parts[0].sections[0]
        parts[0].sections[0] = dataclasses.replace(first, text=first_text)
    return PdfReader(io.BytesIO(pdf.render(rendering.render(parts, for_pdf=True))))


def test_no_heading_ends_a_page_however_the_text_falls(app, bilingual):
    # Twelve lengths of the first Welsh section, three lines apart, move every heading after
    # it through the foot of a page, the Welsh "Siartiau" and each chart's title included.
    line = "Gair am y cynnydd a wnaed eleni gan y byrddau a'u partneriaid ledled Cymru. " * 2
    with app.test_request_context():
        for lines in range(0, 36, 3):
            reader = printed(bilingual, "\n\n".join([line] * (lines + 1)))
            titles = headings(reader)
            assert "Siartiau" in titles
            orphaned = [end for end, y in last_lines(reader) if end in titles and y < FOOT]
            assert not orphaned, f"{lines} lines: a page ends with the heading {orphaned}"


def test_characters_the_font_lacks_print_as_words(app, bilingual):
    with app.test_request_context():
        reader = printed(
            bilingual,
            "Da iawn 👍 — Gŵyl Ŷ ✅ done. Cymru 🏴" + WALES_TAGS + "!",
        )
    text = " ".join(reader.pages[0].extract_text().split())
    assert "Gŵyl Ŷ" in text and "—" in text  # what the font has is kept as it is
    assert "👍" not in text and "✅" not in text
    assert "[thumbs up sign]" in text and "[white heavy check mark]" in text
    assert "Cymru [waving black flag]!" in text  # the flag of Wales, its tag letters silent


@pytest.mark.parametrize(
    ("count", "scored", "expected"),
    [
        (1, 14, "1 of the 14 scored responses (7%) is supported by triangulated evidence"),
        (3, 14, "3 of the 14 scored responses (21%) are supported by triangulated evidence"),
    ],
)
def test_the_share_supported_reads_as_a_sentence(app, count, scored, expected):
    from tests.statements.test_drafting import SUBJECT, make

    data = make({"T1": [3] * count + [1] * (scored - count)})
    data.rows = [
        dataclasses.replace(r, level="triangulated" if n < count else "partial")
        for n, r in enumerate(data.rows)
    ]
    with app.test_request_context():
        from tracker.statements import drafting

        assert expected in drafting.draft(data, SUBJECT, "en")["headline"]
