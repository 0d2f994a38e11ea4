"""Annex 1's targets are new additions (新增): renewals are counted apart; the table has annex 1's 底数 and a 合计 row."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from fieldapp import standardization, targets
from fieldapp.extensions import db
from fieldapp.models import CampaignCase, Enterprise, StandardizationRecord, Street, User

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(
    2026, 12, 1, 10, 0, tzinfo=SH
)  # the year's reviews are the subject: the dates are named


@pytest.fixture
def reviews(ctx, world):
    s = db.session.get(User, world.users["street_a"])
    ents = {k: db.session.get(Enterprise, v) for k, v in world.ents.items()}

    def review(key, on, level="level3", **kw):
        return standardization.record(
            ents[key],
            kind="review",
            level=level,
            result="pass",
            on=on,
            valid_until=None,
            organizer="district",
            note="",
            actor=s,
            now=NOW,
            **kw,
        )

    review("a2", date(2026, 3, 1))  # new: the first grade of a2
    ents[
        "a1"
    ].standardization = (
        "micro_pass"  # the register held a grade already (imported from the platform)
    )
    review(
        "a1", date(2026, 4, 1), level="micro_pass"
    )  # a renewal, though the first review on record
    db.session.add(
        StandardizationRecord(
            enterprise_id=ents["b1"].id,
            kind="review",
            level="level3",
            result="pass",
            on=date(2023, 6, 1),
            valid_until=date(2026, 6, 1),
            organizer="city",
            recorded_by=s.id,
            recorded_at=NOW,
        )
    )
    db.session.flush()
    review("b1", date(2026, 6, 1))  # a renewal of its 2023 grade
    review("b2", date(2026, 7, 1))  # new
    for key, on in (("a2", date(2025, 5, 1)), ("a2", date(2026, 5, 1)), ("a1", date(2026, 6, 1))):
        db.session.add(
            CampaignCase(
                kind="benchmark",
                street_id=ents[key].street_id,
                enterprise_id=ents[key].id,
                level="street",
                on=on,
                recorded_by=s.id,
                recorded_at=NOW,
            )
        )
    targets.seed_annex1(2026, NOW)
    db.session.commit()


def test_renewals_are_recorded_as_such(reviews, world):
    got = {
        r.enterprise_id: r.renewal
        for r in db.session.scalars(
            select(StandardizationRecord).where(StandardizationRecord.on >= date(2026, 1, 1))
        )
    }
    assert got == {
        world.ents["a2"]: False,
        world.ents["a1"]: True,
        world.ents["b1"]: True,
        world.ents["b2"]: False,
    }


def test_targets_count_new_additions_apart_from_renewals(reviews, world):
    streets = db.session.scalars(select(Street).order_by(Street.id)).all()
    rows = targets.progress(streets, 2026)
    a, b, total = rows
    items = {i.key: i for i in a.items}
    assert (items["reviewed"].actual, items["reviewed"].renewals) == (1, 1)
    assert (items["benchmark"].actual, items["benchmark"].renewals) == (
        1,
        1,
    )  # a1 new; a2 recognised again
    assert (
        {i.key: i for i in b.items}["reviewed"].actual,
        {i.key: i for i in b.items}["reviewed"].renewals,
    ) == (1, 1)
    assert total.name == "合计" and {i.key: i.actual for i in total.items}["reviewed"] == 2
    assert (a.base_actual, b.base_actual, total.base_actual) == (2, 2, 4)


def test_the_targets_page_has_the_base_column_and_a_total_row(app, world, login):
    with app.app_context():
        db.session.get(Street, world.streets["A"]).name = "金龙街道"
        targets.seed_annex1(2026, NOW)
        db.session.commit()
    page = login("district").get("/dashboard/targets?year=2026").get_data(as_text=True)
    assert "生产经营单位底数（家）" in page and 'id="target-total"' in page
    assert f'name="{world.streets["A"]}.base" value="239"' in page
    resp = login("district").post(
        "/dashboard/targets?year=2026", data={f"{world.streets['A']}.base": "240"}
    )
    assert (
        resp.status_code == 200
        and f'name="{world.streets["A"]}.base" value="240"' in resp.get_data(as_text=True)
    )
