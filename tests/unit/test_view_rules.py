"""Rules that moved out of the office views into the domain (issue 22: views as glue)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from fieldapp import campaign_actions, dashboard, enterprises, scope, supervision, units
from fieldapp.clock import LOCAL_TZ, local_today
from fieldapp.errors import DomainError
from fieldapp.extensions import db
from fieldapp.models import Enterprise, User, Visit

from ..clock import NOW, TODAY, VISIT_FINISHED


def user(name: str) -> User:
    return db.session.scalar(select(User).where(User.username == name))


@pytest.mark.parametrize(
    "form,required,expected",
    [
        ({"on": "2026-03-05"}, True, "2026-03-05"),
        ({"on": " 2026-03-05 "}, True, "2026-03-05"),
        ({"on": ""}, False, None),
        ({}, False, None),
    ],
)
def test_campaign_dates_are_read_from_the_form(form, required, expected):
    got = campaign_actions.parse_date(form, "on", required=required)
    assert (got.isoformat() if got else None) == expected


@pytest.mark.parametrize("form", [{"on": ""}, {"on": "2026-13-01"}, {"on": "五月一日"}, {}])
def test_a_missing_or_bad_campaign_date_is_refused_in_chinese(form):
    with pytest.raises(DomainError, match="请填写有效日期") as exc:
        campaign_actions.parse_date(form, "on")
    assert exc.value.status == 422


@pytest.mark.parametrize("raw,expected", [("3", 3), (" 2026 ", 2026), ("", 0)])
def test_campaign_whole_numbers_are_ascii_digits(raw, expected):
    assert campaign_actions.parse_int({"stars": raw}, "stars", "星级") == expected


@pytest.mark.parametrize("raw", ["３", "3.5", "-1", "1e3", "1234567890", "三"])
def test_anything_but_a_short_ascii_whole_number_is_refused(raw):
    # Full-width digits pass str.isdigit() and int(): the rule names ASCII on purpose.
    with pytest.raises(DomainError, match="星级应为整数"):
        campaign_actions.parse_int({"stars": raw}, "stars", "星级")


def test_an_unknown_campaign_form_is_not_found(ctx, world):
    ent = db.session.get(Enterprise, world.ents["a1"])
    with pytest.raises(DomainError) as exc:
        campaign_actions.act(ent, "delete", {}, photo=None, actor=user("district"), now=NOW)
    assert exc.value.status == 404


def test_merging_into_no_unit_is_refused_before_anything_is_looked_up(ctx, world):
    with pytest.raises(units.UnitError, match="请选择要合并到的在册单位") as exc:
        units.merge(str(uuid.uuid4()), None, actor=user("street_a"), version=1, now=NOW)
    assert exc.value.status == 422


@pytest.mark.parametrize(
    "username,streets",
    [("district", ["A", "B"]), ("street_a", ["A"]), ("street_b", ["B"]), ("inspector_a1", ["A"])],
)
def test_street_choices_follow_the_filter_rule(ctx, world, username, streets):
    got = scope.streets(user(username))
    assert [s.id for s in got] == [world.streets[k] for k in streets]
    assert all(isinstance(s.grids, list) for s in got)  # the forms list each street's grids


@pytest.mark.parametrize(
    "username,label",
    [("district", "全区"), ("street_a", "甲街道"), ("dept_catering", "餐饮行业")],
)
def test_the_scope_label_names_the_street_the_industry_or_the_district(ctx, world, username, label):
    assert scope.label(user(username)) == label


def _visit(ent_id: int, inspector_id: int) -> None:
    db.session.add(
        Visit(
            uuid=str(uuid.uuid4()),
            enterprise_id=ent_id,
            inspector_id=inspector_id,
            started_at=VISIT_FINISHED,
            finished_at=VISIT_FINISHED,
            received_at=VISIT_FINISHED,
            location_status="none",
            body_hash="x" * 64,
            item_count=0,
            answered_count=0,
            fail_count=0,
        )
    )
    db.session.flush()


@pytest.mark.parametrize(
    "username,streets", [("district", {"A", "B"}), ("street_a", {"A"}), ("street_b", {"B"})]
)
def test_a_street_counts_its_own_visits_and_the_district_every_street(
    ctx, world, username, streets
):
    _visit(world.ents["a1"], world.users["inspector_a1"])
    _visit(world.ents["b1"], world.users["inspector_b1"])
    start, counts = supervision.year_counts(user(username), TODAY)
    assert start == TODAY.replace(month=1, day=1)
    assert set(counts) == {world.streets[k] for k in streets}
    assert all(c["routine"] == 1 for c in counts.values())


def test_one_enterprise_is_an_enterprise_with_the_names_list_rows_carry(ctx, world):
    actor = user("district")
    ent = enterprises.get(actor, world.ents["a1"])
    row = db.session.execute(enterprises.rows(actor).where(Enterprise.id == world.ents["a1"])).one()
    assert isinstance(ent, Enterprise)
    labelled = [c.name for c in enterprises.ROW_COLUMNS if c.name not in Enterprise.__table__.c]
    assert labelled == ["street_name", "street_phone", "grid_code", "grid_name"]
    assert {n: getattr(ent, n) for n in labelled} == {n: getattr(row, n) for n in labelled}
    assert (ent.street_name, ent.grid_code) == ("甲街道", "SA-01")


def test_an_enterprise_outside_scope_is_not_found(ctx, world):
    from werkzeug.exceptions import NotFound

    with pytest.raises(NotFound):
        enterprises.get(user("street_a"), world.ents["b1"])


def test_a_stale_edit_is_refused_with_409_and_changes_nothing(ctx, world):
    ent = db.session.get(Enterprise, world.ents["a1"])
    values = {k: "" if v is None else str(v) for k, v in enterprises.form_values(ent).items()}
    values.update(name="改过的名字", version=str(ent.version - 1))
    with pytest.raises(enterprises.ValidationError) as exc:
        enterprises.apply_form(ent, values, actor=user("district"), now=NOW)
    assert exc.value.status == 409 and "_form" in exc.value.fields
    assert ent.name == "甲一小吃店"


def test_the_edit_form_never_sets_what_is_recorded_elsewhere(ctx, world):
    ent = db.session.get(Enterprise, world.ents["a1"])
    form = {"name": "甲一小吃店", "risk_color": "red", "stars": "5", "standardization": "level1"}
    values = enterprises.form_input(ent, form)
    assert {k: values[k] for k in enterprises.RECORDED_ELSEWHERE} == {
        k: enterprises.form_values(ent)[k] for k in enterprises.RECORDED_ELSEWHERE
    }


@pytest.mark.parametrize(
    "username,expected",
    [
        # Every street: coverage per street (a city's grids would be a thousand bars).
        ("district", ("street", ("street", "industry", "venue_type", "level"), "street")),
        ("street_a", ("grid", ("grid", "industry", "venue_type", "level"), "grid")),
        # One industry across every street: no industry row, coverage per street.
        ("dept_catering", ("street", ("street", "venue_type", "level"), "street")),
    ],
)
def test_the_dashboard_breaks_a_scope_down_by_what_varies_in_it(ctx, world, username, expected):
    assert dashboard.layout(user(username)) == expected


@pytest.mark.parametrize(
    "now,start,end,expected",
    [
        # 23:30 UTC on 31 March is already 1 April in Shanghai: the second quarter begins.
        (datetime(2026, 3, 31, 23, 30, tzinfo=UTC), None, None, ("2026-04-01", "2026-04-01")),
        (datetime(2026, 3, 31, 15, 30, tzinfo=UTC), None, None, ("2026-01-01", "2026-03-31")),
        (
            datetime(2026, 5, 15, tzinfo=UTC),
            date(2026, 2, 1),
            date(2026, 2, 28),
            ("2026-02-01", "2026-02-28"),
        ),
    ],
)
def test_the_dashboard_period_defaults_to_this_quarter_in_shanghai(now, start, end, expected):
    w = dashboard.window(start, end, now)
    last = w.end - timedelta(days=1)
    assert (w.start.date().isoformat(), last.date().isoformat()) == expected
    assert w.start.tzinfo is LOCAL_TZ and w.today == local_today(now)
