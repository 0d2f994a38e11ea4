"""What a phone learns of units found in the field: every undecided one, and what each decided one became.

A street or district office may have hundreds of units waiting: the offline bundle
carries them all (nothing cut off unsaid). A unit the office has decided leaves the
undecided list; the bundle then says what it became (the premises, or why none), so a
draft or a queued visit to it on the phone falls back to that premises instead of
vanishing from the walk.
"""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

from sqlalchemy import select

from fieldapp import units
from fieldapp.clock import utcnow
from fieldapp.extensions import db
from fieldapp.models import UnitProposal, User

from ..factories import make_units
from .test_units_api import bearer, put_unit, unit_body, unit_visit  # noqa: F401 (bearer: a fixture)

MANY = 205  # past the 200 the bundle once stopped at


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def test_the_bundle_carries_every_undecided_unit_however_many(app, world, login):
    with app.app_context():
        mine = make_units(
            MANY,
            street_id=world.streets["A"],
            grid_id=world.grids["a1"],
            proposed_by=world.users["inspector_a1"],
        )
        make_units(
            3,
            street_id=world.streets["B"],
            grid_id=world.grids["b1"],
            proposed_by=world.users["inspector_b1"],
        )
        db.session.commit()
    for username, expected in (
        ("street_a", MANY),
        ("district", MANY + 3),
        ("inspector_a1", MANY),
        ("street_b", 3),
    ):
        bundle = login(username).get("/api/v1/bootstrap")
        assert bundle.status_code == 200
        assert len(bundle.json["units"]) == expected, username
    shipped = {u["unit"] for u in login("street_a").get("/api/v1/bootstrap").json["units"]}
    assert shipped == set(mine)
    bundle = login("inspector_a1").get("/api/v1/bootstrap").json
    oldest = bundle["units"][-1]
    # Walked on what a registered premises of its kind is walked on (a1: a 小餐饮 too). Only
    # the lists an item narrows name their items: the phone walks all of any other.
    a1 = next(e for e in bundle["enterprises"] if e["id"] == world.ents["a1"])
    every = {c["id"]: [i["key"] for i in c["items"]] for c in bundle["checklists"]}
    assert oldest["checklists"] == a1["checklists"]
    walked = {
        c["id"]: oldest["checklist_items"].get(c["id"], every[c["id"]]) for c in a1["checklists"]
    }
    assert walked == a1["checklist_items"]


def test_the_review_list_reaches_every_unit_a_page_at_a_time(app, world, login):
    with app.app_context():
        made = make_units(
            MANY,
            street_id=world.streets["A"],
            grid_id=world.grids["a1"],
            proposed_by=world.users["inspector_a1"],
        )
        db.session.commit()
    office = login("street_a")
    first = office.get("/units").get_data(as_text=True)
    assert "共 205 个，每页 100 个，第 1/3 页。" in first
    assert len(re.findall(r'<tr id="unit-', first)) == 100 and 'rel="next"' in first
    last = office.get("/units?page=3").get_data(as_text=True)
    rows = re.findall(r'<tr id="unit-([0-9a-f-]+)"', last)
    assert rows == made[200:]  # the oldest five, reachable
    assert office.get("/units?page=99").status_code == 200  # past the end: the last page
    assert "共 205 个" in office.get("/units?status=all").get_data(as_text=True)


def decide(app, world, uid: str, how: str, **kw) -> int | None:
    """The street office decides a unit: approve (into grid a1 unless `grid` says), merge into a1, or reject."""
    with app.app_context():
        p = db.session.get(UnitProposal, uid)
        street = user("street_a")
        if how == "approve":
            values = {**units.form_values(p), "size_class": "small_micro", **kw}
            ent = units.approve(uid, values, actor=street, version=p.version, now=utcnow())
        elif how == "merge":
            ent = units.merge(
                uid, world.ents["a1"], actor=street, version=p.version, now=utcnow(), note="同一家"
            )
        else:
            ent = None
            units.reject(uid, reason=kw["reason"], actor=street, version=p.version, now=utcnow())
        db.session.commit()
        return ent.id if ent else None


def test_the_bundle_says_what_each_decided_unit_became(app, client, world, login, bearer):
    inspector = bearer("inspector_a1")
    approved, _ = put_unit(client, inspector, unit_body(name="新华路阿明小吃店"))
    elsewhere, _ = put_unit(client, inspector, unit_body(name="新华路阿亮快餐店"))
    merged, _ = put_unit(client, inspector, unit_body(name="甲一小吃店"))
    rejected, _ = put_unit(client, inspector, unit_body(name="新华路 12 号民宅"))
    waiting, _ = put_unit(client, inspector, unit_body(name="新华路新开茶店"))
    new_id = decide(app, world, approved, "approve")
    other_id = decide(app, world, elsewhere, "approve", grid="SA-02")  # not the inspector's grid
    decide(app, world, merged, "merge")
    decide(app, world, rejected, "reject", reason="该处为居民住宅，非经营场所")

    bundle = login("inspector_a1").get("/api/v1/bootstrap").json
    assert [u["unit"] for u in bundle["units"]] == [waiting]
    fate = {u["unit"]: u for u in bundle["decided_units"]}
    assert set(fate) == {approved, elsewhere, merged, rejected}
    assert (fate[approved]["status"], fate[approved]["enterprise_id"]) == ("approved", new_id)
    assert fate[approved]["enterprise_name"] == "新华路阿明小吃店"
    assert new_id in {e["id"] for e in bundle["enterprises"]}  # the premises it became, walkable
    assert other_id not in {e["id"] for e in bundle["enterprises"]}
    assert fate[elsewhere]["enterprise_id"] == other_id  # named, though outside the grid
    assert (fate[merged]["status"], fate[merged]["enterprise_id"]) == ("merged", world.ents["a1"])
    assert fate[merged]["enterprise_name"] == "甲一小吃店"
    assert (fate[rejected]["status"], fate[rejected]["enterprise_id"]) == ("rejected", None)
    assert fate[rejected]["reason"] == "该处为居民住宅，非经营场所"
    # Each keeps what a walk needs, so a draft to a rejected unit still opens and syncs.
    assert fate[rejected]["checklists"] and fate[rejected]["name"] == "新华路 12 号民宅"
    held = {c["id"] for c in bundle["checklists"]}
    assert {c["id"] for c in fate[rejected]["checklists"]} <= held
    # Another street's inspector learns nothing of them.
    theirs = login("inspector_b1").get("/api/v1/bootstrap").json
    assert theirs["units"] == [] and theirs["decided_units"] == []


def test_a_unit_decided_before_any_visit_the_server_accepts_is_left_out(app, client, world, login):
    """Older than the oldest visit the server still takes (90 days): no phone can still sync a visit to it."""
    with app.app_context():
        old, recent = make_units(
            2,
            street_id=world.streets["A"],
            grid_id=world.grids["a1"],
            proposed_by=world.users["inspector_a1"],
            status="rejected",
            reason="重复登记",
        )
        now = utcnow()
        db.session.get(UnitProposal, old).decided_at = now - timedelta(days=91)
        db.session.get(UnitProposal, recent).decided_at = now - timedelta(days=89)
        db.session.commit()
    bundle = login("inspector_a1").get("/api/v1/bootstrap").json
    assert [u["unit"] for u in bundle["decided_units"]] == [recent]
    assert uuid.UUID(recent)


def test_a_visit_to_a_decided_unit_is_received_as_the_premises_visit_with_its_notice_number(
    app, client, world, bearer
):
    """What a queued visit to the unit meets on sync: the premises' visit, numbered, or the unit's file."""
    inspector = bearer("inspector_a1")
    approved, _ = put_unit(client, inspector, unit_body(name="新华路阿明小吃店"))
    rejected, _ = put_unit(client, inspector, unit_body(name="新华路 12 号民宅"))
    ent_id = decide(app, world, approved, "approve")
    decide(app, world, rejected, "reject", reason="非经营场所")
    vid = str(uuid.uuid4())
    resp = client.put(f"/api/v1/visits/{vid}", json=unit_visit(approved), headers=inspector)
    assert resp.status_code == 201
    assert (resp.json["status"], resp.json["enterprise_id"]) == ("attached", ent_id)
    assert resp.json["notice_no"].endswith("第0001号")  # the phone's reprint after sync
    held = client.post(
        "/api/v1/held", json={"visits": [vid], "events": [], "alerts": []}, headers=inspector
    )
    assert held.json["visits"][vid]["notice_no"] == resp.json["notice_no"]
    filed = client.put(
        f"/api/v1/visits/{uuid.uuid4()}", json=unit_visit(rejected), headers=inspector
    )
    assert filed.status_code == 201
    assert (filed.json["status"], filed.json["notice_no"]) == ("unit_rejected", None)
