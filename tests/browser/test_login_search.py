"""A phone user signs in, searches the register and opens a premises."""

from __future__ import annotations

import pytest

from .conftest import fits_width, sign_in

pytestmark = pytest.mark.browser


def test_sign_in_search_and_open_a_premises(phone, world):
    sign_in(phone, "street_a")
    assert fits_width(phone)
    phone.get_by_role("navigation", name="主导航").get_by_role("link", name="企业").click()
    phone.wait_for_url("**/enterprises")
    results = phone.locator("#enterprise-results")
    assert results.get_by_role("link", name="甲二机械厂").is_visible()
    # Search as you type: htmx swaps the results and pushes the URL.
    phone.get_by_label("搜索").fill("小吃")
    phone.wait_for_url("**/enterprises?q=*")
    results.get_by_role("link", name="甲一小吃店").wait_for()
    assert results.get_by_role("link", name="甲二机械厂").count() == 0
    assert "共 1 家" in results.inner_text()
    assert fits_width(phone)
    results.get_by_role("link", name="甲一小吃店").click()
    phone.wait_for_url(f"**/enterprises/{world.ents['a1']}")
    assert phone.get_by_role("heading", name="甲一小吃店").is_visible()
    assert fits_width(phone)
    assert phone.console_errors == []


def test_filters_work_without_javascript(browser, live_server, world):
    context = browser.new_context(
        java_script_enabled=False, base_url=live_server, viewport={"width": 360, "height": 740}
    )
    page = context.new_page()
    sign_in(page, "district")
    page.goto("/enterprises")
    page.get_by_label("街道").select_option("乙街道")
    page.get_by_role("button", name="筛选").click()
    page.wait_for_url("**/enterprises?*street=*")
    text = page.locator("#enterprise-results").inner_text()
    assert "乙一机械厂" in text and "甲一小吃店" not in text
    context.close()


def test_wrong_password_message_is_announced(phone, world):
    phone.goto("/login")
    phone.get_by_label("用户名").fill("street_a")
    phone.get_by_label("密码").fill("not-the-password")
    phone.get_by_role("button", name="登录").click()
    assert phone.get_by_role("alert").inner_text() == "用户名或密码错误。"
