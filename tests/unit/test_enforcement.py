"""Enforcement records (issue 20 point 2): each kind on record, referral cases, and annex 7's columns counted from them."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from fieldapp import audit, enforcement, enforcement_counts, hazards, settings
from fieldapp.clock import LOCAL_TZ, utcnow
from fieldapp.enforcement_counts import Filer
from fieldapp.extensions import db
from fieldapp.models import EnforcementCase, QuarterFigure, Street, User

from ..clock import TODAY
from ..factories import make_enterprise, make_hazard

# A year wholly in the past: records are dated in it, never after today.
YEAR = TODAY.year - 1


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def rec(world, username="street_a", ent="a1", **kw):
    values = {
        "kind": "interview",
        "enterprise_id": world.ents[ent] if isinstance(ent, str) else ent,
        "doc_number": f"泉鲤安约〔{YEAR}〕{uuid.uuid4().hex[:4]}号",
        "decided_on": date(YEAR, 5, 10),
    }
    values.update(kw)
    out = enforcement.record(enforcement.NewRecord(**values), actor=user(username), now=utcnow())
    db.session.commit()
    return out


def refused(world, username="street_a", **kw):
    with pytest.raises(enforcement.EnforcementError) as info:
        rec(world, username, **kw)
    db.session.rollback()
    return info.value


@pytest.mark.parametrize(
    "kw,words",
    [
        ({"kind": "penalty"}, "须选择处罚种类"),
        ({"kind": "penalty", "measures": ["fine"]}, "请填写罚款金额"),
        ({"kind": "penalty", "measures": ["fine"], "fine_wan": "1.234"}, "最多两位小数"),
        ({"kind": "penalty", "measures": ["fine"], "fine_wan": "0"}, "应大于 0"),
        ({"kind": "penalty", "measures": ["fine", "jail"], "fine_wan": "1"}, "须选择处罚种类"),
        (
            {
                "kind": "penalty",
                "measures": ["suspension"],
                "dual_penalty": True,
                "person_name": "王某",
                "person_fine_wan": "0.5",
            },
            "一案双罚须对单位处以罚款",
        ),
        (
            {
                "kind": "penalty",
                "measures": ["fine"],
                "fine_wan": "2",
                "dual_penalty": True,
                "person_fine_wan": "0.5",
            },
            "责任人姓名",
        ),
        ({"kind": "interview", "dual_penalty": True}, "只适用于行政处罚"),
        ({"kind": "judicial"}, "移送人数"),
        ({"kind": "exposure", "doc_number": " "}, "决定书（文书）编号"),
        ({"kind": "exposure", "decided_on": TODAY + timedelta(days=1)}, "不能晚于今天"),
        ({"kind": "exposure", "decided_on": "2025-13-01"}, "决定日期"),
        ({"kind": "arrest"}, "请选择记录类别"),
    ],
)
def test_a_record_says_what_it_must(ctx, world, kw, words):
    error = refused(world, **kw)
    assert error.status == 422 and any(words in e for e in error.errors), error.errors


def test_every_kind_is_recorded_with_its_audit_event(ctx, world):
    h = make_hazard(world.ents["a1"])
    db.session.commit()
    kinds = {
        "inspection": {},
        "interview": {},
        "notice": {},
        "exposure": {},
        "incentive": {},
        "restraint": {},
        "judicial": {"persons": "2"},
        "penalty": {
            "measures": ["fine", "suspension", "licence_suspended"],
            "fine_wan": "3.5",
            "dual_penalty": True,
            "person_name": "王某",
            "person_role": "主要负责人",
            "person_fine_wan": "0.80",
            "hazards": [h.uuid],
        },
    }
    for kind, extra in kinds.items():
        r = rec(world, kind=kind, **extra)
        event = audit.events_for("enforcement", r.uuid)[0]
        assert event.action == "enforcement_recorded" and event.enterprise_id == world.ents["a1"]
        assert (
            audit.payload(event)["kind"] == kind
            and audit.payload(event)["filer"]["kind"] == "street"
        )
    penalty = enforcement.records(user("district"), kind="penalty")[0]
    assert (penalty.fine_wan, penalty.person_fine_wan) == (Decimal("3.50"), Decimal("0.80"))
    assert enforcement.describe(penalty) == (
        "行政处罚：罚款 3.50 万元、责令停产停业整顿、暂扣证照；"
        "一案双罚：王某（主要负责人） 罚款 0.80 万元"
    )
    assert audit.verify().ok


def test_hazards_must_be_the_premises_own_and_the_premises_in_scope(ctx, world):
    theirs = make_hazard(world.ents["a2"])
    db.session.commit()
    assert any("须是该场所的隐患" in e for e in refused(world, hazards=[theirs.uuid]).errors)
    with pytest.raises(NotFound):
        rec(world, "street_b")
    db.session.rollback()
    assert refused(world, "inspector_a1").status == 403


def test_a_resubmitted_form_is_stored_once(ctx, world):
    rid = str(uuid.uuid4())
    first = rec(world, uuid=rid)
    again = rec(world, uuid=rid)
    assert again is first and len(audit.events_for("enforcement", rid)) == 1


def test_a_referred_hazard_is_a_case_followed_to_its_outcome(ctx, world):
    h = make_hazard(world.ents["a1"])
    db.session.commit()
    out = hazards.transition(
        h.uuid, "refer", actor=user("street_a"), now=utcnow(), version=1, note="拒不整改"
    )
    db.session.commit()
    case = db.session.get(EnforcementCase, out.event.uuid)
    assert case.status == "open" and enforcement.cases(user("street_a"), status="open") == [case]
    assert enforcement.cases(user("street_b"), status="open") == []
    r = rec(
        world,
        kind="penalty",
        measures=["fine"],
        fine_wan="1",
        hazards=[h.uuid],
        case_uuid=case.uuid,
    )
    assert case.status == "decided" and "行政处罚" in case.outcome
    # A record entered in error is voided: the case waits for its outcome again.
    enforcement.void(r.uuid, reason="文书编号录错", actor=user("street_a"), now=utcnow())
    db.session.commit()
    assert case.status == "open" and r.voided_at is not None
    assert [e.action for e in audit.events_for("enforcement", r.uuid)] == [
        "enforcement_recorded",
        "enforcement_voided",
    ]
    with pytest.raises(enforcement.EnforcementError) as info:
        enforcement.close_case(case.uuid, outcome=" ", actor=user("street_a"), now=utcnow())
    assert info.value.status == 422
    enforcement.close_case(
        case.uuid,
        outcome="已责令改正，企业当场整改完毕，不予处罚",
        actor=user("street_a"),
        now=utcnow(),
    )
    db.session.commit()
    assert (
        case.status == "closed" and audit.events_for("case", case.uuid)[0].action == "case_closed"
    )


def test_only_the_filer_or_the_district_voids(ctx, world):
    r = rec(world, "dept_catering")
    with pytest.raises(enforcement.EnforcementError) as info:
        enforcement.void(r.uuid, reason="x", actor=user("street_a"), now=utcnow())
    assert info.value.status == 403
    enforcement.void(r.uuid, reason="重复登记", actor=user("district"), now=utcnow())


# --- annex 7's columns ---------------------------------------------------------------------------


@pytest.fixture
def counted(ctx, world):
    """Records built to separate every column: two 九小 types in street A, one in street B, one non-九小 premises."""
    sa, sb = db.session.get(Street, world.streets["A"]), db.session.get(Street, world.streets["B"])
    cafe = world.ents["a1"]  # catering, 餐饮, street A
    shop = make_enterprise(sa, name="甲小商店", venue_type="shop", industry="商贸").id
    inn = make_enterprise(sb, name="乙小旅馆", venue_type="hotel", industry="住宿").id
    factory = world.ents["a2"]  # not a 九小场所: left out of annex 7
    end_q2 = datetime(YEAR, 7, 1, tzinfo=LOCAL_TZ)
    h1 = make_hazard(cafe, state="closed", closed_at=end_q2 - timedelta(days=3))
    h2 = make_hazard(cafe)
    h3 = make_hazard(
        shop, state="closed", closed_at=end_q2 + timedelta(days=3)
    )  # closed after the period
    db.session.commit()
    may = date(YEAR, 5, 10)
    rec(
        world,
        kind="penalty",
        ent=cafe,
        decided_on=may,
        measures=["fine", "suspension"],
        fine_wan="2.50",
        dual_penalty=True,
        person_name="陈某",
        person_fine_wan="0.30",
        hazards=[h1.uuid, h2.uuid],
    )
    rec(
        world,
        kind="penalty",
        ent=cafe,
        decided_on=may,
        measures=["licence_revoked", "closure"],
        hazards=[h1.uuid],
    )
    rec(
        world,
        kind="penalty",
        ent=shop,
        decided_on=may,
        measures=["fine", "licence_suspended"],
        fine_wan="0.75",
        hazards=[h3.uuid],
    )
    rec(world, kind="judicial", ent=cafe, decided_on=may, persons=3)
    for kind in (
        "exposure",
        "interview",
        "interview",
        "incentive",
        "restraint",
        "notice",
        "inspection",
    ):
        rec(world, kind=kind, ent=shop, decided_on=may)
    rec(world, "district", kind="penalty", ent=inn, decided_on=may, measures=["fine"], fine_wan="9")
    rec(world, kind="penalty", ent=factory, decided_on=may, measures=["fine"], fine_wan="100")
    rec(world, kind="interview", ent=cafe, decided_on=date(YEAR, 7, 2))  # next quarter
    voided = rec(world, kind="exposure", ent=cafe, decided_on=may)
    enforcement.void(voided.uuid, reason="录入错误", actor=user("street_a"), now=utcnow())
    db.session.commit()
    return {"a": world.streets["A"], "b": world.streets["B"]}


def test_annex7_enforcement_columns_are_counted_from_records(counted):
    got = enforcement_counts.counts(Filer.streets(counted["a"]), date(YEAR, 1, 1), date(YEAR, 7, 1))
    assert set(got) == {"catering", "shop"}  # the factory is no 九小场所; the inn is street B's
    assert got["catering"] == {
        **enforcement_counts.zero(),
        "penalty_places": 2,
        "penalty_hazards": 2,
        "penalty_rectified": 1,
        "fine_places": 1,
        "fine_amount": Decimal("2.80"),
        "suspended": 1,
        "licence": 1,
        "closed_down": 1,
        "judicial": 3,
    }
    assert got["shop"] == {
        **enforcement_counts.zero(),
        "penalty_places": 1,
        "penalty_hazards": 1,
        "penalty_rectified": 0,
        "fine_places": 1,
        "fine_amount": Decimal("0.75"),
        "licence": 1,
        "exposed": 1,
        "interviewed": 2,
        "incentive": 1,
        "restraint": 1,
    }


def test_counts_per_filer_unit_and_period(counted):
    district = enforcement_counts.counts(Filer.district(), date(YEAR, 1, 1), date(YEAR + 1, 1, 1))
    assert (
        district["hotel"]["fine_amount"] == Decimal("9.00")
        and district["catering"]["interviewed"] == 1
    )
    department = enforcement_counts.counts(
        Filer.department("餐饮"), date(YEAR, 1, 1), date(YEAR, 7, 1)
    )
    assert set(department) == {"catering"} and department["catering"]["penalty_places"] == 2
    by_street = enforcement_counts.counts(
        Filer.streets(counted["a"]), date(YEAR, 1, 1), date(YEAR, 7, 1), group="street_id"
    )
    # Grouped by street, every premises counts (the factory is no 九小场所 but is street A's).
    assert by_street[counted["a"]]["penalty_places"] == 4
    assert (
        enforcement_counts.counts(
            Filer.streets(counted["b"]), date(YEAR, 7, 1), date(YEAR + 1, 1, 1)
        )
        == {}
    )


def test_hand_entry_only_for_quarters_before_the_records(counted, world):
    settings.put(
        "enforcement_counting",
        {"records_from": f"{YEAR}-05-15"},
        actor=user("district"),
        now=utcnow(),
    )
    for quarter, column, value in (
        (1, "interviewed", 4),
        (2, "interviewed", 1),
        (2, "fine_amount", Decimal("1.20")),
    ):
        db.session.add(
            QuarterFigure(
                street_id=counted["a"],
                year=YEAR,
                quarter=quarter,
                annex=7,
                row_key="catering",
                column_key=column,
                value=value,
                entered_by=world.users["street_a"],
                entered_at=utcnow(),
            )
        )
    db.session.commit()
    # A day inside Q2: Q2 is still typed in whole, records count from Q3.
    assert enforcement_counts.records_from() == date(YEAR, 7, 1)
    assert [enforcement_counts.hand_entry_allowed(YEAR, q) for q in (1, 2, 3, 4)] == [
        True,
        True,
        False,
        False,
    ]
    q2 = enforcement_counts.annex7_enforcement([counted["a"]], YEAR, 2)
    assert q2["catering"]["interviewed"] == 5 and q2["catering"]["fine_amount"] == Decimal("1.20")
    assert q2["catering"]["penalty_places"] == 0  # May's records fall in the typed-in span
    q3 = enforcement_counts.annex7_enforcement([counted["a"]], YEAR, 3)
    assert q3["catering"]["interviewed"] == 6  # 5 typed in + July's record
    settings.put(
        "enforcement_counting",
        {"records_from": f"{YEAR}-01-01"},
        actor=user("district"),
        now=utcnow(),
    )
    q2 = enforcement_counts.annex7_enforcement([counted["a"]], YEAR, 2)
    assert q2["catering"]["interviewed"] == 0 and q2["catering"]["penalty_places"] == 2


def test_the_archive_holds_the_records(ctx, world):
    from fieldapp.archive.collect import collect, section_data

    rec(world, kind="exposure")
    doc = collect(world.ents["a1"], actor=user("district"), now=utcnow())
    data = section_data(doc, "enforcement")
    assert [r["kind"] for r in data["records"]] == ["exposure"] and data["records"][0][
        "summary"
    ] == "曝光典型案例"


# --- annex 7 reads them (fieldapp.quarterly) --------------------------------------------------------


def test_annex7_counts_the_records_and_types_in_only_the_quarters_before_them(counted, world):
    from fieldapp import quarterly
    from fieldapp.quarterly_drill import rows_behind

    settings.put(
        "enforcement_counting",
        {"records_from": f"{YEAR}-04-01"},
        actor=user("district"),
        now=utcnow(),
    )
    for quarter, value in (
        (1, 4),
        (2, 9),
    ):  # Q2's is a stale entry: Q2 is counted from records, never typed in
        db.session.add(
            QuarterFigure(
                street_id=counted["a"],
                year=YEAR,
                quarter=quarter,
                annex=7,
                row_key="catering",
                column_key="interviewed",
                value=value,
                entered_by=world.users["street_a"],
                entered_at=utcnow(),
            )
        )
    db.session.commit()
    unit = quarterly.street_unit(db.session.get(Street, counted["a"]))
    table = quarterly.for_unit(7, unit, quarterly.period(YEAR, 2))
    cafe, shop = table.row("catering"), table.row("shop")
    assert (
        cafe.values["penalty_places"],
        cafe.values["penalty_hazards"],
        cafe.values["penalty_rectified"],
    ) == (2, 2, 1)
    assert (cafe.values["fine_places"], cafe.values["fine_amount"], cafe.values["judicial"]) == (
        1,
        Decimal("2.80"),
        3,
    )
    assert (cafe.values["suspended"], cafe.values["licence"], cafe.values["closed_down"]) == (
        1,
        1,
        1,
    )
    assert (
        cafe.values["interviewed"] == 4
    )  # Q1 typed in; no catering interview on record in the half year
    assert (shop.values["interviewed"], shop.values["exposed"], shop.values["fine_amount"]) == (
        2,
        1,
        Decimal("0.75"),
    )
    assert table.row("total").values["penalty_places"] == 3 and table.row("total").values[
        "fine_amount"
    ] == Decimal("3.55")
    typed = db.session.scalar(select(QuarterFigure.id).where(QuarterFigure.quarter == 1))
    assert cafe.ids["interviewed"] == [f"figure:{typed}"]
    behind = rows_behind(user("street_a"), "enforcement", cafe.ids["penalty_places"])
    assert behind.total == 2 and {r.kind for r in behind.items} == {"penalty"}
    assert rows_behind(user("street_a"), "hazards", cafe.ids["penalty_hazards"]).total == 2
    assert (
        rows_behind(user("street_a"), "enforcement", cafe.ids["interviewed"]).figures[0].value == 4
    )
    # The district's live view reads the same records for the street block.
    rollup = quarterly.build(
        7, db.session.scalars(select(Street).order_by(Street.id)).all(), quarterly.period(YEAR, 2)
    )
    assert rollup.row("street|catering").values["penalty_places"] == 2
    assert rollup.row("street|hotel").values["fine_amount"] == Decimal("9.00")
