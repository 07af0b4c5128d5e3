"""Type from content, never from the name: what is accepted and every kind of refusal."""

import pytest

from tests.evidence import files
from tracker.evidence.filetype import FileRefused, detect, display_name

ACCEPTED = [
    ("audit.pdf", files.pdf(), "pdf"),
    ("chart.png", files.png(), "png"),
    ("photo.jpg", files.jpeg(), "jpeg"),
    ("photo.JPEG", files.jpeg(), "jpeg"),
    ("policy.docx", files.docx(), "docx"),
    ("figures.xlsx", files.xlsx(), "xlsx"),
    ("slides.pptx", files.pptx(), "pptx"),
    ("plan.odt", files.odt(), "odt"),
    ("figures.csv", b"quarter,referrals\nQ1,120\n", "csv"),
    ("notes.txt", "Cyfarfod y bwrdd – nodiadau\n".encode(), "txt"),
]

REFUSED = {
    "html named .pdf": ("report.pdf", b"<!DOCTYPE html><html><body>Hi</body></html>", "Web pages"),
    "svg with script": (
        "logo.svg",
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "SVG",
    ),
    "svg named .txt": ("notes.txt", b"<svg onload='alert(1)'/>", "SVG"),
    "zip archive": ("evidence.zip", files.plain_zip(), "Archives"),
    "zip named .docx": ("policy.docx", files.plain_zip(), "Archives"),
    "empty file": ("empty.pdf", b"", "empty"),
    "windows program": ("setup.pdf", b"MZ\x90\x00" + b"\x00" * 100, "Programs"),
    "linux program": ("tool.txt", b"\x7fELF\x02\x01\x01" + b"\x00" * 100, "Programs"),
    "shell script": ("run.txt", b"#!/bin/sh\nrm -rf /\n", "Programs"),
    "png named .pdf": ("audit.pdf", files.png(), "does not match its name"),
    "pdf named .docx": ("policy.docx", files.pdf(), "does not match its name"),
    "gzip": ("data.csv", b"\x1f\x8b\x08\x00" + b"\x00" * 20, "Archives"),
    "path as a name": ("../../etc/passwd", b"root:x:0:0:root:/root:/bin/bash\n", "does not match"),
    "not utf-8 text": ("notes.txt", b"caf\xe9 " * 50, "UTF-8"),
}


@pytest.mark.parametrize("name, content, kind", ACCEPTED, ids=[a[0] for a in ACCEPTED])
def test_accepted_types(tmp_path, name, content, kind):
    path = tmp_path / "upload"
    path.write_bytes(content)
    assert detect(path, name).name == kind


@pytest.mark.parametrize("case", REFUSED)
def test_refused_with_a_reason(tmp_path, case):
    name, content, reason = REFUSED[case]
    path = tmp_path / "upload"
    path.write_bytes(content)
    with pytest.raises(FileRefused) as refused:
        detect(path, name)
    assert reason in str(refused.value)


@pytest.mark.parametrize(
    "given, shown",
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\x\\minutes.docx", "minutes.docx"),
        ("a\x00b\nc.pdf", "abc.pdf"),
        ("", "file"),
        ("/", "file"),
    ],
)
def test_filenames_are_only_ever_names(given, shown):
    assert display_name(given) == shown


def _zip(members):
    return files._zip(dict(members))


@pytest.mark.parametrize(
    "content",
    [
        _zip({"[Content_Types].xml": b"<Types/>", "word/index.html": b"<script>x</script>"}),
        _zip(
            {"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>", "payload.exe": b"MZ"}
        ),
        _zip({"[Content_Types].xml": b"<Types/>", "word/other.xml": b"<w/>"}),
        _zip(
            {"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>", "../evil.xml": b"x"}
        ),
    ],
    ids=["html inside", "program inside", "no main part", "path outside"],
)
def test_archives_dressed_as_office_files_are_refused(tmp_path, content):
    path = tmp_path / "upload"
    path.write_bytes(content)
    with pytest.raises(FileRefused, match="Archives"):
        detect(path, "policy.docx")


def test_a_zip_bomb_is_not_unpacked(tmp_path):
    import io
    import tracemalloc
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", b"a" * 50_000_000)
        archive.writestr("content.xml", b"<x/>")
    path = tmp_path / "bomb.odt"
    path.write_bytes(out.getvalue())
    tracemalloc.start()
    try:
        with pytest.raises(FileRefused):
            detect(path, "bomb.odt")
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 5 * 1024 * 1024


def test_a_long_name_keeps_its_extension():
    assert display_name("a" * 400 + ".pdf").endswith(".pdf")
    assert len(display_name("a" * 400 + ".pdf")) == 255
