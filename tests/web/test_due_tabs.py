"""The due list answers "what now?": tabs with counts, the longest overdue first, distinct words.

Issue 21, finding 4: 40 cards with no filter or count, the most overdue premises at card 17,
and "逾期 1" (a hazard) beside "超期未查" (a visit).
"""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import update

from fieldapp import inspect
from fieldapp.extensions import db
from fieldapp.models import Grid, Street, User, Visit

from .. import images
from ..clock import NOW, day
from ..factories import make_enterprise, make_hazard, visit_body


@pytest.fixture
def rounds(app, world, login):
    """inspector_a1's grid: a1 visited 400 days ago with an overdue hazard, and three premises never visited."""
    inspector, vid = login("inspector_a1"), str(uuid.uuid4())
    shots = [images.jpeg(seed=71), images.jpeg(seed=72)]
    for data in shots:
        assert (
            inspector.put(
                f"/api/v1/photos/{images.sha(data)}", data=data, content_type="image/jpeg"
            ).status_code
            == 201
        )
    body = visit_body(
        world.ents["a1"],
        photos={"extinguishers": [images.sha(shots[0])], "gas_alarm": [images.sha(shots[1])]},
    )
    assert inspector.put(f"/api/v1/visits/{vid}", json=body).status_code == 201
    with app.app_context():
        street, grid = (
            db.session.get(Street, world.streets["A"]),
            db.session.get(Grid, world.grids["a1"]),
        )
        long_ago = NOW - timedelta(days=400)
        db.session.execute(
            update(Visit).where(Visit.uuid == vid).values(started_at=long_ago, finished_at=long_ago)
        )
        make_hazard(world.ents["a1"], deadline=day(-3))
        make_enterprise(
            street, grid, name="今日新开店", created_at=NOW
        )  # never visited: due the day it was registered
        make_enterprise(street, grid, name="上月登记店", created_at=NOW - timedelta(days=30))
        waiting = make_enterprise(street, grid, name="待复查店", created_at=NOW)
        make_hazard(waiting.id, state="rectified", submitted_by=world.users["owner_a1"])
        db.session.commit()


def names(rows) -> list[str]:
    return [r.name for r in rows]


@pytest.mark.parametrize(
    "tab, expected",
    [
        ("today", ["待复查店", "今日新开店"]),
        ("late", ["甲一小吃店", "上月登记店"]),  # the longest overdue first, visited or not
        ("recheck", ["待复查店"]),
        ("all", ["待复查店", "甲一小吃店", "上月登记店", "今日新开店"]),
    ],
)
def test_each_tab_holds_its_premises_most_urgent_first(app, world, rounds, tab, expected):
    with app.app_context():
        rows, counts = inspect.due_tabs(
            db.session.get(User, world.users["inspector_a1"]), now=NOW, tab=tab
        )
    assert names(rows) == expected
    assert counts == {"today": 2, "late": 2, "recheck": 1, "all": 4}


def test_the_due_page_shows_tabs_with_counts_and_distinct_words(world, rounds, login):
    client = login("inspector_a1")
    html = client.get("/inspect?show=late").get_data(as_text=True)
    tabs = dict(re.findall(r'id="tab-(\w+)"[^>]*>[^<]*<span class="count">(\d+)</span>', html))
    assert tabs == {"today": "2", "late": "2", "recheck": "1", "all": "4"}
    assert re.search(r'id="tab-late" aria-current="page"', html)
    listed = re.findall(r'class="ent-name"[^>]*>([^<]+)<', html)
    assert listed == ["甲一小吃店", "上月登记店"]
    # A hazard past its deadline and a visit past due never share a word.
    assert "整改逾期 1 项" in html and re.search(r"超期未查 \d+ 天", html)
    assert not re.search(r'class="badge danger">逾期', html)
    # The search keeps the tab; without JS, through the form's hidden field.
    assert '<input type="hidden" name="show" value="late">' in html
    frag = client.get("/inspect?show=late&q=上月", headers={"HX-Request": "true"}).get_data(
        as_text=True
    )
    assert re.findall(r'class="ent-name"[^>]*>([^<]+)<', frag) == ["上月登记店"]


@pytest.mark.parametrize("show", ["", "bogus", "<script>"])
def test_an_unknown_tab_shows_everything(world, rounds, login, show):
    resp = login("inspector_a1").get(f"/inspect?show={show}")
    assert resp.status_code == 200 and 'id="tab-all" aria-current="page"' in resp.get_data(
        as_text=True
    )


def test_an_empty_tab_says_so(world, login):
    html = login("inspector_a1").get("/inspect?show=recheck").get_data(as_text=True)
    assert "没有待复查的整改。" in html
