"""The lists' first page comes from an index in the lists' own order (issue 23).

At 10,000 premises the district's 整改清单 and 销号清单 sorted every hazard in scope to
show 100 (1.8 s and 1.3 s on SQLite). They now read ix_hazards_worklist and
ix_hazards_closure_list in order and stop: these tests hold the order users see and
that the database can serve it from those indexes without sorting.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from fieldapp import lists
from fieldapp.auth import Actor
from fieldapp.extensions import db
from fieldapp.models import User

from ..clock import NOW, TODAY
from ..factories import make_hazard


@pytest.fixture
def district(ctx, world):
    return Actor.of(db.session.get(User, world.users["district"]))


def test_the_rectification_list_is_open_then_rectified_then_closed_by_deadline(world, district):
    ent = world.ents["a1"]
    made = {
        ("closed", 1): make_hazard(ent, state="closed", deadline=TODAY + timedelta(days=1)),
        ("open", 9): make_hazard(ent, state="open", deadline=TODAY + timedelta(days=9)),
        ("rectified", 2): make_hazard(ent, state="rectified", deadline=TODAY + timedelta(days=2)),
        ("open", 3): make_hazard(ent, state="open", deadline=TODAY + timedelta(days=3)),
    }
    db.session.commit()
    rows = lists.rectification(district, lists.ListFilters(), TODAY, limit=100)
    order = {h.uuid: key for key, h in made.items()}
    assert [order[h.uuid] for h in rows if h.uuid in order] == [
        ("open", 3),
        ("open", 9),
        ("rectified", 2),
        ("closed", 1),
    ]


def test_the_closure_list_is_newest_closing_first(world, district):
    ent = world.ents["b1"]
    closed = [
        make_hazard(ent, state="closed", closed_at=NOW - timedelta(days=d), closed_by=None)
        for d in (5, 1, 3)
    ]
    db.session.commit()
    rows = lists.closure(district, lists.ListFilters(), TODAY, limit=100)
    assert [h.uuid for h in rows] == [closed[1].uuid, closed[2].uuid, closed[0].uuid]


def _plan(stmt) -> str:
    sql = str(stmt.compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True}))
    conn = db.session.connection()
    if conn.dialect.name == "sqlite":
        return "\n".join(str(r[-1]) for r in conn.execute(text("EXPLAIN QUERY PLAN " + sql)))
    # A test database is too small for PostgreSQL to prefer an index; forbid the sort so
    # the plan shows whether the index can serve the order at all.
    conn.execute(text("SET LOCAL enable_sort = off"))
    conn.execute(text("SET LOCAL enable_incremental_sort = off"))  # a sort all the same
    conn.execute(text("SET LOCAL enable_seqscan = off"))
    return "\n".join(r[0] for r in conn.execute(text("EXPLAIN " + sql)))


@pytest.mark.parametrize(
    "closed_only,index",
    [(False, "ix_hazards_worklist"), (True, "ix_hazards_closure_list")],
)
def test_the_first_page_is_read_from_its_index_without_a_sort(world, district, closed_only, index):
    stmt = lists._hazards_stmt(district, lists.ListFilters(), TODAY, closed_only=closed_only)
    order = lists.order_for(closed_only)
    plan = _plan(stmt.order_by(*order).limit(100))
    assert index in plan, plan
    assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan


@pytest.fixture
def street_a(ctx, world):
    return Actor.of(db.session.get(User, world.users["street_a"]))


def test_a_street_page_walks_the_order_index_when_many_rows_match(world, street_a):
    """SQLite read the largest street's 125,000 hazards at city scale and sorted them (0.35 s)."""
    plans = {
        "rectification": _plan(
            lists._hazards_stmt(street_a, lists.ListFilters(), TODAY, closed_only=False, walk=True)
            .order_by(*lists.order_for(False))
            .limit(100)
        ),
        "inspection": _plan(
            lists._visits_stmt(street_a, lists.ListFilters(), walk=True)
            .order_by(lists.Visit.finished_at.desc(), lists.Visit.uuid)
            .limit(100)
        ),
    }
    if db.session.connection().dialect.name == "sqlite":
        assert "ix_hazards_worklist" in plans["rectification"], plans
        assert "TEMP B-TREE FOR ORDER BY" not in plans["rectification"], plans
        assert "ix_visits_finished_enterprise" in plans["inspection"], plans
        # Only ties on the finishing time are sorted, a page at a time.
        assert "TEMP B-TREE FOR ORDER BY" not in plans["inspection"], plans


def test_walking_or_sorting_shows_the_same_page(world, street_a):
    ent = world.ents["a1"]
    for d in range(7):
        make_hazard(
            ent,
            state=("open", "rectified", "closed")[d % 3],
            deadline=TODAY + timedelta(days=d % 4),
        )
    db.session.commit()
    for kind, fetch in (("rectification", lists.rectification), ("closure", lists.closure)):
        sorted_ = fetch(street_a, lists.ListFilters(), TODAY, limit=5, offset=1)
        walked = fetch(street_a, lists.ListFilters(), TODAY, limit=5, offset=1, walk=True)
        assert [h.uuid for h in walked] == [h.uuid for h in sorted_] != [], kind


def test_a_page_walks_only_when_its_rows_are_a_large_share(world, street_a):
    ent = world.ents["a1"]
    for _ in range(150):
        make_hazard(ent)
    db.session.commit()
    whole = db.session.scalar(text("SELECT count(*) FROM hazards"))  # no deletes: the largest rowid
    assert whole > lists.WALK_RATIO
    sqlite = db.session.connection().dialect.name == "sqlite"
    assert lists.walk_order("rectification", whole) is sqlite  # the district: every row
    assert lists.walk_order("rectification", -(-whole // lists.WALK_RATIO)) is sqlite
    assert lists.walk_order("rectification", 1) is False  # one premises' one hazard: sort it
    assert lists.walk_order("rectification", 0) is False


def test_a_street_inspection_total_reads_the_visit_tallies_index_alone(world, street_a):
    """The largest street's total looked up 120,835 tally keys in the table at city scale (0.48 s on SQLite)."""
    stmt = lists._tally_count("inspection", street_a, lists.ListFilters(), TODAY)
    if db.session.connection().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL enable_bitmapscan = off"))  # a heap read all the same
    plan = _plan(stmt)
    assert "ix_visit_tallies_enterprise" in plan, plan
    if db.session.connection().dialect.name == "sqlite":
        assert "COVERING INDEX ix_visit_tallies_enterprise" in plan, plan
    else:
        assert "Index Only Scan using ix_visit_tallies_enterprise" in plan, plan
