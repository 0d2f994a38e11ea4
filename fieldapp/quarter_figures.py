"""The figures a filer enters by hand for a quarter (enforcement, training, model posts …): annexes 5 and 7.

A street enters its own; a supervising department enters its industry's. The tables sum
them from January to the quarter. `save` takes a Street (as the demo and the street's
form do) or a `quarterly.Unit`.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import select

from . import enforcement_counts, quarterly, vocab
from .errors import DomainError
from .extensions import db
from .models import QuarterFigure, Street

MAX_VALUE = Decimal("1e9")
MESSAGE = "请填写非负数：人次、家次等为整数，金额（万元）可保留两位小数。"


class FigureError(DomainError, ValueError):
    """A value that cannot be stored, with a Chinese reason."""

    status = 422


def manual_columns(annex: int) -> list[quarterly.Column]:
    return [c for c in quarterly.COLUMNS[annex] if c.manual]


def form_label(column: quarterly.Column) -> str:
    """The label on the entry form: annex 5's two 场次 columns say which activity they count."""
    prefix = {"training": "专题培训", "observe": "现场观摩"}.get(column.key.split("_", 1)[0], "")
    path = [*column.groups[1:], column.label]
    if prefix and prefix not in path:
        path.insert(0, prefix)
    return " ".join(path)


def cells() -> list[tuple[int, str, quarterly.Column]]:
    """Every cell entered by hand: annex 5 has one row per filer, annex 7 a row per venue type."""
    return [
        (annex, row_key, c)
        for annex, row_keys in ((5, [""]), (7, list(vocab.VENUE_TYPES)))
        for row_key in row_keys
        for c in manual_columns(annex)
    ]


def _unit(who: Street | quarterly.Unit) -> quarterly.Unit:
    return quarterly.street_unit(who) if isinstance(who, Street) else who


def _whose(unit: quarterly.Unit):
    if unit.kind == "street":
        return QuarterFigure.street_id == unit.street_id
    if unit.kind == "department":
        return QuarterFigure.industry == unit.industry
    raise FigureError("区安委办没有自己的填报数：区汇总读取各街道和部门的报送。", status=403)


def existing(
    who: Street | quarterly.Unit, year: int, quarter: int
) -> dict[tuple[int, str, str], QuarterFigure]:
    unit = _unit(who)
    return {
        (f.annex, f.row_key, f.column_key): f
        for f in db.session.scalars(
            select(QuarterFigure).where(
                _whose(unit), QuarterFigure.year == year, QuarterFigure.quarter == quarter
            )
        )
    }


def parse(raw: str | None, column: quarterly.Column) -> Decimal:
    """A cell's value: a non-negative number, whole except for amounts (万元, two decimals)."""
    try:
        value = Decimal((raw or "0").strip() or "0")
    except InvalidOperation:
        raise FigureError(MESSAGE) from None
    if (
        not value.is_finite()
        or value < 0
        or value > MAX_VALUE
        or (not column.decimal and value != value.to_integral_value())
        or (column.decimal and value != value.quantize(Decimal("0.01")))
    ):
        raise FigureError(MESSAGE)
    return value


def save_form(unit: quarterly.Unit, year: int, quarter: int, form, *, actor, now: datetime) -> int:
    """Parse every cell of the entry form (fields named annex.row.column) and save them."""
    values = {
        (annex, row_key, c.key): parse(form.get(f"{annex}.{row_key}.{c.key}"), c)
        for annex, row_key, c in cells()
    }
    return save(unit, year, quarter, values, actor=actor, now=now)


def save(
    who: Street | quarterly.Unit,
    year: int,
    quarter: int,
    values: dict[tuple[int, str, str], Decimal],
    *,
    actor,
    now: datetime,
) -> int:
    """Store a filer's figures for a quarter (cells not given keep their value); return how many changed."""
    unit = _unit(who)
    held = existing(unit, year, quarter)
    changed = 0
    counted = not enforcement_counts.hand_entry_allowed(year, quarter)
    for (annex, row_key, key), value in values.items():
        if counted and annex == 7 and key in enforcement_counts.COLUMNS:
            # Counted from the enforcement records for this quarter: nothing to type in.
            if value != (held[(annex, row_key, key)].value if (annex, row_key, key) in held else 0):
                raise FigureError(
                    f"{year} 年第 {quarter} 季度起，附件7“执法激励约束”各栏由执法记录统计，不再手工填报；"
                    "请在“执法”页面登记执法记录。"
                )
            continue
        f = held.get((annex, row_key, key))
        if f is None:
            if value == 0:
                continue
            db.session.add(
                QuarterFigure(
                    street_id=unit.street_id,
                    industry=unit.industry,
                    year=year,
                    quarter=quarter,
                    annex=annex,
                    row_key=row_key,
                    column_key=key,
                    value=value,
                    entered_by=actor.id,
                    entered_at=now,
                )
            )
            changed += 1
        elif f.value != value:
            f.value, f.entered_by, f.entered_at = value, actor.id, now
            changed += 1
    return changed
