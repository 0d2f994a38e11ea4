"""Office pages at the two sizes they are read at: cards on a phone, the full width of a PC.

Issue 21, finding 9: on a phone the 三张清单 table squeezed 7 columns (the hazard column
about 29 px); on a 1366 px PC content stopped at about 936 px, and the quarterly tables
showed 7 of 25-36 columns with no cue and no way to scroll them by keyboard.
"""

from __future__ import annotations

import pytest

from .conftest import DESKTOP, PHONE, new_context
from .site import sign_in_as, site  # noqa: F401 (a fixture)

pytestmark = pytest.mark.browser


def office_page(browser, playwright, live_server, site, size):
    context = new_context(browser, playwright, live_server, size, service_workers="block")
    page = context.new_page()
    sign_in_as(page, site, "street")
    return context, page


def test_the_three_lists_are_cards_on_a_phone(browser, playwright, live_server, site):
    context, page = office_page(browser, playwright, live_server, site, PHONE)
    page.goto("/lists/rectification")
    cells = page.locator("#list-rectification tbody td[data-label='隐患']")
    assert cells.count() >= 3
    for cell in cells.all():
        # The hazard's cell spans the card (its column was about 29 px, its link 17 px across).
        assert (
            cell.evaluate("td => td.clientWidth - parseFloat(getComputedStyle(td).paddingLeft)")
            >= 200
        )
        box = cell.locator("a").bounding_box()
        assert box["width"] >= 44 and box["height"] >= 44, box
    # Each value sits under its column's name; nothing runs past the screen.
    assert page.locator("td[data-label='整改期限']").first.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    context.close()


def test_a_pc_uses_its_width_and_wide_tables_scroll_by_keyboard_with_the_first_column_kept(
    browser, playwright, live_server, site
):
    context, page = office_page(browser, playwright, live_server, site, DESKTOP)
    page.goto("/quarterly")
    assert page.locator("main").bounding_box()["width"] >= DESKTOP["width"] - 40  # was 936 px
    wrap = page.locator(".table-wrap:has(table.annex)").first
    overflow = wrap.evaluate("el => el.scrollWidth - el.clientWidth")
    assert overflow > 0, "the widest annex still needs scrolling at 1366 px"
    first = wrap.locator("tbody tr").first.locator("td").first
    left = first.bounding_box()["x"]
    wrap.focus()
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    page.wait_for_function("el => el.scrollLeft > 0", arg=wrap.element_handle())
    assert abs(first.bounding_box()["x"] - left) < 1  # the row's name stays in view
    # The scroll cue: edge shadows painted by the wrapper's background.
    assert "radial-gradient" in wrap.evaluate("el => getComputedStyle(el).backgroundImage")
    context.close()


@pytest.mark.parametrize(
    "path,table",
    [
        ("/majors", "#majors-table"),
        ("/cadres", "#cadres-table"),
        ("/enforcement", "#enforcement-table"),
        ("/enforcement/cases", "#cases-table"),
        ("/units?status=all", "#units-table"),
    ],
)
def test_the_field_lists_are_cards_on_a_phone(browser, playwright, live_server, site, path, table):
    """The lists issue 20 added were bare tables that ran past a 360 px screen."""
    context, page = office_page(browser, playwright, live_server, site, PHONE)
    page.goto(path)
    rows = page.locator(f"{table} tbody tr:has(td[data-label])")
    assert rows.count() >= 1, path  # the browser site holds an example of each
    first = rows.first.locator("td").first
    assert first.evaluate("td => getComputedStyle(td).display") == "block"  # a card, not a column
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path
    context.close()
