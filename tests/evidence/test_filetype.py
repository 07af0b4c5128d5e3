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
        _zip({"[Content_Types].xml": b"<Types/>", "word/other.xml": b"<w/>"}),
        _zip(
            {"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>", "../evil.xml": b"x"}
        ),
        _zip(
            {"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>", ".. /evil.xml": b"x"}
        ),
    ],
    ids=["no main part", "path outside", "path outside with a trailing space"],
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


WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
DOCM_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"
XLSM_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
VBA = "application/vnd.ms-office.vbaProject"


def _word(*extra, defaults=(), overrides=()):
    members = {
        "[Content_Types].xml": files.content_types(defaults, overrides),
        "word/document.xml": b"<w:document/>",
    }
    members.update(extra)
    return "policy.docx", _zip(members)


def _excel(*extra, defaults=(), overrides=()):
    members = {
        "[Content_Types].xml": files.content_types(defaults, overrides),
        "xl/workbook.xml": b"<workbook/>",
    }
    members.update(extra)
    return "figures.xlsx", _zip(members)


def _opendocument(*extra, kind="text"):
    members = {
        "mimetype": f"application/vnd.oasis.opendocument.{kind}".encode(),
        "content.xml": b"<office:document-content/>",
    }
    members.update(extra)
    return ("plan.odt" if kind == "text" else "figures.ods"), files._zip(members, first="mimetype")


HIDDEN = {
    "web page inside": _word(("word/index.html", b"<script>x</script>")),
    "program inside": _word(("payload.exe", b"MZ")),
    "vba project in word": ("policy.docx", files.macro_docx()),
    "vba project in excel": _excel(("xl/vbaProject.bin", b"VBA")),
    "vba project renamed": _word(("word/code.bin", b"VBA"), defaults=[("bin", VBA)]),
    "vba project by override": _word(
        ("word/media/image9.png", b"VBA"), overrides=[("/word/media/image9.png", VBA)]
    ),
    "docm main part": _word(overrides=[("/word/document.xml", DOCM_MAIN)]),
    "xlsm main part": _excel(overrides=[("/xl/workbook.xml", XLSM_MAIN)]),
    "macro type in character references": _word(
        overrides=[("/word/document.xml", DOCM_MAIN.replace("macro", "&#109;&#97;cro"))]
    ),
    "vba project named with a trailing space": _word(("word/vbaProject.bin ", b"VBA")),
    "odt basic macros": _opendocument(("Basic/Standard/Module1.xml", b"<script:module/>")),
    "ods scripts": _opendocument(("Scripts/python/run.py", b"import os"), kind="spreadsheet"),
    "mht part": _word(("word/afchunk.mht", b"MIME-Version: 1.0")),
    "mhtml part": _excel(("xl/page.MHTML", b"MIME-Version: 1.0")),
    "altchunk typed message/rfc822": _word(
        ("word/afchunk1.dat", b"MIME-Version: 1.0"),
        overrides=[("/word/afchunk1.dat", "message/rfc822")],
    ),
    "web page named with a trailing space": _word(("word/X.HTM ", b"<script>x</script>")),
    "web page named with a trailing dot": _word(("word/x.htm.", b"<script>x</script>")),
}


@pytest.mark.parametrize("case", HIDDEN)
def test_hidden_macros_scripts_and_web_pages_are_refused(tmp_path, case):
    name, content = HIDDEN[case]
    path = tmp_path / "upload"
    path.write_bytes(content)
    with pytest.raises(FileRefused, match="macros, scripts"):
        detect(path, name)


def test_an_ordinary_office_file_with_its_content_types_is_accepted(tmp_path):
    name, content = _word(
        ("word/media/image1.png", files.png()),
        overrides=[("/word/document.xml", WORD_MAIN)],
    )
    path = tmp_path / "upload"
    path.write_bytes(content)
    assert detect(path, name).name == "docx"


def test_content_types_with_a_doctype_are_refused(tmp_path):
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE Types [<!ENTITY a "macroEnabled">]>'
        b'<Types><Override PartName="/word/document.xml" ContentType="&a;"/></Types>'
    )
    path = tmp_path / "upload"
    path.write_bytes(_zip({"[Content_Types].xml": laughs, "word/document.xml": b"<w/>"}))
    with pytest.raises(FileRefused):
        detect(path, "policy.docx")
