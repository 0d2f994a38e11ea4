"""A unit found in the field (issue 20): recorded with no signal, kept across a reload, synced once back online."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from fieldapp.extensions import db
from fieldapp.models import Photo, UnitProposal

from .. import images
from .conftest import fits_width, sign_in
from .test_offline import ALL_SYNCED, wait_until


def assert_resync_sends_nothing(page) -> None:
    """Syncing again: the forced run asks the server what it holds, hears it has everything, sends nothing."""
    sent = []
    page.on("request", lambda r: sent.append(r.url) if r.method in ("PUT", "POST") else None)
    with page.expect_response("**/api/v1/held") as held:
        page.get_by_role("button", name="立即同步").click()
    assert held.value.status == 200
    wait_until(page, "FA.sync.status !== 'running'")
    wait_until(page, ALL_SYNCED)
    assert [u for u in sent if "/api/v1/held" not in u] == []


def record_unit(page, name: str, front) -> None:
    page.goto("/inspect/unit")
    page.get_by_label("单位名称").fill(name)
    page.get_by_label("尚未办照").check()
    page.get_by_label("行业领域").select_option("餐饮")
    page.get_by_label("九小场所类型").select_option("catering")
    page.get_by_label("地址").fill("甲街道新华路 18 号")
    page.locator("[data-unit-photos] input[type=file]").set_input_files(str(front))
    page.locator("[data-unit-photos] img").wait_for()
    page.locator("[data-location]").filter(has_text="已定位").wait_for()
    page.get_by_role("button", name="保存登记").click()
    page.locator("[data-unit-message]").filter(has_text="已登记").wait_for()


pytestmark = pytest.mark.browser


def test_records_a_unit_offline_and_syncs_it(app, phone, world, tmp_path):
    page = phone
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": 24.9091, "longitude": 118.5862, "accuracy": 15})
    front = tmp_path / "front.jpg"
    front.write_bytes(images.jpeg(1600, 1200, seed=91))
    sign_in(page, "inspector_a1")
    wait_until(page, "navigator.serviceWorker.controller !== null")
    wait_until(page, "caches.match('/inspect/unit').then(r => !!r)")

    page.context.set_offline(True)
    record_unit(page, "新华路阿明小吃店", front)  # the page from the worker's cache
    assert fits_width(page)
    with app.app_context():
        assert (
            db.session.scalar(select(func.count()).select_from(UnitProposal)) == 0
        )  # nothing reached the server

    page.goto("/inspect/outbox")
    page.reload()  # still offline: the outbox comes from the worker and IndexedDB
    item = page.locator("[data-outbox-list] li")
    item.first.wait_for()
    assert (
        item.count() == 1
        and "新华路阿明小吃店（新发现单位）" in item.inner_text()
        and "等待同步" in item.inner_text()
    )

    page.context.set_offline(False)
    page.get_by_role("button", name="立即同步").click()
    wait_until(page, ALL_SYNCED, 30)
    assert "等待街道安办审核入册" in page.locator("[data-outbox-list] li").inner_text()
    with app.app_context():
        p = db.session.scalar(select(UnitProposal))
        assert (p.name, p.no_licence, p.venue_type, p.grid_id) == (
            "新华路阿明小吃店",
            True,
            "catering",
            world.grids["a1"],
        )
        assert p.location_status == "ok" and abs(p.lat - 24.9091) < 1e-6 and len(p.photos) == 1
        assert db.session.get(Photo, p.photos[0]) is not None  # the front photo came with it
    assert_resync_sends_nothing(page)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(UnitProposal)) == 1
    # Requests tried while there was no signal fail as they should; nothing else went wrong.
    assert [e for e in page.console_errors if "ERR_INTERNET_DISCONNECTED" not in e] == []


def test_a_first_visit_is_walked_against_the_unit_before_the_office_decides(
    app, phone, world, tmp_path
):
    """Issue 20: the unit is recorded, then walked at once; the server holds the visit until approval."""
    from fieldapp import units
    from fieldapp.clock import utcnow
    from fieldapp.models import UnitVisit, User, Visit

    from .walking import finish, walk_all

    page = phone
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": 24.9091, "longitude": 118.5862, "accuracy": 15})
    front = tmp_path / "front.jpg"
    front.write_bytes(images.jpeg(1600, 1200, seed=93))
    sign_in(page, "inspector_a1")
    record_unit(page, "新华路阿亮快餐店", front)
    walk = page.get_by_role("link", name="现在检查这家单位")
    walk.wait_for()  # shown once the unit reached the server
    walk.click()
    page.wait_for_url("**/inspect/walk?visit=*")
    assert "新华路阿亮快餐店" in page.locator("[data-premises]").inner_text()
    total = int(page.locator("[data-progress-text]").inner_text().split()[-2].split("/")[-1])
    assert total > 0  # the lists a 小餐饮 is walked on, chosen by the server for the unit
    walk_all(page, total)
    finish(page, refuse="负责人不在店", located=True)
    # It syncs at once; the phone says where the visit is (no record page before approval).
    page.locator("[data-finish]").filter(has_text="街道安办审核该单位入册后记入").wait_for(
        timeout=30_000
    )
    assert "/inspect/walk" in page.url
    page.get_by_role("link", name="待同步记录").first.click()
    wait_until(page, ALL_SYNCED, 30)
    with app.app_context():
        p = db.session.scalar(select(UnitProposal).where(UnitProposal.name == "新华路阿亮快餐店"))
        held = db.session.scalars(select(UnitVisit).where(UnitVisit.unit_uuid == p.uuid)).all()
        assert [v.status for v in held] == ["held"]
        assert db.session.get(Visit, held[0].uuid) is None  # kept apart until the office decides
        street = db.session.get(User, world.users["street_a"])
        values = {**units.form_values(p), "principal_name": "阿亮", "size_class": "small_micro"}
        units.approve(p.uuid, values, actor=street, version=p.version, now=utcnow())
        db.session.commit()
        visit = db.session.get(Visit, held[0].uuid)
        assert (
            visit is not None
            and visit.enterprise_id == db.session.get(UnitProposal, p.uuid).enterprise_id
        )


# --- a visit to a unit the office has decided since (it left the bundle's undecided units) ---------


def propose(app, world, name: str) -> str:
    """A unit inspector_a1 recorded earlier, already on the server (as test_units_api sends it)."""
    from fieldapp import units
    from fieldapp.clock import utcnow
    from fieldapp.models import User

    from ..web.test_units_api import unit_body

    uid = str(uuid.uuid4())
    with app.app_context():
        units.receive(
            uid,
            unit_body(name=name),
            actor=db.session.get(User, world.users["inspector_a1"]),
            now=utcnow(),
        )
        db.session.commit()
    return uid


def decide(app, world, uid: str, how: str, **values) -> int | None:
    """The street office decides on the unit (approve into grid a1, or reject with a reason)."""
    from fieldapp import units
    from fieldapp.clock import utcnow
    from fieldapp.models import User

    with app.app_context():
        street = db.session.get(User, world.users["street_a"])
        p = db.session.get(UnitProposal, uid)
        if how == "approve":
            form = {**units.form_values(p), "size_class": "small_micro", **values}
            ent_id = units.approve(uid, form, actor=street, version=p.version, now=utcnow()).id
        else:
            units.reject(
                uid, reason=values["reason"], actor=street, version=p.version, now=utcnow()
            )
            ent_id = None
        db.session.commit()
        return ent_id


def start_walk(page, uid: str) -> tuple[str, int]:
    """Open a first visit to the unit and answer its first item 符合; the draft's id and the item count."""
    page.goto(f"/inspect/walk?unit={uid}")
    page.wait_for_url("**/inspect/walk?visit=*")
    total = int(page.locator("[data-progress-text]").inner_text().split()[-2].split("/")[-1])
    page.locator(".item-card:not([data-result])").first.get_by_role(
        "radio", name="符合", exact=True
    ).click()
    page.locator("[data-progress-text]").filter(has_text=f"已检查 1 / {total} 项").wait_for()
    return page.url.split("visit=")[1], total


def bundle_knows(page, uid: str) -> None:
    """Back on the home page in signal: the phone takes the fresh bundle, which says what the unit became."""
    page.goto("/inspect")
    wait_until(
        page,
        "FA.store.get('kv', 'last_user').then(u => FA.store.get('kv', 'bundle:' + u.id))"
        f".then(b => !!b && (b.decided_units || []).some(u => u.unit === '{uid}'))",
    )


def test_a_draft_to_a_unit_the_office_approved_opens_offline_on_the_premises_it_became(
    app, phone, world
):
    """Nothing the inspector recorded is hidden: the draft moves to the new premises, answers kept, and syncs as its visit."""
    from fieldapp.models import UnitVisit, Visit

    from .walking import finish, walk_all

    page = phone
    uid = propose(app, world, "新华路阿明小吃店")
    sign_in(page, "inspector_a1")
    wait_until(page, "navigator.serviceWorker.controller !== null")
    wait_until(page, "caches.match('/inspect/walk').then(r => !!r)")
    draft_id, total = start_walk(page, uid)
    ent_id = decide(app, world, uid, "approve", name="阿明小吃店")
    bundle_knows(page, uid)

    page.context.set_offline(True)
    page.get_by_role("link", name="继续检查：新华路阿明小吃店").click()  # the walk, from the worker
    page.wait_for_url(f"**/inspect/walk?visit={draft_id}")
    page.locator("[data-premises]").filter(has_text="阿明小吃店").wait_for()
    assert page.locator("[data-premises]").inner_text() == "阿明小吃店"
    fate = page.locator("#unit-fate").inner_text()
    assert "街道安办已审核该单位入册，现为在册场所「阿明小吃店」" in fate
    assert "本次检查记入该场所，已填写的内容不变" in fate
    assert f"已检查 1 / {total} 项" in page.locator("[data-progress-text]").inner_text()
    assert fits_width(page)
    walk_all(page, total)
    finish(page, refuse="负责人不在店")
    page.locator("[data-finish-message]").filter(has_text="已保存在手机上").wait_for()

    page.context.set_offline(False)
    page.goto("/inspect/outbox")
    page.get_by_role("button", name="立即同步").click()
    wait_until(page, ALL_SYNCED, 30)
    with app.app_context():
        visit = db.session.get(Visit, draft_id)
        assert visit is not None and visit.enterprise_id == ent_id  # the premises' own visit
        assert visit.answered_count == total
        assert db.session.get(UnitVisit, draft_id) is None  # not held as a unit's visit
    assert [e for e in page.console_errors if "ERR_INTERNET_DISCONNECTED" not in e] == []


def test_a_visit_to_a_rejected_unit_is_shown_with_why_and_syncs_to_the_file_or_to_the_right_premises(
    app, phone, world
):
    """As the server does: a visit to a rejected unit is kept on file against no premises; a draft may move to the premises it really was."""
    from fieldapp.models import UnitVisit, Visit

    from .walking import finish, walk_all

    page = phone
    uid = propose(app, world, "新华路阿明小吃店")
    sign_in(page, "inspector_a1")
    wait_until(page, "navigator.serviceWorker.controller !== null")
    # The upload fails for now: the finished visit stays queued on the phone.
    page.route(
        "**/api/v1/visits/*",
        lambda route: route.fulfill(
            status=503, content_type="application/json", body='{"error": "维护中", "status": 503}'
        ),
    )
    queued_id, total = start_walk(page, uid)
    walk_all(page, total)
    finish(page, refuse="负责人不在店")
    page.locator("[data-finish-message]").filter(has_text="已保存在手机上").wait_for()
    draft_id, _ = start_walk(page, uid)  # a second visit, not finished
    decide(app, world, uid, "reject", reason="重复登记，即甲一小吃店")
    bundle_knows(page, uid)

    # The queued visit opens read-only, saying what became of the unit and of the visit.
    page.goto(f"/inspect/walk?visit={queued_id}")
    page.locator("#unit-fate").wait_for()
    why = "街道安办未予入册该单位（理由：重复登记，即甲一小吃店）"
    assert why in page.locator("#unit-fate").inner_text()
    assert "服务器存档，但不记入任何在册场所" in page.locator("#unit-fate").inner_text()
    assert page.locator("[data-locked]").is_visible()
    page.goto("/inspect/outbox")
    row = page.locator(f"#outbox-{queued_id}")
    row.filter(has_text=why).wait_for()

    # The draft: moved to the premises it really was, its answer kept.
    page.goto(f"/inspect/walk?visit={draft_id}")
    page.locator("#unit-fate").filter(has_text=why).wait_for()
    page.locator("[data-unit-pick]").select_option(label="甲一小吃店，" + _address(app, world))
    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name="改记到所选场所").click()
    page.locator("[data-premises]").filter(has_text="甲一小吃店").wait_for()
    assert page.locator("#unit-fate").count() == 0
    done = page.locator("[data-progress-text]").inner_text()
    assert done.startswith("已检查 1 / ")
    moved_total = int(done.split()[-2].split("/")[-1])
    walk_all(page, moved_total)
    finish(page, refuse="负责人不在店")
    page.locator("[data-finish-message]").filter(has_text="已保存在手机上").wait_for()

    page.unroute("**/api/v1/visits/*")
    page.goto("/inspect/outbox")
    page.get_by_role("button", name="立即同步").click()
    wait_until(page, ALL_SYNCED, 30)
    assert "该单位未予入册，检查记录存档" in page.locator(f"#outbox-{queued_id}").inner_text()
    with app.app_context():
        held = db.session.get(UnitVisit, queued_id)
        assert held.status == "unit_rejected" and db.session.get(Visit, queued_id) is None
        assert db.session.get(Visit, draft_id).enterprise_id == world.ents["a1"]
    assert [e for e in page.console_errors if "503" not in e] == []  # the failed uploads only


def _address(app, world) -> str:
    from fieldapp.models import Enterprise

    with app.app_context():
        return db.session.get(Enterprise, world.ents["a1"]).address


def test_a_queued_visit_to_a_unit_the_office_approved_prints_its_notice_for_the_premises(
    app, phone, world, tmp_path
):
    """Finished before the decision and not yet synced: the outbox says where it goes, the notice names the premises, and after sync carries its number."""
    from fieldapp.models import Visit

    from .walking import finish, walk_all

    page = phone
    shot = tmp_path / "shot.jpg"
    shot.write_bytes(images.jpeg(800, 600, seed=95))
    uid = propose(app, world, "新华路阿明小吃店")
    sign_in(page, "inspector_a1")
    wait_until(page, "navigator.serviceWorker.controller !== null")
    page.route(
        "**/api/v1/visits/*",
        lambda route: route.fulfill(
            status=503, content_type="application/json", body='{"error": "维护中", "status": 503}'
        ),
    )
    queued_id, total = start_walk(page, uid)
    walk_all(page, total, {"灭火器": str(shot)})
    finish(page, refuse="负责人不在店")
    page.locator("[data-finish-message]").filter(has_text="已保存在手机上").wait_for()
    ent_id = decide(app, world, uid, "approve", name="阿明小吃店")
    bundle_knows(page, uid)

    page.goto("/inspect/outbox")
    row = page.locator(f"#outbox-{queued_id}")
    row.filter(has_text="现为在册场所「阿明小吃店」：检查记录同步后记入该场所").wait_for()
    row.get_by_role("link", name="整改通知书").click()
    page.locator("[data-notice]").wait_for()
    assert page.locator("[data-ent]").inner_text() == "阿明小吃店"
    assert page.locator("[data-no]").inner_text() == "待编号"
    assert page.locator("[data-qr-box]").is_visible()  # the premises' placard link

    page.unroute("**/api/v1/visits/*")
    page.goto("/inspect/outbox")
    page.get_by_role("button", name="立即同步").click()
    wait_until(page, ALL_SYNCED, 30)
    with app.app_context():
        visit = db.session.get(Visit, queued_id)
        assert visit.enterprise_id == ent_id and visit.notice_no
        number = visit.notice_no
    page.goto(f"/inspect/notice?visit={queued_id}")
    page.locator("[data-notice]").wait_for()
    assert page.locator("[data-no]").inner_text() == number  # the reprint after sync
    assert [e for e in page.console_errors if "503" not in e] == []  # the failed uploads only
