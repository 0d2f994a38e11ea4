"""Lay out a quarterly table like the paper form: nested headers, merged cells, zero-filled; CSV and XLSX."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, NamedStyle, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.merge import MergedCellRange

from .quarterly import ANNEX6_NOTE, ROW_HEADER, Column, Table, fmt

# Stamped into every workbook made from a filed snapshot: `fieldapp report verify` reads it back.
IDENTIFIER_PREFIX = "fieldapp-quarter-filing:"


@dataclass
class Cell:
    text: str
    colspan: int = 1
    rowspan: int = 1
    row: str | None = None  # a figure: the row and column it stands for (for the drill-down link)
    col: str | None = None


def lead_width(table: Table) -> int:
    """Columns under 填报单位类型: the type, and in a roll-up also the filer (annex 7: the venue type)."""
    return 2 if table.rollup else 1


def header_grid(table: Table) -> list[list[Cell]]:
    """Header rows with spans; groups merge across their columns, short paths span down."""
    paths = [(*c.groups, c.label) for c in table.columns]
    depth = max(len(p) for p in paths)
    grid: list[list[Cell]] = [[Cell(ROW_HEADER, lead_width(table), depth)]] + [
        [] for _ in range(depth - 1)
    ]
    for level in range(depth):
        i = 0
        while i < len(paths):
            path = paths[i]
            if level >= len(path):
                i += 1
                continue
            if level == len(path) - 1:  # the leaf: spans down to the bottom
                grid[level].append(Cell(path[level], 1, depth - level))
                i += 1
                continue
            j = i
            while (
                j < len(paths)
                and len(paths[j]) > level + 1
                and paths[j][: level + 1] == path[: level + 1]
            ):
                j += 1
            grid[level].append(Cell(path[level], j - i, 1))
            i = j
    return grid


def _run(rows, n: int, attr: str) -> int:
    """How many rows from n on share the same value of `attr` (and of the attributes before it)."""
    first = rows[n]
    keys = ("kind", "unit")[: ("kind", "unit").index(attr) + 1]
    m = n
    while m < len(rows) and all(getattr(rows[m], k) == getattr(first, k) for k in keys):
        m += 1
    return m - n


def _starts(rows, n: int, attr: str) -> bool:
    keys = ("kind", "unit")[: ("kind", "unit").index(attr) + 1]
    return n == 0 or any(getattr(rows[n - 1], k) != getattr(rows[n], k) for k in keys)


def lead_cells(table: Table, n: int) -> list[Cell]:
    rows, r = table.rows, table.rows[n]
    cells: list[Cell] = []
    if table.annex == 7 and not table.rollup:
        return [Cell(r.label)]
    if _starts(rows, n, "kind"):
        cells.append(Cell(r.kind, 1, _run(rows, n, "kind")))
    if table.annex == 7:
        cells.append(Cell(r.label))
    elif table.rollup:
        if table.annex == 4:
            cells.append(Cell(r.unit))
        elif _starts(rows, n, "unit"):
            cells.append(Cell(r.unit, 1, _run(rows, n, "unit")))
    return cells


def body_rows(table: Table) -> list[list[Cell]]:
    """Data rows as cells; a position covered by a span from above has no cell (as in HTML)."""
    out = []
    for n, r in enumerate(table.rows):
        cells = lead_cells(table, n)
        for c in table.columns:
            value = r.values.get(c.key)
            if value is None:  # covered by the 市级 row's cell (annex 5)
                continue
            span = 3 if table.annex == 5 and not c.by_level and not c.level else 1
            figure = not c.level
            cells.append(
                Cell(
                    fmt(value, c),
                    1,
                    span,
                    row=r.key if figure else None,
                    col=c.key if figure else None,
                )
            )
        out.append(cells)
    return out


def numbered_notes(table: Table) -> list[str]:
    return [f"{n}.{text}" for n, text in enumerate(table.notes, 1)]


def to_csv(table: Table) -> str:
    """One header row joining the header path with '/'; a spanned value once, on the filer's first row."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    # The form's one lead header spans the roll-up's two lead columns; a flat file names both.
    lead = ["填报单位类型"]
    if table.rollup:
        lead = ["填报单位类型", "填报单位"] if table.annex != 7 else ["填报单位", "填报单位类型"]
    writer.writerow(lead + ["/".join((*c.groups, c.label)) for c in table.columns])
    for r in table.rows:
        if table.annex == 7:
            head = [r.kind, r.label] if table.rollup else [r.label]
        else:
            head = [r.kind] + ([r.unit] if table.rollup else [])
        writer.writerow(
            head
            + [
                fmt(r.values[c.key], c)
                if r.values.get(c.key) is not None
                else ("0" if not c.level else "")
                for c in table.columns
            ]
        )
    return buf.getvalue()


THIN = Side(style="thin", color="000000")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
# Named styles: a cell takes one by name (cheap), where setting border, font and alignment
# one cell at a time hashes each style again (seconds for a roll-up's workbook).
STYLES = {
    "表格": dict(border=BOX, alignment=CENTER),
    "表头": dict(border=BOX, alignment=CENTER, font=Font(bold=True)),
    "标题": dict(font=Font(bold=True, size=14)),
    "注": dict(alignment=Alignment(wrap_text=True, vertical="top")),
}


def _add_styles(wb: Workbook) -> None:
    for name, parts in STYLES.items():
        if name not in wb.named_styles:
            wb.add_named_style(NamedStyle(name, **parts))


def _merge(ws, top: int, left: int, bottom: int, right: int, style: str | None = None) -> None:
    """Merge a range, boxing every cell of it (openpyxl's own merge restyles cell by cell, slowly)."""
    ws.merged_cells.add(
        MergedCellRange(ws, f"{get_column_letter(left)}{top}:{get_column_letter(right)}{bottom}")
    )
    if style:
        for r in range(top, bottom + 1):
            for c in range(left, right + 1):
                ws.cell(r, c).style = style


def add_sheet(wb: Workbook, table: Table, *, first: bool, seal_line: str = "") -> None:
    """One sheet per annex, laid out like the paper form (merged header cells, no blank data cells)."""
    ws = wb.active if first else wb.create_sheet()
    _add_styles(wb)
    ws.title = f"附件{table.annex}"
    lead = lead_width(table)
    width = lead + len(table.columns)
    ws.cell(1, 1, table.title).style = "标题"
    _merge(ws, 1, 1, 1, width)
    # The form's fill-in line: the stamp, who filled it in and their phone are for people to add.
    ws.cell(2, 1, f"{table.fill_in}　　统计期：{table.period.label}（截至季末）")
    _merge(ws, 2, 1, 2, width)
    top = 3
    header = header_grid(table)
    _place(ws, header, top, header=True)
    depth = len(header)
    _place(ws, body_rows(table), top + depth, header=False)
    line = top + depth + len(table.rows)
    tail = ["注：", *numbered_notes(table)]
    if table.missing:
        tail.append("未报送：" + "、".join(table.missing))
    tail += [f"附：{e.label}：{e.value}" for e in table.extras]
    if seal_line:
        tail.append(seal_line)
    for text in tail:
        ws.cell(line, 1, text).style = "注"
        _merge(ws, line, 1, line, width)
        line += 1
    for col in range(1, width + 1):
        ws.column_dimensions[get_column_letter(col)].width = 14 if col <= lead else 10
    ws.freeze_panes = ws.cell(top + depth, lead + 1)
    for r in range(top, top + depth):
        ws.row_dimensions[r].height = 54  # wrapped header text, as on the paper form
    # Print like the paper form: landscape A4, all columns on one page width.
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0


def _place(ws, grid: list[list[Cell]], top: int, *, header: bool) -> None:
    taken: set[tuple[int, int]] = set()
    style = "表头" if header else "表格"
    for r, row in enumerate(grid):
        col = 1
        for cell in row:
            while (top + r, col) in taken:  # skip what spans from the rows above
                col += 1
            target = ws.cell(top + r, col)
            target.value = cell.text if header or cell.col is None else _number(cell.text)
            target.style = style
            if not header and cell.col is not None and "." in cell.text:
                target.number_format = "0.00"  # 万元, two decimals
            if cell.colspan > 1 or cell.rowspan > 1:
                _merge(ws, top + r, col, top + r + cell.rowspan - 1, col + cell.colspan - 1, style)
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    taken.add((top + r + dr, col + dc))
            col += cell.colspan


def _number(text: str):
    try:
        return float(text) if "." in text else int(text)
    except ValueError:
        return text


def workbook(tables: list[Table], *, identifier: str = "", seal_line: str = "") -> bytes:
    """The annexes as one workbook; a filed snapshot's carries its id and seal (for `report verify`)."""
    wb = Workbook()
    for n, table in enumerate(tables):
        add_sheet(wb, table, first=n == 0, seal_line=seal_line)
    info = wb.create_sheet("说明")
    info.cell(1, 1, "附件6：" + ANNEX6_NOTE)
    info.column_dimensions["A"].width = 120
    info.cell(1, 1).alignment = Alignment(wrap_text=True, vertical="top")
    if identifier:
        wb.properties.identifier = identifier
        wb.properties.subject = seal_line
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def sheet_values(data: bytes) -> dict[str, list[list]]:
    """Every sheet's cell values (what a reader sees), for comparing a file with its filed snapshot."""
    from openpyxl import load_workbook

    # Read-only: binding a form's merged cells costs seconds, and only the values are compared.
    wb = load_workbook(io.BytesIO(data), read_only=True)
    try:
        return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}
    finally:
        wb.close()


def identifier_of(data: bytes) -> str:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data), read_only=True)
    try:
        return wb.properties.identifier or ""
    finally:
        wb.close()


def legend(table: Table) -> list[tuple[str, str]]:
    """(header path, what it counts) for the columns that count something."""
    return [("／".join((*c.groups, c.label)), c.legend) for c in table.columns if c.legend]


def column_path(c: Column) -> str:
    return "／".join((*c.groups, c.label))
