"""Lay out a quarterly table like the paper form: nested headers, merged cells, zero-filled."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from .quarterly import Column, Table, fmt


@dataclass
class Cell:
    text: str
    colspan: int = 1
    rowspan: int = 1


def leading_headers(table: Table) -> list[str]:
    return ["填报单位", "层级"] if table.annex == 5 else [table.row_header]


def header_grid(table: Table) -> list[list[Cell]]:
    """Header rows with spans; groups merge across their columns, short paths span down."""
    paths = [(*c.groups, c.label) for c in table.columns]
    depth = max(len(p) for p in paths)
    lead = leading_headers(table)
    grid: list[list[Cell]] = [[Cell(text, 1, depth) for text in lead]] + [[] for _ in range(depth - 1)]
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
            while j < len(paths) and len(paths[j]) > level + 1 and paths[j][: level + 1] == path[: level + 1]:
                j += 1
            grid[level].append(Cell(path[level], j - i, 1))
            i = j
    return grid


def body_rows(table: Table) -> list[list[Cell]]:
    """Data rows as cells; a position covered by a span from above has no cell (as in HTML)."""
    out = []
    rows = table.rows
    for n, r in enumerate(rows):
        cells: list[Cell] = []
        if table.annex == 5 and (n == 0 or rows[n - 1].group != r.group):
            cells.append(Cell(r.group, 1, sum(1 for x in rows if x.group == r.group)))
        cells.append(Cell(r.label))
        for c in table.columns:
            value = r.values.get(c.key)
            if value is None:  # covered by the unit's first level row
                continue
            if table.annex == 5 and r.label == "市级" and _spans(table, c):
                cells.append(Cell(fmt(value, c), 1, 3))
            else:
                cells.append(Cell(fmt(value, c)))
        out.append(cells)
    return out


def _spans(table: Table, c: Column) -> bool:
    from .quarterly import ANNEX5_BY_LEVEL

    return table.annex == 5 and c.key not in ANNEX5_BY_LEVEL


def to_csv(table: Table) -> str:
    """One header row joining the header path with '/'; spanned values repeated only once (0 elsewhere)."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(leading_headers(table) + ["/".join((*c.groups, c.label)) for c in table.columns])
    for r in table.rows:
        lead = [r.group, r.label] if table.annex == 5 else [r.label]
        writer.writerow(lead + [fmt(r.values[c.key], c) if r.values.get(c.key) is not None else "0" for c in table.columns])
    return buf.getvalue()


THIN = Side(style="thin", color="000000")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


def add_sheet(wb: Workbook, table: Table, *, first: bool) -> None:
    """One sheet per annex, laid out like the paper form (merged header cells, no blank data cells)."""
    ws = wb.active if first else wb.create_sheet()
    ws.title = f"附件{table.annex}"
    width = len(leading_headers(table)) + len(table.columns)
    ws.cell(1, 1, table.title).font = Font(bold=True, size=14)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    # The form's fill-in line: the stamp, who filled it in and their phone are for people to add.
    ws.cell(2, 1, f"填报单位（盖章）：{table.unit}　　填表人：＿＿＿＿　　联系电话：＿＿＿＿　　"
                  f"＿＿＿＿年＿＿月＿＿日　　统计期：{table.period.label}（截至季末）")
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    top = 3
    _place(ws, header_grid(table), top, header=True)
    depth = len(header_grid(table))
    _place(ws, body_rows(table), top + depth, header=False)
    note_row = top + depth + len(table.rows)
    ws.cell(note_row, 1, "注：" + table.note)
    ws.merge_cells(start_row=note_row, start_column=1, end_row=note_row, end_column=width)
    ws.cell(note_row, 1).alignment = Alignment(wrap_text=True, vertical="top")
    ws.row_dimensions[note_row].height = 48
    for col in range(1, width + 1):
        ws.column_dimensions[get_column_letter(col)].width = 14 if col <= len(leading_headers(table)) else 10
    ws.freeze_panes = ws.cell(top + depth, len(leading_headers(table)) + 1)
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
    for r, row in enumerate(grid):
        col = 1
        for cell in row:
            while (top + r, col) in taken:  # skip what spans from the rows above
                col += 1
            target = ws.cell(top + r, col)
            text = cell.text
            target.value = int(text) if not header and text.isdigit() else (float(text) if not header and _is_decimal(text) else text)
            target.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            target.border = BOX
            if header:
                target.font = Font(bold=True)
            if cell.colspan > 1 or cell.rowspan > 1:
                ws.merge_cells(start_row=top + r, start_column=col, end_row=top + r + cell.rowspan - 1,
                               end_column=col + cell.colspan - 1)
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    taken.add((top + r + dr, col + dc))
            col += cell.colspan


def _is_decimal(text: str) -> bool:
    try:
        float(text)
        return "." in text
    except ValueError:
        return False


def workbook(tables: list[Table]) -> bytes:
    wb = Workbook()
    for n, table in enumerate(tables):
        add_sheet(wb, table, first=n == 0)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
