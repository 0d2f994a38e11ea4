"""Real documents for filing tests: a PDF and an XLSX written by their libraries, a DOCX package, hostile look-alikes."""

from __future__ import annotations

import io
import zipfile

from PIL import Image

from .images import noisy


def pdf(seed: int = 1) -> bytes:
    """A one-page PDF as a scanner app makes it: an image written by Pillow's PDF writer."""
    buf = io.BytesIO()
    noisy(200, 280, seed=seed).save(buf, "PDF", resolution=72)
    return buf.getvalue()


def xlsx() -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    wb.active["A1"] = "季报表"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


DOCX_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
    'wordprocessingml.document.main+xml"/></Types>'
)


def docx(types: str = DOCX_TYPES, extra: dict[str, bytes] | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", types)
        z.writestr(
            "_rels/.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
            'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/officeDocument" Target="word/document.xml"/></Relationships>',
        )
        z.writestr(
            "word/document.xml",
            '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
            'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>评估报告</w:t></w:r></w:p></w:body></w:document>',
        )
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return buf.getvalue()


def exe() -> bytes:
    """The start of a Windows program (MZ header, PE stub): what a renamed .exe carries."""
    return (
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
        + b"\x00" * 44
        + b"\x80\x00\x00\x00"
        + b"This program cannot be run in DOS mode.\r\r\n$"
        + b"\x00" * 200
    )


def plain_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("readme.txt", "not an office file")
    return buf.getvalue()


def image_pdf_with_script() -> bytes:
    """A PDF whose catalogue runs JavaScript on opening."""
    data = pdf()
    return data.replace(
        b"/Type /Catalog", b"/Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert(1)) >>", 1
    )


def truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


def png_bytes() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buf, "PNG")
    return buf.getvalue()
