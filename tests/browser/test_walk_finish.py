"""Finishing on site (issue 21 §5), on a 360 px phone.

Measured on main: a visit with 1 of 53 items answered was accepted, the summary gave counts
only, and the responsible person could sign only on paper. Now every required item needs an
answer or 未检查 with a reason, the summary lists the hazards and links to the open items,
and the responsible person signs on the phone (or refuses, with the reason).
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import Photo, Visit

from .. import images
from .conftest import fits_width, sign_in
from .test_offline import ALL_SYNCED, second_premises, wait_until  # noqa: F401  (second_premises: a fixture)
from .walking import answer, card, draw_signature, finish, photograph

pytestmark = pytest.mark.browser


def open_walk(page, world):
    sign_in(page, "inspector_a1")
    page.goto(f"/inspect/walk?enterprise={world.ents['a1']}")
    page.locator("[data-progress-text]").filter(has_text="已检查 0 / 5 项").wait_for()


def test_required_items_stop_the_visit_until_answered_or_set_aside_with_a_reason(app, phone, world):
    page = phone
    open_walk(page, world)
    answer(page, "安全出口畅通", "符合")
    page.locator("[data-section-select]").select_option(index=2)
    page.get_by_role("button", name="完成检查").click()
    page.locator("[data-finish]").wait_for()
    # The summary links to every open item, saying it is required.
    open_items = page.locator("[data-open-list] li")
    assert open_items.count() == 4 and all(
        "必答，未作答" in t for t in open_items.all_inner_texts()
    )
    page.get_by_label("拒绝签名或无法签名").check()
    page.get_by_label("原因（必填）").fill("负责人不在场")
    page.get_by_role("button", name="提交检查结果").click()
    assert "还有 4 项必答项未作答" in page.locator("[data-finish-error]").inner_text()
    with app.app_context():
        assert db.session.scalar(select(Visit)) is None
    assert not page.get_by_role("button", name="提交检查结果").is_disabled()

    # From the summary straight to the item: unfolded, with 未检查 offered.
    open_items.filter(has_text="无私拉乱接电线").get_by_role("button").click()
    wiring = card(page, "无私拉乱接电线")
    wiring.locator("[data-extra]").wait_for()
    wiring.get_by_label("未检查（须说明原因）").check()
    page.locator("[data-section-select]").select_option(index=2)
    page.get_by_role("button", name="完成检查").click()
    assert (
        "选择“未检查”须说明原因" in wiring.locator("[data-item-error]").inner_text()
    )  # back at the item
    wiring.get_by_label("未检查的原因").fill("配电间上锁，钥匙不在店内")

    page.locator("[data-section-select]").select_option(index=0)
    answer(
        page, "灭火器压力正常", "符合"
    )  # the section is done: the walk moves on, past the item set aside
    answer(page, "安装可燃气体报警器并有效", "符合")
    answer(page, "用餐区不放液化气钢瓶", "不适用")
    page.locator("[data-progress-text]").filter(has_text="已检查 4 / 5 项").wait_for()
    finish(page, refuse="负责人不在场，店员不愿代签")
    page.wait_for_url("**/visits/*", timeout=30_000)
    assert "未检查原因：配电间上锁，钥匙不在店内" in page.locator("main").inner_text()
    with app.app_context():
        visit = db.session.scalar(select(Visit))
        assert (visit.item_count, visit.answered_count) == (5, 4)
        assert visit.unchecked == [
            {
                "checklist": "general",
                "item": "no_ad_hoc_wiring",
                "reason": "配电间上锁，钥匙不在店内",
            }
        ]
        assert (
            visit.sign_off["status"] == "refused"
            and visit.sign_off["reason"] == "负责人不在场，店员不愿代签"
        )
    page.goto(f"/visits/{visit.uuid}/notice")
    assert (
        "未签名。原因：负责人不在场，店员不愿代签"
        in page.locator("#notice-signatures").inner_text()
    )
    assert page.console_errors == [], page.console_errors


def test_items_fold_the_summary_lists_each_hazard_and_the_signature_prints_on_both_notices(
    app, phone, world, tmp_path
):
    page = phone
    shot = tmp_path / "shot.jpg"
    shot.write_bytes(images.jpeg(640, 480))
    open_walk(page, world)
    # Folded until needed: an item answered 符合 shows no note or photo controls; 不符合 unfolds them.
    exits = answer(page, "安全出口畅通", "符合")
    c = card(page, "灭火器压力正常")
    assert exits.locator("[data-extra]").is_hidden() and c.locator("[data-extra]").is_hidden()
    answer(page, "灭火器压力正常", "不符合")
    assert c.locator("[data-extra]").is_visible()
    photograph(c, str(shot))
    page.get_by_role("button", name="下一部分").click()
    answer(page, "无私拉乱接电线", "符合")
    answer(page, "安装可燃气体报警器并有效", "符合")
    answer(page, "用餐区不放液化气钢瓶", "符合")
    page.locator("[data-progress-text]").filter(has_text="已检查 5 / 5 项").wait_for()
    page.get_by_role("button", name="完成检查").click()
    found = page.locator("[data-found] li")
    found.first.wait_for()
    assert found.count() == 1
    row = found.first.inner_text()
    assert (
        "灭火器失压或过期" in row and "一般隐患" in row and "整改期限" in row and "照片 1 张" in row
    )
    assert found.first.locator("img").count() == 1 and page.locator("[data-open-box]").is_hidden()
    assert fits_width(page)
    # Submitted offline: the phone's own notice shows the signature before any sync.
    page.context.set_offline(True)
    draw_signature(page)
    page.get_by_label("签名人姓名（可选）").fill("王店主")
    page.get_by_role("button", name="提交检查结果").click()
    page.locator("[data-finish-message]").filter(has_text="联网后会自动同步").wait_for()
    page.locator("[data-notice-link]").click()
    signature = page.locator("#notice-signatures img[data-sign-img]")
    signature.wait_for()
    assert "王店主" in page.locator("#notice-signatures").inner_text()
    assert natural_width(page, "#notice-signatures img[data-sign-img]") == 800

    page.context.set_offline(False)
    page.goto("/inspect/outbox")
    wait_until(
        page, ALL_SYNCED, 30
    )  # the outbox syncs on its own once online: photos and the signature first
    with app.app_context():
        visit = db.session.scalar(select(Visit))
        assert visit.sign_off["status"] == "signed" and visit.sign_off["signer"] == "王店主"
        assert db.session.get(Photo, visit.sign_off["signature"]).mime == "image/png"
    page.goto(f"/visits/{visit.uuid}/notice")
    assert natural_width(page, "#notice-signatures img.signature-img") > 0
    # Offline, the phone's tries to reach the server fail as they should; nothing else may.
    assert [e for e in page.console_errors if "ERR_INTERNET_DISCONNECTED" not in e] == [], (
        page.console_errors
    )


def natural_width(page, selector: str) -> int:
    """The decoded width of an image, once it has decoded."""
    expression = f"(document.querySelector({selector!r}) || {{}}).naturalWidth || 0"
    wait_until(page, expression)
    return page.evaluate(expression)
