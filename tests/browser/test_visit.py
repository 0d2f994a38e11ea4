"""An inspector walks a checklist on a phone and finishes a visit with photographed hazards."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import Hazard, Photo, Visit

from .. import images
from .conftest import fits_width, sign_in
from .walking import answer, draw_signature

pytestmark = pytest.mark.browser


@pytest.fixture
def phone_geo(phone):
    phone.context.grant_permissions(["geolocation"])
    phone.context.set_geolocation({"latitude": 24.9091, "longitude": 118.5862, "accuracy": 15})
    return phone


def choose(page, item_text: str, result: str):
    return answer(page, item_text, result)


def test_walk_fail_two_items_with_photos_finish_and_print_the_notice(
    app, phone_geo, world, tmp_path
):
    page = phone_geo
    rotated = tmp_path / "rotated.jpg"
    rotated.write_bytes(images.jpeg(640, 480, orientation=6, gps=True))
    flat = tmp_path / "flat.png"
    flat.write_bytes(images.png(480, 320))

    sign_in(page, "inspector_a1")
    page.wait_for_url("**/inspect")
    page.locator("#due-list li", has_text="甲一小吃店").get_by_role("link", name="开始检查").click()
    page.wait_for_url("**/inspect/walk?visit=*")
    page.locator("[data-progress-text]").filter(has_text="已检查 0 / 5 项").wait_for()

    choose(page, "安全出口畅通", "符合")
    card = choose(page, "灭火器压力正常", "不符合")
    card.locator("[data-photos='before'] input[type=file]").set_input_files(str(rotated))
    card.locator("[data-photos='before'] img").wait_for()
    # A stray tap on ✕ is undone: the photo comes back, and stays after the reload below.
    card.get_by_role("button", name="删除这张照片").click()
    assert card.locator("[data-photos='before'] img").count() == 0
    card.get_by_role("status").filter(has_text="已删除 1 张照片").wait_for()
    card.get_by_role("button", name="撤销").click()
    card.locator("[data-photos='before'] img").wait_for()
    assert card.get_by_role("button", name="撤销").is_hidden()
    card.locator("[data-note]").fill("压力表指针在红区")
    assert fits_width(page)

    # A reload loses nothing: the answers live on the phone.
    page.reload()
    page.locator("[data-progress-text]").filter(has_text="已检查 2 / 5 项").wait_for()
    assert (
        page.locator(".item-card", has_text="灭火器压力正常")
        .locator("input[value=fail]")
        .is_checked()
    )
    page.locator(".item-card", has_text="灭火器压力正常").locator(
        "[data-photos='before'] img"
    ).wait_for()  # undone for good

    page.get_by_role("button", name="下一部分").click()
    choose(page, "无私拉乱接电线", "符合")  # the section is done: the walk moves on to the next one
    card = choose(page, "安装可燃气体报警器并有效", "不符合")
    card.locator("[data-photos='before'] input[type=file]").set_input_files(str(flat))
    card.locator("[data-photos='before'] img").wait_for()
    choose(page, "用餐区不放液化气钢瓶", "不适用")
    page.locator("[data-progress-text]").filter(has_text="已检查 5 / 5 项").wait_for()

    page.get_by_role("button", name="完成检查").click()
    page.locator("[data-location]").filter(has_text="已定位").wait_for()
    summary = page.locator("[data-summary]").inner_text()
    assert "不符合\n2" in summary and "一般隐患\n2" in summary
    draw_signature(page)
    page.get_by_role("button", name="提交检查结果").click()
    page.wait_for_url("**/visits/*", timeout=20_000)
    assert page.get_by_role("heading", name="检查记录").is_visible()
    assert page.locator(".hazard-row").count() == 2
    assert fits_width(page)

    with app.app_context():
        visit = db.session.scalar(select(Visit))
        assert (visit.answered_count, visit.fail_count, visit.location_status) == (5, 2, "ok")
        assert abs(visit.lat - 24.9091) < 1e-6
        hazards = db.session.scalars(select(Hazard).order_by(Hazard.item_key)).all()
        assert [h.item_key for h in hazards] == ["extinguishers", "gas_alarm"]
        shots = {h.item_key: db.session.get(Photo, h.before_photos[0]) for h in hazards}
        # The phone turned the photo upright before upload (orientation 6 → portrait).
        assert shots["extinguishers"].height > shots["extinguishers"].width
        assert shots["gas_alarm"] is not None and shots["gas_alarm"].lat is not None

    page.goto(f"/enterprises/{world.ents['a1']}")
    rows = page.locator("section[aria-labelledby=hazards-h] .hazard-row")
    assert rows.count() == 2 and "待整改" in rows.first.inner_text()
    assert page.locator(".hazard-row img").count() == 0  # thumbnails are on the hazard page
    page.locator(
        ".hazard-row a", has_text="灭火器失压或过期"
    ).click()  # hazards are named by their defect
    page.locator(".before-after img").first.scroll_into_view_if_needed()
    width = 0
    for _ in range(
        100
    ):  # a lazy image decodes when seen: poll (the CSP forbids wait_for_function's eval)
        width = page.evaluate("document.querySelector('.before-after img').naturalWidth")
        if width:
            break
        page.wait_for_timeout(100)
    assert width > 0

    page.goto(f"/visits/{visit.uuid}/notice")
    assert page.get_by_role("heading", name="隐患整改通知书").is_visible()
    assert page.locator("tbody tr").count() == 2
    pdf = page.pdf(format="A4")
    assert pdf[:4] == b"%PDF" and len(pdf) > 5000
    assert page.console_errors == [], page.console_errors
