"""The plan's calendar as data: the 2025 dates as written, statuses computed from dates, receipts that match the store."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from fieldapp import audit, plan, plan_filings
from fieldapp.clock import LOCAL_TZ
from fieldapp.extensions import db
from fieldapp.models import AuditEvent, PlanFiling, PlanRequirement, User

from .. import documents as docs
from ..clock import NOW


def user(name: str) -> User:
    return db.session.scalar(select(User).where(User.username == name))


def local(d: date, hh: int = 12, mm: int = 0) -> datetime:
    return datetime.combine(d, time(hh, mm), LOCAL_TZ)


def req(key: str, year: int = 2025) -> PlanRequirement:
    return db.session.scalar(
        select(PlanRequirement).where(PlanRequirement.year == year, PlanRequirement.key == key)
    )


@pytest.fixture
def seeded(ctx, world):
    plan.load_seed(2025, actor=user("district"), now=NOW)
    db.session.commit()
    return world


@pytest.mark.parametrize(
    "key,due,phase,forms",
    [
        ("plan", date(2025, 1, 25), "动员部署", ["document"]),
        ("evaluation", date(2025, 3, 31), "自评自纠", ["document"]),
        ("supervise_report", date(2025, 9, 30), "督导帮扶", ["document", "note"]),
        ("enforce_report", date(2025, 11, 30), "执法推动", ["document", "note"]),
        ("conclude_report", date(2025, 12, 31), "总结完善", ["document", "note"]),
        ("q1_summary", date(2025, 4, 1), None, ["document"]),
        ("q1_tables", date(2025, 4, 1), None, ["table", "document"]),
        ("q2_tables", date(2025, 7, 1), None, ["table", "document"]),
        ("q3_summary", date(2025, 10, 1), None, ["document"]),
        ("q4_tables", date(2026, 1, 1), None, ["table", "document"]),
        ("annual", date(2026, 1, 5), None, ["document", "table"]),
    ],
)
def test_the_2025_calendar_is_the_plans(seeded, key, due, phase, forms):
    r = req(key)
    assert (r.due_on, r.phase.title if r.phase else None, r.forms, r.filers) == (
        due,
        phase,
        forms,
        "both",
    )


def test_the_five_phases_end_on_the_plans_dates(seeded):
    assert [(p.title, p.ends_on, p.starts_on) for p in plan.phases(2025)] == [
        ("动员部署", date(2025, 1, 25), None),
        ("自评自纠", date(2025, 3, 31), None),
        ("督导帮扶", date(2025, 9, 30), None),
        ("执法推动", date(2025, 11, 30), None),
        ("总结完善", date(2025, 12, 31), None),
    ]
    assert req("evaluation").sealed and req("plan").sealed
    # Loading twice is refused: the district edits instead.
    with pytest.raises(plan.PlanError, match="已存在"):
        plan.load_seed(2025, actor=user("district"), now=NOW)


def test_filers_are_every_street_and_each_department_with_an_account(seeded):
    assert [(f.key, f.name) for f in plan.filers()] == [
        (f"street:{seeded.streets['A']}", "甲街道"),
        (f"street:{seeded.streets['B']}", "乙街道"),
        ("department:餐饮", "餐饮行业主管部门"),
    ]
    assert plan.filer_of(user("dept_catering")).key == "department:餐饮"
    assert plan.filer_of(user("inspector_a1")) is None and plan.filer_of(user("district")) is None


# Due 2025-01-25 (the 方案): the local day decides, whatever the UTC date.
@pytest.mark.parametrize(
    "filed,today,expected",
    [
        (local(date(2025, 1, 20)), date(2025, 3, 1), "on_time"),
        (local(date(2025, 1, 25), 23, 59), date(2025, 3, 1), "on_time"),
        (local(date(2025, 1, 26), 0, 1), date(2025, 3, 1), "late"),
        (None, date(2025, 1, 25), "due"),
        (None, date(2025, 1, 10), "due"),
        (None, date(2025, 1, 26), "missing"),
    ],
)
def test_status_is_computed_from_the_first_filing_and_the_due_day(seeded, filed, today, expected):
    assert plan.status(req("plan"), filed, today) == expected


def test_a_filers_status_comes_from_filings_in_the_database(seeded):
    """Each street in a different state for the 方案; filing again later keeps the first filing's status."""
    a, b, dept = user("street_a"), user("street_b"), user("dept_catering")
    r = req("plan")
    plan_filings.file(
        r,
        kind="document",
        actor=a,
        now=local(date(2025, 1, 24)),
        data=docs.pdf(),
        file_name="方案.pdf",
    )
    plan_filings.file(
        r,
        kind="document",
        actor=a,
        now=local(date(2025, 2, 10)),
        data=docs.pdf(2),
        file_name="方案（修订）.pdf",
    )
    plan_filings.file(
        r,
        kind="document",
        actor=b,
        now=local(date(2025, 1, 27)),
        data=docs.xlsx(),
        file_name="方案.xlsx",
    )
    db.session.commit()
    board = plan.board(2025, date(2025, 2, 15))
    cells = {f.name: board.cell(r, f) for f in board.filers}
    assert {k: (c.status, c.count) for k, c in cells.items()} == {
        "甲街道": ("on_time", 2),
        "乙街道": ("late", 1),
        "餐饮行业主管部门": ("missing", 0),
    }
    assert board.counts(r) == {"on_time": 1, "late": 1, "missing": 1, "due": 0}
    mine = plan.board(2025, date(2025, 2, 15), only=plan.filer_of(dept))
    assert [f.key for f in mine.filers] == ["department:餐饮"]


def test_the_receipt_hash_is_the_stored_files(seeded):
    data = docs.pdf()
    row = plan_filings.file(
        req("evaluation"),
        kind="document",
        actor=user("street_a"),
        now=local(date(2025, 3, 30)),
        data=data,
        file_name="C:\\扫描\\评估报告.PDF",
    )
    db.session.commit()
    stored = plan_filings.read(row)
    assert stored == data
    assert row.sha256 == hashlib.sha256(stored).hexdigest() == hashlib.sha256(data).hexdigest()
    assert (row.file_type, row.size_bytes, row.file_name, row.filer) == (
        "pdf",
        len(data),
        "评估报告.pdf",
        f"street:{seeded.streets['A']}",
    )
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.uuid == row.event_uuid)).one()
    payload = audit.payload(event)
    assert (event.action, payload["sha256"], payload["on_time"], event.actor_id) == (
        "plan_filed",
        row.sha256,
        True,
        seeded.users["street_a"],
    )
    assert audit.verify().ok


def test_notes_are_filings_too_with_the_hash_of_their_text(seeded):
    row = plan_filings.file(
        req("supervise_report"),
        kind="note",
        actor=user("dept_catering"),
        now=local(date(2025, 9, 29)),
        note="组织督导帮扶 6 次，覆盖重点企业 23 家。",
    )
    assert (
        row.sha256 == hashlib.sha256("组织督导帮扶 6 次，覆盖重点企业 23 家。".encode()).hexdigest()
    )
    with pytest.raises(plan.PlanError, match="报送方式为：上传文件"):
        plan_filings.file(
            req("evaluation"), kind="note", actor=user("street_a"), now=NOW, note="口头说明"
        )
    with pytest.raises(plan.PlanError, match="请填写说明内容"):
        plan_filings.file(
            req("supervise_report"), kind="note", actor=user("street_a"), now=NOW, note="  "
        )


@pytest.mark.parametrize(
    "name,status", [("district", 403), ("inspector_a1", 403), ("owner_a1", 403)]
)
def test_only_streets_and_departments_file(seeded, name, status):
    with pytest.raises(plan.PlanError) as caught:
        plan_filings.file(
            req("plan"),
            kind="document",
            actor=user(name),
            now=NOW,
            data=docs.pdf(),
            file_name="a.pdf",
        )
    assert caught.value.status == status
    assert db.session.scalars(select(PlanFiling)).all() == []


def test_a_requirement_for_streets_only_refuses_departments(seeded):
    plan.save_requirement(
        2025,
        None,
        {
            "title": "网格化推进情况",
            "due_on": date(2025, 6, 30),
            "filers": "street",
            "forms": ["note"],
        },
        actor=user("district"),
        now=NOW,
    )
    r = db.session.scalars(
        select(PlanRequirement).where(PlanRequirement.title == "网格化推进情况")
    ).one()
    with pytest.raises(plan.PlanError, match="由各街道报送"):
        plan_filings.file(r, kind="note", actor=user("dept_catering"), now=NOW, note="x")
    assert plan.board(2025, date(2025, 7, 1)).counts(r) == {
        "on_time": 0,
        "late": 0,
        "missing": 2,
        "due": 0,
    }


def test_a_table_filing_hands_in_the_filers_own_snapshot_for_the_quarter(seeded):
    a = user("street_a")
    r = req("q1_tables")
    mine = f"street:{seeded.streets['A']}"
    snaps = {
        7: plan_filings.SnapshotRef(7, mine, 2025, 1, "a" * 64),
        8: plan_filings.SnapshotRef(8, "street:999", 2025, 1, "b" * 64),
        9: plan_filings.SnapshotRef(9, mine, 2025, 2, "c" * 64),
    }
    plan_filings.register_snapshot_resolver(snaps.get)
    try:
        with pytest.raises(plan.PlanError) as other:
            plan_filings.file(r, kind="table", actor=a, now=NOW, snapshot_id=8)
        assert other.value.status == 404
        with pytest.raises(plan.PlanError, match="第 2 季度的"):
            plan_filings.file(r, kind="table", actor=a, now=NOW, snapshot_id=9)
        row = plan_filings.file(
            r, kind="table", actor=a, now=local(date(2025, 3, 31)), snapshot_id=7
        )
        assert (row.snapshot_id, row.sha256) == (7, "a" * 64)
    finally:
        plan_filings.register_snapshot_resolver(None)
    with pytest.raises(plan.PlanError, match="尚未启用"):
        plan_filings.file(r, kind="table", actor=a, now=NOW, snapshot_id=7)


def test_a_table_filing_hands_in_a_quarter_the_street_filed(app, seeded):
    """The app wires the quarterly filings in: a street hands in the quarter it filed, sealed."""
    from fieldapp import filings, quarterly
    from fieldapp import plan_filings as wired
    from fieldapp.models import Street

    wired.register_snapshot_resolver(filings.snapshot_ref)  # as create_app does
    a = user("street_a")
    street = db.session.get(Street, seeded.streets["A"])
    filed = filings.file_quarter(
        quarterly.street_unit(street), 2025, 1, actor=a, now=local(date(2025, 4, 1))
    )
    row = wired.file(
        req("q1_tables"),
        kind="table",
        actor=a,
        now=local(date(2025, 4, 1), 9),
        snapshot_id=filed.id,
    )
    assert (row.snapshot_id, row.sha256) == (filed.id, filed.seal)
    with pytest.raises(plan.PlanError) as missing:
        wired.file(
            req("q1_tables"),
            kind="table",
            actor=a,
            now=local(date(2025, 4, 1), 9),
            snapshot_id=filed.id + 99,
        )
    assert missing.value.status == 404


def test_next_years_plan_starts_from_this_years_a_year_later(seeded):
    n = plan.copy_year(2025, actor=user("district"), now=NOW)
    assert n == len(plan.requirements(2025))
    assert (
        req("plan", 2026).due_on,
        req("annual", 2026).due_on,
        req("q1_tables", 2026).period,
    ) == (date(2026, 1, 25), date(2027, 1, 5), "2026Q1")
    assert [p.ends_on for p in plan.phases(2026)][-1] == date(2026, 12, 31)


def test_attention_lists_what_is_due_within_14_days_and_what_is_missing(seeded):
    """On 2025-03-17: the 评估报告 (3-31, in 14 days) is due soon; the 方案 (1-25) is missing for whoever has not filed it."""
    today = date(2025, 3, 17)
    plan_filings.file(
        req("plan"),
        kind="document",
        actor=user("street_a"),
        now=local(date(2025, 1, 20)),
        data=docs.pdf(),
        file_name="方案.pdf",
    )
    db.session.commit()
    a = plan.attention(user("street_a"), today)
    assert [d.req.key for d in a["soon"]] == ["evaluation"] and a["late"] == []
    b = plan.attention(user("street_b"), today)
    assert [d.req.key for d in b["soon"]] == ["evaluation"] and [d.req.key for d in b["late"]] == [
        "plan"
    ]
    district = plan.attention(user("district"), today)
    assert [(d.req.key, [f.name for f in d.filers]) for d in district["late"]] == [
        ("plan", ["乙街道", "餐饮行业主管部门"])
    ]
    assert plan.attention(user("inspector_a1"), today) == {"soon": [], "late": []}
    # 14 days: on 2025-03-16 the report is 15 days away, not yet listed; on 03-18 the first quarter's filings (04-01) join it.
    assert plan.attention(user("street_a"), today - timedelta(days=1))["soon"] == []
    assert [
        d.req.key for d in plan.attention(user("street_a"), today + timedelta(days=1))["soon"]
    ] == ["evaluation", "q1_summary", "q1_tables"]
