"""On a 360 px phone every control an inspector or an enterprise taps is at least 44 × 44 px,
and the top navigation shows each role's first links and a 更多 menu, with nothing off screen."""

from __future__ import annotations

import pytest

from .conftest import PHONE, new_context
from .site import USERS, sign_in_as, site, visit_page_types  # noqa: F401 (a fixture)

pytestmark = pytest.mark.browser

TAP = 44
# Every control one can tap, as the phone lays it out. A checkbox or radio wrapped in its
# label is tapped through the label, so the label is measured; so is a file input hidden
# inside a label styled as a button (拍照).
SMALL_TARGETS = """(tap) => {
  const out = [];
  for (const el of document.querySelectorAll("a[href], button, input, select, textarea, summary, [role=button]")) {
    if (el.type === "hidden" || el.closest("[hidden], template, .skip-link")) continue;
    let target = el;
    const label = el.closest("label");
    if (label && (["checkbox", "radio", "file"].includes(el.type))) target = label;
    const box = target.getBoundingClientRect();
    const style = getComputedStyle(target);
    if (!box.width || !box.height || style.visibility === "hidden") continue;
    if (box.width + 0.5 < tap || box.height + 0.5 < tap)
      out.push(`${target.tagName.toLowerCase()} “${(target.innerText || target.value || target.getAttribute("aria-label") || "").trim().slice(0, 16)}” ${Math.round(box.width)}×${Math.round(box.height)}`);
  }
  return out;
}"""


@pytest.mark.parametrize("role", ["inspector", "enterprise", "public"])  # a PIN user is an enterprise user
def test_every_control_on_the_phone_pages_is_at_least_44_px(app, browser, playwright, live_server, site, role):
    context = new_context(browser, playwright, live_server, PHONE, service_workers="block")
    page = context.new_page()
    sign_in_as(page, site, role)
    small: dict[str, list[str]] = {}

    def check(page, kind):
        found = page.evaluate(SMALL_TARGETS, TAP)
        if found:
            small[f"{kind} {page.url.split('/', 3)[3]}"] = found

    visited = visit_page_types(app, page, site.starts[role], check)
    context.close()
    assert len(visited) >= {"inspector": 12, "enterprise": 4, "public": 3}[role], visited
    assert small == {}, "\n".join(f"/{where}: {'; '.join(found)}" for where, found in small.items())


# What each role reaches from the bar; on a phone the first few, the rest under 更多.
NAV = {
    "inspector": (["首页", "待同步", "待复查", "企业"], ["举报", "三张清单", "检查清单"]),
    "street": (["首页", "待复查", "企业", "三张清单"], ["举报", "检查清单", "报送", "季报表", "目标", "考评", "告知承诺"]),
    "district": (["首页", "待复查", "企业", "三张清单"],
                 ["举报", "检查清单", "报送", "清单建议", "季报表", "目标", "考评", "告知承诺", "设置", "审计链"]),
    "department": (["首页", "企业", "三张清单", "季报表"], ["检查清单", "报送", "清单建议"]),
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
        app, browser, playwright, live_server, site, role):
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
