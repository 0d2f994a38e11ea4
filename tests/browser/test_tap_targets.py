"""At 360 px the top navigation shows each role's first links and a 更多 menu, with nothing off
screen, and the walk's controls a crawl does not open are 44 × 44 px (every page type's own
controls are measured in the same walk as axe-core: test_accessibility.py)."""

from __future__ import annotations

import pytest

from .conftest import PHONE, new_context
from .site import SMALL_TARGETS, TAP, sign_in_as, site  # noqa: F401 (a fixture)

pytestmark = pytest.mark.browser

# What each role reaches from the bar; on a phone the first few, the rest under 更多.
NAV = {
    "inspector": (["首页", "待同步", "待复查", "企业"], ["举报", "三张清单", "检查清单"]),
    "street": (
        ["首页", "待复查", "企业", "三张清单"],
        [
            "举报",
            "检查清单",
            "报送",
            "季报表",
            "目标",
            "考评",
            "告知承诺",
            "重大隐患",
            "执法",
            "督导帮扶",
            "新发现单位",
            "包保",
        ],
    ),
    "district": (
        ["首页", "待复查", "企业", "三张清单"],
        [
            "举报",
            "检查清单",
            "报送",
            "清单建议",
            "季报表",
            "目标",
            "考评",
            "告知承诺",
            "重大隐患",
            "执法",
            "督导帮扶",
            "新发现单位",
            "包保",
            "设置",
            "审计链",
        ],
    ),
    "department": (
        ["首页", "企业", "三张清单", "季报表"],
        ["检查清单", "报送", "清单建议", "重大隐患", "执法", "督导帮扶"],
    ),
    "enterprise": (["本单位", "整改清单", "企业自查"], []),
}
OFF_SCREEN = """() => [...document.querySelectorAll("header.topbar *")].flatMap(el => {
  const box = el.getBoundingClientRect(), width = document.documentElement.clientWidth;
  const shown = box.width && box.height && getComputedStyle(el).visibility !== "hidden";
  return shown && (box.left < -0.5 || box.right > width + 0.5)
    ? [`${el.tagName.toLowerCase()} “${el.innerText.trim().slice(0, 12)}” ${Math.round(box.left)}–${Math.round(box.right)}`] : [];
})"""


@pytest.mark.parametrize("role", list(NAV))
def test_the_phone_navigation_shows_its_first_links_and_a_more_menu_with_nothing_off_screen(
    app, browser, playwright, live_server, site, role
):
    context = new_context(browser, playwright, live_server, PHONE, service_workers="block")
    page = context.new_page()
    sign_in_as(page, site, role)
    first, more = NAV[role]
    nav = page.get_by_role("navigation", name="主导航")
    shown = [a.inner_text() for a in nav.locator("a").all() if a.is_visible()]
    assert shown == first
    assert page.evaluate(OFF_SCREEN) == []
    if more:
        menu = nav.locator("summary", has_text="更多")
        assert menu.is_visible()
        menu.click()
        assert [a.inner_text() for a in nav.locator("a").all() if a.is_visible()] == first + more
        # Open, the menu still fits the screen, and each of its links is a full-size target.
        assert page.evaluate(OFF_SCREEN) == []
        for link in [a for a in nav.locator("a").all() if a.is_visible()]:
            box = link.bounding_box()
            assert box["width"] >= TAP and box["height"] >= TAP, (link.inner_text(), box)
        nav.get_by_role("link", name=more[-1]).click()
        page.wait_for_load_state()
        assert "/login" not in page.url
    else:
        assert nav.locator("summary").count() == 0 or not nav.locator("summary").is_visible()
    logout = page.get_by_role("button", name="退出")
    box = logout.bounding_box()
    assert box["width"] >= TAP and box["height"] >= TAP, box
    context.close()


def test_the_more_menu_works_without_javascript(app, browser, playwright, live_server, site):
    context = new_context(browser, playwright, live_server, PHONE, java_script_enabled=False)
    page = context.new_page()
    sign_in_as(page, site, "street")
    nav = page.get_by_role("navigation", name="主导航")
    assert not nav.get_by_role("link", name="季报表").is_visible()
    nav.locator("summary", has_text="更多").click()
    nav.get_by_role("link", name="季报表").click()
    page.wait_for_url("**/quarterly")
    context.close()


def test_a_walk_item_with_a_hazard_and_a_photo_has_only_44_px_controls(
    browser, playwright, live_server, site, tmp_path
):
    """The controls a crawl does not open: 不符合's hazard panel (已当场整改) and a photo's ✕."""
    from .. import images

    shot = tmp_path / "shot.jpg"
    shot.write_bytes(images.jpeg(seed=81))
    context = new_context(browser, playwright, live_server, PHONE, service_workers="block")
    page = context.new_page()
    sign_in_as(page, site, "inspector")
    page.goto("/inspect")
    page.get_by_role("link", name="开始检查").first.click()
    item = page.locator("main .item-card").first
    item.locator("label.choice.fail").click()
    item.locator("[data-photos=before] input[type=file]").set_input_files(str(shot))
    item.locator(".thumb .remove").wait_for()
    item.get_by_text("已当场整改").wait_for()
    small = page.evaluate(SMALL_TARGETS, TAP)
    context.close()
    assert small == []
