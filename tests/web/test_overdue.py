"""One meaning of overdue (逾期): still 待整改 past its deadline, everywhere (PRODUCT.md §11).

A hazard the enterprise has rectified and that waits for the recheck (待复查) is not
overdue even when its deadline has passed: it is shown as waiting for the recheck.
"""

from __future__ import annotations

import pytest

from fieldapp.extensions import db
from fieldapp.models import Enterprise

from ..clock import day
from ..factories import make_hazard


@pytest.fixture
def late(app, world):
    """Premises a1: one hazard 待整改 past its deadline, one 待复查 past its deadline."""
    with app.app_context():
        ent = world.ents["a1"]
        overdue = make_hazard(ent, deadline=day(-5), item_text="灭火器压力不足")
        waiting = make_hazard(
            ent,
            state="rectified",
            deadline=day(-5),
            submitted_by=world.users["owner_a1"],
            item_text="安全出口上锁",
            after_photos=["0" * 64],
        )
        db.session.commit()
        token = db.session.get(Enterprise, ent).public_token
        return {"overdue": overdue.uuid, "waiting": waiting.uuid, "token": token}


def test_the_hazard_pages_call_only_the_open_one_overdue(login, late):
    client = login("street_a")
    assert "已逾期 5 天" in client.get(f"/hazards/{late['overdue']}").get_data(as_text=True)
    page = client.get(f"/hazards/{late['waiting']}").get_data(as_text=True)
    assert "已逾期" not in page and "待复查" in page


def test_the_api_and_the_overdue_filter_agree(client, login, late, world):
    street = login("street_a")
    by_uuid = {
        h["uuid"]: h
        for h in street.get(f"/api/v1/hazards?enterprise={world.ents['a1']}").json["items"]
    }
    assert (
        by_uuid[late["overdue"]]["overdue"] is True and by_uuid[late["waiting"]]["overdue"] is False
    )
    overdue_only = street.get("/api/v1/hazards?state=overdue").json["items"]
    assert [h["uuid"] for h in overdue_only] == [late["overdue"]]
    listed = street.get("/lists/rectification?state=overdue").get_data(as_text=True)
    assert "灭火器压力不足" in listed and "安全出口上锁" not in listed


def test_the_dashboard_and_the_placard_count_one_overdue(client, login, late):
    dashboard = login("street_a").get("/dashboard").get_data(as_text=True)
    assert "<strong>1</strong>已逾期" in dashboard
    public = client.get(f"/q/{late['token']}").get_data(as_text=True)
    assert '其中 <strong class="late">1</strong> 项已逾期' in public


def test_the_offline_bundle_counts_one_overdue(login, late, world):
    body = login("inspector_a1").get("/api/v1/bootstrap").json
    premises = next(e for e in body["enterprises"] if e["id"] == world.ents["a1"])
    assert premises["overdue_hazards"] == 1
    assert {h["uuid"]: h["overdue"] for h in body["hazards"]} == {
        late["overdue"]: True,
        late["waiting"]: False,
    }
