"""A statement's PDF from its HTML, with xhtml2pdf; knows nothing of HTTP (STYLE §7).

The PDF base fonts lack the Welsh letters ŵ and ŷ, so DejaVu Sans (which matplotlib ships) is
embedded and used for all text (DESIGN §11).
"""

import io
from pathlib import Path

import matplotlib
from xhtml2pdf import pisa

FONTS = Path(matplotlib.get_data_path()) / "fonts" / "ttf"


class PdfFailed(Exception):
    """xhtml2pdf could not render the document."""


def font_faces() -> str:
    """The @font-face rules that embed DejaVu Sans, for the document's stylesheet."""
    regular, bold = FONTS / "DejaVuSans.ttf", FONTS / "DejaVuSans-Bold.ttf"
    return (
        f"@font-face {{ font-family: 'DejaVu Sans'; src: url('{regular}'); }}\n"
        f"@font-face {{ font-family: 'DejaVu Sans'; src: url('{bold}'); font-weight: bold; }}"
    )


def render(html: str) -> bytes:
    """The PDF of a complete HTML document."""
    out = io.BytesIO()
    result = pisa.CreatePDF(html, dest=out, encoding="utf-8")
    if result.err:
        raise PdfFailed(f"xhtml2pdf reported {result.err} error(s)")
    return out.getvalue()
