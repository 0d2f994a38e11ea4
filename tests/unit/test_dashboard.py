"""The dashboard's figures equal a plain count over every hazard, for each scope and window.

The dashboard reads index ranges (live hazards, closures since the window began);
this checks nothing falls outside them against a reference that looks at every row.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import select

from fieldapp import dashboard, vocab
from fieldapp.auth import Actor
from fieldapp.clock import LOCAL_TZ, local_today, utcnow
from fieldapp.extensions import db
from fieldapp.models import Enterprise, Grid, Hazard, Street, User

from ..factories import make_hazard

CATEGORIES = ["fire", "electrical", "gas", "building"]


@pytest.fixture
def history(ctx, world):
    """300 hazards over 200 days in every state, some reopened, some flagged, raised and closed by different people."""
    rng = random.Random(11)
    now = utcnow()
    people = [world.users[k] for k in ("inspector_a1", "street_a", "district")]
    for _ in range(300):
        raised = now - timedelta(days=rng.uniform(0, 200))
        state = rng.choice(["open", "rectified", "closed", "closed", "closed"])
        closed = (
            min(raised + timedelta(days=rng.uniform(0, 60)), now - timedelta(minutes=1))
            if state == "closed"
            else None
        )
        h = make_hazard(
            rng.choice(list(world.ents.values())),
            state=state,
            level=rng.choice(["general", "general", "major"]),
            raised_at=raised,
            closed_at=closed,
            deadline=(raised + timedelta(days=rng.choice([3, 7, 30]))).date(),
            supervised=rng.random() < 0.2,
            raised_by=rng.choice(people),
        )
        h.category = rng.choice(CATEGORIES)
        if state != "open":
            h.submitted_at = closed or raised + timedelta(days=1)
            h.evidence_flags = ["far_from_premises"] if rng.random() < 0.2 else []
        if closed:
            h.closed_by = rng.choice(people)
    db.session.commit()
    return now


def in_window(t, w):
    return t is not None and w.start <= t < w.end


def reference(actor, w, now):
    """Count every hazard in scope by hand."""
    from fieldapp import scope

    ents = {
        e.id: e
        for e in db.session.scalars(select(Enterprise).where(scope.enterprise_clause(actor)))
    }
    rows = [h for h in db.session.scalars(select(Hazard)) if h.enterprise_id in ents]
    today = w.today
    not_closed = [h for h in rows if h.state != "closed"]
    closed_in = sorted(
        (h.closed_at - h.raised_at).total_seconds() / 86400
        for h in rows
        if in_window(h.closed_at, w)
    )
    kpis = {
        "open": sum(h.state == "open" for h in rows),
        "overdue": sum(h.state == "open" and h.deadline < today for h in rows),
        "rectified": sum(h.state == "rectified" for h in rows),
        "closed": len(closed_in),
        "raised": sum(in_window(h.raised_at, w) for h in rows),
        "major_open": sum(h.level == "major" for h in not_closed),
        "supervised": sum(h.level == "major" and h.supervised for h in not_closed),
        "flagged": sum(in_window(h.submitted_at, w) and bool(h.evidence_flags) for h in rows),
        "median_days_to_close": round(closed_in[(len(closed_in) - 1) // 2], 1)
        if closed_in
        else None,
    }
    streets = {s.id: s.name for s in db.session.scalars(select(Street))}
    by_street = Counter()
    for h in rows:
        street = streets[ents[h.enterprise_id].street_id]
        by_street[street, "open"] += h.state == "open"
        by_street[street, "overdue"] += (
            h.state == "open" and h.deadline < today
        )  # 待复查 is never overdue
        by_street[street, "closed"] += in_window(h.closed_at, w)
    cats = Counter(h.category for h in rows if in_window(h.raised_at, w))
    monday = local_today(now) - timedelta(days=local_today(now).weekday())
    bounds = [
        datetime.combine(monday - timedelta(weeks=11 - i), time(), LOCAL_TZ) for i in range(12)
    ] + [now]
    weekly = {
        "opened": [sum(bounds[i] <= h.raised_at < bounds[i + 1] for h in rows) for i in range(12)],
        "closed": [
            sum(h.closed_at is not None and bounds[i] <= h.closed_at < bounds[i + 1] for h in rows)
            for i in range(12)
        ],
        # Overdue at a week's end: past the deadline and still 待整改 then (not yet submitted for recheck).
        "overdue": [
            sum(
                h.raised_at < bounds[i + 1]
                and h.deadline < local_today(bounds[i + 1])
                and (h.closed_at is None or h.closed_at >= bounds[i + 1])
                and (
                    h.state == "open"
                    or (h.submitted_at is not None and h.submitted_at >= bounds[i + 1])
                )
                for h in rows
            )
            for i in range(12)
        ],
    }
    verified = Counter(h.closed_by for h in rows if in_window(h.closed_at, w))
    return kpis, by_street, cats, weekly, verified


def windows(now):
    today = local_today(now)
    quarter = datetime.combine(
        today.replace(month=3 * ((today.month - 1) // 3) + 1, day=1), time(), LOCAL_TZ
    )
    past = datetime.combine(today - timedelta(days=90), time(), LOCAL_TZ)
    return {
        "quarter to date": dashboard.Window(quarter, now, today),
        "a past month": dashboard.Window(past, past + timedelta(days=30), today),
    }


@pytest.mark.parametrize("username", ["district", "street_a", "dept_catering"])
@pytest.mark.parametrize("window", ["quarter to date", "a past month"])
def test_every_figure_matches_a_count_of_every_row(history, world, username, window):
    now = history
    actor = Actor.of(db.session.scalar(select(User).where(User.username == username)))
    w = windows(now)[window]
    kpis, by_street, cats, weekly, verified = reference(actor, w, now)
    o = dashboard.overview(actor, w, now, ("street", "level", "grid", "industry", "venue_type"))
    assert o.kpis == kpis
    assert kpis["closed"] and kpis["open"]  # the dataset exercises the figures
    # The page reads only its own breakdowns, grouped by fewer columns: the same figures.
    dims = dashboard.layout(actor)[1]
    shown = dashboard.overview(actor, w, now, dims)
    assert shown.kpis == kpis and shown.rows == {d: o.rows[d] for d in dims}
    assert dashboard.kpis(actor, w) == kpis
    for row in o.rows["street"]:
        assert (row["open"], row["overdue"], row["closed"]) == tuple(
            by_street[row["label"], k] for k in ("open", "overdue", "closed")
        )
    for d in ("level", "grid", "industry", "venue_type"):
        assert (
            sum(r["open"] for r in o.rows[d]) == kpis["open"]
            and sum(r["closed"] for r in o.rows[d]) == kpis["closed"]
        )
    assert sum(n for _, n in o.categories) == kpis["raised"] and sorted(
        n for _, n in o.categories
    ) == sorted(cats.values())
    assert {k: o.weekly[k] for k in ("opened", "closed", "overdue")} == weekly
    inspector = world.users["inspector_a1"]
    assert [r["verified"] for r in o.inspectors if r["username"] == "inspector_a1"] == (
        [verified[inspector]] if any(r["username"] == "inspector_a1" for r in o.inspectors) else []
    )


def test_every_group_in_scope_is_listed_even_when_quiet(ctx, world):
    actor = Actor.of(db.session.scalar(select(User).where(User.username == "district")))
    now = utcnow()
    o = dashboard.overview(
        actor, windows(now)["quarter to date"], now, ("street", "level", "venue_type", "grid")
    )
    assert {r["label"] for r in o.rows["street"]} == set(db.session.scalars(select(Street.name)))
    assert [r["label"] for r in o.rows["level"]] == ["一般隐患", "重大隐患"]
    assert {r["key"] for r in o.rows["grid"]} <= set(db.session.scalars(select(Grid.code))) | {""}
    assert all(r["open"] == r["closed"] == 0 for d in o.rows.values() for r in d)
    assert {r["label"] for r in o.rows["venue_type"]} <= {*vocab.VENUE_TYPES.values(), "非九小场所"}
    assert o.kpis["median_days_to_close"] is None and o.categories == []


def test_the_majors_awaiting_supervision_are_read_from_their_own_index(ctx, world):
    """A street's box reads the partial index of awaiting majors, not every hazard of its premises."""
    from sqlalchemy import event

    street = Actor.of(db.session.scalar(select(User).where(User.username == "street_a")))
    seen = []
    engine = db.session.get_bind()

    def keep(conn, cursor, statement, params, context, executemany):
        if "FROM hazards" in statement and "major" in statement:
            seen.append((statement, params))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        dashboard.awaiting_supervision(street)
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    (statement, params), *_ = seen
    conn = db.session.connection()
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        conn.exec_driver_sql("SET LOCAL enable_bitmapscan = off")
        plan = "\n".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN {statement}", params))
    else:
        plan = "\n".join(
            str(r[-1]) for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", params)
        )
    assert "ix_hazards_major_awaiting" in plan, plan
