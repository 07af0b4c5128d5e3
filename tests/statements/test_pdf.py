"""A statement's PDF reads only the tracker's own fonts and charts, whatever its HTML names."""

import io

import pytest
from pypdf import PdfReader

from tracker.statements import pdf

HOSTILE = [
    "file:///etc/passwd",
    "/etc/passwd",
    "../../../../etc/passwd",
    "DejaVuSans.ttf",  # the right name, but relative: not one of the tracker's own files
    f"{pdf.FONTS}/../../../../../../etc/passwd",
    f"file://{pdf.FONTS / 'DejaVuSans.ttf'}",
    "http://169.254.169.254/latest/meta-data/",
    "https://example.org/logo.png",
    "ftp://example.org/x.png",
    "data:image/svg+xml,%3Csvg%20onload%3D'x'%2F%3E",
    "",
]


@pytest.mark.parametrize("uri", HOSTILE)
def test_every_other_address_becomes_nothing(uri):
    assert pdf.resolve_link(uri, "/srv/tracker") == pdf.NOTHING


@pytest.mark.parametrize(
    "uri",
    [str(pdf.FONTS / name) for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")]
    + ["data:image/png;base64,iVBORw0K"],
)
def test_the_trackers_own_fonts_and_charts_pass(uri):
    assert pdf.resolve_link(uri, None) == uri


def test_a_document_naming_other_files_reads_none_of_them(reads):
    asked, own = reads
    images = "".join(f'<img src="{uri}" alt="">' for uri in HOSTILE if uri)
    html = (
        f"<html><head><style>{pdf.font_faces()}\n"
        "@font-face { font-family: 'Other'; src: url('/etc/passwd'); }\n"
        "@import url('https://example.org/print.css');\n"
        "body { font-family: 'DejaVu Sans'; }</style></head>"
        f"<body><p>Gŵyl Ŷ</p>{images}"
        "<p style=\"background-image: url('file:///etc/passwd')\">x</p></body></html>"
    )
    data = pdf.render(html)
    assert set(asked) <= own and own <= set(asked)  # both fonts read, and nothing else
    page = PdfReader(io.BytesIO(data)).pages[0]
    assert "Gŵyl Ŷ" in page.extract_text()
    fonts = [str(f["/BaseFont"]) for f in page["/Resources"]["/Font"].values()]
    assert any("DejaVuSans" in name for name in fonts)
