"""Decide what an uploaded file is from its content, never from its name (DESIGN §6).

Accepted: PDF, Word, Excel and PowerPoint (DOCX, XLSX, PPTX), OpenDocument text and
spreadsheets, CSV, plain text, PNG and JPEG. Everything else is refused with a reason a person
can act on, and so is a file whose name claims one type while its content is another.
"""

import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from flask_babel import lazy_gettext as _l

HEAD = 8192


@dataclass(frozen=True)
class FileType:
    name: str
    mime: str
    extensions: tuple[str, ...]
    readable: str | None = None  # how to read its text for the personal-data scan


TYPES = {
    "pdf": FileType("pdf", "application/pdf", (".pdf",), "pdf"),
    "docx": FileType(
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (".docx",),
    ),
    "xlsx": FileType(
        "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",)
    ),
    "pptx": FileType(
        "pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        (".pptx",),
    ),
    "odt": FileType("odt", "application/vnd.oasis.opendocument.text", (".odt",)),
    "ods": FileType("ods", "application/vnd.oasis.opendocument.spreadsheet", (".ods",)),
    "csv": FileType("csv", "text/csv", (".csv",), "text"),
    "txt": FileType("txt", "text/plain", (".txt",), "text"),
    "png": FileType("png", "image/png", (".png",)),
    "jpeg": FileType("jpeg", "image/jpeg", (".jpg", ".jpeg")),
}
ACCEPTED_EXTENSIONS = sorted({e for t in TYPES.values() for e in t.extensions})

EXECUTABLE_SIGNATURES = (b"MZ", b"\x7fELF", b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe", b"#!")
NO_ARCHIVES = _l("Archives such as ZIP files are not accepted. Upload each document on its own.")
ARCHIVE_SIGNATURES = (b"\x1f\x8b", b"7z\xbc\xaf\x27\x1c", b"Rar!", b"BZh", b"\xfd7zXZ")
MARKUP_MARKERS = ("<html", "<!doctype", "<svg", "<script", "<?xml", "<body", "<iframe")
OPENDOCUMENT = {
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
}
OOXML_MAIN_PARTS = {
    "word/document.xml": "docx",
    "xl/workbook.xml": "xlsx",
    "ppt/presentation.xml": "pptx",
}
SUSPICIOUS_ENTRIES = (".html", ".htm", ".svg", ".js", ".exe", ".dll", ".bat", ".sh", ".ps1")
BACKSLASH = chr(92)


class FileRefused(Exception):
    """An upload the tracker will not keep, with a message for the person who sent it."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def display_name(filename: str | None) -> str:
    """A file's name for showing only: the last part of any path, without control characters,
    shortened to 255 characters with its extension kept."""
    name = (filename or "").replace(BACKSLASH, "/").split("/")[-1]
    name = "".join(c for c in name if c.isprintable()).strip()
    if len(name) > 255:
        suffix = PurePosixPath(name).suffix[:20]
        name = name[: 255 - len(suffix)] + suffix
    return name or "file"


def _zip_type(path: Path) -> str:
    """An Office or OpenDocument file is a ZIP with a known main part and nothing else odd."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            if any(_suspicious(n) for n in names):
                raise FileRefused(NO_ARCHIVES)
            if "mimetype" in names and archive.getinfo("mimetype").file_size <= 100:
                with archive.open("mimetype") as fh:  # read a little, never a whole entry
                    mimetype = fh.read(100).decode("ascii", "replace").strip()
                if mimetype in OPENDOCUMENT and "content.xml" in names:
                    return OPENDOCUMENT[mimetype]
            if "[Content_Types].xml" in names:
                for main_part, kind in OOXML_MAIN_PARTS.items():
                    if main_part in names:
                        return kind
    except (zipfile.BadZipFile, OSError, KeyError, RuntimeError, NotImplementedError):
        pass
    raise FileRefused(NO_ARCHIVES)


def _suspicious(name: str) -> bool:
    """An entry no Office document has: a web page, a script, a program, or an odd path."""
    lowered = name.lower().replace(BACKSLASH, "/")
    return (
        lowered.startswith("/")
        or ".." in PurePosixPath(lowered).parts
        or lowered.endswith(SUSPICIOUS_ENTRIES)
    )


def _text_type(head: bytes, extension: str) -> str:
    if b"\x00" in head:
        raise FileRefused(_l("This type of file is not accepted."))
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(head) - 4:  # not just a character cut off at the end of HEAD
            raise FileRefused(_l("Text files must be saved as UTF-8.")) from None
        text = head[: error.start].decode("utf-8")
    lowered = text.lstrip("\ufeff \t\r\n").lower()
    if any(marker in lowered for marker in MARKUP_MARKERS):
        raise FileRefused(
            _l(
                "Web pages, SVG images and other markup are not accepted, "
                "as they can carry scripts."
            )
        )
    return "csv" if extension == ".csv" else "txt"


def detect(path: Path, filename: str) -> FileType:
    """The type of the file at `path`, checked against the extension of `filename`."""
    extension = PurePosixPath(display_name(filename)).suffix.lower()
    with path.open("rb") as fh:
        head = fh.read(HEAD)
    if not head:
        raise FileRefused(_l("The file is empty."))
    if head.startswith(EXECUTABLE_SIGNATURES):
        raise FileRefused(_l("Programs and scripts are not accepted."))
    if head.startswith(ARCHIVE_SIGNATURES):
        raise FileRefused(NO_ARCHIVES)
    if head.startswith(b"%PDF-"):
        kind = "pdf"
    elif head.startswith(b"\x89PNG\r\n\x1a\n"):
        kind = "png"
    elif head.startswith(b"\xff\xd8\xff"):
        kind = "jpeg"
    elif head.startswith(b"PK\x03\x04"):
        kind = _zip_type(path)
    else:
        kind = _text_type(head, extension)
    found = TYPES[kind]
    if extension not in found.extensions:
        raise FileRefused(
            _l(
                "The file's content is %(found)s, which does not match its name. "
                "Accepted: %(accepted)s.",
                found=found.name.upper(),
                accepted=", ".join(ACCEPTED_EXTENSIONS),
            )
        )
    return found
