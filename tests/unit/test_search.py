"""Register search through the bigram index: the scan's results, without the scan."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import select

from fieldapp import creditcode, demo, enterprises, search
from fieldapp.auth import Actor
from fieldapp.clock import utcnow
from fieldapp.extensions import db
from fieldapp.models import Enterprise, EnterpriseGram, User

from ..factories import make_street
from .test_demo import cheap_hash


def scan(actor, q: str) -> set[int]:
    """What a match means, by brute force: name or address contains q (ASCII case-folded, as LIKE does)."""
    ids = {
        e.id
        for e in db.session.scalars(
            select(Enterprise).where(enterprises.scope.enterprise_clause(actor))
        )
    }
    code = creditcode.normalize(q)
    out = set()
    for e in db.session.scalars(select(Enterprise).where(Enterprise.id.in_(ids))):
        if any(q.lower() in (t or "").lower() for t in (e.name, e.address)) or (
            e.credit_code or ""
        ).startswith(code):
            out.add(e.id)
    return out


def found(actor, q: str) -> set[int]:
    page = enterprises.search(actor, enterprises.Filters(q=q), per_page=200)
    assert page.total <= 200, "a query in this test must fit on one page"
    return {r.id for r in page.items}


def stored_grams() -> set[tuple[int, str]]:
    return {
        tuple(r)
        for r in db.session.execute(select(EnterpriseGram.enterprise_id, EnterpriseGram.gram))
    }


def rebuilt_grams() -> set[tuple[int, str]]:
    rows = db.session.execute(select(Enterprise.id, Enterprise.name, Enterprise.address))
    return {(eid, g) for eid, name, address in rows for g in search.grams(name, address)}


@pytest.fixture
def district_demo(ctx):
    demo.build(enterprises=240, seed=7, now=utcnow(), password_hasher=cheap_hash)
    return {u.username: Actor.of(u) for u in db.session.scalars(select(User))}


def queries(rng: random.Random) -> list[str]:
    """Two-character pieces of real names and addresses, longer and shorter ones, codes, misses."""
    ents = list(db.session.scalars(select(Enterprise)))
    out = [
        "鑫源",
        "温陵",
        "小吃",
        "店",
        "泉州市鲤城区",
        "火星",
        "x",
        "91",
        "9235",
        "%",
        "_",
        "有限公司（",
    ]
    for e in rng.sample(ents, 25):
        for text in (e.name, e.address):
            i = rng.randrange(0, max(1, len(text) - 1))
            out += [text[i : i + 2], text[i : i + 3]]
        out.append(e.credit_code[:6].lower())
    return out


@pytest.mark.parametrize("username", ["district", "street-ct", "inspector-jl-01"])
def test_the_index_finds_exactly_what_the_scan_finds(district_demo, username):
    actor = district_demo[username]
    for q in queries(random.Random(username)):
        if len(scan(actor, q)) <= 200:
            assert found(actor, q) == scan(actor, q), q


def test_the_grams_follow_every_way_a_premises_is_written(district_demo):
    assert stored_grams() == rebuilt_grams()  # the demo's bulk insert
    street = make_street("丙街道", "SC")
    data = {
        "name": "泉州市金鹰阀门有限公司",
        "credit_code": None,
        "street_id": street.id,
        "grid_id": None,
        "industry": "机械",
        "size_class": "medium",
        "venue_type": None,
        "standardization": "none",
        "risk_color": "blue",
        "address": "泉州市鲤城区温陵路1号",
    }
    ent = enterprises.create(data, actor=None, now=utcnow())
    db.session.commit()
    assert ent.id in found(district_demo["district"], "金鹰阀门")
    ent.name, ent.address = "泉州市华宏五金有限公司", "常泰路88号"
    db.session.commit()
    assert ent.id not in found(district_demo["district"], "金鹰阀门")
    assert ent.id in found(district_demo["district"], "常泰路88")
    assert stored_grams() == rebuilt_grams()
    db.session.execute(EnterpriseGram.__table__.delete())
    assert search.rebuild(db.session.connection()) == db.session.scalar(
        select(db.func.count(Enterprise.id))
    )
    assert stored_grams() == rebuilt_grams()


def test_a_two_character_query_reads_the_index_not_the_register(district_demo):
    stmt = enterprises.rows(district_demo["district"]).where(search.clause("鑫源", ""))
    sql = str(stmt.compile(db.engine, compile_kwargs={"literal_binds": True})).replace("%%", "%")
    if db.engine.dialect.name == "sqlite":
        plan = " | ".join(r[-1] for r in db.session.execute(db.text("EXPLAIN QUERY PLAN " + sql)))
        assert "enterprise_grams USING" in plan and "SCAN enterprises" not in plan, plan
    else:
        # A 240-row table is read whole by choice; forbid that to see which index can answer.
        db.session.execute(db.text("SET LOCAL enable_seqscan = off"))
        plan = " | ".join(r[0] for r in db.session.execute(db.text("EXPLAIN " + sql)))
        assert "pk_enterprise_grams" in plan and "Seq Scan on enterprises" not in plan, plan


@pytest.mark.parametrize(
    ("q", "exact"),
    [("鑫源", True), ("常泰", True), ("9号", True), ("1-", True), ("ab", False), ("Ab", False)]
    + [("源", False), ("鑫源五", False), ("İ1", False), ("\u03071", False)],
)
def test_only_a_caseless_two_character_query_skips_the_substring_test(district_demo, q, exact):
    stmt = enterprises.rows(district_demo["district"]).where(search.clause(q, ""))
    sql = str(stmt.compile(db.engine, compile_kwargs={"literal_binds": True}))
    assert ("LIKE" not in sql.upper()) is exact, sql
    assert found(district_demo["district"], q) == scan(district_demo["district"], q)
