"""The walk's budget (PRODUCT.md §12): a visit with two photographed hazards, counted on a 360×740 phone.

A person is driven through the shipped checklists: from the due list they tap 开始检查; in
each section they tap 不符合 on a hazard and photograph it, then either tap 符合 on each
item (a section of one or two items) or tap the section's 其余全部符合 and confirm the list;
they finish, the responsible person signs with a finger and writes their name, and they
submit. Counted: every tap (a Playwright click: it scrolls its target into view, centred,
when the target is not wholly on screen — more than a finger needs, so the scroll figure is
an upper bound), every entry (a text typed, the signature drawn), and every pixel the page
scrolls, by the person or by the walk itself (a scroll listener sums |Δ scrollY|), divided
by the viewport's height. A photo counts as one tap (拍照); the camera app's own shutter and
confirm are outside the page and not counted.

Two premises: the budget's visit — a 小商店 on the lists it had when the budget was set
(通用 + 小商店 + GB 35181 majors: 31 items today) — and a 小商店 as the demo builds it, on
every list in force (48 items: 5S/六有 and 场所责任 apply to every venue since).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select

from fieldapp import create_app
from fieldapp.extensions import db
from fieldapp.models import Grid, Hazard, Street, Visit

from .. import images
from ..conftest import REPO, Client, base_config
from ..factories import make_enterprise
from .conftest import sign_in
from .walking import draw_signature

pytestmark = pytest.mark.browser

BUDGET_ACTIONS, BUDGET_SCREENS = 38, 8
VIEWPORT_H = 740
SHOP = dict(
    name="甲一便利店", industry="商贸", venue_type="shop", size_class="small_micro", employees=4
)
HAZARDS = (
    "灭火器配够、选对",
    "货物与灯具、电线",
)  # general/extinguishers_ok, shop/goods_clear_of_lamps
SCROLL_LISTENER = """(() => {
  let last = window.scrollY; window.__scrolled = 0;
  addEventListener("scroll", () => { const y = window.scrollY; window.__scrolled += Math.abs(y - last); last = y; }, { passive: true });
})();"""


@pytest.fixture(params=["budget-visit", "demo-shop"])
def app(request, database, tmp_path):
    """The app on the shipped checklists: all of them (demo-shop), or those the budget's visit had."""
    folder = REPO / "checklists"
    if request.param == "budget-visit":
        folder = tmp_path / "checklists"
        folder.mkdir()
        for name in ("general", "shop", "fire_major_2017", "fire_major_2025"):
            shutil.copy(REPO / "checklists" / f"{name}.toml", folder / f"{name}.toml")
    app = create_app(
        {**base_config(database.fresh(tmp_path), tmp_path), "CHECKLISTS_DIR": str(folder)}
    )
    app.test_client_class = Client
    app.budget_case = request.param
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@dataclass
class Person:
    """A finger on the phone, counting what it does."""

    page: object
    taps: int = 0
    entries: int = 0
    scrolled: float = 0.0
    log: list[str] = field(default_factory=list)

    def tap(self, locator, what: str) -> None:
        """Tap: Playwright scrolls the target in only when it is not wholly on screen, waits until it is stable and
        not covered, then clicks it. A click, not a synthetic touch: on a loaded machine the time between touchstart
        and touchend can pass for a long press, and the tap is then lost."""
        locator.click()
        self.taps += 1
        self.log.append(what)

    def photo(self, card, path: str) -> None:
        card.locator("[data-photos='before'] input[type=file]").set_input_files(path)
        card.locator("[data-photos='before'] img").first.wait_for()
        self.taps += 1
        self.log.append("拍照")

    def type(self, locator, text: str, what: str) -> None:
        locator.fill(text)
        self.entries += 1
        self.log.append(what)

    def sign(self) -> None:
        draw_signature(self.page)
        self.entries += 1
        self.log.append("签名")

    def page_scroll(self) -> float:
        return self.page.evaluate("window.__scrolled")


def item_text_clear_of_bar(page, card) -> bool:
    """The item's text is not under the sticky bar (when the text is on screen at all)."""
    text = card.locator(".item-text").bounding_box()
    bar = page.locator("[data-walk-bar]").bounding_box()
    return text["y"] + text["height"] <= 0 or text["y"] >= bar["y"] + bar["height"] - 0.5


def walk_section(person: Person, photo: str) -> None:
    page = person.page
    cards = page.locator(".item-card")
    for text in HAZARDS:
        card = page.locator(".item-card", has=page.locator("[data-text]", has_text=text))
        if card.count():
            person.tap(card.get_by_role("radio", name="不符合", exact=True), "不符合")
            assert item_text_clear_of_bar(page, card), (
                "the failed item's text is under the sticky bar"
            )
            person.photo(card, photo)
    open_cards = page.locator(".item-card:not([data-result])")
    left = open_cards.count()
    if left > 2:
        person.tap(page.get_by_role("button", name="全部符合"), "其余全部符合")
        dialog = page.locator("[data-rest-dialog]")
        assert dialog.locator("li").count() == left, "the confirmation lists every item it answers"
        person.tap(dialog.get_by_role("button", name="确认全部符合"), "确认")
        dialog.wait_for(state="hidden")
    else:
        for _ in range(left):
            card = open_cards.first
            person.tap(card.get_by_role("radio", name="符合", exact=True), "符合")
            current = page.locator(".item-card.current")
            if current.count():
                assert item_text_clear_of_bar(page, current), (
                    "the next item's text is under the sticky bar"
                )
    del cards


def test_a_visit_with_two_photographed_hazards_within_the_budget(
    app, phone, world, tmp_path, capsys
):
    page = phone
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": 24.9091, "longitude": 118.5862, "accuracy": 15})
    with app.app_context():
        make_enterprise(
            db.session.get(Street, world.streets["A"]),
            db.session.get(Grid, world.grids["a1"]),
            **SHOP,
        )
        db.session.commit()
    photo = tmp_path / "hazard.jpg"
    photo.write_bytes(images.jpeg(1600, 1200))
    page.add_init_script(SCROLL_LISTENER)
    sign_in(page, "inspector_a1")
    page.wait_for_url("**/inspect")

    person = Person(page)
    start = page.locator("#due-list li", has_text=SHOP["name"]).get_by_role("link", name="开始检查")
    start.scroll_into_view_if_needed()
    person.scrolled += person.page_scroll()
    person.tap(start, "开始检查")
    page.wait_for_url("**/inspect/walk?visit=*")
    progress = page.locator("[data-progress-text]")
    progress.filter(has_text="已检查 0 / ").wait_for()
    total = int(progress.inner_text().split("/")[1].split()[0])
    sections = page.locator("[data-section-select] option").count()

    for _ in range(sections):
        if (
            page.get_by_role("button", name="完成检查").is_visible()
            and not page.locator(".item-card:not([data-result])").count()
        ):
            break
        walk_section(person, str(photo))
    progress.filter(has_text=f"已检查 {total} / {total} 项").wait_for()
    person.tap(page.get_by_role("button", name="完成检查"), "完成检查")
    page.locator("[data-finish]").wait_for()
    found = page.locator("[data-found] li")
    assert found.count() == 2 and all("整改期限" in t for t in found.all_inner_texts())
    assert page.locator("[data-found] img").count() == 2
    person.sign()
    person.type(page.get_by_label("签名人姓名（可选）"), "王店主", "签名人姓名")
    page.locator("[data-location]").filter(has_text="已定位").wait_for()
    scrolled = person.scrolled + person.page_scroll()
    person.tap(page.get_by_role("button", name="提交检查结果"), "提交")
    try:
        page.wait_for_url("**/visits/*", timeout=30_000)
    except Exception:  # say where it stopped: a refusal, a sync failure, or nothing at all
        raise AssertionError(
            [
                page.locator(s).inner_text()
                for s in ("[data-finish-error]", "[data-finish-message]", "[data-walk-message]")
            ]
            + [
                page.locator("[data-finish]").is_visible(),
                page.locator("[data-item-error]").all_inner_texts(),
                page.evaluate("FA.store.all('outbox').then(xs => xs.map(x => x.state))"),
                page.console_errors,
                person.log,
            ]
        ) from None

    actions = person.taps + person.entries
    screens = scrolled / VIEWPORT_H
    with capsys.disabled():
        print(
            f"\n[{app.budget_case}] {total} items in {sections} sections, 2 photographed hazards, signed: "
            f"{person.taps} taps + {person.entries} entries = {actions} actions (budget {BUDGET_ACTIONS}); "
            f"scrolled {scrolled:.0f} px = {screens:.1f} screens of {VIEWPORT_H} px (budget {BUDGET_SCREENS})"
        )
        print("  " + " · ".join(person.log))
    with app.app_context():
        visit = db.session.scalar(select(Visit))
        assert (visit.item_count, visit.answered_count, visit.fail_count) == (total, total, 2)
        assert visit.sign_off["status"] == "signed" and visit.sign_off["signer"] == "王店主"
        assert len(db.session.scalars(select(Hazard)).all()) == 2
    assert total == {"budget-visit": 31, "demo-shop": 48}[app.budget_case]
    assert actions <= BUDGET_ACTIONS, person.log
    assert screens <= BUDGET_SCREENS
    assert page.console_errors == [], page.console_errors
