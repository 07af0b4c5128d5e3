"""Real file bytes for the evidence tests, made here rather than shipped."""

import io
import struct
import zipfile
import zlib


def pdf(text: str = "Multi-agency audit findings") -> bytes:
    """A small, valid one-page PDF whose text a PDF reader can extract."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = io.BytesIO(), []
    out.write(b"%PDF-1.4\n")
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return out.getvalue()


def png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


def jpeg() -> bytes:
    return (
        b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
        + b"\x00" * 64
        + b"\xff\xd9"
    )


def _zip(members: dict[str, bytes], first: str | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        if first:
            archive.writestr(first, members.pop(first), compress_type=zipfile.ZIP_STORED)
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def docx() -> bytes:
    return _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})


def xlsx() -> bytes:
    return _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})


def pptx() -> bytes:
    return _zip({"[Content_Types].xml": b"<Types/>", "ppt/presentation.xml": b"<p/>"})


def odt() -> bytes:
    return _zip(
        {
            "mimetype": b"application/vnd.oasis.opendocument.text",
            "content.xml": b"<office:document-content/>",
        },
        first="mimetype",
    )


def content_types(defaults=(), overrides=()) -> bytes:
    """An OOXML [Content_Types].xml declaring `defaults` (extension, type) and `overrides`
    (part name, type) on top of the ones every Word file has."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>',
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">',
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>',
        '<Default Extension="xml" ContentType="application/xml"/>',
        '<Default Extension="png" ContentType="image/png"/>',
    ]
    lines += [f'<Default Extension="{e}" ContentType="{t}"/>' for e, t in defaults]
    lines += [f'<Override PartName="{p}" ContentType="{t}"/>' for p, t in overrides]
    return "".join(lines + ["</Types>"]).encode()


def macro_docx() -> bytes:
    """A Word file carrying a VBA project, as a .docm does, but named and typed as a .docx."""
    return _zip(
        {
            "[Content_Types].xml": content_types(
                defaults=[("bin", "application/vnd.ms-office.vbaProject")]
            ),
            "word/document.xml": b"<w:document/>",
            "word/vbaProject.bin": b"\xd0\xcf\x11\xe0 VBA",
        }
    )


def plain_zip() -> bytes:
    return _zip({"minutes.txt": b"Minutes", "notes.txt": b"Notes"})


def slow_pdf(pages: int = 300, lines: int = 20_000, text: str = "Referral figures") -> bytes:
    """A small PDF (tens of KB) that is slow to read: every page draws the same compressed
    content stream of `lines` lines of text, so each page's text takes seconds to extract
    while the file stays tiny. The shape of the crafted upload of issue #16."""
    from pypdf import PdfWriter
    from pypdf.generic import DictionaryObject, NameObject, StreamObject

    writer = PdfWriter()
    drawn = StreamObject()
    drawn.set_data(b"BT /F1 12 Tf 10 10 Td " + f"({text}) Tj 0 -1 Td ".encode() * lines + b"ET")
    contents = writer._add_object(drawn.flate_encode())
    font = writer._add_object(
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject("/Helvetica"),
            }
        )
    )
    for _ in range(pages):
        page = writer.add_blank_page(200, 200)
        page[NameObject("/Contents")] = contents
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})}
        )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
