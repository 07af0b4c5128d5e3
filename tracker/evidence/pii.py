"""Warn, never block, when text looks as if it identifies a child (DESIGN §6).

The tracker is an assurance tool, not a case record. This scan finds likely identifiers and
reports only what kind and how many: the matched text itself is never returned, stored or logged.
"""

import re
import time
from collections import Counter
from pathlib import Path

MAX_TEXT = 5 * 1024 * 1024  # characters scanned in one piece of text
# Files are read and scanned a chunk at a time. Each chunk is held several times over while it is
# decoded, joined to the overlap and scanned: 256 KiB keeps a 25 MB upload's scan to about 2 MB
# of memory (1 MiB took 7 MB, most of the 10 MB DESIGN §10 allows).
CHUNK = 256 * 1024
OVERLAP = 200  # carried into the next chunk, so a match across a boundary is still found
# A PDF's text is read page by page, and a crafted file of a few KB can make each page take
# seconds (one compressed drawing stream shared by every page). The whole scan of one file is
# bounded, not each page: by time, by the drawing instructions read and by the pages, so an
# upload answers within a few seconds whatever it holds. A scan cut short says how many pages
# it checked ("checked_pages"), and the warning says so.
SCAN_SECONDS = 2.0
MAX_PDF_CONTENT = 256 * 1024  # bytes of page content streams read from one file
MAX_PDF_PAGES = 300

NHS_NUMBER = re.compile(r"(?<![\d-])(\d{3})[\s\u00a0-]{0,2}(\d{3})[\s\u00a0-]{0,2}(\d{4})(?![\d-])")
MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
DATE = (
    rf"(\d{{1,2}}[/.-]\d{{1,2}}[/.-]\d{{2,4}}|\d{{4}}-\d{{2}}-\d{{2}}"
    rf"|\d{{1,2}}(st|nd|rd|th)?\s+({MONTHS}),?\s+\d{{4}})"
)
DATE_OF_BIRTH = re.compile(
    rf"\b(date\s+of\s+birth|d\.?\s?o\.?\s?b\.?|born(\s+on)?)\s*[:\-]?\s*{DATE}", re.IGNORECASE
)
POSTCODE = r"[A-Za-z]{1,2}\d[A-Za-z\d]?\s*\d[A-Za-z]{2}"
NAME = r"(?:[A-Z][A-Za-z'’-]+,?\s+){1,2}[A-Z][A-Za-z'’-]+"
NAME_THEN_POSTCODE = re.compile(rf"\b(?P<name>{NAME})\b[^\n]{{0,60}}?\b{POSTCODE}\b")
# Addresses of public bodies are not personal data.
ORGANISATION_WORDS = re.compile(
    r"\b(Council|Board|Hospital|Police|Service|Services|School|College|Trust|Centre|House|"
    r"Office|Court|University|Government|Inspectorate)\b"
)

KINDS = ("nhs_number", "date_of_birth", "name_and_postcode")


def valid_nhs_number(digits: str) -> bool:
    """True when ten digits pass the NHS number's modulus 11 check."""
    if len(digits) != 10 or not digits.isdigit() or len(set(digits)) == 1:
        return False
    total = sum(int(d) * (10 - i) for i, d in enumerate(digits[:9]))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def scan_text(text: str, until: int | None = None) -> dict[str, int]:
    """Counts of likely personal identifiers of each kind found in `text`; with `until`, only
    those that start before that position (the rest belong to the next piece of a file)."""
    text = text[:MAX_TEXT]
    limit = len(text) if until is None else until
    found: Counter = Counter()
    for match in NHS_NUMBER.finditer(text):
        if match.start() < limit and valid_nhs_number("".join(match.groups())):
            found["nhs_number"] += 1
    found["date_of_birth"] += sum(1 for m in DATE_OF_BIRTH.finditer(text) if m.start() < limit)
    for match in NAME_THEN_POSTCODE.finditer(text):
        if match.start() < limit and not ORGANISATION_WORDS.search(match.group("name")):
            found["name_and_postcode"] += 1
    return {kind: found[kind] for kind in KINDS if found[kind]}


def _add(total: Counter, found: dict[str, int]) -> None:
    for kind, count in found.items():
        total[kind] += count


def _scan_text_file(path: Path) -> Counter:
    total: Counter = Counter()
    carried = ""
    with path.open("r", encoding="utf-8", errors="replace") as fh:
        while chunk := fh.read(CHUNK):
            text = carried + chunk
            # Matches starting in the last OVERLAP characters are counted with the next chunk,
            # which starts with them: none is missed at a boundary, none is counted twice.
            cut = max(len(text) - OVERLAP, 0)
            _add(total, scan_text(text, until=cut))
            carried = text[cut:]
    _add(total, scan_text(carried))
    return total


def _content_size(page) -> int:
    contents = page.get_contents()
    return len(contents.get_data()) if contents is not None else 0


def _scan_pdf(path: Path) -> Counter:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    total: Counter = Counter()
    deadline = time.monotonic() + SCAN_SECONDS
    checked = content = 0
    try:
        pages = PdfReader(path).pages
        for page in pages:
            content += _content_size(page)
            if checked == MAX_PDF_PAGES or content > MAX_PDF_CONTENT or time.monotonic() > deadline:
                total["checked_pages"] = checked
                break
            _add(total, scan_text(page.extract_text() or ""))
            checked += 1
    except (PyPdfError, ValueError, KeyError, TypeError, OSError, RecursionError, AttributeError):
        pass  # an unreadable PDF is not scanned; the upload itself still stands
    return total


def scan_file(path: Path, readable: str | None) -> dict[str, int]:
    """Scan a stored file's readable text, a piece at a time: text and CSV, and PDF pages."""
    if readable == "text":
        total = _scan_text_file(path)
    elif readable == "pdf":
        total = _scan_pdf(path)
    else:
        return {}
    found = {kind: total[kind] for kind in KINDS if total[kind]}
    if "checked_pages" in total:  # cut short: said even when nothing was found so far
        found["checked_pages"] = total["checked_pages"]
    return found
