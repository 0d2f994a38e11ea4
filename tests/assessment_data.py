"""Street A's 2025 for the assessment tests: records that separate every figure of the annual assessment.

The subject is the 2025 plan's calendar, so its dates are named. Street B's records sit
beside A's and must never count for A.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from sqlalchemy import select

from fieldapp import filings, plan, plan_filings, quarterly, standardization, targets
from fieldapp.extensions import db
from fieldapp.models import CampaignCase, Enterprise, PlanRequirement, QuarterFigure, Street, User

from . import documents as docs
from .factories import make_hazard

SH = ZoneInfo("Asia/Shanghai")
AFTER_YEAR = datetime(2026, 2, 1, 10, 0, tzinfo=SH)  # 2025 is over: every due day has passed
MID_YEAR = datetime(2025, 6, 5, 12, 0, tzinfo=SH)  # 督导帮扶 runs; Q1 is filed, Q2 not yet due


def at(y, m, d, hh=10, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SH)


def user(world, key: str) -> User:
    return db.session.get(User, world.users[key])


def req(key: str) -> PlanRequirement:
    return db.session.scalar(
        select(PlanRequirement).where(PlanRequirement.year == 2025, PlanRequirement.key == key)
    )


def build_2025(world) -> SimpleNamespace:
    """Street A's 2025: targets, new additions and a renewal, plan and quarter filings in every state, and hazards
    that separate every closed-loop figure. Returns the hazards by name."""
    district, sa, sb = user(world, "district"), user(world, "street_a"), user(world, "street_b")
    a = db.session.get(Street, world.streets["A"])
    ents = {k: db.session.get(Enterprise, v) for k, v in world.ents.items()}
    plan.load_seed(2025, actor=district, now=at(2025, 1, 2))
    # Targets (annex 1 keys): 样板街道 none, 标杆 1, 评审达标 2, 达标岗位 10.
    for key, value in (
        ("base", 2),
        ("sample_street", 0),
        ("benchmark", 1),
        ("reviewed", 2),
        ("posts", 10),
    ):
        targets.set_target(a, 2025, key, value, actor=district, now=at(2025, 1, 2))
    # 评审达标: a2's first grade (新增) in March; a1 held a grade already: a renewal in August, not counted.
    standardization.record(
        ents["a2"],
        kind="review",
        level="level3",
        result="pass",
        on=date(2025, 3, 1),
        valid_until=None,
        organizer="district",
        note="",
        actor=sa,
        now=at(2025, 3, 1),
    )
    ents["a1"].standardization = "micro_pass"
    standardization.record(
        ents["a1"],
        kind="review",
        level="micro_pass",
        result="pass",
        on=date(2025, 8, 1),
        valid_until=None,
        organizer="district",
        note="",
        actor=sa,
        now=at(2025, 8, 1),
    )
    db.session.add(
        CampaignCase(
            kind="benchmark",
            street_id=a.id,
            enterprise_id=ents["a1"].id,
            level="street",
            on=date(2025, 5, 1),
            recorded_by=sa.id,
            recorded_at=at(2025, 5, 1),
        )
    )
    # 达标岗位 per quarter (annex 5): 4 in Q1, 8 in Q3; street B's 50 never count for A.
    for street_id, q, value in ((a.id, 1, 4), (a.id, 3, 8), (world.streets["B"], 1, 50)):
        db.session.add(
            QuarterFigure(
                street_id=street_id,
                year=2025,
                quarter=q,
                annex=5,
                row_key="",
                column_key="post_worker",
                value=Decimal(value),
                entered_by=sa.id,
                entered_at=at(2025, 3 * q, 28),
            )
        )
    # Plan filings: 方案 on time, 评估报告 late, 督导帮扶 on its due day at 23:30 (on time, Asia/Shanghai);
    # the rest missing. Street B files the 执法推动 one: it must not count for A.
    plan_pdf = docs.pdf(1)
    plan_filings.file(
        req("plan"),
        kind="document",
        data=plan_pdf,
        file_name="方案.pdf",
        actor=sa,
        now=at(2025, 1, 20),
    )
    # 评估报告 at 07:00 on 1 April in Shanghai: still 31 March in UTC, late all the same.
    plan_filings.file(
        req("evaluation"),
        kind="document",
        data=docs.pdf(2),
        file_name="评估.pdf",
        actor=sa,
        now=at(2025, 4, 1, 7),
    )
    plan_filings.file(
        req("supervise_report"),
        kind="note",
        note="督导帮扶 12 家",
        actor=sa,
        now=at(2025, 9, 30, 23, 30),
    )
    plan_filings.file(
        req("supervise_report"), kind="note", note="补充", actor=sa, now=at(2025, 10, 9)
    )
    plan_filings.file(
        req("enforce_report"), kind="note", note="乙街道", actor=sb, now=at(2025, 11, 1)
    )
    # Quarter filings: Q1 on its due day, Q2 a day late then corrected, Q3 never, Q4 on time; B files Q3.
    unit_a, unit_b = (
        quarterly.street_unit(a),
        quarterly.street_unit(db.session.get(Street, world.streets["B"])),
    )
    filings.file_quarter(unit_a, 2025, 1, actor=sa, now=at(2025, 4, 1, 9))
    filings.file_quarter(unit_a, 2025, 2, actor=sa, now=at(2025, 7, 2, 9))
    filings.file_quarter(unit_a, 2025, 2, actor=sa, now=at(2025, 7, 5, 9), reason="更正培训人次")
    filings.file_quarter(
        unit_a, 2025, 4, actor=sa, now=at(2026, 1, 1, 8)
    )  # due 2026-01-01: on time
    filings.file_quarter(unit_b, 2025, 3, actor=sb, now=at(2025, 10, 1, 9))
    # Hazards.
    a1, a2, b1 = world.ents["a1"], world.ents["a2"], world.ents["b1"]
    h = {
        # Rectified by its deadline, verified two days after it: on time.
        "on_time": make_hazard(
            a1,
            state="closed",
            raised_at=at(2025, 3, 1),
            deadline=date(2025, 3, 10),
            submitted_by=sa.id,
            submitted_at=at(2025, 3, 9),
            closed_at=at(2025, 3, 12),
        ),
        # Rectified and closed after its deadline: late.
        "late": make_hazard(
            a1,
            state="closed",
            raised_at=at(2025, 4, 1),
            deadline=date(2025, 4, 10),
            submitted_by=sa.id,
            submitted_at=at(2025, 4, 15),
            closed_at=at(2025, 4, 16),
        ),
        # Major, still 待整改 past its deadline: overdue.
        "overdue": make_hazard(
            a2, state="open", level="major", raised_at=at(2025, 6, 1), deadline=date(2025, 6, 10)
        ),
        # Submitted after its deadline, awaiting recheck: not overdue.
        "awaiting": make_hazard(
            a2,
            state="rectified",
            raised_at=at(2025, 11, 1),
            deadline=date(2025, 11, 30),
            submitted_by=sa.id,
            submitted_at=at(2025, 12, 1),
        ),
        # Open, its deadline in the new year: not overdue at the year's end.
        "open": make_hazard(
            a2, state="open", raised_at=at(2025, 12, 20), deadline=date(2026, 1, 20)
        ),
        # Closed only in January: at the year's end it was open and overdue.
        "closed_next_year": make_hazard(
            a1,
            state="closed",
            raised_at=at(2025, 12, 1),
            deadline=date(2025, 12, 15),
            submitted_by=sa.id,
            submitted_at=at(2026, 1, 9),
            closed_at=at(2026, 1, 10),
        ),
        # Found and closed by the enterprise itself, in time.
        "self": make_hazard(
            a1,
            state="closed",
            source="self",
            raised_at=at(2025, 5, 1),
            deadline=date(2025, 5, 10),
            submitted_by=sa.id,
            submitted_at=at(2025, 5, 5),
            closed_at=at(2025, 5, 5),
        ),
        # Not this year's, not this street's.
        "last_year": make_hazard(
            a1, state="open", raised_at=at(2024, 12, 30), deadline=date(2025, 1, 5)
        ),
        "street_b": make_hazard(
            b1, state="open", raised_at=at(2025, 2, 1), deadline=date(2025, 2, 5)
        ),
    }
    db.session.commit()
    return SimpleNamespace(
        hazards={k: v.uuid for k, v in h.items()},
        street=a.id,
        street_b=world.streets["B"],
        plan_pdf=plan_pdf,
    )
