"""A unit found in the field (issue 20): recorded with no signal, kept across a reload, synced once back online."""

from __future__ import annotations

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
