"""The summaries the office figures read, and the triggers that keep them in step (issue 23.1).

Each hazard row contributes one count to a few keys of `hazard_tallies`, all per premises:

- `raised`: the local day it was raised, its state, level, category and raiser;
- `closed`: the local day it was closed, its level and verifier (while it has a closing);
- `flagged`: the local day its rectification was submitted, when the evidence raised a flag;
- `live`: while not closed, its deadline (`day`), state, level and whether supervised; `due` is
  the first day it can count as overdue at a week's end (the later of deadline and raising day);
- `pending`: rectified or closed after a submission, the local day of the submission, `due` as above;
- `all`: its state and level (the lists' totals without dates).

A trigger on `hazards` takes the old row's contributions away and adds the new row's, in
the statement that changed the row; keys that fall to zero are deleted. Visits add to
`visit_tallies` (premises, day, inspector) and `premises_visits` (latest visit). Being
triggers, they follow every writer — ORM, Core, a bulk load, psql — so the counts cannot
drift from the rows; `rebuild` recomputes them from scratch (after a restore into a
database without these triggers, say).

Local days are Asia/Shanghai (UTC+8, no daylight saving since 1991), as everywhere in the app.
A later migration that rebuilds `hazards` or `visits` with SQLite's batch mode drops their
triggers: it must call `create_triggers` again (tests/unit/test_summaries.py checks they exist).
"""

from __future__ import annotations

from sqlalchemy import text

from .models.summaries import TALLY_KEY

SENTINEL = "1970-01-01"
HAZARD_COLUMNS = (
    "enterprise_id",
    "state",
    "level",
    "category",
    "deadline",
    "supervised",
    "raised_at",
    "raised_by",
    "closed_at",
    "closed_by",
    "submitted_at",
    "evidence_flags",
)


class _Dialect:
    def __init__(self, name: str):
        self.pg = name == "postgresql"

    def day(self, col: str) -> str:
        return (
            f"(({col}) AT TIME ZONE 'Asia/Shanghai')::date"
            if self.pg
            else f"date({col}, '+8 hours')"
        )

    def date(self, value: str) -> str:
        return f"DATE '{value}'" if self.pg else f"'{value}'"

    def greatest(self, a: str, b: str) -> str:
        return f"GREATEST({a}, {b})" if self.pg else f"max({a}, {b})"


def _parts(r: str, d: _Dialect) -> list[tuple[str, str]]:
    """(columns after enterprise_id, condition) of each contribution of the hazard row `r`."""
    s = d.date(SENTINEL)
    due = d.greatest(f"{r}.deadline", d.day(f"{r}.raised_at"))
    sup = f"CASE WHEN {r}.supervised THEN 1 ELSE 0 END"
    flagged = f"COALESCE(CAST({r}.evidence_flags AS TEXT), '[]') <> '[]'"
    return [
        (
            f"'raised', {d.day(f'{r}.raised_at')}, {r}.state, {r}.level, {r}.category, COALESCE({r}.raised_by, 0), {s}, 0",
            "1 = 1",
        ),
        (
            f"'closed', {d.day(f'{r}.closed_at')}, 'closed', {r}.level, '', COALESCE({r}.closed_by, 0), {s}, 0",
            f"{r}.closed_at IS NOT NULL",
        ),
        (
            f"'flagged', {d.day(f'{r}.submitted_at')}, {r}.state, {r}.level, '', 0, {s}, 0",
            f"{r}.submitted_at IS NOT NULL AND {flagged}",
        ),
        (
            f"'live', {r}.deadline, {r}.state, {r}.level, '', 0, {due}, {sup}",
            f"{r}.state <> 'closed'",
        ),
        (
            f"'pending', {d.day(f'{r}.submitted_at')}, {r}.state, '', '', 0, {due}, 0",
            f"{r}.state <> 'open' AND {r}.submitted_at IS NOT NULL",
        ),
        (f"'all', {s}, {r}.state, {r}.level, '', 0, {s}, 0", "1 = 1"),
    ]


_INSERT_COLS = "enterprise_id, kind, day, state, level, category, user_id, due, supervised"
_NAMES = _INSERT_COLS.split(", ")[1:]


def _named(cols: str) -> str:
    # Split on the top-level commas only (the expressions have their own).
    parts, depth, cur = [], 0, ""
    for ch in cols:
        depth += (ch == "(") - (ch == ")")
        if ch == "," and depth == 0:
            parts.append(cur.strip())
            cur = ""
        else:
            cur += ch
    parts.append(cur.strip())
    return ", ".join(f"{p} AS {name}" for p, name in zip(parts, _NAMES, strict=True))


def _keys_of(r: str, d: _Dialect) -> str:
    """One SELECT of the row's keys (no FROM: the trigger's row), for the trigger bodies."""
    return " UNION ALL ".join(
        f"SELECT {r}.enterprise_id AS enterprise_id, {_named(cols)} WHERE {cond}"
        for cols, cond in _parts(r, d)
    )


def _apply(r: str, delta: int, d: _Dialect) -> str:
    return (
        f"INSERT INTO hazard_tallies ({_INSERT_COLS}, n) SELECT k.*, {delta} FROM ({_keys_of(r, d)}) AS k WHERE 1 = 1 "
        f"ON CONFLICT ({', '.join(TALLY_KEY)}) DO UPDATE SET n = hazard_tallies.n + excluded.n"
    )


def _drop_zeros(r: str, d: _Dialect) -> str:
    return f"DELETE FROM hazard_tallies WHERE n = 0 AND ({_INSERT_COLS}) IN (SELECT * FROM ({_keys_of(r, d)}) AS k)"


def _visit_apply(r: str, delta: int, d: _Dialect) -> str:
    return (
        f"INSERT INTO visit_tallies (day, enterprise_id, inspector_id, n) "
        f"SELECT {d.day(f'{r}.finished_at')}, {r}.enterprise_id, {r}.inspector_id, {delta} WHERE 1 = 1 "
        "ON CONFLICT (day, enterprise_id, inspector_id) DO UPDATE SET n = visit_tallies.n + excluded.n"
    )


def _visit_zero(r: str, d: _Dialect) -> str:
    return (
        f"DELETE FROM visit_tallies WHERE n = 0 AND day = {d.day(f'{r}.finished_at')} "
        f"AND enterprise_id = {r}.enterprise_id AND inspector_id = {r}.inspector_id"
    )


def _latest_add(r: str, d: _Dialect) -> str:
    return (
        f"INSERT INTO premises_visits (enterprise_id, last_at) SELECT {r}.enterprise_id, {r}.finished_at WHERE 1 = 1 "
        f"ON CONFLICT (enterprise_id) DO UPDATE SET last_at = {d.greatest('premises_visits.last_at', 'excluded.last_at')}"
    )


def _latest_redo(r: str) -> str:
    """The premises' latest visit again from its visits (a visit moved or deleted: rare)."""
    return (
        f"DELETE FROM premises_visits WHERE enterprise_id = {r}.enterprise_id; "
        f"INSERT INTO premises_visits (enterprise_id, last_at) SELECT enterprise_id, MAX(finished_at) FROM visits "
        f"WHERE enterprise_id = {r}.enterprise_id GROUP BY enterprise_id"
    )


VISIT_COLUMNS = ("enterprise_id", "inspector_id", "finished_at")
TRIGGERS = (
    "hazard_tallies_insert",
    "hazard_tallies_update",
    "hazard_tallies_delete",
    "visit_tallies_insert",
    "visit_tallies_update",
    "visit_tallies_delete",
)


def trigger_ddl(dialect: str) -> list[str]:
    """The statements that create the triggers on `hazards` and `visits` for this dialect."""
    d = _Dialect(dialect)
    hcols, vcols = ", ".join(HAZARD_COLUMNS), ", ".join(VISIT_COLUMNS)
    if not d.pg:
        return [
            f"CREATE TRIGGER hazard_tallies_insert AFTER INSERT ON hazards BEGIN {_apply('NEW', 1, d)}; END",
            f"CREATE TRIGGER hazard_tallies_update AFTER UPDATE OF {hcols} ON hazards BEGIN "
            f"{_apply('OLD', -1, d)}; {_apply('NEW', 1, d)}; {_drop_zeros('OLD', d)}; END",
            f"CREATE TRIGGER hazard_tallies_delete AFTER DELETE ON hazards BEGIN {_apply('OLD', -1, d)}; {_drop_zeros('OLD', d)}; END",
            f"CREATE TRIGGER visit_tallies_insert AFTER INSERT ON visits BEGIN {_visit_apply('NEW', 1, d)}; {_latest_add('NEW', d)}; END",
            f"CREATE TRIGGER visit_tallies_update AFTER UPDATE OF {vcols} ON visits BEGIN "
            f"{_visit_apply('OLD', -1, d)}; {_visit_zero('OLD', d)}; {_visit_apply('NEW', 1, d)}; "
            f"{_latest_redo('OLD')}; {_latest_redo('NEW')}; END",
            f"CREATE TRIGGER visit_tallies_delete AFTER DELETE ON visits BEGIN "
            f"{_visit_apply('OLD', -1, d)}; {_visit_zero('OLD', d)}; {_latest_redo('OLD')}; END",
        ]
    return [
        f"""CREATE FUNCTION hazard_tallies_apply() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP <> 'INSERT' THEN {_apply("OLD", -1, d)}; END IF;
          IF TG_OP <> 'DELETE' THEN {_apply("NEW", 1, d)}; END IF;
          IF TG_OP <> 'INSERT' THEN {_drop_zeros("OLD", d)}; END IF;
          RETURN NULL;
        END $$""",
        "CREATE TRIGGER hazard_tallies_insert AFTER INSERT ON hazards FOR EACH ROW EXECUTE FUNCTION hazard_tallies_apply()",
        f"CREATE TRIGGER hazard_tallies_update AFTER UPDATE OF {hcols} ON hazards FOR EACH ROW EXECUTE FUNCTION hazard_tallies_apply()",
        "CREATE TRIGGER hazard_tallies_delete AFTER DELETE ON hazards FOR EACH ROW EXECUTE FUNCTION hazard_tallies_apply()",
        f"""CREATE FUNCTION visit_tallies_apply() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP <> 'INSERT' THEN {_visit_apply("OLD", -1, d)}; {_visit_zero("OLD", d)}; {_latest_redo("OLD")}; END IF;
          IF TG_OP = 'INSERT' THEN {_visit_apply("NEW", 1, d)}; {_latest_add("NEW", d)}; END IF;
          IF TG_OP = 'UPDATE' THEN {_visit_apply("NEW", 1, d)}; {_latest_redo("NEW")}; END IF;
          RETURN NULL;
        END $$""",
        "CREATE TRIGGER visit_tallies_insert AFTER INSERT ON visits FOR EACH ROW EXECUTE FUNCTION visit_tallies_apply()",
        f"CREATE TRIGGER visit_tallies_update AFTER UPDATE OF {vcols} ON visits FOR EACH ROW EXECUTE FUNCTION visit_tallies_apply()",
        "CREATE TRIGGER visit_tallies_delete AFTER DELETE ON visits FOR EACH ROW EXECUTE FUNCTION visit_tallies_apply()",
    ]


def drop_ddl(dialect: str) -> list[str]:
    out = [
        f"DROP TRIGGER IF EXISTS {t} ON {'hazards' if t.startswith('hazard') else 'visits'}"
        if dialect == "postgresql"
        else f"DROP TRIGGER IF EXISTS {t}"
        for t in TRIGGERS
    ]
    if dialect == "postgresql":
        out += [
            "DROP FUNCTION IF EXISTS hazard_tallies_apply()",
            "DROP FUNCTION IF EXISTS visit_tallies_apply()",
        ]
    return out


def fill_sql(dialect: str) -> list[str]:
    """Statements that recompute every summary from the hazards and visits (tables emptied first)."""
    d = _Dialect(dialect)
    selects = " UNION ALL ".join(
        f"SELECT h.enterprise_id AS enterprise_id, {_named(cols)} FROM hazards h WHERE {cond}"
        for cols, cond in _parts("h", d)
    )
    return [
        "DELETE FROM hazard_tallies",
        "DELETE FROM visit_tallies",
        "DELETE FROM premises_visits",
        f"INSERT INTO hazard_tallies ({_INSERT_COLS}, n) SELECT {_INSERT_COLS}, count(*) FROM ({selects}) AS k "
        f"GROUP BY {_INSERT_COLS}",
        f"INSERT INTO visit_tallies (day, enterprise_id, inspector_id, n) SELECT {d.day('finished_at')}, enterprise_id, inspector_id, "
        f"count(*) FROM visits GROUP BY {d.day('finished_at')}, enterprise_id, inspector_id",
        "INSERT INTO premises_visits (enterprise_id, last_at) SELECT enterprise_id, MAX(finished_at) FROM visits GROUP BY enterprise_id",
    ]


def create_triggers(bind) -> None:
    for statement in trigger_ddl(bind.dialect.name):
        bind.execute(text(statement))


def rebuild(bind) -> None:
    """Recompute every summary from scratch in the caller's transaction."""
    for statement in fill_sql(bind.dialect.name):
        bind.execute(text(statement))


def _rows(conn) -> set[tuple]:
    return {
        (table, *row)
        for table in ("hazard_tallies", "visit_tallies", "premises_visits")
        for row in conn.execute(text(f"SELECT * FROM {table}")).all()
    }


def differences(session) -> int:
    """How many summary rows differ from a recount (0: in step); changes nothing."""
    kept = _rows(session.connection())
    with session.begin_nested() as nested:
        rebuild(session.connection())
        fresh = _rows(session.connection())
        nested.rollback()
    return len(kept ^ fresh)
