"""The audit chain: verified whole, tampering named, and the database refuses edits."""

from __future__ import annotations

from datetime import UTC, datetime

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
        out = hazards.transition(
            h.uuid,
            "request_extension",
            actor=actor,
            now=utcnow(),
            version=1,
            note="等待材料",
            data={"deadline": "2099-01-01"},
        )
        seqs.append(out.event.seq)
    db.session.commit()
    return seqs


def bypass_guard(sql: str) -> None:
    """Tamper as a database administrator would: lift the guard, write, restore it."""
    dialect = db.engine.dialect.name
    with db.engine.begin() as conn:
        if dialect == "postgresql":
            conn.execute(
                text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete")
            )
            conn.execute(text(sql))
            conn.execute(
                text("ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update_delete")
            )
        else:
            conn.execute(text("DROP TRIGGER audit_events_no_update"))
            conn.execute(text("DROP TRIGGER audit_events_no_delete"))
            conn.execute(text(sql))
            conn.execute(
                text(
                    "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"
                )
            )
            conn.execute(
                text(
                    "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"
                )
            )


def test_a_clean_chain_verifies(ctx, world):
    chain_of(world)
    result = audit.verify()
    assert result.ok and result.count == 4 and audit.head() == (4, result.head_hash)


@pytest.mark.parametrize(
    "statement",
    [
        update(AuditEvent).where(AuditEvent.seq == 2).values(payload="{}"),
        delete(AuditEvent).where(AuditEvent.seq == 2),
    ],
)
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


@pytest.mark.parametrize(
    "sql,seq,reason",
    [
        ('UPDATE audit_events SET payload = \'{"note":"改过"}\' WHERE seq = 3', 3, "内容被修改"),
        ("UPDATE audit_events SET actor_label = 'someone' WHERE seq = 2", 2, "记录被修改"),
        ("DELETE FROM audit_events WHERE seq = 2", 2, "序号不连续"),
        ("DELETE FROM audit_events WHERE seq = 4", 4, "截断"),
    ],
)
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


# --- The chain cannot be rewritten in place (issue 16) --------------------------------

COLUMNS = "seq, uuid, object_type, object_id, enterprise_id, action, actor_id, actor_label, at, payload, payload_sha256, prev_hash, hash"


def rewritten(from_seq: int = 2) -> list[dict]:
    """The chain from `from_seq` on with one note changed and every hash recomputed, as a forger would."""
    rows = [
        dict(r._mapping)
        for r in db.session.execute(text(f"SELECT {COLUMNS} FROM audit_events ORDER BY seq"))
    ]
    prev = rows[from_seq - 2]["hash"] if from_seq > 1 else audit.GENESIS
    out = []
    for row in rows[from_seq - 1 :]:
        row = dict(row)
        if row["seq"] == from_seq:
            row["payload"] = row["payload"].replace("等待材料", "材料已齐")
            row["payload_sha256"] = audit.sha256(row["payload"])
        at = row["at"] if not isinstance(row["at"], str) else datetime.fromisoformat(row["at"])
        if at.tzinfo is None:  # SQLite hands back the stored UTC text
            at = at.replace(tzinfo=UTC)
        row["prev_hash"] = prev
        row["hash"] = audit.row_hash(
            prev,
            seq=row["seq"],
            uuid=row["uuid"],
            object_type=row["object_type"],
            object_id=row["object_id"],
            enterprise_id=row["enterprise_id"],
            action=row["action"],
            actor_id=row["actor_id"],
            actor_label=row["actor_label"],
            at=at,
            payload_sha256=row["payload_sha256"],
        )
        prev = row["hash"]
        out.append(row)
    db.session.rollback()
    return out


def note_of(seq: int) -> str:
    value = db.session.scalar(text("SELECT payload FROM audit_events WHERE seq = :s"), {"s": seq})
    db.session.rollback()
    return audit.canonical(value)


def _values(row: dict) -> dict:
    return {k: row[k] for k in COLUMNS.split(", ")}


PLACEHOLDERS = ", ".join(f":{c}" for c in COLUMNS.split(", "))


def _refused(sql: str, params: dict | None = None) -> str:
    with pytest.raises(DBAPIError) as info:
        with db.engine.begin() as conn:
            conn.execute(text(sql), params or {})
    return str(info.value)


def rewrite_statements(dialect: str) -> dict[str, str]:
    """How a forger with an ordinary database login would put a rewritten row in place."""
    if dialect == "postgresql":
        return {
            "upsert": f"INSERT INTO audit_events ({COLUMNS}) VALUES ({PLACEHOLDERS}) "
            "ON CONFLICT (seq) DO UPDATE SET payload = excluded.payload, payload_sha256 = excluded.payload_sha256, "
            "prev_hash = excluded.prev_hash, hash = excluded.hash",
            "insert of an existing seq": f"INSERT INTO audit_events ({COLUMNS}) VALUES ({PLACEHOLDERS})",
        }
    return {
        "replace": f"INSERT OR REPLACE INTO audit_events ({COLUMNS}) VALUES ({PLACEHOLDERS})",
        "replace into": f"REPLACE INTO audit_events ({COLUMNS}) VALUES ({PLACEHOLDERS})",
        "upsert": f"INSERT INTO audit_events ({COLUMNS}) VALUES ({PLACEHOLDERS}) "
        "ON CONFLICT (seq) DO UPDATE SET payload = excluded.payload, payload_sha256 = excluded.payload_sha256, "
        "prev_hash = excluded.prev_hash, hash = excluded.hash",
        "insert of an existing seq": f"INSERT INTO audit_events ({COLUMNS}) VALUES ({PLACEHOLDERS})",
    }


def test_database_refuses_replace_upsert_and_insert_of_an_existing_seq(ctx, world):
    """Measured on main: on SQLite, INSERT OR REPLACE got past the append-only triggers."""
    chain_of(world)
    row = rewritten()[0]
    for name, sql in rewrite_statements(db.engine.dialect.name).items():
        assert "append-only" in _refused(sql, _values(row)), name
    # A row that follows the newest but collides by uuid: on SQLite a REPLACE would delete the old
    # row to make room; PostgreSQL has no REPLACE, and its unique constraint refuses it.
    clash = {**_values(row), "seq": 5, "prev_hash": audit.head()[1]}
    db.session.rollback()
    sqlite = db.engine.dialect.name == "sqlite"
    reason = _refused(
        rewrite_statements(db.engine.dialect.name)[
            "replace" if sqlite else "insert of an existing seq"
        ],
        clash,
    )
    assert "append-only" in reason if sqlite else "uq_audit_events_uuid" in reason
    assert audit.verify().ok and "等待材料" in note_of(2)


@pytest.mark.parametrize(
    "what", ["back", "to a made-up hash", "ahead of the events", "second row", "delete", "wipe"]
)
def test_database_keeps_the_head_on_the_newest_event(ctx, world, what):
    chain_of(world)
    seq, head_hash = audit.head()
    second_hash = db.session.scalar(text("SELECT hash FROM audit_events WHERE seq = 2"))
    db.session.rollback()
    pg = db.engine.dialect.name == "postgresql"
    sql = {
        "back": f"UPDATE audit_head SET seq = 2, hash = '{second_hash}'",
        "to a made-up hash": f"UPDATE audit_head SET hash = '{'f' * 64}'",
        "ahead of the events": f"UPDATE audit_head SET seq = 9, hash = '{'f' * 64}'",
        "second row": (
            "INSERT INTO audit_head (id, seq, hash) VALUES (1, 2, :h) ON CONFLICT (id) DO UPDATE SET seq = 2, hash = :h"
            if pg
            else "INSERT OR REPLACE INTO audit_head (id, seq, hash) VALUES (1, 2, :h)"
        ),
        "delete": "DELETE FROM audit_head",
        # SQLite has no TRUNCATE: a second row is the other way to put a head beside the true one.
        "wipe": "TRUNCATE audit_head"
        if pg
        else "INSERT INTO audit_head (id, seq, hash) VALUES (2, 0, :h)",
    }[what]
    assert "append-only" in _refused(sql, {"h": second_hash})
    assert audit.head() == (seq, head_hash) and audit.verify().ok


def test_a_rewrite_with_an_ordinary_login_changes_nothing(ctx, world, runner):
    """Measured on main: hashes recomputed, rows replaced, the head moved — and audit verify said intact."""
    chain_of(world)
    forged = rewritten()
    statement = rewrite_statements(db.engine.dialect.name)["upsert"]
    for row in forged:
        try:
            with db.engine.begin() as conn:
                conn.execute(text(statement), _values(row))
        except DBAPIError:
            pass
    try:
        with db.engine.begin() as conn:
            conn.execute(
                text("UPDATE audit_head SET seq = :s, hash = :h"),
                {"s": forged[-1]["seq"], "h": forged[-1]["hash"]},
            )
    except DBAPIError:
        pass
    assert "等待材料" in note_of(2)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "审计链完整：4 条" in result.output


class Guards:
    """Lift every guard on the chain, as someone with the database owner's rights can."""

    PG_TRIGGERS = [
        ("audit_events", "audit_events_no_update_delete"),
        ("audit_events", "audit_events_in_order"),
        ("audit_head", "audit_head_guard"),
    ]

    def __enter__(self):
        with db.engine.begin() as conn:
            if db.engine.dialect.name == "postgresql":
                for table, name in self.PG_TRIGGERS:
                    conn.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER {name}"))
            else:
                self.saved = conn.execute(
                    text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
                ).all()
                for name, _ in self.saved:
                    conn.execute(text(f"DROP TRIGGER {name}"))
        return self

    def __exit__(self, *exc):
        with db.engine.begin() as conn:
            if db.engine.dialect.name == "postgresql":
                for table, name in self.PG_TRIGGERS:
                    conn.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER {name}"))
            else:
                for _, sql in self.saved:
                    conn.execute(text(sql))


def test_verify_against_a_head_kept_outside_detects_a_rewritten_chain(ctx, world, runner):
    chain_of(world)
    seq, kept = audit.head()
    forged = rewritten()
    with Guards(), db.engine.begin() as conn:
        for row in forged:
            conn.execute(
                text(
                    "UPDATE audit_events SET payload = :payload, payload_sha256 = :payload_sha256, "
                    "prev_hash = :prev_hash, hash = :hash WHERE seq = :seq"
                ),
                _values(row),
            )
        conn.execute(text("UPDATE audit_head SET hash = :h"), {"h": forged[-1]["hash"]})
    # Recomputed throughout, the chain agrees with itself: nothing inside the system can tell.
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    result = runner.invoke(args=["audit", "verify", "--head", f"{seq}:{kept}"])
    assert result.exit_code == 1 and f"第 {seq} 条" in result.output and "被改写" in result.output


def test_verify_against_a_head_kept_outside_detects_a_truncated_chain(ctx, world, runner):
    chain_of(world)
    seq, kept = audit.head()
    third = db.session.scalar(text("SELECT hash FROM audit_events WHERE seq = 3"))
    db.session.rollback()
    with Guards(), db.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_events WHERE seq = 4"))
        conn.execute(text("UPDATE audit_head SET seq = 3, hash = :h"), {"h": third})
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    result = runner.invoke(args=["audit", "verify", "--head", f"{seq}:{kept}"])
    assert result.exit_code == 1 and "截断" in result.output and "第 4 条" in result.output


def test_verify_against_an_older_head_passes_and_counts_what_came_after(ctx, world, runner):
    chain_of(world, 2)
    seq, kept = audit.head()
    chain_of(world, 3)
    result = runner.invoke(args=["audit", "verify", "--head", f"{seq}:{kept}"])
    assert result.exit_code == 0 and "此后 3 条为新增记录" in result.output
    assert runner.invoke(args=["audit", "head"]).output.strip() == "{}:{}".format(*audit.head())


@pytest.mark.parametrize("value", ["4", "x:" + "a" * 64, "4:" + "a" * 63, "4:" + "g" * 64])
def test_verify_refuses_a_malformed_head(ctx, world, runner, value):
    result = runner.invoke(args=["audit", "verify", "--head", value])
    assert result.exit_code == 2 and "序号:哈希" in result.output
