"""The downloaded 一企一档 opens from file:// with the network off, shows every photo, and prints to A4."""

from __future__ import annotations

import zipfile

import pytest

from fieldapp.archive import collect, verify

from ..archive_factory import build_record
from .conftest import fits_width, sign_in

pytestmark = pytest.mark.browser


def test_downloaded_archive_opens_offline_and_prints(app, browser, phone, world, tmp_path):
    with app.app_context():
        ent_id = build_record(world, extra_visits=3)["enterprise_id"]
    sign_in(phone, "street_a")
    phone.goto(f"/enterprises/{ent_id}")
    with phone.expect_download() as download:
        phone.get_by_role("link", name="下载一企一档").click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.name.startswith("一企一档-甲一小吃店-") and path.suffix == ".html"
    report = verify.verify_file(path)
    assert report.ok, report.problems
    photos = [p for p in collect.section_data(report.doc, "photos") if p["display"]]
    assert len(photos) == 10

    # A fresh phone-sized context with the network off; any request but the file itself is refused and noted.
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN")
    context.set_offline(True)
    asked: list[str] = []
    context.route(
        "**/*",
        lambda route: (
            (asked.append(route.request.url), route.abort())
            if not route.request.url.startswith("file://")
            else route.continue_()
        ),
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    widths = page.evaluate(
        "Promise.all([...document.images].map(i => i.decode().then(() => i.naturalWidth, () => 0)))"
    )
    assert len(widths) == len(photos) and all(w > 0 for w in widths), widths
    assert page.get_by_role("heading", name="甲一小吃店").is_visible() and fits_width(page)
    assert (
        page.evaluate("document.getElementById('archive-data').content.childNodes.length") == 1
    )  # inert data
    assert asked == [] and errors == [], (asked, errors)

    page.emulate_media(media="print")
    assert (
        page.evaluate("getComputedStyle(document.querySelector('.doc-section')).breakBefore")
        == "page"
    )
    pdf = page.pdf(format="A4", print_background=True)
    pages = pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")
    assert pdf.startswith(b"%PDF") and pages > 5, pages
    context.close()
    assert phone.console_errors == [], phone.console_errors


def test_street_zip_progress_runs_to_the_download(app, phone, world, tmp_path):
    app.config["ARCHIVE_STEP_SECONDS"] = 0  # one archive per step: every step shows in the progress
    with app.app_context():
        build_record(world)
    sign_in(phone, "street_a")
    phone.goto("/enterprises")
    phone.get_by_role("link", name="批量导出一企一档（按街道或网格打包为 ZIP）").click()
    phone.get_by_label("导出范围").select_option("street:甲街道")
    phone.get_by_role("button", name="开始导出").click()
    phone.get_by_text("已生成 2 / 2 份").wait_for()
    with phone.expect_download() as download:
        phone.get_by_role("link", name="下载 ZIP").click()
    path = tmp_path / "street.zip"
    download.value.save_as(path)
    with zipfile.ZipFile(path) as zf:
        assert len(zf.namelist()) == 3 and all(
            verify.verify_bytes(zf.read(n)).ok for n in zf.namelist()[:2]
        )
    assert fits_width(phone) and phone.console_errors == [], phone.console_errors
