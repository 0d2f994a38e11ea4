"""Filed quarterly tables (报送): frozen snapshots with the rows behind each figure, sealed in the audit chain.

Filing a quarter stores annexes 4, 5 and 7 as computed at that moment, with the ids
behind every figure, in the database (never one server's disk). The seal is the sha256
of a canonical form of the filing's facts, figures and ids; it is appended to the audit
chain. The district's roll-up reads the latest filed version of each street and
department; a correction is a new version with a reason; the district files its roll-up
the same way, its rows pointing at the filings they were read from.
"""

from __future__ import annotations

import json
import uuid as uuidlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import func, select

from . import audit, quarterly
from .clock import to_local
from .errors import DomainError
from .extensions import db
from .models import AuditEvent, QuarterFiling
from .quarterly import (
    COLUMNS,
    DISTRICT,
    KIND_LABELS,
    LEVELS,
    VENUE_ROWS,
    Column,
    Extra,
    Period,
    Row,
    Table,
    Unit,
    new_table,
)
from .quarterly_rows import total_row
from .roles import Role

ANNEXES = (4, 5, 7)
SCHEMA = 1


class FilingError(DomainError):
    """A filing refused, with a Chinese reason."""


# --- the canonical form ------------------------------------------------------------------


def _json_value(value):
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return value


def _column_json(c: Column) -> dict:
    return {
        "key": c.key,
        "groups": list(c.groups),
        "label": c.label,
        "source": c.source,
        "manual": c.manual,
        "decimal": c.decimal,
        "level": c.level,
        "by_level": c.by_level,
    }


def table_figures(t: Table) -> dict:
    """A table without the ids behind its figures: what the form shows."""
    return {
        "annex": t.annex,
        "title": t.title,
        "rollup": t.rollup,
        "notes": t.notes,
        "fill_in": t.fill_in,
        "columns": [_column_json(c) for c in t.columns],
        "rows": [
            {
                "key": r.key,
                "kind": r.kind,
                "unit": r.unit,
                "label": r.label,
                "source": r.source,
                "sources": r.sources,
                "values": {k: _json_value(v) for k, v in r.values.items()},
            }
            for r in t.rows
        ],
        "extras": [{"key": e.key, "label": e.label, "value": e.value} for e in t.extras],
        "missing": t.missing,
    }


def table_ids(t: Table) -> dict:
    return {
        "rows": {r.key: {"ids": r.ids, "via": r.via} for r in t.rows if r.ids or r.via},
        "extras": {e.key: e.ids for e in t.extras},
    }


def _stamp(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def meta_of(f: QuarterFiling) -> dict:
    return {
        "schema": SCHEMA,
        "unit": f.unit,
        "unit_name": f.unit_name,
        "year": f.year,
        "quarter": f.quarter,
        "version": f.version,
        "reason": f.reason,
        "filed_by": f.filed_by,
        "filed_at": _stamp(f.filed_at),
    }


def seal_of(meta: dict, figures: str, rows_behind: str) -> str:
    """sha256 over the canonical form of the filing: its facts, its figures and the rows behind them."""
    return audit.sha256(
        audit.canonical(
            {"meta": meta, "figures": json.loads(figures), "rows_behind": json.loads(rows_behind)}
        )
    )


# --- filing --------------------------------------------------------------------------------


def may_file(actor, unit: Unit) -> bool:
    """A street files its own rows, a department its industry's, the district its roll-up."""
    if unit.kind == "street":
        return actor.role == Role.STREET and actor.street_id == unit.street_id
    if unit.kind == "department":
        return actor.role == Role.DEPARTMENT and actor.industry == unit.industry
    return actor.role == Role.DISTRICT


def versions(unit_code: str, year: int, quarter: int) -> list[QuarterFiling]:
    return list(
        db.session.scalars(
            select(QuarterFiling)
            .where(
                QuarterFiling.unit == unit_code,
                QuarterFiling.year == year,
                QuarterFiling.quarter == quarter,
            )
            .order_by(QuarterFiling.version)
        )
    )


def latest(unit_code: str, year: int, quarter: int) -> QuarterFiling | None:
    return db.session.scalar(
        select(QuarterFiling)
        .where(
            QuarterFiling.unit == unit_code,
            QuarterFiling.year == year,
            QuarterFiling.quarter == quarter,
        )
        .order_by(QuarterFiling.version.desc())
        .limit(1)
    )


def file_quarter(
    unit: Unit, year: int, quarter: int, *, actor, now: datetime, reason: str = ""
) -> QuarterFiling:
    """Freeze this filer's annexes 4, 5 and 7 for a quarter as the data says now, seal them, record the seal.

    A quarter is filed once it has ended; filing it again is a correction and needs a reason.
    The caller commits.
    """
    if not may_file(actor, unit):
        raise FilingError("您不能为该填报单位报送季报表。", status=403)
    try:
        p = quarterly.period(year, quarter)
    except ValueError as exc:
        raise FilingError(str(exc), status=422) from None
    if now < p.end:
        raise FilingError(f"{p.label}尚未结束，季末后才能报送。", status=409)
    reason = " ".join((reason or "").split())
    previous = latest(unit.code, year, quarter)
    if previous is not None and not reason:
        raise FilingError(f"{p.label}已报送第 {previous.version} 版；更正须写明原因。", status=422)
    if len(reason) > 500:
        raise FilingError("更正原因不能超过 500 字。", status=422)
    if unit.kind == "district" and not latest_filings(year, quarter):
        raise FilingError(f"{p.label}还没有街道或部门报送，区汇总无可汇总。", status=409)
    tables = (
        rollup(p) if unit.kind == "district" else [quarterly.for_unit(a, unit, p) for a in ANNEXES]
    )
    figures = audit.canonical({str(t.annex): table_figures(t) for t in tables})
    rows_behind = audit.canonical({str(t.annex): table_ids(t) for t in tables})
    f = QuarterFiling(
        unit=unit.code,
        unit_name=unit.name,
        street_id=unit.street_id,
        industry=unit.industry,
        year=year,
        quarter=quarter,
        version=(previous.version + 1) if previous else 1,
        reason=reason,
        figures=figures,
        rows_behind=rows_behind,
        seal="",
        event_uuid=str(uuidlib.uuid4()),
        filed_by=actor.id,
        filed_at=now,
    )
    f.seal = seal_of(meta_of(f), figures, rows_behind)
    db.session.add(f)
    db.session.flush()
    audit.append(
        uuid=f.event_uuid,
        object_type="quarter_filing",
        object_id=str(f.id),
        enterprise_id=None,
        action="file_quarter",
        actor_id=actor.id,
        actor_label=getattr(actor, "username", "system"),
        at=now,
        payload={
            "seal": f.seal,
            "unit": f.unit,
            "unit_name": f.unit_name,
            "year": year,
            "quarter": quarter,
            "version": f.version,
            "reason": reason,
        },
    )
    return f


# --- reading a filing back -------------------------------------------------------------------


def _value(v, c: Column):
    if v is None or c.level:
        return v
    return Decimal(v) if c.decimal else int(v)


def unit_of_filing(f: QuarterFiling) -> Unit:
    kind, _, key = f.unit.partition(":")
    return DISTRICT if f.unit == "district" else Unit(kind, key, f.unit_name)


def tables_of(f: QuarterFiling, *, with_ids: bool = False) -> list[Table]:
    """The filed tables as they were filed (headers too: a later wording change does not alter a filing)."""
    figures = json.loads(f.figures)
    ids = json.loads(f.rows_behind) if with_ids else {}
    p = quarterly.period(f.year, f.quarter)
    out = []
    for annex in ANNEXES:
        t = figures[str(annex)]
        legends = {c.key: c.legend for c in COLUMNS[annex]}
        columns = [
            Column(
                s["key"],
                s["label"],
                tuple(s["groups"]),
                source=s["source"],
                manual=s["manual"],
                decimal=s["decimal"],
                level=s["level"],
                by_level=s["by_level"],
                legend=legends.get(s["key"], ""),
            )
            for s in t["columns"]
        ]
        by_key = {c.key: c for c in columns}
        behind = ids.get(str(annex), {})
        rows = []
        for r in t["rows"]:
            row = Row(
                r["key"],
                r["kind"],
                r["unit"],
                r["label"],
                {k: _value(v, by_key[k]) for k, v in r["values"].items()},
                source=r["source"],
                sources=r["sources"],
            )
            if r["key"] in behind.get("rows", {}):
                row.ids = behind["rows"][r["key"]]["ids"]
                row.via = behind["rows"][r["key"]]["via"]
            rows.append(row)
        table = Table(
            annex,
            t["title"],
            columns,
            rows,
            p,
            unit_of_filing(f),
            t["notes"],
            rollup=t["rollup"],
            extras=[
                Extra(e["key"], e["label"], e["value"], behind.get("extras", {}).get(e["key"], []))
                for e in t["extras"]
            ],
            missing=t["missing"],
        )
        out.append(table)
    return out


def seal_line(f: QuarterFiling) -> str:
    line = (
        f"报送记录：{f.unit_name} {f.year}年第{f.quarter}季度 第{f.version}版，"
        f"{to_local(f.filed_at):%Y年%m月%d日 %H:%M}报送，编号 {f.id}，封存码（SHA-256）：{f.seal}"
    )
    return line + (f"；更正原因：{f.reason}" if f.reason else "")


def workbook(f: QuarterFiling) -> bytes:
    from . import quarterly_export

    return quarterly_export.workbook(
        tables_of(f),
        identifier=f"{quarterly_export.IDENTIFIER_PREFIX}{f.id}",
        seal_line=seal_line(f),
    )


# --- the district's roll-up ------------------------------------------------------------------


def filers() -> list[Unit]:
    return quarterly.departments() + quarterly.streets()


def latest_filings(year: int, quarter: int) -> dict[str, QuarterFiling]:
    """The latest version of each filer's filing for a quarter (the district's own excluded)."""
    newest = (
        select(QuarterFiling.unit, func.max(QuarterFiling.version).label("v"))
        .where(
            QuarterFiling.year == year,
            QuarterFiling.quarter == quarter,
            QuarterFiling.unit != "district",
        )
        .group_by(QuarterFiling.unit)
        .subquery()
    )
    rows = db.session.scalars(
        select(QuarterFiling)
        .join(newest, (QuarterFiling.unit == newest.c.unit) & (QuarterFiling.version == newest.c.v))
        .where(QuarterFiling.year == year, QuarterFiling.quarter == quarter)
    )
    return {f.unit: f for f in rows}


def rollup(p: Period) -> list[Table]:
    """Annexes 4, 5 and 7 for the district, read from the latest filed version of each department and street."""
    filed = latest_filings(p.year, p.quarter)
    units = filers()
    missing = [u.name for u in units if u.code not in filed]
    read = {code: {t.annex: t for t in tables_of(f)} for code, f in filed.items()}
    out = []
    for annex in ANNEXES:
        rows: list[Row] = []
        for kind in ("department", "street"):
            mine = [u for u in units if u.kind == kind and u.code in filed]
            if not mine:
                continue
            rows += _block(annex, kind, mine, read, filed)
        table = new_table(annex, DISTRICT, p, rows, rollup=True)
        table.missing = missing
        table.extras = [
            Extra(f"{u.code}|{e.key}", f"{u.name}：{e.label.split('：')[-1]}", e.value)
            for u in units
            if u.code in filed
            for e in read[u.code][annex].extras
        ]
        out.append(table)
    return out


def _block(annex: int, kind: str, units: list[Unit], read: dict, filed: dict) -> list[Row]:
    label = KIND_LABELS[kind]
    columns = COLUMNS[annex]
    block: list[Row] = []
    if annex == 7:
        for code, name in [*VENUE_ROWS.items(), ("total", "总数")]:
            parts = [r for u in units for r in read[u.code][7].rows if r.key == code]
            row = total_row(f"{kind}|{code}", parts, columns, kind=label, label=name)
            row.sources = [filed[u.code].id for u in units]
            block.append(row)
        return block
    for u in units:
        for r in read[u.code][annex].rows:
            row = Row(
                f"{u.code}|{r.key}" if annex == 5 else u.code,
                label,
                u.name,
                r.label,
                dict(r.values),
                source=filed[u.code].id,
            )
            block.append(row)
    if annex == 4:
        total = total_row(f"{kind}|total", block, columns, kind=label, unit="合计")
        total.sources = [filed[u.code].id for u in units]
        return block + [total]
    for level, level_label in LEVELS.items():
        total = total_row(
            f"{kind}|total|{level}",
            [r for r in block if r.label == level_label],
            columns,
            kind=label,
            unit="合计",
            label=level_label,
        )
        total.sources = [filed[u.code].id for u in units]
        block.append(total)
    return block


def source_row_key(table: Table, row: Row) -> str:
    """The key of the row in the source filing(s) that a roll-up row was read from."""
    if table.annex == 7:
        return row.key.split("|", 1)[1]
    if table.annex == 5:
        return row.key.rsplit("|", 1)[1]
    return ""


def rows_behind(table: Table, row: Row, column_key: str) -> list:
    """The ids behind one figure: the row's own, or (a roll-up row) those of the filings it was read from."""
    if not (row.source or row.sources):
        return list(row.ids.get(column_key, []))
    sources = [row.source] if row.source else row.sources
    key = source_row_key(table, row)
    out: list = []
    for fid in sources:
        f = db.session.get(QuarterFiling, fid)
        behind = json.loads(f.rows_behind).get(str(table.annex), {}).get("rows", {}).get(key, {})
        out += behind.get("ids", {}).get(column_key, [])
    return out


# --- checking a filing -------------------------------------------------------------------------


@dataclass
class Check:
    filing: QuarterFiling | None
    ok: bool
    lines: list[str] = field(default_factory=list)
    differences: list[str] = field(default_factory=list)


def check_record(f: QuarterFiling) -> Check:
    """Is the stored snapshot the one sealed at filing time, and is its seal in the audit chain?"""
    lines, ok = [], True
    recomputed = seal_of(meta_of(f), f.figures, f.rows_behind)
    if recomputed != f.seal:
        ok = False
        lines.append("数据库中的报送内容与封存码不符：报送记录在报送后被改动。")
    else:
        lines.append(f"报送内容与封存码一致（{f.seal}）。")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.uuid == f.event_uuid))
    if (
        event is None
        or audit.payload(event).get("seal") != f.seal
        or audit.sha256(event.payload) != event.payload_sha256
    ):
        ok = False
        lines.append("审计链中没有与该封存码相符的报送记录。")
    elif (
        audit.row_hash(
            event.prev_hash,
            seq=event.seq,
            uuid=event.uuid,
            object_type=event.object_type,
            object_id=event.object_id,
            enterprise_id=event.enterprise_id,
            action=event.action,
            actor_id=event.actor_id,
            actor_label=event.actor_label,
            at=event.at,
            payload_sha256=event.payload_sha256,
        )
        != event.hash
    ):
        ok = False
        lines.append(f"审计链第 {event.seq} 条（报送记录）的哈希不符。")
    else:
        lines.append(
            f"封存码已记入审计链第 {event.seq} 条（全链校验请运行 fieldapp audit verify）。"
        )
    return Check(f, ok, lines)


def verify_file(data: bytes) -> Check:
    """Is this exported workbook, cell by cell, the filed snapshot it names?"""
    from . import quarterly_export

    try:
        ident = quarterly_export.identifier_of(data)
    except Exception:  # openpyxl raises many kinds on a file that is not a workbook
        return Check(None, False, ["不是可以读取的 Excel（.xlsx）文件。"])
    if (
        not ident.startswith(quarterly_export.IDENTIFIER_PREFIX)
        or not ident[len(quarterly_export.IDENTIFIER_PREFIX) :].isdigit()
    ):
        return Check(None, False, ["该文件不是从报送版本导出的季报表（没有报送编号）。"])
    f = db.session.get(QuarterFiling, int(ident[len(quarterly_export.IDENTIFIER_PREFIX) :]))
    if f is None:
        return Check(None, False, ["文件中的报送编号在本系统中不存在。"])
    result = check_record(f)
    expected = quarterly_export.sheet_values(workbook(f))
    actual = quarterly_export.sheet_values(data)
    diffs = []
    for sheet in sorted(set(expected) | set(actual)):
        if sheet not in actual or sheet not in expected:
            diffs.append(f"工作表“{sheet}”{'缺失' if sheet not in actual else '是多出来的'}")
            continue
        a, e = actual[sheet], expected[sheet]
        for r in range(max(len(a), len(e))):
            ra = a[r] if r < len(a) else []
            re_ = e[r] if r < len(e) else []
            for c in range(max(len(ra), len(re_))):
                va = ra[c] if c < len(ra) else None
                ve = re_[c] if c < len(re_) else None
                if va != ve:
                    from openpyxl.utils import get_column_letter

                    diffs.append(
                        f"{sheet} {get_column_letter(c + 1)}{r + 1}：文件为“{_show(va)}”，报送时为“{_show(ve)}”"
                    )
    result.differences = diffs
    result.ok = result.ok and not diffs
    result.lines.append(
        "文件内容与报送版本逐格一致。"
        if not diffs
        else f"文件内容与报送版本有 {len(diffs)} 处不同。"
    )
    return result


def _show(v) -> str:
    return "" if v is None else str(v)


# --- what changed since ------------------------------------------------------------------------


@dataclass
class Difference:
    annex: int
    row: str
    column: str
    filed: object
    now: object
    added: list = field(default_factory=list)  # ids behind the figure now, not at filing
    removed: list = field(default_factory=list)


def differences(f: QuarterFiling) -> list[Difference]:
    """Figures that differ between the filed snapshot and what the data says today (the roll-up: the latest filings)."""
    from .quarterly_export import column_path

    filed = tables_of(f, with_ids=True)
    p = quarterly.period(f.year, f.quarter)
    unit = unit_of_filing(f)
    current = (
        rollup(p) if unit.kind == "district" else [quarterly.for_unit(a, unit, p) for a in ANNEXES]
    )
    out = []
    for old, new in zip(filed, current, strict=True):
        new_rows = {r.key: r for r in new.rows}
        for r in old.rows:
            n = new_rows.get(r.key)
            for c in old.columns:
                if c.level:
                    continue
                was, now = r.values.get(c.key), (n.values.get(c.key) if n else None)
                before, after = (
                    set(map(str, r.ids.get(c.key, []))),
                    set(map(str, n.ids.get(c.key, []))) if n else set(),
                )
                if was != now or (unit.kind != "district" and before != after):
                    out.append(
                        Difference(
                            old.annex,
                            row_label(r),
                            column_path(c),
                            was,
                            now,
                            sorted(after - before),
                            sorted(before - after),
                        )
                    )
        for key, n in new_rows.items():
            if all(r.key != key for r in old.rows):
                out.append(
                    Difference(new.annex, row_label(n), "（整行）", "（无）", "（新增一行）")
                )
    return out


def row_label(r: Row) -> str:
    return " ".join(x for x in (r.kind, r.unit, r.label) if x) or "本单位"


def snapshot_ref(filing_id: int):
    """Say what a filed quarter is, for the plan's table filings (fieldapp.plan_filings)."""
    from .plan_filings import SnapshotRef

    f = db.session.get(QuarterFiling, filing_id)
    return SnapshotRef(f.id, f.unit, f.year, f.quarter, f.seal) if f else None
