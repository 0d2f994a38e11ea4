"""The quarterly tables on a hand-built dataset with known answers (2026 Q2 = Apr 1 – Jul 1, Asia/Shanghai)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from fieldapp import quarterly, quarterly_export
from fieldapp.extensions import db
from fieldapp.models import (Answer, CampaignCase, CampaignLetter, Enterprise, QuarterFigure, RiskAssessment,
                             StandardizationRecord, StarRating, Street, Visit, VisitChecklist)

from ..factories import make_enterprise, make_hazard

SH = ZoneInfo("Asia/Shanghai")
Q2 = quarterly.period(2026, 2)


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


def visit(ent_id, user_id, when, answers: dict[str, str], checklist="enterprise_gbt33000"):
    import uuid

    vid = str(uuid.uuid4())
    db.session.add(Visit(uuid=vid, enterprise_id=ent_id, inspector_id=user_id, started_at=when, finished_at=when, received_at=when,
                         location_status="none", body_hash="x" * 64, item_count=len(answers), answered_count=len(answers), fail_count=0))
    db.session.add(VisitChecklist(visit_uuid=vid, checklist_id=checklist, version=2, content_hash="h" * 64, position=0,
                                  enterprise_id=ent_id, finished_at=when,
                                  passed=sorted(k for k, r in answers.items() if r == "pass")))
    for key, result in answers.items():
        db.session.add(Answer(visit_uuid=vid, checklist_id=checklist, item_key=key, result=result, note="", photos=[]))


@pytest.fixture
def data(ctx, world):
    """Street A: a1 (catering, small), a2 (机械, small), a3 (机械, above scale), a4 (机械, medium). Street B: b1, b2."""
    old = at(2020, 1, 1)
    sa = db.session.get(Street, world.streets["A"])
    a3 = make_enterprise(sa, None, name="甲三大厂", size_class="above_scale", created_at=old, updated_at=old)
    a4 = make_enterprise(sa, None, name="甲四中厂", size_class="medium", created_at=old, updated_at=old)
    late = make_enterprise(sa, None, name="七月新开", created_at=at(2026, 7, 1, 0, 0), updated_at=at(2026, 7, 1))
    for key in ("a1", "a2", "b1", "b2"):
        e = db.session.get(Enterprise, world.ents[key])
        e.created_at = old
    ids = {**world.ents, "a3": a3.id, "a4": a4.id, "late": late.id}
    u = world.users["inspector_a1"]
    s = world.users["street_a"]
    # Hazards across the year and the quarter's edges.
    make_hazard(ids["a2"], raised_at=at(2026, 1, 10), state="closed", closed_at=at(2026, 3, 31, 23, 59))
    make_hazard(ids["a2"], raised_at=at(2025, 12, 31, 23, 59))  # last year: not counted
    make_hazard(ids["a3"], raised_at=at(2026, 6, 30, 23, 59), deadline=date(2026, 7, 10))  # inside Q2
    make_hazard(ids["a3"], raised_at=at(2026, 7, 1, 0, 0))  # the next quarter
    make_hazard(ids["a1"], raised_at=at(2026, 4, 2), deadline=date(2026, 4, 10), state="closed", closed_at=at(2026, 5, 1))
    make_hazard(ids["b1"], raised_at=at(2026, 5, 5), state="closed", closed_at=at(2026, 6, 1))  # other street
    # Measures: a2 passed the safety officer item in Q2, failed it after the quarter (as of the end it counts).
    visit(ids["a2"], u, at(2026, 5, 1), {"safety_officer": "pass", "responsibility_system": "fail"})
    visit(ids["a2"], u, at(2026, 7, 15), {"safety_officer": "fail", "responsibility_system": "pass"})
    visit(ids["a3"], u, at(2026, 2, 1), {"safety_officer": "pass", "emergency_team": "pass"})
    visit(ids["a1"], u, at(2026, 4, 20), {}, checklist="catering")
    # a4 was visited but still holds a hazard past its deadline at the quarter's end: no closed loop.
    visit(ids["a4"], u, at(2026, 4, 5), {}, checklist="general")
    make_hazard(ids["a4"], raised_at=at(2026, 4, 5), deadline=date(2026, 4, 20))
    # Four colours: a2 decided orange in 2025 (counts, rolling); a4 decided only after Q2 (not yet).
    db.session.add(RiskAssessment(enterprise_id=ids["a2"], suggested="orange", reasons=[], color="orange", decided_by=s, decided_at=at(2025, 9, 1)))
    db.session.add(RiskAssessment(enterprise_id=ids["a4"], suggested="red", reasons=[], color="red", decided_by=s, decided_at=at(2026, 8, 1)))
    # Standardization: a3 level 3 since 2024 (valid to 2027); a4 self-assessed in March; a1 micro pass reviewed in May by the street.
    db.session.add(StandardizationRecord(enterprise_id=ids["a3"], kind="review", level="level3", result="pass", on=date(2024, 5, 1),
                                         valid_until=date(2027, 5, 1), organizer="district", recorded_by=s, recorded_at=at(2024, 5, 1)))
    db.session.add(StandardizationRecord(enterprise_id=ids["a4"], kind="self_assessment", level="self_assessed", result="pass",
                                         on=date(2026, 3, 15), recorded_by=s, recorded_at=at(2026, 3, 15)))
    db.session.add(StandardizationRecord(enterprise_id=ids["a1"], kind="review", level="micro_pass", result="pass", on=date(2026, 5, 20),
                                         valid_until=date(2029, 5, 20), organizer="street", recorded_by=s, recorded_at=at(2026, 5, 20)))
    db.session.add(StarRating(enterprise_id=ids["a3"], stars=4, suggested=4, decided_by=s, decided_at=at(2026, 1, 5)))
    db.session.add(StarRating(enterprise_id=ids["a3"], stars=5, suggested=4, reason="标杆", decided_by=s, decided_at=at(2026, 7, 5)))
    # Letters: this year's count, last year's and after-quarter ones do not.
    for ent, kind, on in (("a1", "notice", date(2026, 2, 1)), ("a2", "notice", date(2025, 12, 20)),
                          ("a2", "commitment", date(2026, 7, 2)), ("a3", "notice", date(2026, 6, 30)), ("a3", "commitment", date(2026, 4, 1))):
        db.session.add(CampaignLetter(enterprise_id=ids[ent], kind=kind, year=on.year, done_on=on, signer="张三",
                                      recorded_by=s, recorded_at=at(2026, 7, 20)))
    # Cases and figures entered by hand (Q1 + Q2 are summed, Q3 is not).
    db.session.add(CampaignCase(kind="benchmark", street_id=sa.id, enterprise_id=ids["a3"], level="district", on=date(2026, 3, 1),
                                recorded_by=s, recorded_at=at(2026, 3, 1)))
    db.session.add(CampaignCase(kind="excellent_venue", street_id=sa.id, enterprise_id=ids["a1"], level="street", on=date(2026, 6, 1),
                                recorded_by=s, recorded_at=at(2026, 6, 1)))
    for q, value in ((1, 2), (2, 3), (3, 100)):
        db.session.add(QuarterFigure(street_id=sa.id, year=2026, quarter=q, annex=5, row_key="", column_key="post_worker",
                                     value=Decimal(value), entered_by=s, entered_at=at(2026, 7, 1)))
        db.session.add(QuarterFigure(street_id=sa.id, year=2026, quarter=q, annex=7, row_key="catering", column_key="fine_amount",
                                     value=Decimal("1.25") * q, entered_by=s, entered_at=at(2026, 7, 1)))
    db.session.commit()
    return ids


def streets():
    return db.session.scalars(select(Street).order_by(Street.id)).all()


def test_quarter_boundaries_are_shanghai_midnights():
    assert Q2.start == at(2026, 4, 1) and Q2.end == at(2026, 7, 1) and Q2.year_start == at(2026, 1, 1)
    assert quarterly.period(2026, 4).end == at(2027, 1, 1)
    with pytest.raises(ValueError):
        quarterly.period(2026, 5)


def test_annex4_every_column(data):
    rows = {r.label: r.values for r in quarterly.build(4, streets(), Q2, unit="全区").rows}
    a = rows["甲街道"]
    expected = {
        "base_small_micro": 2, "base_medium": 1, "base_above_scale": 1, "base_total": 4,  # 七月新开 not yet registered
        "org": 2, "responsibility": 0, "full_time": 2, "rescue_team": 1,  # as of the quarter's end
        "three_lists": 3,  # a1, a2, a3 visited with nothing overdue at the end; a4 has an overdue hazard
        "self_found": 4, "rectified": 2,  # since January, up to the end of June
        "four_color": 1, "five_s": 0, "six_signage": 0,
        "std_graded": 1, "std_micro": 1, "std_self": 1, "std_total": 3,
        "stars_5": 0, "stars_4": 1, "stars_3": 0, "stars_2": 0, "stars_1": 0,
    }
    assert {k: a[k] for k in expected} == expected
    assert rows["乙街道"]["self_found"] == 1 and rows["乙街道"]["org"] == 0
    assert rows["合计"]["base_total"] == 6 and rows["合计"]["self_found"] == 5


def test_a_measure_reads_the_latest_inspection_with_its_checklist(data, world):
    u = world.users["inspector_a1"]
    # June: a3's inspection passed the safety officer but left the emergency team unanswered; an inspection
    # with another checklist the day after does not change what was last seen.
    visit(data["a3"], u, at(2026, 6, 1), {"safety_officer": "pass"})
    visit(data["a3"], u, at(2026, 6, 2), {}, checklist="general")
    db.session.commit()
    a = {r.label: r.values for r in quarterly.build(4, streets(), Q2, unit="全区").rows}["甲街道"]
    assert (a["org"], a["rescue_team"]) == (2, 0)
    assert quarterly.build(4, streets(), quarterly.period(2026, 1), unit="全区").rows[0].values["rescue_team"] == 1


def test_status_stars_and_colour_are_as_of_the_quarters_end(data, world):
    s = world.users["street_a"]
    a2 = db.session.get(Enterprise, data["a2"])
    a2.stars, a2.standardization = 3, "level2"  # the register's values: replaced by the records below
    # Rated only after the quarter: no stars yet at its end. A self-assessment from May 2025 is too old
    # for Q2 2026; a failed review counts for nothing, but the records still replace the register.
    db.session.add(StarRating(enterprise_id=a2.id, stars=2, suggested=2, decided_by=s, decided_at=at(2026, 7, 2)))
    db.session.add(StandardizationRecord(enterprise_id=a2.id, kind="self_assessment", level="self_assessed", result="pass",
                                         on=date(2025, 5, 15), recorded_by=s, recorded_at=at(2025, 5, 15)))
    db.session.add(StandardizationRecord(enterprise_id=a2.id, kind="review", level="level2", result="fail",
                                         on=date(2026, 4, 15), recorded_by=s, recorded_at=at(2026, 4, 15)))
    db.session.commit()
    a = {r.label: r.values for r in quarterly.build(4, streets(), Q2, unit="全区").rows}["甲街道"]
    assert [a[f"stars_{n}"] for n in (5, 4, 3, 2, 1)] == [0, 1, 0, 0, 0]  # only a3's 4 stars from January
    assert (a["std_graded"], a["std_self"]) == (1, 1)  # a3's level 3 and a4's March self-assessment; a2 none
    q3 = {r.label: r.values for r in quarterly.build(4, streets(), quarterly.period(2026, 3), unit="全区").rows}["甲街道"]
    assert q3["stars_2"] == 1 and q3["stars_5"] == 1


def test_rolling_columns_start_where_the_annex_notes_say(data, world):
    """Annex 4 counts from 2021-08 (stars from 2024-04), annex 7 from 2024-02: older records do not count."""
    u, s = world.users["inspector_a1"], world.users["street_a"]
    a4 = db.session.get(Enterprise, data["a4"])
    visit(a4.id, u, at(2021, 7, 20), {"safety_officer": "pass"})  # before 2021-08: not a measure met
    db.session.add(StarRating(enterprise_id=a4.id, stars=3, suggested=3, decided_by=s, decided_at=at(2024, 3, 1)))
    a1 = db.session.get(Enterprise, data["a1"])  # catering: micro review from before 2024-02 (valid still), replacing May's
    db.session.query(StandardizationRecord).filter_by(enterprise_id=a1.id).delete()
    db.session.add(StandardizationRecord(enterprise_id=a1.id, kind="review", level="micro_pass", result="pass", on=date(2023, 12, 1),
                                         valid_until=date(2026, 12, 1), organizer="street", recorded_by=s, recorded_at=at(2023, 12, 1)))
    db.session.commit()
    a = {r.label: r.values for r in quarterly.build(4, streets(), Q2, unit="全区").rows}["甲街道"]
    assert (a["org"], a["stars_3"]) == (2, 0)  # a4's 2021-07 answer and 2024-03 rating are outside the windows
    assert a["std_micro"] == 1  # annex 4 counts reviews from 2021-08: December 2023 is in
    cat = {r.label: r.values for r in quarterly.build(7, streets(), Q2, unit="全区").rows}["小餐饮"]
    assert cat["reviewed_micro"] == 0  # annex 7 counts from 2024-02


def test_5s_and_signage_measures_count_premises_whose_last_check_passed_every_item(data, world):
    u = world.users["inspector_a1"]
    five_s, signage = quarterly.MEASURES["five_s"][1], quarterly.MEASURES["six_signage"][1]
    visit(data["a1"], u, at(2026, 5, 2), {**dict.fromkeys(five_s, "pass"), **dict.fromkeys(signage, "pass")}, checklist="site_5s_signage")
    visit(data["a2"], u, at(2026, 5, 2), {**dict.fromkeys(five_s, "pass"), signage[0]: "fail"}, checklist="site_5s_signage")
    db.session.commit()
    a = {r.label: r.values for r in quarterly.build(4, streets(), Q2, unit="全区").rows}["甲街道"]
    assert (a["five_s"], a["six_signage"]) == (2, 1)
    cat = {r.label: r.values for r in quarterly.build(7, streets(), Q2, unit="全区").rows}["小餐饮"]
    assert (cat["five_s"], cat["six_signage"]) == (1, 1)


def test_annex5_every_column(data):
    table = quarterly.build(5, streets(), Q2, unit="全区")
    a = {r.label: r.values for r in table.rows if r.group == "甲街道"}
    assert a["区级"]["benchmark_above_scale"] == 1 and a["市级"]["benchmark_above_scale"] == 0
    assert a["街道级"]["reviewed_small_micro"] == 1 and a["区级"]["reviewed_above_scale"] == 0  # 2024 review: not this year
    assert a["市级"]["notices"] == 2 and a["市级"]["commitments"] == 1  # a1, a3 notices; a3 commitment (a2's is in July)
    assert a["市级"]["post_worker"] == Decimal(5)  # Q1 2 + Q2 3, Q3 not yet
    assert a["区级"]["notices"] is None  # one cell spanning the unit's three level rows
    totals = {r.label: r.values for r in table.rows if r.group == "合计"}
    assert totals["市级"]["notices"] == 2 and totals["区级"]["benchmark_above_scale"] == 1


def test_annex7_every_column(data):
    table = quarterly.build(7, streets(), Q2, unit="全区")
    rows = {r.label: r.values for r in table.rows}
    cat = rows["小餐饮"]
    assert cat["base"] == 1 and cat["three_lists"] == 1 and cat["self_found"] == 1 and cat["rectified"] == 1
    assert cat["color_yellow"] == 1 and cat["color_red"] == 0
    assert cat["reviewed_micro"] == 1 and cat["excellent"] == 1 and cat["inspected"] == 1
    assert cat["found"] == 1 and cat["urged"] == 1 and cat["notices"] == 1 and cat["commitments"] == 0
    assert cat["fine_amount"] == Decimal("3.75")  # 1.25 + 2.50 from Q1 and Q2
    assert all(v == 0 for k, v in rows["小旅馆"].items())  # zero-filled, no blanks
    assert rows["总数"]["base"] == 1 and rows["总数"]["fine_amount"] == Decimal("3.75")


def test_a_street_table_holds_only_its_street(data):
    a = [s for s in streets() if s.name == "甲街道"]
    rows = quarterly.build(4, a, Q2, unit="甲街道").rows
    assert [r.label for r in rows] == ["甲街道"]
    b7 = quarterly.build(7, [s for s in streets() if s.name == "乙街道"], Q2, unit="乙街道")
    assert {r.label: r.values["base"] for r in b7.rows}["小餐饮"] == 0


def test_xlsx_has_the_annex_layout_and_no_blank_data_cells(data, tmp_path):
    tables = [quarterly.build(a, streets(), Q2, unit="全区") for a in (4, 5, 7)]
    path = tmp_path / "q.xlsx"
    path.write_bytes(quarterly_export.workbook(tables))
    wb = load_workbook(path)
    assert wb.sheetnames == ["附件4", "附件5", "附件7"]
    ws = wb["附件4"]
    assert ws["A1"].value == "鲤城区安全生产标准化提升专项行动2026年持续深化进展情况季报表（一）"
    assert "填表人" in ws["A2"].value and "联系电话" in ws["A2"].value  # the form's fill-in line
    assert "四级安全风险分级管控" in [c.value for c in wb["附件7"][4]]
    merged = {str(m) for m in ws.merged_cells.ranges}
    assert "B3:E3" in merged  # 企业基数（家） over its four columns
    assert ws["B3"].value == "企业基数（家）" and ws["B4"].value == "小微企业"
    depth = 3
    for row in ws.iter_rows(min_row=3 + depth, max_row=3 + depth + len(tables[0].rows) - 1):
        assert all(c.value is not None for c in row if type(c).__name__ == "Cell"), [c.value for c in row]
    ws7 = wb["附件7"]
    data_rows = list(ws7.iter_rows(min_row=6, max_row=15, values_only=True))
    assert data_rows[0][0] == "小生产加工" and data_rows[-1][0] == "总数"
    assert all(v is not None for row in data_rows for v in row)


def test_csv_is_zero_filled(data):
    text = quarterly_export.to_csv(quarterly.build(5, streets(), Q2, unit="全区"))
    header, *lines = text.splitlines()
    assert header.startswith("填报单位,层级,十佳乡镇（街道、园区）案例/数量（个）")
    assert all(",," not in line and not line.endswith(",") for line in lines)


def test_cli_writes_the_workbook_for_a_street(data, runner, tmp_path):
    out = tmp_path / "street.xlsx"
    result = runner.invoke(args=["report", "quarterly", "--year", "2026", "--quarter", "2", "--street", "甲街道", "--out", str(out)])
    assert result.exit_code == 0 and "2026 年第 2 季度" in result.output
    assert load_workbook(out)["附件4"]["A6"].value == "甲街道"
    bad = runner.invoke(args=["report", "quarterly", "--year", "2026", "--quarter", "2", "--street", "火星街道", "--out", str(out)])
    assert bad.exit_code == 1 and "未知的街道" in bad.output
