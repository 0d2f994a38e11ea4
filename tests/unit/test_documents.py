"""Filed documents are recognised by their content: PDF structure, images decoded, OOXML packages; refusals in Chinese."""

from __future__ import annotations

import pytest

from fieldapp.documents import DocumentRejected, check

from .. import documents as docs
from .. import images

MB = 1024 * 1024


def _check(data: bytes, name: str = "x", max_bytes: int = 20 * MB):
    return check(data, name, max_bytes=max_bytes, max_pixels=64_000_000)


@pytest.mark.parametrize(
    "make,name,kind",
    [
        (docs.pdf, "方案.pdf", "pdf"),
        (docs.xlsx, "季报表.xlsx", "xlsx"),
        (docs.docx, "评估报告.docx", "docx"),
        (images.jpeg, "盖章页.jpg", "jpeg"),
        (images.png, "scan.png", "png"),
        (images.heic, "IMG_0001.HEIC", "heic"),
        # The content decides: a scan saved under a wrong name is still taken, as what it is.
        (images.jpeg, "方案.pdf", "jpeg"),
    ],
)
def test_accepted_kinds_are_named_by_content(make, name, kind):
    assert _check(make(), name).code == kind


@pytest.mark.parametrize(
    "make,name,status,words",
    [
        (
            docs.exe,
            "评估报告.pdf",
            415,
            ["文件名为“评估报告.pdf”，但内容不是PDF 文件", "可执行程序"],
        ),
        (lambda: b"", "方案.pdf", 400, ["文件为空"]),
        (lambda: b"\x00" * (2 * MB + 1), "big.pdf", 413, ["文件过大（2.0 MB）", "最多 2 MB"]),
        (lambda: docs.truncated(docs.pdf()), "方案.pdf", 422, ["PDF 文件不完整"]),
        (docs.image_pdf_with_script, "方案.pdf", 422, ["含有脚本"]),
        (docs.plain_zip, "表.xlsx", 415, ["不是 Office 文档"]),
        (lambda: docs.docx(extra={"word/vbaProject.bin": b"\x00" * 10}), "a.docx", 422, ["含宏"]),
        (
            lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500,
            "old.doc",
            415,
            ["旧版 Office 文件"],
        ),
        (lambda: "请见附件".encode() * 10, "说明.txt", 415, ["无法识别的文件类型"]),
        (lambda: docs.truncated(images.jpeg()), "scan.jpg", 422, ["图片已损坏"]),
        (
            lambda: docs.truncated(images.jpeg()),
            "scan.docx",
            422,
            ["文件名为“scan.docx”，但内容不是Word 文档"],
        ),
    ],
)
def test_refused_uploads_say_why_in_chinese(make, name, status, words):
    with pytest.raises(DocumentRejected) as caught:
        _check(make(), name, max_bytes=2 * MB)
    assert caught.value.status == status
    for w in words:
        assert w in caught.value.message


def test_a_pdf_whose_cross_reference_offset_is_wrong_is_refused():
    data = docs.pdf()
    start = data.rindex(b"startxref") + len(b"startxref\n")
    end = data.index(b"\n", start)
    broken = data[:start] + b"7" + data[end:]
    with pytest.raises(DocumentRejected, match="交叉引用表的位置不正确"):
        _check(broken, "a.pdf")


def test_a_zip_bomb_is_refused_from_its_directory():
    big = docs.docx(extra={"word/media/pad.bin": b"\x00" * (101 * MB)})
    with pytest.raises(DocumentRejected, match="解开后过大"):
        _check(big, "a.docx")
