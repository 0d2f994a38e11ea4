"""Check an uploaded document by its content, never its name: PDF, image or Office (OOXML) file.

A filing (方案, 评估报告, 工作总结 …) is kept as received, as evidence, and later opened
by district staff: so only the kinds a street or department produces are taken, each
recognised from its bytes and checked for a sound structure, within a size limit.
A name that claims one kind over content of another is refused, saying so.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath

from .errors import DomainError


class DocumentRejected(DomainError):
    """A refused upload, with its HTTP status and a Chinese reason."""

    status = 415


@dataclass(frozen=True)
class Kind:
    code: str
    ext: str
    mime: str
    label: str


KINDS = {
    k.code: k
    for k in (
        Kind("pdf", "pdf", "application/pdf", "PDF 文件"),
        Kind("jpeg", "jpg", "image/jpeg", "JPEG 图片"),
        Kind("png", "png", "image/png", "PNG 图片"),
        Kind("webp", "webp", "image/webp", "WebP 图片"),
        Kind("heic", "heic", "image/heic", "HEIC 图片"),
        Kind(
            "docx",
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "Word 文档（.docx）",
        ),
        Kind(
            "xlsx",
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "Excel 表格（.xlsx）",
        ),
        Kind(
            "pptx",
            "pptx",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            "PowerPoint 文稿（.pptx）",
        ),
    )
}
# What a file name's extension claims: refused when the content says otherwise.
CLAIMS = {
    "pdf": "pdf",
    "jpg": "jpeg",
    "jpeg": "jpeg",
    "png": "png",
    "webp": "webp",
    "heic": "heic",
    "heif": "heic",
    "docx": "docx",
    "xlsx": "xlsx",
    "pptx": "pptx",
    "doc": "docx",
    "xls": "xlsx",
    "ppt": "pptx",
}
# OOXML: the main part and its content type name the application.
OOXML_MAIN = {
    "docx": ("word/document.xml", b"wordprocessingml.document.main+xml"),
    "xlsx": ("xl/workbook.xml", b"spreadsheetml.sheet.main+xml"),
    "pptx": ("ppt/presentation.xml", b"presentationml.presentation.main+xml"),
}
OOXML_MAX_ENTRIES = 5000
OOXML_MAX_UNPACKED = (
    100 * 1024 * 1024
)  # a zip bomb is refused from its directory, before anything is inflated
ACCEPTED = "请上传 PDF、图片（JPEG、PNG、WebP、HEIC）或 Office 文档（.docx、.xlsx、.pptx）。"


def check(data: bytes, name: str, *, max_bytes: int, max_pixels: int) -> Kind:
    """Return the kind the bytes are; raise DocumentRejected with the reason (empty, too large, unknown, damaged)."""
    if not data:
        raise DocumentRejected("文件为空（0 字节），未保存。请重新选择文件。", status=400)
    if len(data) > max_bytes:
        raise DocumentRejected(
            f"文件过大（{len(data) / 1048576:.1f} MB），单个文件最多 {max_bytes / 1048576:.0f} MB。"
            "扫描件请降低分辨率或分成几个文件上传。",
            status=413,
        )
    claimed = CLAIMS.get(PurePosixPath((name or "").replace("\\", "/")).suffix.lower().lstrip("."))
    try:
        return KINDS[_identify(data, max_pixels)]
    except DocumentRejected as exc:
        # Say so when the name promised another kind than the bytes are (a damaged file of the named kind is just damaged).
        if claimed and _family(claimed) != _sniff(data):
            exc.message = (
                f"文件名为“{_short(name)}”，但内容不是{KINDS[claimed].label}：{exc.message}"
            )
        raise


def _family(kind: str) -> str:
    return {"pdf": "pdf", "docx": "ooxml", "xlsx": "ooxml", "pptx": "ooxml"}.get(kind, "image")


def _sniff(data: bytes) -> str:
    """The family the first bytes announce: pdf, ooxml, other (programs, old Office), else image (Pillow decides)."""
    head = data[:8]
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return "ooxml"
    if head.startswith(
        (b"MZ", b"\x7fELF", b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe", b"\xd0\xcf\x11\xe0")
    ):
        return "other"
    return "image"


def _short(name: str) -> str:
    name = PurePosixPath((name or "").replace("\\", "/")).name
    return name if len(name) <= 60 else name[:28] + "…" + name[-28:]


def _identify(data: bytes, max_pixels: int) -> str:
    head = data[:8]
    if head.startswith(b"%PDF-"):
        _check_pdf(data)
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return _check_ooxml(data)
    if (
        head.startswith(b"MZ")
        or head.startswith(b"\x7fELF")
        or head[:4] in (b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe")
    ):
        raise DocumentRejected("文件内容是可执行程序，不予接收。" + ACCEPTED)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise DocumentRejected(
            "这是旧版 Office 文件（.doc、.xls、.ppt），不予接收：请另存为 .docx、.xlsx、.pptx 或 PDF 后上传。"
        )
    return _check_image(data, max_pixels)


_STARTXREF = re.compile(rb"startxref\s+(\d+)\s+%%EOF")
_OBJ = re.compile(rb"\d+\s+\d+\s+obj\b")
# Active content a reader may run: a filing is a document, nothing more.
_ACTIVE = re.compile(rb"/(?:JavaScript|JS|Launch|EmbeddedFile|RichMedia)\b")


def _check_pdf(data: bytes) -> None:
    """Header, trailer and the cross-reference offset must hold; no scripts, launch actions or embedded files."""
    if not re.match(rb"%PDF-[12]\.\d", data[:8]):
        raise DocumentRejected("PDF 文件头不正确，文件可能已损坏。", status=422)
    if _ACTIVE.search(data):
        raise DocumentRejected(
            "PDF 中含有脚本、启动操作或嵌入文件，不予接收：请另存或打印为普通 PDF 后上传。",
            status=422,
        )
    tail = data[-2048:]
    if b"%%EOF" not in tail:
        raise DocumentRejected(
            "PDF 文件不完整（缺少文件结尾标记），可能没有上传完整，请重新上传。", status=422
        )
    found = _STARTXREF.findall(tail)
    if not found:
        raise DocumentRejected(
            "PDF 结构损坏（缺少交叉引用表的位置），请重新导出后上传。", status=422
        )
    offset = int(found[-1])
    at = data[offset : offset + 40] if offset < len(data) else b""
    if not (at.startswith(b"xref") or _OBJ.match(at)):
        raise DocumentRejected(
            "PDF 结构损坏（交叉引用表的位置不正确），请重新导出后上传。", status=422
        )


def _check_ooxml(data: bytes) -> str:
    """A sound ZIP holding an Office Open XML package of Word, Excel or PowerPoint, without macros."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()
            if (
                len(infos) > OOXML_MAX_ENTRIES
                or sum(i.file_size for i in infos) > OOXML_MAX_UNPACKED
            ):
                raise DocumentRejected("压缩包解开后过大或文件过多，不予接收。", status=422)
            names = {i.filename for i in infos}
            if "[Content_Types].xml" not in names:
                raise DocumentRejected("这是 ZIP 压缩包，不是 Office 文档，不予接收。" + ACCEPTED)
            types = z.read("[Content_Types].xml")
            if b"macroEnabled" in types or any(n.lower().endswith("vbaproject.bin") for n in names):
                raise DocumentRejected(
                    "含宏的 Office 文件不予接收：请另存为不含宏的 .docx、.xlsx、.pptx 或 PDF。",
                    status=422,
                )
            kind = next(
                (k for k, (part, ctype) in OOXML_MAIN.items() if part in names and ctype in types),
                None,
            )
            if kind is None:
                raise DocumentRejected(
                    "无法识别的 Office 文档（不是 Word、Excel 或 PowerPoint 文件）。" + ACCEPTED
                )
            if z.testzip() is not None:
                raise DocumentRejected(
                    "Office 文档已损坏（校验不符），请重新保存后上传。", status=422
                )
            return kind
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        EOFError,
        ValueError,
        NotImplementedError,
        RuntimeError,
    ):
        raise DocumentRejected(
            "Office 文档已损坏或不完整，请重新保存后上传。", status=422
        ) from None


def _check_image(data: bytes, max_pixels: int) -> str:
    """Decode it fully, as photos are (bombs and damaged files refused)."""
    from . import photos

    try:
        done = photos.process(data, max_pixels=max_pixels)
    except photos.PhotoRejected as exc:
        if exc.status == 415:
            raise DocumentRejected("无法识别的文件类型。" + ACCEPTED) from None
        raise DocumentRejected(exc.message, status=422) from None
    return {"image/jpeg": "jpeg", "image/png": "png", "image/webp": "webp", "image/heic": "heic"}[
        done.mime
    ]
