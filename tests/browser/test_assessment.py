"""The assessment pages on a 360-px phone: no page-wide horizontal scroll (wide tables scroll in their box), and without JS."""

from __future__ import annotations

import pytest

from ..assessment_data import build_2025
from .conftest import fits_width, sign_in


@pytest.fixture
def data(app, world):
    with app.app_context():
        return build_2025(world)


def test_the_district_reads_the_assessment_and_the_phases_on_a_phone(phone, data):
    sign_in(phone, "district")
    phone.goto("/assessment?year=2025")
    assert fits_width(phone)
    phone.get_by_role("link", name="甲街道").click()
    phone.wait_for_url(f"**/assessment/{data.street}?year=2025")
    assert phone.locator("#kpi-rate").inner_text() == "42.9%"
    assert fits_width(phone)
    # The wide tables scroll inside their own box.
    assert phone.evaluate(
        "[...document.querySelectorAll('.table-wrap')].every(w => getComputedStyle(w).overflowX === 'auto')"
    )
    phone.get_by_role("link", name="逾期未整改").click()
    phone.wait_for_url("**/hazards?*figure=overdue*")
    assert phone.locator("#loop-hazard-list li").count() == 2 and fits_width(phone)
    phone.goto("/assessment/phases?year=2025")
    assert phone.get_by_role("heading", name="达标岗位数（个）").is_visible() and fits_width(phone)
    assert phone.console_errors == []


def test_the_year_is_chosen_without_javascript(browser, live_server, data):
    context = browser.new_context(
        java_script_enabled=False, base_url=live_server, viewport={"width": 360, "height": 740}
    )
    page = context.new_page()
    sign_in(page, "street_a")
    page.goto(f"/assessment/{data.street}?year=2026")
    page.get_by_label("年度", exact=True).select_option("2025")  # the plain GET form
    page.get_by_role("button", name="查看").click()
    page.wait_for_url("**year=2025")
    assert page.locator("#kpi-rate").inner_text() == "42.9%" and fits_width(page)
    context.close()
