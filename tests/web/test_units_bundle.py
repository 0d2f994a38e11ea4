"""What a phone learns of units found in the field: every undecided one, and what each decided one became.

A street or district office may have hundreds of units waiting: the offline bundle
carries them all (nothing cut off unsaid). A unit the office has decided leaves the
undecided list; the bundle then says what it became (the premises, or why none), so a
draft or a queued visit to it on the phone falls back to that premises instead of
vanishing from the walk.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import User

from ..factories import make_units
from .test_units_api import bearer, put_unit, unit_body  # noqa: F401 (bearer: a fixture)

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
