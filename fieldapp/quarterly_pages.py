"""What the quarterly pages show: which table, the rows behind a figure, the filed versions.

Each function takes the actor and what the request asked, already parsed, and returns
what its page renders; the views add only links and the request's own arguments.
Who may open which filer's table is `scope.quarter_unit` and `scope.get_quarter_filing`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from werkzeug.exceptions import NotFound

from . import filings, quarterly, quarterly_drill, quarterly_export, scope
from .clock import local_today
from .extensions import db
from .models import QuarterFiling
from .quarterly import Period, Table, Unit
from .quarterly_rows import live_rollup


@dataclass(frozen=True)
class Shown:
    """One table page: a filer's own table ("unit", live), or the district's roll-up of the
    filed versions ("rollup") or of the data as it is now ("live")."""

    view: str
    unit: Unit
    p: Period
    annex: int

    def link_args(self, actor) -> dict:
        """The query arguments that open this same table again (for another annex or a cell)."""
        args = {"year": self.p.year, "quarter": self.p.quarter, "annex": self.annex}
        if self.view == "live":
            args["view"] = "live"
        elif self.view == "unit" and self.unit.kind != actor.role:
            args["unit"] = self.unit.code
        return args

    def tables(self, annexes) -> list[Table]:
        if self.view == "rollup":
            return [t for t in filings.rollup(self.p) if t.annex in annexes]
        if self.view == "live":
            streets, departments = quarterly.streets(), quarterly.departments()
            return [live_rollup(a, self.p, streets, departments) for a in annexes]
        return [quarterly.for_unit(a, self.unit, self.p) for a in annexes]

    @property
    def table(self) -> Table:
        return self.tables((self.annex,))[0]


def shown(actor, p: Period, annex: int, *, code: str = "", live: bool = False) -> Shown:
    """The table the actor asked for; 404 for a filer outside the actor's reach."""
    unit = scope.quarter_unit(actor, code)
    view = ("live" if live else "rollup") if unit.kind == "district" else "unit"
    return Shown(view, unit, p, annex)


def download(s: Shown, fmt: str) -> list[Table]:
    """The tables of a download: the annex shown as CSV, or every annex in one workbook."""
    return s.tables((s.annex,) if fmt == "csv" else tuple(quarterly.ANNEXES))


def table_page(actor, s: Shown, *, now: datetime) -> dict:
    """The table page: the figures, and the filer's versions and whether it may file now."""
    table = s.table
    mine = quarterly.unit_of(actor)
    page = {
        "table": table,
        "header": quarterly_export.header_grid(table),
        "body": quarterly_export.body_rows(table),
        "p": s.p,
        "annex": s.annex,
        "view": s.view,
        "unit": s.unit,
        "annexes": quarterly.ANNEXES,
        "annex6": quarterly.ANNEX6_NOTE,
        "notes": quarterly_export.numbered_notes(table),
        "legend": quarterly_export.legend(table),
        "link_args": s.link_args(actor),
        "mine": mine,
        "versions": filings.versions(mine.code, s.p.year, s.p.quarter),
    }
    if mine.kind == "district":
        page["filers"] = [
            (u, filings.latest(u.code, s.p.year, s.p.quarter)) for u in filings.filers()
        ]
    page["may_file"] = (
        filings.may_file(actor, mine)
        and now >= s.p.end
        and (mine.kind != "district" or any(f for _, f in page["filers"]))
    )
    return page


def behind(actor, table: Table, row_key: str, col_key: str, *, page: int, now: datetime) -> dict:
    """The rows behind one figure of a table, a page at a time; 404 for a cell with no figure."""
    row, col = table.row(row_key), table.column(col_key)
    if row is None or col is None or col.level or row.values.get(col_key) is None:
        raise NotFound()
    ids = filings.rows_behind(table, row, col.key)
    return {
        "table": table,
        "row": row,
        "col": col,
        "behind": quarterly_drill.rows_behind(
            actor, col.source, ids, row.via.get(col.key, {}), page=page
        ),
        "value": quarterly.fmt(row.values[col.key], col),
        "path": quarterly_export.column_path(col),
        "row_label": filings.row_label(row),
        "today": local_today(now),
    }


def cell_page(actor, s: Shown, row_key: str, col_key: str, *, page: int, now: datetime) -> dict:
    """The rows behind one figure of the table on screen, titled by whose table it is."""
    who = s.unit.name if s.view != "rollup" else "区汇总（按报送版本）"
    return {
        **behind(actor, s.table, row_key, col_key, page=page, now=now),
        "title": f"{who} · {s.p.label}",
    }


def filing_cell_page(
    f: QuarterFiling, annex: int, row_key: str, col_key: str, *, actor, page: int, now: datetime
) -> dict:
    """The rows behind one figure of a filed version, as frozen when it was filed."""
    table = next(t for t in filings.tables_of(f, with_ids=True) if t.annex == annex)
    return {
        **behind(actor, table, row_key, col_key, page=page, now=now),
        "title": f"{f.unit_name} · {f.year} 年第 {f.quarter} 季度 · 报送第 {f.version} 版",
    }


def filed(actor, limit: int = 500) -> list[QuarterFiling]:
    """The filed versions the actor may open, newest quarter first: the district's all, else its own."""
    mine = quarterly.unit_of(actor)
    stmt = select(QuarterFiling).order_by(
        QuarterFiling.year.desc(),
        QuarterFiling.quarter.desc(),
        QuarterFiling.unit,
        QuarterFiling.version.desc(),
    )
    if mine is None:
        return []
    if mine.kind != "district":
        stmt = stmt.where(QuarterFiling.unit == mine.code)
    return list(db.session.scalars(stmt.limit(limit)))


def filing_table(f: QuarterFiling, annex: int) -> Table:
    """One annex of a filed version, as filed."""
    return next(t for t in filings.tables_of(f) if t.annex == annex)


def filing_page(f: QuarterFiling, annex: int) -> dict:
    """A filed version's page: one annex as filed, its seal checked, and the unit's other versions."""
    table = filing_table(f, annex)
    return {
        "f": f,
        "table": table,
        "header": quarterly_export.header_grid(table),
        "body": quarterly_export.body_rows(table),
        "annex": annex,
        "annexes": quarterly.ANNEXES,
        "check": filings.check_record(f),
        "notes": quarterly_export.numbered_notes(table),
        "legend": quarterly_export.legend(table),
        "others": filings.versions(f.unit, f.year, f.quarter),
        "annex6": quarterly.ANNEX6_NOTE,
    }
