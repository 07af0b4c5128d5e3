"""A statement's PDF from its HTML, with xhtml2pdf; knows nothing of HTTP (STYLE §7).

The PDF base fonts lack the Welsh letters ŵ and ŷ, so DejaVu Sans (which matplotlib ships) is
embedded and used for all text (DESIGN §11). A character neither face has (an emoji) is
replaced before printing by one they have, or by its name, rather than printing as a box.

xhtml2pdf fetches whatever a document names: `<img src>`, `@font-face`, `@import`, over http(s)
or from the disk. A statement only ever needs its two fonts and the charts drawn into it as
`data:` images, so every other address is replaced by an empty one before anything is read.
"""

import functools
import io
import re
import unicodedata
from pathlib import Path

import matplotlib
from fontTools.ttLib import TTFont
from xhtml2pdf import pisa

FONTS = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
REGULAR, BOLD = FONTS / "DejaVuSans.ttf", FONTS / "DejaVuSans-Bold.ttf"
OWN_FILES = frozenset({str(REGULAR), str(BOLD)})
CHART_PREFIX = "data:image/png;base64,"  # charts are drawn by tracker.reporting.charts
# What a refused address becomes: an inline resource with no bytes, which xhtml2pdf drops with a
# warning and no read. Returning None instead would keep the original address.
NOTHING = "data:,"


# Joiners, variation selectors, skin-tone modifiers and tag characters (which spell a flag such
# as Wales's after U+1F3F4) only shape the character before them: they print as nothing.
SHAPING = frozenset({0x200D, 0xFE0E, 0xFE0F, *range(0x1F3FB, 0x1F400), *range(0xE0020, 0xE0080)})
NOT_ASCII = re.compile(r"[^\x00-\x7f]")


class PdfFailed(Exception):
    """xhtml2pdf could not render the document."""


def font_faces() -> str:
    """The @font-face rules that embed DejaVu Sans, for the document's stylesheet."""
    return (
        f"@font-face {{ font-family: 'DejaVu Sans'; src: url('{REGULAR}'); }}\n"
        f"@font-face {{ font-family: 'DejaVu Sans'; src: url('{BOLD}'); font-weight: bold; }}"
    )


def resolve_link(uri, rel=None) -> str:
    """xhtml2pdf's link_callback: the tracker's own fonts and chart images pass as they are,
    every other address (http, https, file:, any other path) becomes `NOTHING`."""
    uri = str(uri or "")
    if uri in OWN_FILES or uri.startswith(CHART_PREFIX):
        return uri
    return NOTHING


@functools.cache
def covered() -> frozenset[int]:
    """The characters both embedded fonts can draw."""
    maps = [set(TTFont(path, lazy=True).getBestCmap()) for path in (REGULAR, BOLD)]
    return frozenset(maps[0] & maps[1])


def _fallback(match: re.Match) -> str:
    char = match.group()
    has = covered()
    if ord(char) in has:
        return char
    if ord(char) in SHAPING:
        return ""
    decomposed = unicodedata.normalize("NFKD", char)
    if decomposed != char and all(ord(c) in has for c in decomposed):
        return decomposed
    name = unicodedata.name(char, "")
    return f"[{name.lower()}]" if name else "?"


def printable(text: str) -> str:
    """`text` with every character the fonts lack (an emoji, say) replaced by one they have:
    its decomposition, or its name in brackets ("[thumbs up sign]"), never an empty box."""
    return NOT_ASCII.sub(_fallback, text)


def render(html: str) -> bytes:
    """The PDF of a complete HTML document."""
    out = io.BytesIO()
    result = pisa.CreatePDF(printable(html), dest=out, encoding="utf-8", link_callback=resolve_link)
    if result.err:
        raise PdfFailed(f"xhtml2pdf reported {result.err} error(s)")
    return out.getvalue()
