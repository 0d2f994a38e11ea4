"""The phone's queue under faults (issue #24): nothing lost or shown falsely when the server
forgets, a portal lies, a link hangs, a session expires, the app updates or the user changes.

Faults come from Playwright routes (the page's own requests) or from a small reverse proxy
(tests/browser/faultproxy.py) where the service worker's requests must be faulted too, or
where the server behind the phone's origin is swapped for one restored from a backup.
"""

from __future__ import annotations

import contextlib
import time

import pytest
from sqlalchemy import func, select

from fieldapp.extensions import db
from fieldapp.models import Hazard, Photo, Visit

from .. import images
from ..factories import store_photo, visit_body
from ..live import serve
from ..web.test_backup import empty_url, target  # noqa: F401  (fixtures: an empty instance to restore into)
from .conftest import CHROMIUM_ARGS, fits_width, sign_in  # noqa: F401
from .faultproxy import FaultProxy
from .test_offline import (  # noqa: F401
    ALL_SYNCED,
    counts,
    do_visit,
    ready_for_offline,
    second_premises,
    wait_until,
)
from .walking import answer, finish, photograph

pytestmark = pytest.mark.browser

FIRST_ITEM = "(li => li ? li.dataset.state : null)(document.querySelector('[data-outbox-list] li'))"


def phone_context(browser, playwright, base_url: str, **extra):
    device = dict(playwright.devices["Pixel 7"])
    device["viewport"] = {"width": 360, "height": 740}
    device["screen"] = {"width": 360, "height": 740}
    context = browser.new_context(
        **device, base_url=base_url, locale="zh-CN", timezone_id="Asia/Shanghai", **extra
    )
    context.set_default_timeout(10_000)
    context.grant_permissions(["geolocation"])
    context.set_geolocation({"latitude": 24.9091, "longitude": 118.5862, "accuracy": 20})
    return context


@pytest.fixture
def proxy(live_server):
    with FaultProxy(live_server) as p:
        yield p


@pytest.fixture
def proxied(browser, playwright, proxy):
    """A phone whose origin is the fault proxy: the worker's requests pass through it too."""
    context = phone_context(browser, playwright, proxy.url)
    page = context.new_page()
    yield page
    context.close()


def shots(tmp_path, n: int) -> list[str]:
    out = []
    for i in range(n):
        path = tmp_path / f"shot{i}.jpg"
        path.write_bytes(images.jpeg(800, 600, seed=300 + i))
        out.append(str(path))
    return out


def sync_now(page, timeout_s: float = 30):
    page.goto("/inspect/outbox")
    page.get_by_role("button", name="立即同步").click()
    wait_until(page, ALL_SYNCED, timeout_s)


def held_photo_body(app, world, enterprise: str = "a1") -> dict:
    """A finished visit (general + catering) whose photo the server already holds: nothing to upload first."""
    with app.app_context():
        sha = store_photo(images.jpeg(640, 480, seed=77), uploader_id=world.users["inspector_a1"])
        db.session.commit()
    return visit_body(world.ents[enterprise], photos={"extinguishers": [sha], "gas_alarm": [sha]})


def distinct_visits(app) -> tuple[int, int]:
    with app.app_context():
        return (
            db.session.scalar(select(func.count()).select_from(Visit)),
            db.session.scalar(select(func.count(func.distinct(Visit.uuid)))),
        )


# --- 1. one visit, one version ------------------------------------------------------------


def test_a_submitted_visit_is_locked_and_a_later_change_is_a_linked_amendment(
    app, phone, world, second_premises, tmp_path
):
    page = phone
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": 24.9091, "longitude": 118.5862, "accuracy": 20})
    [shot] = shots(tmp_path, 1)
    ready_for_offline(page)
    page.context.set_offline(True)
    do_visit(page, world.ents["a1"], shot, "灭火器压力正常")
    # The status message sits where the inspector is looking: by the submit button, on screen.
    box = page.get_by_role("status").filter(has_text="已保存在手机上").bounding_box()
    assert 0 <= box["y"] and box["y"] + box["height"] <= 740
    visit_id = page.evaluate("FA.store.all('outbox').then(xs => xs[0].uuid)")
    sent = page.evaluate("FA.store.all('outbox').then(xs => JSON.stringify(xs[0].body))")

    # The old fault: any touch re-created a draft under the same uuid. Now the walk is final.
    radios = page.locator(".item-card input[type=radio]")
    assert radios.count() > 0 and all(radios.nth(i).is_disabled() for i in range(radios.count()))
    assert page.get_by_role(
        "button", name="返回检查"
    ).is_hidden()  # the finished walk is not reopened for editing
    assert page.evaluate("FA.store.all('drafts')") == []
    page.reload()  # reopened from the worker's shell: still the queued, locked visit
    page.locator("[data-locked]").wait_for()
    page.get_by_role("button", name="下一部分").click()
    assert page.locator(".item-card input[type=radio]:not([disabled])").count() == 0
    assert page.get_by_role("button", name="全部符合").is_hidden()
    assert "不能再修改" in page.locator("[data-locked]").inner_text()
    assert page.evaluate("FA.store.all('drafts')") == []
    assert page.evaluate("FA.store.all('outbox').then(xs => JSON.stringify(xs[0].body))") == sent

    # A change is an amendment: its own uuid, naming the first, hazards kept as they were.
    page.get_by_role("button", name="更正本次检查").click()
    page.locator("[data-amending]").wait_for()
    amendment_id = page.url.split("visit=")[1]
    assert amendment_id != visit_id
    page.locator("[data-section-select]").select_option(index=0)
    card = answer(page, "安全出口畅通", "不符合")
    photograph(card, shot)
    finish(
        page, refuse="负责人不在场", located=True
    )  # every item is answered: 完成检查 is offered at once
    page.locator("[data-finish-message]").filter(has_text="已保存在手机上").wait_for()

    page.context.set_offline(False)
    sync_now(page)
    assert page.locator("[data-outbox-list] .sync-conflict").count() == 0
    with app.app_context():
        first, amendment = db.session.get(Visit, visit_id), db.session.get(Visit, amendment_id)
        assert first.amends is None and amendment.amends == visit_id
        hazards = db.session.scalars(select(Hazard).order_by(Hazard.item_key)).all()
        # One hazard from the first visit (kept, not raised twice) and the one the amendment added.
        assert [(h.item_key, h.visit_uuid) for h in hazards] == [
            ("exits_clear", amendment_id),
            ("extinguishers", visit_id),
        ]


# --- 1 and 9. a 409 offers only what helps; chips wrap; one full stop ------------------------


def test_a_conflict_offers_only_what_helps_and_its_text_wraps_at_360(app, phone, world, tmp_path):
    from fieldapp import visits
    from fieldapp.clock import utcnow
    from fieldapp.models import User

    page = phone
    sign_in(page, "inspector_a1")
    page.goto("/inspect/outbox")
    wait_until(page, "FA.store.get('kv', 'last_user').then(u => !!u)")
    me = page.evaluate("FA.store.get('kv', 'last_user')")["id"]
    held = "33333333-3333-4333-8333-000000000001"
    with (
        app.app_context()
    ):  # the server already holds another version under this uuid (and the photo)
        sha = store_photo(images.jpeg(640, 480, seed=77), uploader_id=world.users["inspector_a1"])
        shots_ = {"extinguishers": [sha], "gas_alarm": [sha]}
        visits.receive(
            held,
            visit_body(world.ents["a1"], photos=shots_),
            actor=db.session.get(User, world.users["inspector_a1"]),
            now=utcnow(),
        )
        db.session.commit()
    mine = visit_body(world.ents["a1"], photos=shots_)
    out_of_scope = "33333333-3333-4333-8333-000000000002"
    for uuid, body in ((held, mine), (out_of_scope, visit_body(world.ents["b1"], photos=shots_))):
        page.evaluate(
            "i => FA.store.put('outbox', i)",
            {
                "uuid": uuid,
                "type": "visit",
                "user_id": me,
                "enterprise_id": body["enterprise_id"],
                "enterprise_name": "甲一小吃店（一个很长很长的名称，用来检验窄屏上的换行）",
                "body": body,
                "photos": [],
                "expected_hazards": 2,
                "state": "pending",
                "attempts": 0,
                "next_at": 0,
                "created_at": 1_700_000_000_000,
            },
        )
    page.reload()
    page.get_by_role("button", name="立即同步").click()
    conflict, rejected = page.locator(f"#outbox-{held}"), page.locator(f"#outbox-{out_of_scope}")
    wait_until(
        page,
        f"document.querySelector('#outbox-{held}')?.dataset.state === 'conflict' && "
        f"document.querySelector('#outbox-{out_of_scope}')?.dataset.state === 'rejected'",
    )
    wait_until(page, "FA.sync.status !== 'running'")
    text = conflict.inner_text() + rejected.inner_text()
    assert "。。" not in text
    assert fits_width(page)
    assert page.evaluate(
        "Array.from(document.querySelectorAll('[data-outbox-list] .chip, [data-outbox-list] [data-error]'))"
        ".every(el => el.getBoundingClientRect().right <= 360)"
    )
    assert conflict.get_by_role("button", name="重试").count() == 0
    assert conflict.get_by_role("button", name="放弃此项").count() == 0
    assert (
        conflict.get_by_role("link", name="查看服务器上的版本").get_attribute("href")
        == f"/visits/{held}"
    )

    conflict.get_by_role("button", name="报告街道安办").click()
    wait_until(
        page,
        "FA.store.all('outbox').then(xs => xs.some(x => x.type === 'alert' && x.state === 'synced'))",
    )
    page.once("dialog", lambda d: d.accept())
    conflict.get_by_role("button", name="保留手机上的版本").click()
    conflict.wait_for(state="detached")
    wait_until(
        page,
        "FA.store.all('outbox').then(xs => xs.some(x => x.kept_from && x.state === 'synced'))",
        20,
    )
    from fieldapp.models import Alert

    with app.app_context():
        report = db.session.scalar(select(Alert).where(Alert.kind == "sync_conflict"))
        assert report.record_uuid == held and report.payload["body"] == mine
        amendment = db.session.scalar(select(Visit).where(Visit.amends == held))
        assert amendment is not None and amendment.inspector_id == world.users["inspector_a1"]


# --- 2. receipts re-checked: a restore from an older backup heals ------------------------------


def test_a_server_restored_from_an_older_backup_gets_every_visit_back_without_duplicates(
    app, browser, playwright, proxy, world, second_premises, target, tmp_path
):
    context = phone_context(browser, playwright, proxy.url)
    page = context.new_page()
    one, two, three = shots(tmp_path, 3)
    ready_for_offline(page)
    context.set_offline(True)
    do_visit(page, world.ents["a1"], one, "灭火器压力正常")
    context.set_offline(False)
    sync_now(page)
    assert distinct_visits(app) == (1, 1)
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "nightly")])
    assert result.exit_code == 0, result.output

    context.set_offline(True)
    do_visit(page, world.ents["a1"], two, "灭火器压力正常")
    do_visit(page, second_premises, three, "安装可燃气体报警器")
    context.set_offline(False)
    sync_now(page)
    assert distinct_visits(app) == (3, 3)

    # The server is lost and restored from last night's backup, behind the same address.
    restored = target.test_cli_runner().invoke(args=["restore", str(tmp_path / "nightly")])
    assert restored.exit_code == 0, restored.output
    assert distinct_visits(target) == (1, 1)
    with serve(target) as url:
        proxy.upstream = url
        page.goto("/inspect/outbox")
        asked_at = page.evaluate("Date.now()")
        page.get_by_role("button", name="立即同步").click()
        wait_until(
            page,
            "FA.store.all('outbox').then(xs => xs.length === 3 && xs.every(x => x.state === 'synced' && "
            f"x.confirmed_at >= {asked_at}))",
            40,
        )
        assert distinct_visits(target) == (3, 3)
        with target.app_context():
            assert db.session.scalar(select(func.count()).select_from(Hazard)) == 3
            assert (
                db.session.scalar(select(func.count()).select_from(Photo)) == 3
            )  # the photos went again too
            held = {v.uuid for v in db.session.scalars(select(Visit))}
        assert held == set(page.evaluate("FA.store.all('outbox').then(xs => xs.map(x => x.uuid))"))
        page.get_by_role("button", name="立即同步").click()  # and again: nothing new
        wait_until(page, "FA.sync.status === 'idle'")
        assert distinct_visits(target) == (3, 3)
        proxy.upstream = (
            "http://127.0.0.1:9"  # nothing may reach the restored server after it stops
        )
    context.close()


# --- 3. the shell caches only the app ----------------------------------------------------------


def test_a_captive_portal_page_never_enters_the_app_shell(
    app, proxied, proxy, world, second_premises
):
    page = proxied
    ready_for_offline(page)
    page.goto("/inspect")  # through the worker: the home page is remembered for offline use
    wait_until(page, "caches.match('/inspect').then(r => !!r)")
    proxy.mode = "portal"  # a Wi-Fi login page answers everything with 200
    for path in (f"/inspect/walk?enterprise={world.ents['a1']}", "/inspect/outbox", "/inspect"):
        page.goto(path)
        assert "免费 WiFi" not in page.content(), path
    page.evaluate(
        "navigator.serviceWorker.controller.postMessage({type: 'refresh-shell', user: 'someone-else'})"
    )
    page.goto("/inspect/outbox")
    poisoned = page.evaluate("""caches.keys().then(names => Promise.all(names.map(n => caches.open(n)
        .then(c => c.keys().then(reqs => Promise.all(reqs.map(r => c.match(r).then(x => x.text()))))))))
        .then(all => all.flat().filter(t => t.includes('免费 WiFi')).length)""")
    assert poisoned == 0
    proxy.mode = "down"  # then no signal at all: the app, offline, not the portal
    for path, ready in (
        (f"/inspect/walk?enterprise={world.ents['a1']}", "[data-progress-text]"),
        ("/inspect/outbox", "[data-sync-now]"),
        ("/inspect", "#due-list"),
    ):
        page.goto(path)
        page.locator(ready).wait_for()
        assert "免费 WiFi" not in page.content()
    page.locator("#due-list li").first.wait_for()
    assert "甲一小吃店" in page.locator("#due-list").inner_text()


# --- 4. timeouts and honest states ---------------------------------------------------------------


def test_a_hung_connection_ends_the_run_shows_the_next_retry_and_honours_retry_after(
    app, browser, playwright, live_server, world
):
    # No worker: the routes must see every request of the page.
    context = phone_context(browser, playwright, live_server, service_workers="block")
    page = context.new_page()
    sign_in(page, "inspector_a1")
    page.goto("/inspect/outbox")
    wait_until(page, "FA.store.get('kv', 'last_user').then(u => !!u) && FA.sync.status === 'idle'")
    me = page.evaluate("FA.store.get('kv', 'last_user')")["id"]
    hung = []
    page.route("**/api/v1/session", lambda route: hung.append(route))  # a black hole: never answers
    # The real timeout is 10 s; a shorter one keeps the test quick (the rule is the same).
    page.evaluate("FA.sync.config && (FA.sync.config.sessionTimeoutMs = 1500)")
    page.evaluate(
        "i => FA.store.put('outbox', i)",
        {
            "uuid": "33333333-3333-4333-8333-000000000009",
            "type": "visit",
            "user_id": me,
            "enterprise_id": world.ents["a1"],
            "enterprise_name": "甲一小吃店",
            "body": held_photo_body(app, world),
            "photos": [],
            "expected_hazards": 2,
            "state": "pending",
            "attempts": 0,
            "next_at": 0,
            "created_at": 1_700_000_000_000,
        },
    )
    started = time.time()
    page.get_by_role("button", name="立即同步").click()
    status = page.locator("[data-sync-status]")
    status.filter(has_text="连接超时").wait_for()
    assert time.time() - started < 8
    assert "下次自动重试" in status.inner_text()
    assert page.locator("[data-net-status]").get_attribute("data-state") == "failed"
    # A later tap is not held by the hung request: it starts a new run at once.
    page.unroute("**/api/v1/session")
    page.route(
        "**/api/v1/visits/*",
        lambda route: route.fulfill(
            status=503,
            headers={"Retry-After": "600"},
            content_type="application/json",
            body='{"error": "维护中", "status": 503}',
        ),
    )
    page.get_by_role("button", name="立即同步").click()
    item = page.locator("[data-outbox-list] li").first
    item.locator("[data-error]").filter(has_text="下次自动重试").wait_for()
    assert "服务器暂时不可用（503）" in item.inner_text()
    wait_ms = page.evaluate("FA.store.all('outbox').then(xs => xs[0].next_at - Date.now())")
    assert 590_000 <= wait_ms <= 600_000  # Retry-After, not the 30 s backoff
    page.unroute("**/api/v1/visits/*")
    page.get_by_role("button", name="立即同步").click()
    wait_until(page, ALL_SYNCED)
    for route in hung:
        with contextlib.suppress(Exception):
            route.abort()
    context.close()


# --- 5. resume after sign-in ---------------------------------------------------------------------


def test_a_401_puts_the_item_back_and_signing_in_sends_it_at_once(app, phone, world):
    from fieldapp import auth
    from fieldapp.models import User

    page = phone
    sign_in(page, "inspector_a1")
    page.goto("/inspect/outbox")
    wait_until(page, "FA.store.get('kv', 'last_user').then(u => !!u)")
    me = page.evaluate("FA.store.get('kv', 'last_user')")["id"]
    uuid = "33333333-3333-4333-8333-000000000010"
    page.evaluate(
        "i => FA.store.put('outbox', i)",
        {
            "uuid": uuid,
            "type": "visit",
            "user_id": me,
            "enterprise_id": world.ents["a1"],
            "enterprise_name": "甲一小吃店",
            "body": held_photo_body(app, world),
            "photos": [],
            "expected_hazards": 2,
            "state": "pending",
            "attempts": 3,
            "next_at": 0,
            "created_at": 1_700_000_000_000,
        },
    )

    def expire(route):
        with app.app_context():  # the session ends between the check and the upload
            auth.end_all_sessions(db.session.get(User, world.users["inspector_a1"]))
            db.session.commit()
        route.continue_()

    page.route("**/api/v1/visits/*", expire)
    page.get_by_role("button", name="立即同步").click()
    page.locator("[data-login-needed]").wait_for()
    item = page.locator(f"#outbox-{uuid}")
    wait_until(page, f"document.querySelector('#outbox-{uuid}').dataset.state === 'pending'")
    assert item.locator("[data-state]").inner_text() == "等待登录"
    # Whatever backoff it had before, signing in sends it at once.
    page.evaluate(
        f"FA.store.get('outbox', '{uuid}').then(i => {{ i.next_at = Date.now() + 3600e3; return FA.store.put('outbox', i); }})"
    )
    page.unroute("**/api/v1/visits/*")
    with page.expect_navigation():
        page.locator("[data-login-needed] a").click()
    page.get_by_label("用户名").fill("inspector_a1")
    page.get_by_label("密码").fill("password123")
    with page.expect_navigation():
        page.get_by_role("button", name="登录").click()
    assert page.url.endswith("/inspect/outbox")
    wait_until(page, ALL_SYNCED, 5)
    assert counts(app)[0] == 1


# --- 6. atomic updates ----------------------------------------------------------------------------

# Ask for the new worker and wait for its fate: "activated", or "redundant" when its install failed.
UPDATE = """navigator.serviceWorker.getRegistration().then(r => r.update().then(() => {
    const w = r.installing;
    if (!w) return 'no update';
    return new Promise(done => w.addEventListener('statechange', () => {
        if (w.state === 'redundant' || w.state === 'activated') done(w.state);
    }));
}))"""


def test_an_update_that_cannot_store_its_whole_shell_leaves_the_old_set_whole(
    app, phone, world, second_premises, monkeypatch
):
    page = phone
    ready_for_offline(page)
    before = sorted(page.evaluate("caches.keys()"))

    # A new release whose assets changed, while the walk page fails to load during the update.
    asset = app.jinja_env.globals["asset"]
    monkeypatch.setitem(app.jinja_env.globals, "asset", lambda path: asset(path) + "&release=2")
    monkeypatch.setitem(app.view_functions, "inspect.walk", lambda: ("维护中", 503))
    assert page.evaluate(UPDATE) == "redundant"  # it did not install
    assert sorted(page.evaluate("caches.keys()")) == before
    assert (
        len(before) == 2
        and before[0].startswith("fieldapp-pages-")
        and before[1].startswith("fieldapp-static-")
    )
    static_count = page.evaluate(
        f"caches.open({before[1]!r}).then(c => c.keys()).then(k => k.length)"
    )
    pages = page.evaluate(
        f"caches.open({before[0]!r}).then(c => c.keys()).then(k => k.map(r => new URL(r.url).pathname))"
    )
    from fieldapp.blueprints import pwa

    assert static_count == len(pwa.SHELL_ASSETS) and set(pwa.SHELL_PAGES) <= set(pages)

    # Offline, the walk still runs on the old set: scripts and styles of the same version.
    page.context.set_offline(True)
    page.goto(f"/inspect/walk?enterprise={world.ents['a1']}")
    page.locator("[data-progress-text]").filter(has_text="已检查 0 / 5 项").wait_for()
    assert (
        page.evaluate("getComputedStyle(document.querySelector('.topbar')).backgroundColor")
        == "rgb(11, 92, 173)"
    )
    page.context.set_offline(False)

    # Once every page loads, the new set is stored whole and replaces the old one together.
    monkeypatch.undo()
    monkeypatch.setitem(app.jinja_env.globals, "asset", lambda path: asset(path) + "&release=2")
    assert page.evaluate(UPDATE) == "activated"
    after = sorted(page.evaluate("caches.keys()"))
    assert after[0] != before[0] and after[1] != before[1]
    page.context.set_offline(True)
    page.goto(f"/inspect/walk?enterprise={world.ents['a1']}")
    page.locator("[data-progress-text]").filter(has_text="已检查 0 / 5 项").wait_for()
    assert "release=2" in page.locator("script[src*='walk.js']").get_attribute("src")
    page.context.set_offline(False)


# --- 7. user switch ------------------------------------------------------------------------------


def test_the_next_user_sees_nothing_of_the_last_users_queue_before_the_session_check(
    app, phone, world, second_premises, tmp_path
):
    page = phone
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": 24.9091, "longitude": 118.5862, "accuracy": 20})
    [shot] = shots(tmp_path, 1)
    ready_for_offline(page)
    page.route("**/api/v1/visits/**", lambda route: route.abort("internetdisconnected"))
    do_visit(page, world.ents["a1"], shot, "灭火器压力正常")
    page.goto("/inspect/outbox")
    wait_until(page, f"{FIRST_ITEM} === 'pending'")
    page.on("dialog", lambda d: d.accept())  # the logout warning (its wording: test_offline)
    with page.expect_navigation():
        page.get_by_role("button", name="退出").click()

    held = []
    page.route(
        "**/api/v1/session", lambda route: held.append(route)
    )  # a slow link: the check does not answer yet
    sign_in(page, "inspector_b1")
    page.goto("/inspect/outbox")
    wait_until(page, "document.readyState === 'complete'")
    # The page has read the phone's store by now (a read started after it completes after it).
    assert page.evaluate("FA.store.all('outbox').then(xs => xs.length)") == 1
    assert page.locator("[data-outbox-list] li").count() == 0
    assert page.locator("[data-outbox-waiting]").is_visible()
    assert page.get_by_role("link", name="整改通知书").count() == 0
    assert page.locator("[data-net-status]").get_attribute("data-queued") == "0"
    page.unroute("**/api/v1/session")
    for route in held:
        route.continue_()
    page.locator("[data-outbox-empty]").wait_for()
    assert page.locator("[data-outbox-list] li").count() == 0


# --- 8. eviction ----------------------------------------------------------------------------------


def test_a_refusal_to_keep_storage_shows_on_the_home_page_with_what_to_do(app, phone, world):
    page = phone
    sign_in(page, "inspector_a1")
    assert page.evaluate("navigator.storage.persisted()") is False  # headless Chromium refuses
    warning = page.locator("#persist-warning")
    warning.wait_for()
    assert "添加到主屏幕" in warning.inner_text() and "同步" in warning.inner_text()


def test_a_queue_that_vanished_without_syncing_is_reported_to_the_street(
    app, browser, playwright, live_server, world, second_premises, tmp_path
):
    page = phone_context(browser, playwright, live_server).new_page()
    [shot] = shots(tmp_path, 1)
    ready_for_offline(page)
    page.route(
        "**/api/v1/visits/**",
        lambda route: route.fulfill(
            status=503, content_type="application/json", body='{"error": "维护中", "status": 503}'
        ),
    )
    do_visit(page, world.ents["a1"], shot, "灭火器压力正常")
    page.goto("/inspect/outbox")
    wait_until(page, f"{FIRST_ITEM} === 'pending'")
    lost = page.evaluate("FA.store.all('outbox').then(xs => xs[0].uuid)")
    from fieldapp.models import Alert, DeviceQueue

    with app.app_context():
        wait_until(
            page,
            "FA.store.get('kv', 'queue_report:' + FA.sync.user.id).then(r => !!r && r.queued === 1)",
        )
        assert db.session.scalar(select(DeviceQueue.queued)) == 1
    # The browser evicts the site's storage (Chrome under storage pressure): the queue is gone.
    page.evaluate(
        "new Promise((ok, fail) => { const r = indexedDB.deleteDatabase('fieldapp'); r.onsuccess = ok; r.onerror = fail; })"
    )
    page.reload()
    page.locator("[data-outbox-empty]").wait_for()
    with app.app_context():
        wait_until(
            page,
            "FA.store.get('kv', 'queue_report:' + FA.sync.user.id).then(r => !!r && r.queued === 0)",
        )
        alert = db.session.scalar(select(Alert).where(Alert.kind == "lost_record"))
        assert alert is not None and alert.record_uuid == lost
    page.context.close()

    office = phone_context(browser, playwright, live_server).new_page()
    sign_in(office, "street_a")
    office.goto("/dashboard")
    panel = office.locator("#alerts-panel")
    assert "可能丢失的离线记录" in panel.inner_text() and "甲一小吃店" in panel.inner_text()
    assert panel.locator("[data-alert-count='lost_record']").inner_text() == "1"
    office.context.close()


# --- 9. the shell pages are not fetched on every load --------------------------------------------


def test_the_shell_pages_are_not_fetched_again_on_every_load(app, phone, world, second_premises):
    from fieldapp.blueprints import pwa

    page = phone
    ready_for_offline(page)
    page.goto("/inspect")  # under the worker now
    page.locator("#due-list").wait_for()
    wait_until(page, "FA.sync.status !== 'running'")
    fetched: list[str] = []
    inner = app.wsgi_app

    def counting(environ, start_response):
        fetched.append(environ["PATH_INFO"])
        return inner(environ, start_response)

    app.wsgi_app = counting
    try:
        for _ in range(3):
            page.reload()
            page.locator("#due-list").wait_for()
            wait_until(page, "FA.sync.status !== 'running'")
    finally:
        app.wsgi_app = inner
    assert [p for p in fetched if p in pwa.SHELL_PAGES] == []
    assert fetched.count("/inspect") == 3
