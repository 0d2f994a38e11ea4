"""The audit chain: verified whole, tampering named, and the database refuses edits."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, text, update
from sqlalchemy.exc import DBAPIError

from fieldapp import audit, hazards
from fieldapp.clock import utcnow
from fieldapp.extensions import db
from fieldapp.models import AuditEvent

from ..factories import make_hazard


def chain_of(world, n: int = 4) -> list[int]:
    from fieldapp.models import User

    actor = db.session.scalar(db.select(User).where(User.username == "owner_a1"))
    seqs = []
    for _ in range(n):
        h = make_hazard(world.ents["a1"])
        out = hazards.transition(h.uuid, "request_extension", actor=actor, now=utcnow(), version=1,
                                 note="等待材料", data={"deadline": "2099-01-01"})
        seqs.append(out.event.seq)
    db.session.commit()
    return seqs


def bypass_guard(sql: str) -> None:
    """Tamper as a database administrator would: lift the guard, write, restore it."""
    dialect = db.engine.dialect.name
    with db.engine.begin() as conn:
        if dialect == "postgresql":
            conn.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete"))
            conn.execute(text(sql))
            conn.execute(text("ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update_delete"))
        else:
            conn.execute(text("DROP TRIGGER audit_events_no_update"))
            conn.execute(text("DROP TRIGGER audit_events_no_delete"))
            conn.execute(text(sql))
            conn.execute(text("CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"))
            conn.execute(text("CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"))


def test_a_clean_chain_verifies(ctx, world):
    chain_of(world)
    result = audit.verify()
    assert result.ok and result.count == 4 and audit.head() == (4, result.head_hash)


@pytest.mark.parametrize("statement", [
    update(AuditEvent).where(AuditEvent.seq == 2).values(payload="{}"),
    delete(AuditEvent).where(AuditEvent.seq == 2),
])
def test_database_refuses_update_and_delete(ctx, world, statement):
    chain_of(world)
    with pytest.raises(DBAPIError) as info:
        db.session.execute(statement)
        db.session.commit()
    db.session.rollback()
    assert "append-only" in str(info.value)
    assert audit.verify().ok


def test_database_refuses_wiping_the_table(ctx, world):
    chain_of(world, 1)
    if db.engine.dialect.name != "postgresql":
        # SQLite has no TRUNCATE; its DELETE guard is tested above.
        with pytest.raises(DBAPIError):
            db.session.execute(text("DELETE FROM audit_events"))
        db.session.rollback()
        return
    with pytest.raises(DBAPIError):
        db.session.execute(text("TRUNCATE audit_events"))
    db.session.rollback()


@pytest.mark.parametrize("sql,seq,reason", [
    ("UPDATE audit_events SET payload = '{\"note\":\"改过\"}' WHERE seq = 3", 3, "内容被修改"),
    ("UPDATE audit_events SET actor_label = 'someone' WHERE seq = 2", 2, "记录被修改"),
    ("DELETE FROM audit_events WHERE seq = 2", 2, "序号不连续"),
    ("DELETE FROM audit_events WHERE seq = 4", 4, "截断"),
])
def test_tampering_is_detected_and_the_first_broken_link_named(ctx, world, sql, seq, reason):
    chain_of(world)
    bypass_guard(sql)
    result = audit.verify()
    assert not result.ok and result.broken_seq == seq and reason in result.reason


def test_cli_audit_verify(ctx, world, runner):
    chain_of(world, 2)
    ok = runner.invoke(args=["audit", "verify"])
    assert ok.exit_code == 0 and "审计链完整：2 条" in ok.output
    bypass_guard("UPDATE audit_events SET at = at WHERE seq = 1")  # a no-op write is not tampering
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    bypass_guard("UPDATE audit_events SET object_id = 'x' WHERE seq = 1")
    bad = runner.invoke(args=["audit", "verify"])
    assert bad.exit_code == 1 and "第 1 条" in bad.output
