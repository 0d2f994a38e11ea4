"""A day without signal: visits captured offline, kept across reloads, synced once back online."""

from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import func, select

from fieldapp.extensions import db
from fieldapp.models import Answer, Enterprise, Hazard, Photo, Visit

from .. import images
from ..factories import make_enterprise
from .conftest import sign_in
from .walking import finish, walk_all

pytestmark = pytest.mark.browser


# Not vacuously true while the list is being redrawn (empty for a moment).
ALL_SYNCED = (
    "(items => items.length > 0 && items.every(li => li.dataset.state === 'synced'))"
    "(Array.from(document.querySelectorAll('[data-outbox-list] li')))"
)


def wait_until(page, expression: str, timeout_s: float = 15):
    """Poll a page expression (evaluate, not wait_for_function: the CSP forbids eval)."""
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        if page.evaluate(expression):
            return
        page.wait_for_timeout(100)
    state = page.evaluate("(document.querySelector('[data-net-status]') || {}).textContent || ''")
    raise AssertionError(f"timed out waiting for {expression} (net status: {state!r})")


@pytest.fixture
def second_premises(app, world):
    from fieldapp.models import Grid, Street

    with app.app_context():
        ent = make_enterprise(
            db.session.get(Street, world.streets["A"]),
            db.session.get(Grid, world.grids["a1"]),
            name="甲一二号店",
            industry="餐饮",
            venue_type="catering",
        )
        db.session.commit()
        return ent.id


def ready_for_offline(page):
    """Open the home page online: the worker installs, the shell and the bundle are stored."""
    sign_in(page, "inspector_a1")
    wait_until(page, "navigator.serviceWorker.controller !== null")
    wait_until(page, "caches.match('/inspect/walk').then(r => !!r)")
    wait_until(
        page,
        "FA.store.get('kv', 'last_user').then(u => u && FA.store.get('kv', 'bundle:' + u.id)).then(b => !!(b && b.enterprises.length === 2))",
    )


def do_visit(page, enterprise_id: int, photo_path: str, fail_text: str):
    """A whole visit: one item 不符合 with a photo, the rest 符合; the responsible person is absent (no signature image)."""
    page.goto(f"/inspect/walk?enterprise={enterprise_id}")
    page.locator("[data-progress-text]").filter(has_text="已检查 0 / 5 项").wait_for()
    walk_all(page, 5, {fail_text: photo_path})
    finish(page, refuse="负责人不在场", located=True)
    page.locator("[data-finish-message]").filter(has_text="已保存在手机上").wait_for()


def counts(app):
    with app.app_context():
        return tuple(
            db.session.scalar(select(func.count()).select_from(m))
            for m in (Visit, Answer, Hazard, Photo)
        )


def test_two_visits_offline_survive_a_reload_and_sync_once_online(
    app, phone, world, second_premises, tmp_path
):
    page = phone
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": 24.9091, "longitude": 118.5862, "accuracy": 20})
    shot1, shot2 = tmp_path / "one.jpg", tmp_path / "two.jpg"
    shot1.write_bytes(images.jpeg(1200, 900, seed=81, orientation=6))
    shot2.write_bytes(images.jpeg(1200, 900, seed=82))
    ready_for_offline(page)

    page.context.set_offline(True)
    do_visit(page, world.ents["a1"], str(shot1), "灭火器压力正常")
    do_visit(page, second_premises, str(shot2), "安装可燃气体报警器")
    assert counts(app) == (0, 0, 0, 0)  # nothing reached the server

    page.goto("/inspect/outbox")
    page.reload()  # still offline: the outbox comes from the worker and IndexedDB
    items = page.locator("[data-outbox-list] li")
    items.first.wait_for()
    assert items.count() == 2 and all("等待同步" in t for t in items.all_inner_texts())

    page.context.set_offline(False)
    page.get_by_role("button", name="立即同步").click()
    wait_until(page, ALL_SYNCED, 30)
    assert counts(app) == (2, 10, 2, 2)
    with app.app_context():
        visits = db.session.scalars(select(Visit)).all()
        assert {v.enterprise_id for v in visits} == {world.ents["a1"], second_premises}
        assert all(v.location_status == "ok" for v in visits)
    # Syncing again changes nothing: the forced run asks the server what it holds,
    # learns it has both, and ends without sending either again.
    sent = []
    page.on("request", lambda r: sent.append(r.url) if r.method in ("PUT", "POST") else None)
    with page.expect_response("**/api/v1/held") as held:
        page.get_by_role("button", name="立即同步").click()
    assert held.value.status == 200
    wait_until(page, "FA.sync.status !== 'running'")
    wait_until(page, ALL_SYNCED)
    assert [u for u in sent if "/api/v1/held" not in u] == []
    assert counts(app) == (2, 10, 2, 2)


def test_a_sync_cut_mid_way_resumes_without_duplicates_or_loss(
    app, browser, playwright, live_server, world, tmp_path
):
    device = dict(playwright.devices["Pixel 7"], viewport={"width": 360, "height": 740})
    # No worker here: the test cuts requests itself and must see every one.
    context = browser.new_context(
        **device, base_url=live_server, service_workers="block", locale="zh-CN"
    )
    context.grant_permissions(["geolocation"])
    context.set_geolocation({"latitude": 24.9091, "longitude": 118.5862, "accuracy": 20})
    page = context.new_page()
    seen = {"visit": 0, "photo": 0}

    def visits(route):
        seen["visit"] += 1
        if seen["visit"] == 1:
            route.fetch()  # the server stores the visit...
            route.abort("connectionreset")  # ...but the receipt never reaches the phone
        else:
            route.continue_()

    def uploads(route):
        seen["photo"] += 1
        route.abort("connectionreset") if seen["photo"] == 2 else route.continue_()

    page.route("**/api/v1/visits/*", visits)
    page.route("**/api/v1/photos/*", uploads)
    shot_a, shot_b = tmp_path / "a.jpg", tmp_path / "b.png"
    shot_a.write_bytes(images.jpeg(800, 600, seed=83))
    shot_b.write_bytes(images.png(480, 360, seed=84))
    sign_in(page, "inspector_a1")
    page.goto(f"/inspect/walk?enterprise={world.ents['a1']}")
    page.locator("[data-progress-text]").filter(has_text="已检查 0 / 5 项").wait_for()
    walk_all(page, 5, {"灭火器压力正常": [str(shot_a), str(shot_b)]})
    finish(page, refuse="负责人不在场", located=True)
    page.locator("[data-finish-message]").filter(has_text="已保存在手机上").wait_for(timeout=20_000)

    # First attempt: photo 2 was cut, so the visit was not even sent.
    assert seen["visit"] == 0 and counts(app)[0] == 0
    page.goto("/inspect/outbox")
    for _ in range(2):  # the first run loses the receipt, the second replays and gets it
        wait_until(page, "FA.sync.status !== 'running'", 20)
        page.get_by_role("button", name="立即同步").click()
        page.wait_for_timeout(200)
        wait_until(page, "FA.sync.status !== 'running'", 20)
    try:
        wait_until(
            page, "document.querySelector('[data-outbox-list] li').dataset.state === 'synced'", 20
        )
    except AssertionError:
        raise AssertionError((seen, page.locator("[data-outbox-list]").inner_text()))
    assert seen["visit"] >= 2  # the cut one, then the replay that got the receipt
    visits_n, answers_n, hazards_n, photos_n = counts(app)
    assert (visits_n, hazards_n, photos_n) == (1, 1, 2)
    with app.app_context():
        from fieldapp import audit

        assert audit.verify().ok and audit.head()[0] == 2  # visit_received + raise, once each
    context.close()


def drafts(page) -> list:
    return page.evaluate("FA.store.all('drafts')")


def test_an_unfinished_visit_can_be_thrown_away_with_its_photos(app, phone, world, tmp_path):
    page = phone
    shot = tmp_path / "one.jpg"
    shot.write_bytes(images.jpeg(1200, 900, seed=83))
    sign_in(page, "inspector_a1")
    page.goto(f"/inspect/walk?enterprise={world.ents['a1']}")
    page.locator("[data-progress-text]").filter(has_text="已检查 0 / 5 项").wait_for()
    card = page.locator(".item-card").first
    card.get_by_role("radio", name="不符合", exact=True).check()
    card.locator("[data-photos='before'] input[type=file]").set_input_files(str(shot))
    card.locator("[data-photos='before'] img").wait_for()
    page.reload()
    page.locator("[data-progress-text]").filter(
        has_text="已检查 1 / 5 项"
    ).wait_for()  # kept on the phone
    assert (
        len(drafts(page)) == 1 and page.evaluate("FA.store.all('photos').then(p => p.length)") == 1
    )

    asked = []
    page.once("dialog", lambda d: (asked.append(d.message), d.dismiss()))
    page.get_by_role("button", name="放弃本次检查").click()
    assert "1 项" in asked[0] and len(drafts(page)) == 1  # said no: nothing lost
    page.once("dialog", lambda d: d.accept())
    with page.expect_navigation():
        page.get_by_role("button", name="放弃本次检查").click()
    assert page.url.endswith("/inspect")
    assert drafts(page) == [] and page.evaluate("FA.store.all('photos').then(p => p.length)") == 0
    assert "继续检查" not in page.locator("main").inner_text()
    assert counts(app) == (0, 0, 0, 0)


def test_a_draft_on_a_checklist_version_no_longer_held_does_not_lock_the_premises(
    app, phone, world
):
    page = phone
    sign_in(page, "inspector_a1")
    page.goto(f"/inspect/walk?enterprise={world.ents['a1']}")
    page.locator("[data-progress-text]").filter(has_text="已检查 0 / 5 项").wait_for()
    wait_until(page, "FA.store.get('kv', 'last_user').then(u => !!u)")
    me = page.evaluate("FA.store.get('kv', 'last_user')")["id"]
    stale = {
        "uuid": "00000000-0000-4000-8000-000000000001",
        "user_id": me,
        "enterprise_id": world.ents["a1"],
        "enterprise_name": "甲一小吃店",
        "checklists": [{"id": "general", "version": 99}],
        "started_at": "2026-11-01T02:00:00Z",
        "answers": {},
        "section": 0,
        "item_count": 9,
    }
    page.evaluate(
        "d => FA.store.del('drafts', location.search.split('=')[1]).then(() => FA.store.put('drafts', d))",
        stale,
    )
    # Nothing answered: a fresh visit simply starts.
    page.goto(f"/inspect/walk?enterprise={world.ents['a1']}")
    page.locator("[data-progress-text]").filter(has_text="已检查 0 / 5 项").wait_for()
    assert [d["uuid"] for d in drafts(page)] != [stale["uuid"]] and len(drafts(page)) == 1
    # Something answered on the lost version: say so and let the inspector discard it.
    stale["answers"] = {"general/old_item": {"result": "pass", "note": "", "photos": []}}
    page.evaluate(
        "d => FA.store.all('drafts').then(all => Promise.all(all.map(x => FA.store.del('drafts', x.uuid))))"
        ".then(() => FA.store.put('drafts', d))",
        stale,
    )
    page.goto(f"/inspect/walk?visit={stale['uuid']}")
    page.locator("[data-walk-message]").filter(has_text="检查清单已更新").wait_for()
    assert page.locator("[data-walk-body]").is_hidden() and page.console_errors == []
    page.once("dialog", lambda d: d.accept())
    with page.expect_navigation():
        page.get_by_role("button", name="放弃本次检查").click()
    assert drafts(page) == []


def test_a_conflicting_item_is_shown_with_its_hazard_and_can_be_dropped_by_the_user(
    app, phone, world
):
    page = phone
    sign_in(page, "inspector_a1")
    page.goto("/inspect/outbox")
    wait_until(page, "FA.store.get('kv', 'last_user').then(u => !!u)")
    me = page.evaluate("FA.store.get('kv', 'last_user')")["id"]
    hazard = "11111111-1111-4111-8111-111111111111"
    for n, state in enumerate(("conflict", "pending")):
        page.evaluate(
            "i => FA.store.put('outbox', i)",
            {
                "uuid": f"22222222-2222-4222-8222-22222222222{n}",
                "type": "event",
                "user_id": me,
                "hazard_uuid": hazard,
                "enterprise_name": "甲一小吃店 · 灭火器",
                "state": state,
                "error": "该隐患已被他人更新，请刷新后重试。",
                "created_at": 1_700_000_000_000 + n,
                "next_at": 9_999_999_999_999,
                "photos": [],
                "body": {},
            },
        )
    page.reload()
    conflict = page.locator("#outbox-22222222-2222-4222-8222-222222222220")
    pending = page.locator("#outbox-22222222-2222-4222-8222-222222222221")
    conflict.wait_for()
    assert conflict.locator("[data-state]").inner_text() == "冲突"
    assert (
        conflict.locator("[data-error]").inner_text()
        == "该隐患已被他人更新，请刷新后重试：手机上的记录已保留。"
    )
    assert (
        conflict.get_by_role("link", name="查看服务器上的版本").get_attribute("href")
        == f"/hazards/{hazard}"
    )
    assert conflict.get_by_role("button", name="重试").count() == 0  # sending it again cannot help
    assert (
        pending.get_by_role("button", name="放弃此项").count() == 0
    )  # only what cannot go through by itself
    # A sync run redraws the list; a row that reads the same stays the node a finger is on.
    page.evaluate(
        "() => { window.__row = document.getElementById('outbox-22222222-2222-4222-8222-222222222220'); }"
    )
    page.evaluate("() => FA.sync.run()")  # nothing is due: the run only reports its status
    page.wait_for_timeout(300)  # let the redraws the run asked for finish
    assert page.evaluate(
        "() => document.getElementById('outbox-22222222-2222-4222-8222-222222222220') === window.__row"
    )
    page.once("dialog", lambda d: d.accept())
    conflict.get_by_role("button", name="放弃此项").click()
    conflict.wait_for(state="detached")
    assert [i["state"] for i in page.evaluate("FA.store.all('outbox')")] == ["pending"]


def test_the_due_list_is_searched_on_the_phone_when_there_is_no_signal(
    app, phone, world, second_premises
):
    page = phone
    sign_in(page, "inspector_a1")
    page.goto("/inspect")
    rows = page.locator("#due-list > li")
    assert rows.count() == 2
    page.context.set_offline(True)
    wait_until(page, "navigator.onLine === false")  # the page learns of it a moment later
    page.get_by_label("搜索场所").fill("二号")
    page.locator("#offline-search-note").filter(has_text="找到 1 个").wait_for()
    assert [r.inner_text().split("\n")[0] for r in rows.all() if r.is_visible()] == ["甲一二号店"]
    page.get_by_label("搜索场所").press("Enter")  # a plain submit stays on the page too
    assert (
        page.url.endswith("/inspect")
        and "找到 1 个" in page.locator("#offline-search-note").inner_text()
    )
    page.get_by_label("搜索场所").fill("")
    page.locator("#offline-search-note").filter(has_text="找到 2 个").wait_for()
    page.context.set_offline(False)


def test_the_notice_of_a_visit_finished_offline_prints_from_the_phone(
    app, phone, world, second_premises, tmp_path
):
    page = phone
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": 24.9091, "longitude": 118.5862, "accuracy": 20})
    shot = tmp_path / "one.jpg"
    shot.write_bytes(images.jpeg(1200, 900, seed=84))
    ready_for_offline(page)
    page.context.set_offline(True)
    do_visit(page, world.ents["a1"], str(shot), "灭火器压力正常")
    link = page.get_by_role("link", name="打印整改通知书")
    visit_id = link.get_attribute("href").split("visit=")[1]
    link.click()
    notice = page.locator("[data-notice]")
    notice.wait_for()
    text = notice.inner_text()
    # The number is the street's, given at sync: until then the copy says so.
    assert "隐患整改通知书" in text and "甲一小吃店" in text and "编号：待编号" in text
    assert "编号在检查记录同步到系统后分配" in text
    assert re.search(r"\d{4}-\d{2}-\d{2}", text) is None and re.search(
        r"\d{4}年\d{1,2}月\d{1,2}日", text
    )
    rows = page.locator("[data-rows] tr")
    row = rows.first.inner_text()
    assert (
        rows.count() == 1 and "灭火器" in row and "一般隐患" in row and "GB 50140" in row
    )  # the item's own basis
    assert "联系甲街道安办" in text
    # The same QR code the server prints: the placard page of the premises, drawn on the phone.
    with app.app_context():
        token = db.session.get(Enterprise, world.ents["a1"]).public_token
    assert (
        page.locator("#notice-qr svg path").count() == 1
        and f"/q/{token}" in page.locator("[data-url]").inner_text()
    )
    # The outbox links to it too, until the visit has synced.
    page.goto("/inspect/outbox")
    page.get_by_role("link", name="整改通知书").first.wait_for()
    assert counts(app) == (0, 0, 0, 0)
    page.context.set_offline(False)
    # After the sync the phone's reprint carries the number the server gave.
    page.get_by_role("button", name="立即同步").click()
    wait_until(
        page,
        f"FA.store.get('outbox', '{visit_id}').then(i => !!(i && i.receipt && i.receipt.notice_no))",
    )
    with app.app_context():
        number = db.session.get(Visit, visit_id).notice_no
    assert number.startswith("甲安整〔")
    page.goto(f"/inspect/notice?visit={visit_id}")
    page.locator("[data-notice]").wait_for()
    assert page.locator("[data-no]").inner_text() == number
    assert page.locator("[data-offline-note]").is_hidden()


@pytest.fixture
def queued(phone, world, second_premises, tmp_path):
    """The phone after one visit finished while visit uploads are cut off: it waits in the outbox."""
    page = phone
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": 24.9091, "longitude": 118.5862, "accuracy": 20})
    ready_for_offline(page)
    shot = tmp_path / "queued.jpg"
    shot.write_bytes(images.jpeg(1200, 900, seed=85))
    page.route("**/api/v1/visits/**", lambda route: route.abort("internetdisconnected"))
    do_visit(page, world.ents["a1"], str(shot), "灭火器压力正常")
    page.goto("/inspect/outbox")
    wait_until(
        page,
        "(li => li && li.dataset.state === 'pending')(document.querySelector('[data-outbox-list] li'))",
    )
    return page


def test_the_queue_survives_logout_and_is_hidden_from_the_next_user(app, queued, world):
    page = queued
    asked = []
    page.once("dialog", lambda d: (asked.append(d.message), d.accept()))
    with page.expect_navigation():
        page.get_by_role("button", name="退出").click()
    assert "还有 1 条记录未同步" in asked[0] and "仍保存在这部手机上" in asked[0]
    sign_in(page, "inspector_b1")  # a colleague borrows the phone
    page.goto("/inspect/outbox")
    page.locator("[data-outbox-empty]").wait_for()
    assert page.locator("[data-outbox-list] li").count() == 0
    with page.expect_navigation():
        page.get_by_role("button", name="退出").click()
    page.unroute("**/api/v1/visits/**")
    sign_in(page, "inspector_a1")
    page.goto("/inspect/outbox")
    page.get_by_role("button", name="立即同步").click()
    wait_until(page, ALL_SYNCED, 30)
    assert counts(app)[0] == 1  # the visit made before the logout reached the server, once


def test_an_expired_session_asks_to_sign_in_and_then_the_queue_resumes(app, queued, world):
    from fieldapp import auth
    from fieldapp.models import User

    page = queued
    with app.app_context():  # the session ends on the server (expired, or ended by the office)
        auth.end_all_sessions(db.session.get(User, world.users["inspector_a1"]))
        db.session.commit()
    page.unroute("**/api/v1/visits/**")
    page.get_by_role("button", name="立即同步").click()
    page.locator("[data-login-needed]").wait_for()
    assert (
        counts(app)[0] == 0
        and page.locator("[data-outbox-list] li").first.get_attribute("data-state") == "pending"
    )
    with page.expect_navigation():
        page.locator("[data-login-needed] a").click()
    page.get_by_label("用户名").fill("inspector_a1")
    page.get_by_label("密码").fill("password123")
    with page.expect_navigation():
        page.get_by_role("button", name="登录").click()
    assert page.url.endswith("/inspect/outbox")
    wait_until(page, ALL_SYNCED, 30)
    assert counts(app)[0] == 1


def test_an_app_update_keeps_the_queue(app, queued, monkeypatch):
    from fieldapp.blueprints import pwa

    page = queued
    old = page.evaluate("caches.keys().then(k => k.filter(n => n.startsWith('fieldapp-static-')))")
    # A new release: the worker's version changes; the phone installs it and drops the old caches.
    monkeypatch.setattr(pwa, "SHELL_PAGES", pwa.SHELL_PAGES + ["/offline"])
    page.evaluate("navigator.serviceWorker.getRegistration().then(r => r.update())")
    wait_until(
        page,
        "caches.keys().then(k => k.filter(n => n.startsWith('fieldapp-static-')))"
        f".then(k => k.length === 1 && k[0] !== {old[0]!r})",
        20,
    )
    page.reload()
    wait_until(
        page,
        "(li => li && li.dataset.state === 'pending')(document.querySelector('[data-outbox-list] li'))",
    )
    page.unroute("**/api/v1/visits/**")
    page.get_by_role("button", name="立即同步").click()
    wait_until(page, ALL_SYNCED, 30)
    assert counts(app)[0] == 1
