"""Filed quarterly tables: frozen snapshots with the rows behind each figure, sealed in the audit chain, verifiable."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update

from fieldapp import audit, filings, quarterly
from fieldapp.extensions import db
from fieldapp.models import AuditEvent, QuarterFiling, User

from ..factories import make_hazard
from .test_quarterly import Q2, at, data, street  # noqa: F401  (the dataset fixture)

AFTER_Q2 = at(2026, 7, 2, 9, 0)  # the quarter is over: it may be filed


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def file(username: str, unit: quarterly.Unit, *, now=AFTER_Q2, reason: str = "") -> QuarterFiling:
    f = filings.file_quarter(unit, 2026, 2, actor=user(username), now=now, reason=reason)
    db.session.commit()
    return f


def test_a_filing_keeps_the_figures_and_the_rows_behind_them(data):
    f = file("street_a", street("甲街道"))
    assert (f.unit, f.version, f.unit_name) == (f"street:{street('甲街道').key}", 1, "甲街道")
    four = filings.tables_of(f, with_ids=True)[0]
    row = four.row("")
    assert row.values["self_found"] == 4 and len(row.ids["self_found"]) == 4
    assert row.values["org"] == 1 and row.ids["org"] == [data["a3"]]
    assert row.via["org"][str(data["a3"])]  # the inspection that shows it
    assert four.title == quarterly.ANNEXES[4][0].replace("2025", "2026")


def test_a_filed_snapshot_stays_fixed_when_the_data_changes(data):
    f = file("street_a", street("甲街道"))
    make_hazard(data["a2"], raised_at=at(2026, 5, 20), source="self")  # recorded late, inside Q2
    db.session.commit()
    assert quarterly.for_unit(4, street("甲街道"), Q2).row("").values["self_found"] == 5
    again = db.session.get(QuarterFiling, f.id)
    assert filings.tables_of(again)[0].row("").values["self_found"] == 4
    assert filings.check_record(again).ok
    diffs = filings.differences(again)
    changed = [d for d in diffs if d.column.endswith("自查隐患数量（条）") and d.annex == 4]
    assert (
        len(changed) == 1
        and (changed[0].filed, changed[0].now) == (4, 5)
        and len(changed[0].added) == 1
    )


def test_the_seal_is_recorded_in_the_audit_chain(data):
    f = file("street_a", street("甲街道"))
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.uuid == f.event_uuid))
    assert (event.object_type, event.object_id, event.action) == (
        "quarter_filing",
        str(f.id),
        "file_quarter",
    )
    assert audit.payload(event)["seal"] == f.seal
    assert f.seal == audit.sha256(
        audit.canonical(
            {
                "meta": filings.meta_of(f),
                "figures": json.loads(f.figures),
                "rows_behind": json.loads(f.rows_behind),
            }
        )
    )
    assert audit.verify().ok


def test_a_tampered_record_fails_its_check(data):
    f = file("street_a", street("甲街道"))
    figures = json.loads(f.figures)
    figures["4"]["rows"][0]["values"]["org"] = 9
    db.session.execute(
        update(QuarterFiling)
        .where(QuarterFiling.id == f.id)
        .values(figures=audit.canonical(figures))
    )
    db.session.commit()
    db.session.expire_all()
    check = filings.check_record(db.session.get(QuarterFiling, f.id))
    assert not check.ok and "改动" in check.lines[0]


def test_verification_detects_a_change_to_the_exported_file(data):
    f = file("street_a", street("甲街道"))
    exported = filings.workbook(f)
    assert filings.verify_file(exported).ok
    wb = load_workbook(io.BytesIO(exported))
    ws = wb["附件4"]
    assert ws["B6"].value == 2
    ws["B6"] = 3
    buf = io.BytesIO()
    wb.save(buf)
    result = filings.verify_file(buf.getvalue())
    assert not result.ok and result.differences == ["附件4 B6：文件为“3”，报送时为“2”"]
    # A workbook that was never filed has no number to check against.
    plain = filings.verify_file(
        __import__("fieldapp.quarterly_export", fromlist=["x"]).workbook(filings.tables_of(f))
    )
    assert not plain.ok and plain.filing is None


def test_a_correction_is_a_new_version_with_a_reason_and_the_rollup_reads_it(data):
    unit = street("甲街道")
    first = file("street_a", unit)
    with pytest.raises(filings.FilingError) as refused:
        file("street_a", unit)
    assert refused.value.status == 422 and "原因" in refused.value.message
    db.session.rollback()
    make_hazard(data["a2"], raised_at=at(2026, 5, 20), source="self")
    db.session.commit()
    second = file("street_a", unit, reason="补录5月自查隐患")
    assert second.version == 2 and second.reason == "补录5月自查隐患"
    assert (
        filings.tables_of(db.session.get(QuarterFiling, first.id))[0].row("").values["self_found"]
        == 4
    )
    table = filings.rollup(Q2)[0]
    row = table.row(unit.code)
    assert row.values["self_found"] == 5 and row.source == second.id
    assert "乙街道" in table.missing and "餐饮行业主管部门" in table.missing


def test_the_rollup_shows_departments_beside_streets_with_totals(data):
    file("street_a", street("甲街道"))
    file("street_b", street("乙街道"))
    file("dept_catering", quarterly.department_unit("餐饮"))
    four, five, seven = filings.rollup(Q2)
    assert [(r.kind, r.unit) for r in four.rows] == [
        ("区安委会成员单位", "餐饮行业主管部门"),
        ("区安委会成员单位", "合计"),
        ("街道", "甲街道"),
        ("街道", "乙街道"),
        ("街道", "合计"),
    ]
    assert four.row("street|total").values["base_total"] == 6 and not four.missing
    assert four.row("department:餐饮").values["base_total"] == 1
    assert [r.key for r in seven.rows][:2] == [
        "department|small_manufacturing",
        "department|beauty_bath",
    ]
    assert (
        seven.row("street|catering").values["fine_amount"]
        == seven.row("street|total").values["fine_amount"]
    )
    assert (
        len(five.rows) == 3 * 2 + 3 * 3
    )  # one department and two streets, a total per type, three levels each
    # The rows behind a roll-up figure are those of the filings it was read from.
    ids = filings.rows_behind(four, four.row("street|total"), "self_found")
    assert len(ids) == 4


def test_the_district_files_its_rollup_and_it_stays_fixed(data):
    with pytest.raises(filings.FilingError) as refused:
        file("district", quarterly.DISTRICT)
    assert refused.value.status == 409  # nothing filed yet: nothing to roll up
    db.session.rollback()
    a = file("street_a", street("甲街道"))
    district = file("district", quarterly.DISTRICT)
    assert district.unit == "district" and filings.check_record(district).ok
    assert filings.tables_of(district)[0].row(street("甲街道").code).source == a.id
    make_hazard(data["a2"], raised_at=at(2026, 5, 20), source="self")
    db.session.commit()
    file("street_a", street("甲街道"), reason="补录")
    assert (
        filings.tables_of(db.session.get(QuarterFiling, district.id))[0]
        .row(street("甲街道").code)
        .values["self_found"]
        == 4
    )
    diffs = filings.differences(db.session.get(QuarterFiling, district.id))
    assert any(
        d.column.endswith("自查隐患数量（条）") and (d.filed, d.now) == (4, 5) for d in diffs
    )


@pytest.mark.parametrize(
    "username, unit_of, status",
    [
        ("street_b", lambda: street("甲街道"), 403),  # another street's rows
        ("dept_catering", lambda: street("甲街道"), 403),
        ("street_a", lambda: quarterly.department_unit("餐饮"), 403),
        ("street_a", lambda: quarterly.DISTRICT, 403),
        ("inspector_a1", lambda: street("甲街道"), 403),
        ("owner_a1", lambda: street("甲街道"), 403),
    ],
)
def test_only_the_filer_itself_files_its_rows(data, username, unit_of, status):
    with pytest.raises(filings.FilingError) as refused:
        filings.file_quarter(unit_of(), 2026, 2, actor=user(username), now=AFTER_Q2)
    assert refused.value.status == status


def test_a_quarter_is_filed_only_once_it_has_ended(data):
    with pytest.raises(filings.FilingError) as refused:
        filings.file_quarter(
            street("甲街道"), 2026, 2, actor=user("street_a"), now=at(2026, 6, 30, 23, 59)
        )
    assert refused.value.status == 409
    assert (
        filings.file_quarter(
            street("甲街道"), 2026, 2, actor=user("street_a"), now=at(2026, 7, 1, 0, 0)
        ).version
        == 1
    )


def test_cli_files_exports_and_verifies(data, runner, tmp_path):
    result = runner.invoke(
        args=["report", "file", "--year", "2026", "--quarter", "2", "--as", "street_a"]
    )
    assert result.exit_code == 0 and "第 1 版" in result.output
    f = db.session.scalar(select(QuarterFiling))
    out = tmp_path / "filed.xlsx"
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
            "--filed",
            "--out",
            str(out),
        ]
    )
    assert result.exit_code == 0 and f"编号 {f.id}" in result.output
    ok = runner.invoke(args=["report", "verify", str(out)])
    assert ok.exit_code == 0 and "未改动" in ok.output
    wb = load_workbook(out)
    wb["附件7"]["C6"] = 99
    wb.save(out)
    changed = runner.invoke(args=["report", "verify", str(out)])
    assert changed.exit_code == 1 and "附件7 C6" in changed.output
    by_id = runner.invoke(args=["report", "verify", str(f.id)])
    assert by_id.exit_code == 0 and "审计链" in by_id.output
    assert runner.invoke(args=["report", "verify", "999"]).exit_code == 1


def test_filing_a_quarter_does_not_depend_on_the_calendar_year_of_the_plan(data):
    """The forms name 2025; a 2026 filing names its own year in titles and notes."""
    f = file("street_a", street("甲街道"))
    four = filings.tables_of(f)[0]
    assert "2026年持续深化" in four.title and any("2026年1月1日以来" in n for n in four.notes)
    assert date(2026, 1, 1) <= date(f.year, 1, 1)
