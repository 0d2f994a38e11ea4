"""The demo's sample filings: every street and two departments in different states, through the real filing path."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import select

from fieldapp import audit, plan, plan_filings, plan_samples
from fieldapp.clock import LOCAL_TZ
from fieldapp.extensions import db
from fieldapp.models import PlanFiling, User

from ..factories import make_user

# The subject is the plan's dates: a fixed instant in December 2025, when the 总结完善 phase ends.
NOW = datetime(2025, 12, 20, 15, 0, tzinfo=LOCAL_TZ)


def test_every_street_and_two_departments_have_filings_in_different_states(ctx, world):
    make_user("dept_machinery", "department", industry="机械")
    make_user("dept_lodging", "department", industry="住宿")
    db.session.commit()
    result = plan_samples.populate(now=NOW)
    db.session.commit()
    assert set(result) == {
        "甲街道",
        "乙街道",
        "餐饮行业主管部门",
        "机械行业主管部门",
        "住宿行业主管部门",
    }
    for name in ("甲街道", "乙街道", "餐饮行业主管部门", "机械行业主管部门"):
        assert {"on_time", "late", "missing"} <= set(result[name]), (name, result[name])
    # The third department filed nothing: everything past due is missing; the rest is not yet due.
    assert set(result["住宿行业主管部门"]) == {"missing", "due"}
    # Neighbours differ.
    assert result["甲街道"] != result["乙街道"]
    filings = db.session.scalars(select(PlanFiling)).all()
    assert {f.kind for f in filings} == {"document", "note"}
    for f in filings[:5]:
        if f.kind == "document":
            assert hashlib.sha256(plan_filings.read(f)).hexdigest() == f.sha256
    assert all(f.filed_at <= NOW for f in filings)
    assert audit.verify().ok
    # Idempotent: a second run adds nothing.
    plan_samples.populate(now=NOW)
    assert len(db.session.scalars(select(PlanFiling)).all()) == len(filings)


def test_a_later_year_gets_its_plan_from_the_year_before(ctx, world):
    plan_samples.populate(now=datetime(2026, 3, 20, 10, 0, tzinfo=LOCAL_TZ))
    assert plan.years() == [2025, 2026]
    soon = plan.attention(
        db.session.get(User, world.users["district"]), datetime(2026, 3, 20).date()
    )["soon"]
    assert [d.req.key for d in soon] == ["evaluation", "q1_summary", "q1_tables"]
