"""Each column of annexes 4, 5 and 7 counts what its header names, on data built to tell neighbouring columns apart.

The quarter under test is 2026 Q2 (Apr 1 – Jul 1, Asia/Shanghai): its boundaries are the
subject, so the dates are named. Street 甲 holds a1 (小餐饮, small), a2 (机械, small),
a3 (机械, above scale) and a4 (机械, medium); street 乙 holds b1 and b2. The 餐饮 department
supervises a1.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from fieldapp import enforcement_counts, quarterly, quarterly_export, settings
from fieldapp.extensions import db
from fieldapp.models import (
    Answer,
    CampaignCase,
    CampaignLetter,
    Enterprise,
    QuarterFigure,
    RiskAssessment,
    StandardizationRecord,
    StarRating,
    Street,
    User,
    Visit,
    VisitChecklist,
)
from fieldapp.quarterly_facts import FIVE_S, SIX_SIGNAGE

from ..factories import make_enterprise, make_hazard

SH = ZoneInfo("Asia/Shanghai")
Q2 = quarterly.period(2026, 2)


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


def visit(ent_id, user_id, when, answers: dict[str, str], checklist="enterprise_gbt33000") -> str:
    vid = str(uuid.uuid4())
    db.session.add(
        Visit(
            uuid=vid,
            enterprise_id=ent_id,
            inspector_id=user_id,
            started_at=when,
            finished_at=when,
            received_at=when,
            location_status="none",
            body_hash="x" * 64,
            item_count=len(answers),
            answered_count=len(answers),
            fail_count=0,
        )
    )
    db.session.add(
        VisitChecklist(
            visit_uuid=vid,
            checklist_id=checklist,
            version=1,
            content_hash="h" * 64,
            position=0,
            enterprise_id=ent_id,
            finished_at=when,
            passed=sorted(k for k, r in answers.items() if r == "pass"),
            not_applicable=sorted(k for k, r in answers.items() if r == "na"),
        )
    )
    for key, result in answers.items():
        db.session.add(
            Answer(
                visit_uuid=vid,
                checklist_id=checklist,
                item_key=key,
                result=result,
                note="",
                photos=[],
            )
        )
    return vid


@pytest.fixture
def data(ctx, world):
    old = at(2020, 1, 1)
    sa = db.session.get(Street, world.streets["A"])
    a3 = make_enterprise(
        sa, None, name="甲三大厂", size_class="above_scale", created_at=old, updated_at=old
    )
    a4 = make_enterprise(
        sa, None, name="甲四中厂", size_class="medium", created_at=old, updated_at=old
    )
    late = make_enterprise(
        sa, None, name="七月新开", created_at=at(2026, 7, 1, 0, 0), updated_at=at(2026, 7, 1)
    )
    for key in ("a1", "a2", "b1", "b2"):
        db.session.get(Enterprise, world.ents[key]).created_at = old
    ids = {**world.ents, "a3": a3.id, "a4": a4.id, "late": late.id}
    u, s = world.users["inspector_a1"], world.users["street_a"]
    owner = world.users["owner_a1"]

    # Inspectors' finds (发现 / 督促整改): a1 two in Q2, one closed; a3 two, one of them last year.
    make_hazard(
        ids["a1"],
        raised_at=at(2026, 4, 2),
        deadline=date(2026, 4, 10),
        state="closed",
        closed_at=at(2026, 5, 1),
    )
    make_hazard(ids["a1"], raised_at=at(2026, 6, 30, 23, 59), deadline=date(2026, 7, 10))
    make_hazard(ids["a3"], raised_at=at(2026, 1, 10))
    make_hazard(ids["a3"], raised_at=at(2025, 12, 31, 23, 59))  # last year: not counted
    make_hazard(ids["a3"], raised_at=at(2026, 7, 1, 0, 0))  # the next quarter
    make_hazard(
        ids["b1"], raised_at=at(2026, 5, 5), state="closed", closed_at=at(2026, 6, 1)
    )  # other street
    # The enterprises' own finds (自查 / 整改): a2 two, one closed (its lists closed-loop); a4 one overdue at
    # the end; a1 one still within its deadline.
    make_hazard(
        ids["a2"],
        raised_at=at(2026, 1, 10),
        source="self",
        raised_by=owner,
        state="closed",
        closed_at=at(2026, 3, 31, 23, 59),
    )
    make_hazard(
        ids["a2"],
        raised_at=at(2026, 5, 10),
        source="self",
        raised_by=owner,
        deadline=date(2026, 7, 20),
    )
    make_hazard(
        ids["a4"],
        raised_at=at(2026, 4, 5),
        source="self",
        raised_by=owner,
        deadline=date(2026, 4, 20),
    )
    make_hazard(
        ids["a1"],
        raised_at=at(2026, 6, 1),
        source="self",
        raised_by=owner,
        deadline=date(2026, 7, 15),
    )

    # Inspections. 机构 and 专职 from their own items: a3 has both, a2 only a full-time officer.
    visit(
        ids["a3"],
        u,
        at(2026, 2, 1),
        {"safety_org": "pass", "full_time_officer": "pass", "hazard_ledger_closed_loop": "pass"},
    )
    visit(
        ids["a2"],
        u,
        at(2026, 5, 1),
        {"safety_org": "na", "full_time_officer": "pass", "responsibility_system": "fail"},
    )
    # a4's emergency team passed in May and failed after the quarter: as of the end it counts.
    visit(ids["a4"], u, at(2026, 5, 3), {"emergency_team": "pass"})
    visit(ids["a4"], u, at(2026, 7, 15), {"emergency_team": "fail"})
    # A 九小场所 counts in annex 4's 责任制 and 三张清单 through its own checklist.
    visit(
        ids["a1"],
        u,
        at(2026, 4, 20),
        {"responsibility_system": "pass", "hazard_ledger_closed_loop": "pass", "safety_org": "na"},
        checklist="venue_duties",
    )
    # 5S and 六有 fit every premises; 不适用 never blocks, an unanswered item does.
    visit(
        ids["a1"],
        u,
        at(2026, 5, 2),
        {**dict.fromkeys(FIVE_S, "pass"), FIVE_S[0]: "na", **dict.fromkeys(SIX_SIGNAGE, "pass")},
        checklist="site_5s_signage",
    )
    visit(
        ids["a2"],
        u,
        at(2026, 5, 2),
        {**{k: "pass" for k in FIVE_S[1:]}, SIX_SIGNAGE[0]: "fail"},
        checklist="site_5s_signage",
    )

    # Four colours: a2 decided orange in 2025 (counts, rolling); a4 only after Q2; a1 and a3 never.
    db.session.add(
        RiskAssessment(
            enterprise_id=ids["a2"],
            suggested="orange",
            reasons=[],
            color="orange",
            decided_by=s,
            decided_at=at(2025, 9, 1),
        )
    )
    db.session.add(
        RiskAssessment(
            enterprise_id=ids["a4"],
            suggested="red",
            reasons=[],
            color="red",
            decided_by=s,
            decided_at=at(2026, 8, 1),
        )
    )
    # Standardization: a3 level 3 since 2024 (valid to 2027); a4 self-assessed in March; a1 micro pass in May by the street.
    db.session.add(
        StandardizationRecord(
            enterprise_id=ids["a3"],
            kind="review",
            level="level3",
            result="pass",
            on=date(2024, 5, 1),
            valid_until=date(2027, 5, 1),
            organizer="district",
            recorded_by=s,
            recorded_at=at(2024, 5, 1),
        )
    )
    db.session.add(
        StandardizationRecord(
            enterprise_id=ids["a4"],
            kind="self_assessment",
            level="self_assessed",
            result="pass",
            on=date(2026, 3, 15),
            recorded_by=s,
            recorded_at=at(2026, 3, 15),
        )
    )
    db.session.add(
        StandardizationRecord(
            enterprise_id=ids["a1"],
            kind="review",
            level="micro_pass",
            result="pass",
            on=date(2026, 5, 20),
            valid_until=date(2029, 5, 20),
            organizer="street",
            recorded_by=s,
            recorded_at=at(2026, 5, 20),
        )
    )
    db.session.add(
        StarRating(
            enterprise_id=ids["a3"], stars=4, suggested=4, decided_by=s, decided_at=at(2026, 1, 5)
        )
    )
    db.session.add(
        StarRating(
            enterprise_id=ids["a3"],
            stars=5,
            suggested=4,
            reason="标杆",
            decided_by=s,
            decided_at=at(2026, 7, 5),
        )
    )
    for ent, kind, on in (
        ("a1", "notice", date(2026, 2, 1)),
        ("a2", "notice", date(2025, 12, 20)),
        ("a2", "commitment", date(2026, 7, 2)),
        ("a3", "notice", date(2026, 6, 30)),
        ("a3", "commitment", date(2026, 4, 1)),
    ):
        db.session.add(
            CampaignLetter(
                enterprise_id=ids[ent],
                kind=kind,
                year=on.year,
                done_on=on,
                signer="张三",
                recorded_by=s,
                recorded_at=at(2026, 7, 20),
            )
        )
    db.session.add(
        CampaignCase(
            kind="benchmark",
            street_id=sa.id,
            enterprise_id=ids["a3"],
            level="district",
            on=date(2026, 3, 1),
            recorded_by=s,
            recorded_at=at(2026, 3, 1),
        )
    )
    db.session.add(
        CampaignCase(
            kind="sample_street",
            street_id=sa.id,
            enterprise_id=None,
            level="city",
            on=date(2026, 6, 1),
            recorded_by=s,
            recorded_at=at(2026, 6, 1),
        )
    )
    db.session.add(
        CampaignCase(
            kind="excellent_venue",
            street_id=sa.id,
            enterprise_id=ids["a1"],
            level="street",
            on=date(2026, 6, 1),
            recorded_by=s,
            recorded_at=at(2026, 6, 1),
        )
    )
    # Figures entered by hand: Q1 and Q2 are summed, Q3 is not; the department's are its own. Annex 7's
    # enforcement columns are typed in only for quarters before the records (issue 20): 2026 is, here.
    settings.put(
        "enforcement_counting",
        {"records_from": "2027-01-01"},
        actor=db.session.get(User, s),
        now=at(2026, 7, 1),
    )
    for q, value in ((1, 2), (2, 3), (3, 100)):
        db.session.add(
            QuarterFigure(
                street_id=sa.id,
                year=2026,
                quarter=q,
                annex=5,
                row_key="",
                column_key="post_worker",
                value=Decimal(value),
                entered_by=s,
                entered_at=at(2026, 7, 1),
            )
        )
        db.session.add(
            QuarterFigure(
                street_id=sa.id,
                year=2026,
                quarter=q,
                annex=7,
                row_key="catering",
                column_key="fine_amount",
                value=Decimal("1.25") * q,
                entered_by=s,
                entered_at=at(2026, 7, 1),
            )
        )
    db.session.add(
        QuarterFigure(
            street_id=None,
            industry="餐饮",
            year=2026,
            quarter=2,
            annex=7,
            row_key="catering",
            column_key="fine_amount",
            value=Decimal("0.40"),
            entered_by=world.users["dept_catering"],
            entered_at=at(2026, 7, 1),
        )
    )
    db.session.commit()
    return ids


def street(name: str) -> quarterly.Unit:
    return quarterly.street_unit(db.session.scalar(select(Street).where(Street.name == name)))


def values(annex: int, unit: quarterly.Unit, p=Q2, key: str = "") -> dict:
    return quarterly.for_unit(annex, unit, p).row(key).values


def test_quarter_boundaries_are_shanghai_midnights():
    assert (
        Q2.start == at(2026, 4, 1) and Q2.end == at(2026, 7, 1) and Q2.year_start == at(2026, 1, 1)
    )
    assert quarterly.period(2026, 4).end == at(2027, 1, 1)
    with pytest.raises(ValueError):
        quarterly.period(2026, 5)


ANNEX4_STREET_A = {
    "base_small_micro": 2,
    "base_medium": 1,
    "base_above_scale": 1,
    "base_total": 4,  # 七月新开 not yet registered
    "org": 1,
    "full_time": 2,  # a3 has a 机构 and a 专职; a2 only a 专职
    "responsibility": 1,  # a1, a 九小场所, on its own checklist; a2 failed
    "three_lists": 3,  # a2 (own lists, closed loop), a3 and a1 (ledger checked); a4 holds an overdue self-found hazard
    "self_found": 4,
    "self_rectified": 1,  # the enterprises' own finds this year; inspectors' do not count here
    "four_color": 1,  # a2's decision; a4 decided only after the quarter; a1, a3 never
    "five_s": 1,
    "six_signage": 1,  # a1 (one 5S item 不适用); a2 left a 5S item unanswered and failed a 六有 item
    "rescue_team": 1,  # a4 as of the quarter's end
    "std_type": 1,
    "std_review": 1,
    "std_self": 1,
    "std_total": 3,
    "stars_5": 0,
    "stars_4": 1,
    "stars_3": 0,
    "stars_2": 0,
    "stars_1": 0,
}


def test_annex4_every_column_for_a_street(data):
    a = values(4, street("甲街道"))
    assert {k: a[k] for k in ANNEX4_STREET_A} == ANNEX4_STREET_A
    assert set(a) == {c.key for c in quarterly.ANNEX4}
    b = values(4, street("乙街道"))
    assert (b["base_total"], b["self_found"], b["org"], b["four_color"]) == (2, 0, 0, 0)


def test_neighbouring_columns_come_from_their_own_sources(data):
    """The findings of #17: 机构 = 专职, 自查 = 发现, 整改 = 督促整改, 不适用 blocking, never-assessed as yellow."""
    a4 = values(4, street("甲街道"))
    assert a4["org"] != a4["full_time"]
    cat = values(7, street("甲街道"), key="catering")
    assert (cat["self_found"], cat["found"]) == (1, 2)
    assert (cat["self_rectified"], cat["urged"]) == (0, 1)
    assert cat["five_s"] == 1  # one item answered 不适用
    assert (cat["color_assessed"], cat["color_yellow"]) == (0, 0)  # never assessed is not yellow
    extra = quarterly.for_unit(7, street("甲街道"), Q2).extras[0]
    assert extra.key == "unassessed" and extra.value == 1 and extra.ids == [data["a1"]]
    assert quarterly.for_unit(4, street("甲街道"), Q2).extras[0].value == 3  # a1, a3, a4


def test_a_measure_reads_the_latest_inspection_with_its_checklists(data, world):
    u = world.users["inspector_a1"]
    # June: a3's enterprise checklist leaves 机构 unanswered; an inspection with another checklist after it changes nothing.
    visit(data["a3"], u, at(2026, 6, 1), {"full_time_officer": "pass"})
    visit(data["a3"], u, at(2026, 6, 2), {}, checklist="general")
    db.session.commit()
    a = values(4, street("甲街道"))
    assert (a["org"], a["full_time"]) == (0, 2)
    assert values(4, street("甲街道"), quarterly.period(2026, 1))["org"] == 1


def test_status_stars_and_colour_are_as_of_the_quarters_end(data, world):
    s = world.users["street_a"]
    a2 = db.session.get(Enterprise, data["a2"])
    a2.stars, a2.standardization = (
        3,
        "level2",
    )  # the register's values: replaced by the records below
    db.session.add(
        StarRating(
            enterprise_id=a2.id, stars=2, suggested=2, decided_by=s, decided_at=at(2026, 7, 2)
        )
    )
    db.session.add(
        StandardizationRecord(
            enterprise_id=a2.id,
            kind="self_assessment",
            level="self_assessed",
            result="pass",
            on=date(2025, 5, 15),
            recorded_by=s,
            recorded_at=at(2025, 5, 15),
        )
    )
    db.session.add(
        StandardizationRecord(
            enterprise_id=a2.id,
            kind="review",
            level="level2",
            result="fail",
            on=date(2026, 4, 15),
            recorded_by=s,
            recorded_at=at(2026, 4, 15),
        )
    )
    db.session.commit()
    a = values(4, street("甲街道"))
    assert [a[f"stars_{n}"] for n in (5, 4, 3, 2, 1)] == [0, 1, 0, 0, 0]
    assert (a["std_type"], a["std_self"]) == (1, 1)
    q3 = values(4, street("甲街道"), quarterly.period(2026, 3))
    assert q3["stars_2"] == 1 and q3["stars_5"] == 1
    assert (
        values(7, street("甲街道"), quarterly.period(2026, 3), key="total")["color_assessed"] == 0
    )  # a4 is no 九小场所


def test_rolling_columns_start_where_the_annex_notes_say(data, world):
    """Annex 4 counts from 2021-08 (stars from 2024-04), annex 7 from 2024-02: older records do not count."""
    u, s = world.users["inspector_a1"], world.users["street_a"]
    visit(data["a4"], u, at(2021, 7, 20), {"safety_org": "pass"})
    db.session.add(
        StarRating(
            enterprise_id=data["a4"], stars=3, suggested=3, decided_by=s, decided_at=at(2024, 3, 1)
        )
    )
    db.session.query(StandardizationRecord).filter_by(enterprise_id=data["a1"]).delete()
    db.session.add(
        StandardizationRecord(
            enterprise_id=data["a1"],
            kind="review",
            level="micro_pass",
            result="pass",
            on=date(2023, 12, 1),
            valid_until=date(2026, 12, 1),
            organizer="street",
            recorded_by=s,
            recorded_at=at(2023, 12, 1),
        )
    )
    db.session.commit()
    a = values(4, street("甲街道"))
    assert (a["org"], a["stars_3"], a["std_review"]) == (1, 0, 1)  # December 2023 is after 2021-08
    assert (
        values(7, street("甲街道"), key="catering")["reviewed"] == 0
    )  # annex 7 counts from 2024-02


def test_a_corrected_record_is_not_another_inspection(data, world):
    """检查场所（家次） counts inspections: a visit amending an earlier one is that inspection again."""
    before = values(7, street("甲街道"), key="catering")["inspected"]
    u = world.users["inspector_a1"]
    first = visit(data["a1"], u, at(2026, 6, 3), {"safety_org": "pass"})
    fix = visit(data["a1"], u, at(2026, 6, 3, 2), {"safety_org": "pass"})
    db.session.get(Visit, fix).amends = first
    db.session.commit()
    assert values(7, street("甲街道"), key="catering")["inspected"] == before + 1


def test_a_premises_closed_after_the_quarter_still_counts_in_it(data, world):
    """The register as it stood at the quarter's end: closing a premises later does not rewrite past tables."""
    from fieldapp.enterprises import set_fields

    before = values(4, street("甲街道"))["base_total"]
    q3 = values(4, street("甲街道"), quarterly.period(2026, 3))["base_total"]
    actor = db.session.get(User, world.users["street_a"])
    set_fields(
        db.session.get(Enterprise, data["a3"]), {"active": False}, actor=actor, now=at(2026, 7, 15)
    )
    set_fields(
        db.session.get(Enterprise, data["a4"]), {"active": False}, actor=actor, now=at(2026, 6, 15)
    )
    db.session.commit()
    assert (
        values(4, street("甲街道"))["base_total"] == before - 1
    )  # a4 closed within Q2, a3 after it
    assert (
        values(4, street("甲街道"), quarterly.period(2026, 3))["base_total"] == q3 - 2
    )  # both closed by Q3's end


def test_annex5_levels_inside_each_case_group(data):
    table = quarterly.for_unit(5, street("甲街道"), Q2)
    rows = {r.key: r.values for r in table.rows}
    assert [r.label for r in table.rows] == ["市级", "区级", "街道级"]
    assert all(
        rows[k][c] == quarterly.LEVELS[k]
        for k in rows
        for c in ("sample_street_level", "benchmark_level", "reviewed_level")
    )
    assert rows["city"]["sample_street"] == 1 and rows["district"]["sample_street"] == 0
    assert (
        rows["district"]["benchmark_above_scale"] == 1
        and rows["city"]["benchmark_above_scale"] == 0
    )
    assert (
        rows["street"]["reviewed_small_micro"] == 1
        and rows["district"]["reviewed_above_scale"] == 0
    )  # 2024: not this year
    assert rows["city"]["notices"] == 2 and rows["city"]["commitments"] == 1
    assert rows["city"]["post_worker"] == 5  # Q1 2 + Q2 3, Q3 not yet
    assert rows["district"]["notices"] is None  # one cell spanning the filer's three level rows
    dept = {
        r.key: r.values for r in quarterly.for_unit(5, quarterly.department_unit("餐饮"), Q2).rows
    }
    assert (
        dept["city"]["sample_street"] == 0
        and dept["street"]["reviewed_small_micro"] == 1
        and dept["city"]["notices"] == 1
    )


def test_annex5_counts_a_review_organised_above_the_city_on_its_city_row(data, world):
    def city():
        return {r.key: r.values for r in quarterly.for_unit(5, street("甲街道"), Q2).rows}["city"][
            "reviewed_above_scale"
        ]

    before = city()
    db.session.add(
        StandardizationRecord(
            enterprise_id=data["a3"],
            kind="review",
            level="level2",
            result="pass",
            on=date(2026, 5, 2),
            valid_until=date(2029, 5, 2),
            organizer="province",
            recorded_by=world.users["street_a"],
            recorded_at=at(2026, 5, 2),
        )
    )
    db.session.commit()
    assert city() == before + 1


def test_annex7_a_row_per_venue_type_and_a_total(data):
    table = quarterly.for_unit(7, street("甲街道"), Q2)
    assert [r.label for r in table.rows] == [*quarterly.VENUE_ROWS.values(), "总数"]
    assert table.rows[0].label == "小生产加工企业"
    cat = table.row("catering").values
    expected = {
        "base": 1,
        "three_lists": 1,
        "self_found": 1,
        "self_rectified": 0,
        "color_assessed": 0,
        "five_s": 1,
        "six_signage": 1,
        "reviewed": 1,
        "self_assessed": 0,
        "excellent": 1,
        "inspected": 2,
        "found": 2,
        "urged": 1,
        "notices": 1,
        "commitments": 0,
        "fine_amount": Decimal("3.75"),
    }
    assert {k: cat[k] for k in expected} == expected
    assert all(v == 0 for v in table.row("hotel").values.values())  # zero-filled, no blanks
    assert table.row("total").values["base"] == 1 and table.row("total").values[
        "fine_amount"
    ] == Decimal("3.75")
    dept = quarterly.for_unit(7, quarterly.department_unit("餐饮"), Q2).row("catering").values
    assert (
        dept["fine_amount"] == Decimal("0.40") and dept["base"] == 1
    )  # the department's own figures


def test_a_department_reports_its_industry_across_streets(data):
    d = values(4, quarterly.department_unit("餐饮"))
    assert (d["base_total"], d["responsibility"], d["self_found"], d["five_s"]) == (1, 1, 1, 1)
    assert (
        quarterly.for_unit(4, quarterly.department_unit("餐饮"), Q2).rows[0].kind
        == "区安委会成员单位"
    )
    assert quarterly.for_unit(4, street("甲街道"), Q2).rows[0].kind == "街道"


def test_every_figure_is_the_number_of_the_rows_behind_it(data):
    units = [street("甲街道"), street("乙街道"), quarterly.department_unit("餐饮")]
    tables = [quarterly.for_unit(a, u, Q2) for a in (4, 5, 7) for u in units]
    tables += [quarterly.build(a, quarterly_streets(), Q2) for a in (4, 5, 7)]
    checked = 0
    for t in tables:
        for r in t.rows:
            for c in t.columns:
                v = r.values.get(c.key)
                if v is None or c.level:
                    continue
                ids = r.ids.get(c.key, [])
                if c.key in enforcement_counts.COLUMNS:
                    # Typed-in quarters (figure ids) plus what the records behind it count (issue 20).
                    typed = [
                        int(str(i).removeprefix("figure:"))
                        for i in ids
                        if str(i).startswith("figure:")
                    ]
                    counted = [i for i in ids if not str(i).startswith("figure:")]
                    assert v == (
                        sum(db.session.get(QuarterFigure, i).value for i in typed)
                        + enforcement_counts.value_of(c.key, counted)
                    ), (t.annex, r.key, c.key)
                elif c.manual:
                    assert v == sum(db.session.get(QuarterFigure, i).value for i in ids)
                else:
                    assert v == len(ids) == len(set(map(str, ids))), (t.annex, r.key, c.key)
                checked += 1
    assert checked > 500


def quarterly_streets():
    return db.session.scalars(select(Street).order_by(Street.id)).all()


def test_the_districts_live_view_has_each_filer_and_totals_per_type(data):
    table = quarterly.build(4, quarterly_streets(), Q2)
    assert [(r.kind, r.unit) for r in table.rows] == [
        ("区安委会成员单位", "餐饮行业主管部门"),
        ("区安委会成员单位", "合计"),
        ("街道", "甲街道"),
        ("街道", "乙街道"),
        ("街道", "合计"),
    ]
    assert table.row(f"street:{data_street_id('甲街道')}").values == values(4, street("甲街道"))
    assert table.row("street|total").values["base_total"] == 6
    seven = quarterly.build(7, quarterly_streets(), Q2)
    assert seven.row("street|catering").values["fine_amount"] == Decimal("3.75")
    assert seven.row("department|catering").values["fine_amount"] == Decimal("0.40")
    five = quarterly.build(5, quarterly_streets(), Q2)
    assert five.row("street|total|city").values["post_worker"] == 5


def data_street_id(name: str) -> int:
    return db.session.scalar(select(Street.id).where(Street.name == name))


def test_xlsx_has_the_forms_layout_notes_and_two_decimals(data, tmp_path):
    tables = [quarterly.for_unit(a, street("甲街道"), Q2) for a in (4, 5, 7)]
    path = tmp_path / "q.xlsx"
    path.write_bytes(quarterly_export.workbook(tables))
    wb = load_workbook(path)
    assert wb.sheetnames == ["附件4", "附件5", "附件7", "说明"]
    ws = wb["附件4"]
    assert ws["A1"].value == "鲤城区安全生产标准化提升专项行动2026年持续深化进展情况季报表（一）"
    assert ws["A2"].value.startswith("填报单位（盖章）：甲街道") and "填表人" in ws["A2"].value
    merged = {str(m) for m in ws.merged_cells.ranges}
    assert (
        "B3:E3" in merged
        and ws["B3"].value == "企业基数（家）"
        and ws["A3"].value == "填报单位类型"
    )
    assert ws["A6"].value == "街道" and ws["B6"].value == 2
    texts = [c.value for row in ws.iter_rows(min_row=7) for c in row if isinstance(c.value, str)]
    assert "注：" in texts and all(
        f"{n}.{note}" in texts for n, note in enumerate(tables[0].notes, 1)
    )
    ws7 = wb["附件7"]
    fine = next(c for row in ws7.iter_rows() for c in row if c.value == 3.75)
    assert fine.number_format == "0.00"
    data_rows = list(ws7.iter_rows(min_row=6, max_row=15, values_only=True))
    assert data_rows[0][0] == "小生产加工企业" and data_rows[-1][0] == "总数"
    assert all(v is not None for row in data_rows for v in row)
    assert "附件6" in wb["说明"]["A1"].value


def test_csv_is_zero_filled(data):
    text = quarterly_export.to_csv(quarterly.for_unit(5, street("甲街道"), Q2))
    header, *lines = text.splitlines()
    assert header.startswith(
        "填报单位类型,十佳乡镇（街道、园区）案例/层级,十佳乡镇（街道、园区）案例/数量（个）"
    )
    assert len(lines) == 3 and all(",," not in line and not line.endswith(",") for line in lines)


def test_cli_writes_the_workbook_for_a_street_or_department(data, runner, tmp_path):
    out = tmp_path / "street.xlsx"
    result = runner.invoke(
        args=[
            "report",
            "quarterly",
            "--year",
            "2026",
            "--quarter",
            "2",
            "--street",
            "甲街道",
            "--out",
            str(out),
        ]
    )
    assert result.exit_code == 0 and "2026 年第 2 季度" in result.output
    assert load_workbook(out)["附件4"]["A6"].value == "街道"
    dept = tmp_path / "dept.xlsx"
    result = runner.invoke(
        args=[
            "report",
            "quarterly",
            "--year",
            "2026",
            "--quarter",
            "2",
            "--department",
            "餐饮",
            "--out",
            str(dept),
        ]
    )
    assert result.exit_code == 0 and load_workbook(dept)["附件4"]["A6"].value == "区安委会成员单位"
    bad = runner.invoke(
        args=[
            "report",
            "quarterly",
            "--year",
            "2026",
            "--quarter",
            "2",
            "--street",
            "火星街道",
            "--out",
            str(out),
        ]
    )
    assert bad.exit_code == 1 and "未知的街道" in bad.output


def test_the_measures_read_items_the_shipped_checklists_carry_for_every_kind_of_premises():
    """Item keys tie the tables to the checklists: every measure's items exist, and every premises walks them."""
    from pathlib import Path

    from fieldapp import vocab
    from fieldapp.checklists import Registry, load_dir
    from fieldapp.quarterly_facts import MEASURES

    registry = Registry(load_dir(Path(__file__).resolve().parents[2] / "checklists"))
    for measure, (lists, keys) in MEASURES.items():
        for cid in lists:
            assert all(registry.get(cid).item(k) for k in keys), (measure, cid)
        for venue in [None, *vocab.VENUE_TYPES]:  # enterprises and every 九小场所 type
            walked = {c.id for c in registry.for_premises(venue, "机械", "small_micro", False)}
            assert walked & set(lists), (measure, venue)
