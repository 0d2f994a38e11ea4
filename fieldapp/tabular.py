"""Read and write CSV and XLSX tables, safely for spreadsheet programs."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from pathlib import Path

from openpyxl import Workbook, load_workbook

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class TableError(ValueError):
    """Raised when a file cannot be read as a table."""


def neutralize(value):
    """Keep a cell from being run as a formula by Excel or LibreOffice (OWASP CSV injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def unneutralize(value: str) -> str:
    """Undo neutralize() on a value read back from our own export."""
    if value.startswith("'") and value[1:2] and value[1] in "=+-@\t\r":
        return value[1:]
    return value


def _decode(data: bytes) -> str:
    # Spreadsheet programs in China often save CSV as GB18030 rather than UTF-8.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TableError("无法识别文件编码，请另存为 UTF-8 编码的 CSV 或 XLSX")


def read_table(path: str | Path) -> tuple[list[str], list[list[str]]]:
    """Return the header row and the data rows of a CSV or XLSX file, as strings."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        rows = list(csv.reader(io.StringIO(_decode(path.read_bytes()))))
    elif suffix in (".xlsx", ".xlsm"):
        try:
            wb = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many types for a bad file
            raise TableError(f"无法读取 XLSX 文件：{exc}") from exc
        ws = wb.worksheets[0]
        rows = [
            ["" if v is None else _cell_text(v) for v in row]
            for row in ws.iter_rows(values_only=True)
        ]
        wb.close()
    else:
        raise TableError("只支持 .csv 和 .xlsx 文件")
    rows = [[unneutralize(c.strip()) for c in row] for row in rows]
    rows = [row for row in rows if any(row)]
    if not rows:
        raise TableError("文件为空")
    return rows[0], rows[1:]


def _cell_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def write_table(
    path: str | Path, headers: Sequence[str], rows: Iterable[Sequence], sheet: str = "Sheet1"
) -> None:
    """Write a CSV (UTF-8 with BOM, for Excel) or XLSX file by the path's suffix."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with path.open("w", newline="", encoding="utf-8-sig") as fh:
            writer = csv.writer(fh)
            writer.writerow(headers)
            for row in rows:
                writer.writerow(["" if v is None else neutralize(v) for v in row])
    elif suffix == ".xlsx":
        wb = Workbook()
        ws = wb.active
        ws.title = sheet
        ws.append(list(headers))
        for row in rows:
            ws.append([neutralize(v) for v in row])
        wb.save(path)
    else:
        raise TableError("只支持 .csv 和 .xlsx 文件")
