"""Decide what an uploaded file is from its content, never from its name (DESIGN §6).

Accepted: PDF, Word, Excel and PowerPoint (DOCX, XLSX, PPTX), OpenDocument text and
spreadsheets, CSV, plain text, PNG and JPEG. Everything else is refused with a reason a person
can act on, and so is a file whose name claims one type while its content is another.
"""

import string
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree

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
# Parts that run code or hide a web page: VBA projects (what makes a .docm or .xlsm), the macro
# folders of OpenDocument, and MHT web archives (Word shows them through altChunk).
MACRO_PARTS = ("vbaproject.bin", "vbaprojectsignature.bin", "vbadata.xml")
MACRO_FOLDERS = ("scripts", "basic")
WEB_ARCHIVE_ENTRIES = (".mht", ".mhtml")
# Content types, lower-cased, that mark such a part whatever its name.
ACTIVE_CONTENT_TYPES = ("macroenabled", "vbaproject", "vbadata", "message/rfc822", "multipart/")
ACTIVE_CONTENT_TYPES_EXACT = ("text/html", "application/xhtml+xml", "image/svg+xml")
CONTENT_TYPES_LIMIT = 1024 * 1024  # a real [Content_Types].xml is a few kilobytes
HIDDEN_CONTENT = _l(
    "Documents that contain macros, scripts, programs or web pages are not accepted, as these "
    "can run code. Save the document again without them (for example as .docx rather than "
    ".docm) and upload it."
)
BACKSLASH = chr(92)
# Windows drops trailing spaces and dots from a name, so "X.HTM " opens as "X.HTM".
TRAILING = string.whitespace + "."


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
            if any(_outside(n) for n in names):
                raise FileRefused(NO_ARCHIVES)
            entries = [_entry_name(n) for n in names]
            if any(_active(e) for e in entries):
                raise FileRefused(HIDDEN_CONTENT)
            if "mimetype" in names and archive.getinfo("mimetype").file_size <= 100:
                with archive.open("mimetype") as fh:  # read a little, never a whole entry
                    mimetype = fh.read(100).decode("ascii", "replace").strip()
                if mimetype in OPENDOCUMENT and "content.xml" in names:
                    return OPENDOCUMENT[mimetype]
            if "[Content_Types].xml" in names:
                if _declares_active_parts(archive, entries):
                    raise FileRefused(HIDDEN_CONTENT)
                for main_part, kind in OOXML_MAIN_PARTS.items():
                    if main_part in names:
                        return kind
    except (
        zipfile.BadZipFile,
        OSError,
        KeyError,
        RuntimeError,
        NotImplementedError,
        ElementTree.ParseError,
    ):
        pass
    raise FileRefused(NO_ARCHIVES)


def _entry_name(name: str) -> str:
    """An entry's name as Windows would open it: lower case, each part without trailing
    spaces or dots, so that "word/X.HTM " is compared as "word/x.htm"."""
    parts = name.replace(BACKSLASH, "/").lower().split("/")
    return "/".join(part.rstrip(TRAILING) for part in parts)


def _outside(name: str) -> bool:
    """An entry whose path leaves the document: absolute, or with a part of only dots (and
    perhaps spaces, which Windows drops), such as ".." or ".. "."""
    parts = name.replace(BACKSLASH, "/").split("/")
    return name.startswith(("/", BACKSLASH)) or any(
        p.strip(string.whitespace) and not p.strip(TRAILING) for p in parts
    )


def _active(entry: str) -> bool:
    """An entry (named as by `_entry_name`) that can run code or show a web page: a script, a
    program, a web page, a macro project or macro folder, or an MHT web archive."""
    first, _, _ = entry.partition("/")
    return (
        entry.endswith(SUSPICIOUS_ENTRIES + WEB_ARCHIVE_ENTRIES)
        or entry.rpartition("/")[2] in MACRO_PARTS
        or (first in MACRO_FOLDERS and entry != first)
    )


def _declares_active_parts(archive: zipfile.ZipFile, entries: list[str]) -> bool:
    """Whether [Content_Types].xml gives any part in the file a macro or web-page type: a
    renamed vbaProject.bin, a .docm's main part or an altChunk of type message/rfc822."""
    with archive.open("[Content_Types].xml") as fh:  # never more than the limit, whatever
        raw = fh.read(CONTENT_TYPES_LIMIT + 1)  # the ZIP's header claims
    if len(raw) > CONTENT_TYPES_LIMIT or b"<!doctype" in raw.lower():
        # Office never writes a DTD; refusing one means no entity can spell a type out of sight.
        raise FileRefused(NO_ARCHIVES)
    defaults, overrides = {}, {}
    for element in ElementTree.fromstring(raw).iter():
        tag = element.tag.rpartition("}")[2]
        content_type = element.get("ContentType", "").strip().lower()
        if tag == "Default":
            defaults[element.get("Extension", "").lower().lstrip(".")] = content_type
        elif tag == "Override":
            overrides[_entry_name(element.get("PartName", "")).lstrip("/")] = content_type
    for entry in entries:
        extension = PurePosixPath(entry).suffix.lstrip(".")
        content_type = overrides.get(entry, defaults.get(extension, ""))
        if content_type in ACTIVE_CONTENT_TYPES_EXACT or any(
            marker in content_type for marker in ACTIVE_CONTENT_TYPES
        ):
            return True
    return False


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
