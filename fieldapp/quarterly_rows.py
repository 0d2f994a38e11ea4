"""The rows of annexes 4, 5 and 7 for a filer, or for every street and department (the district's live view)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from sqlalchemy import or_

from . import enforcement_counts, vocab
from .models import Enterprise
from .quarterly import (
    ANNEX4,
    ANNEX5,
    ANNEX7,
    DISTRICT,
    KIND_LABELS,
    LEVELS,
    ROLLING_2021,
    ROLLING_2024_02,
    STARS_SINCE,
    VENUE_ROWS,
    Column,
    Extra,
    Period,
    Row,
    Table,
    Unit,
    new_table,
)
from .quarterly_facts import GRADED, REVIEWED, Facts, manual_figures

UNASSESSED = "unassessed"
UNASSESSED_LABEL = "未评定四色风险等级的单位（家，不计入颜色栏）"


def _cell(row: Row, col: Column, ids: dict | None) -> None:
    ids = ids or {}
    row.values[col.key] = len(ids)
    row.ids[col.key] = list(ids)
    vias = {str(k): v for k, v in ids.items() if v is not None}
    if vias:
        row.via[col.key] = vias


def _manual_cell(row: Row, col: Column, figures: list[tuple[int, Decimal]]) -> None:
    total = sum((v for _, v in figures), Decimal(0))
    row.values[col.key] = total if col.decimal else int(total)
    row.ids[col.key] = [fid for fid, _ in figures]


def _enforcement_cell(row: Row, col: Column, figures: list[tuple[int, Decimal]], counted) -> None:
    """Hand-entered figures of the quarters before the records, plus what the records count (the ids of both)."""
    _manual_cell(row, col, figures)
    if counted is not None:
        row.values[col.key] += counted.value
        row.ids[col.key] = list(counted.ids) + [f"figure:{fid}" for fid in row.ids[col.key]]
    else:
        row.ids[col.key] = [f"figure:{fid}" for fid in row.ids[col.key]]


def _counted_enforcement(f: Facts) -> dict:
    """Annex 7's enforcement columns from the records, per venue type of the table's premises."""
    since = max(f.p.year_start.date(), enforcement_counts.records_from())
    return enforcement_counts.tally(since, f.p.end, f.group_of.get) if since < f.p.end_day else {}


def _figures_by(figs: list[tuple], group_of_filer) -> dict:
    """{(group, row key, column key): [(figure id, value)]} for hand-entered figures."""
    out: dict = defaultdict(list)
    for fid, street_id, industry, row_key, column_key, value in figs:
        group = group_of_filer(street_id, industry)
        if group is not None:
            out[(group, row_key, column_key)].append((fid, Decimal(value)))
    return out


# --- annex 4 ---------------------------------------------------------------------------


def annex4_rows(f: Facts, groups: list, figures=None) -> dict[object, Row]:
    m = f.measures()
    status, stars, colours = f.status(), f.stars(STARS_SINCE), f.assessed()
    ledger = {**m["ledger"], **f.own_lists_closed_loop()}
    data = {
        **{
            f"base_{size}": f.all_premises(lambda u, s=size: u.size_class == s)
            for size in vocab.SIZE_CLASSES
        },
        "base_total": f.all_premises(),
        **{
            k: f.premises(m[k])
            for k in ("org", "responsibility", "full_time", "rescue_team", "five_s", "six_signage")
        },
        "three_lists": f.premises(ledger),
        "self_found": f.hazards(self_found=True, closed=False),
        "self_rectified": f.hazards(self_found=True, closed=True),
        "four_color": f.premises({eid: rid for eid, (rid, _) in colours.items()}),
        "std_type": f.premises({eid: rid for eid, (s, rid) in status.items() if s in GRADED}),
        "std_review": f.premises(
            {eid: rid for eid, (s, rid) in status.items() if s == "micro_pass"}
        ),
        "std_self": f.premises(
            {eid: rid for eid, (s, rid) in status.items() if s == "self_assessed"}
        ),
        **{
            f"stars_{n}": f.premises({eid: rid for eid, (s, rid) in stars.items() if s == n})
            for n in (5, 4, 3, 2, 1)
        },
    }
    data["std_total"] = {
        g: {
            **data["std_type"].get(g, {}),
            **data["std_review"].get(g, {}),
            **data["std_self"].get(g, {}),
        }
        for g in groups
    }
    unassessed = f.premises({eid: None for eid in f.units if eid not in colours})
    rows = {}
    for g in groups:
        row = Row("")
        for col in ANNEX4:
            _cell(row, col, data[col.key].get(g))
        row.extras = [
            Extra(
                UNASSESSED,
                UNASSESSED_LABEL,
                len(unassessed.get(g, {})),
                list(unassessed.get(g, {})),
            )
        ]
        rows[g] = row
    return rows


# --- annex 5 ---------------------------------------------------------------------------


def annex5_rows(f: Facts, groups: list, figures: dict, street_group) -> dict[object, list[Row]]:
    """Three level rows per group; columns not counted per level span them (held on the 市级 row)."""
    reviews = f.reviews_this_year()
    by_level: dict = defaultdict(dict)  # (group, column key, level) -> ids
    for cid, _, street_id, level in f.cases_this_year("sample_street"):
        g = street_group(street_id)
        if g is not None:
            by_level[(g, "sample_street", level)][cid] = None
    for cid, eid, _, level in f.cases_this_year("benchmark"):
        if eid in f.group_of:
            by_level[(f.group_of[eid], f"benchmark_{f.ents[eid].size_class}", level)][cid] = eid
    for level, found in reviews.items():
        # The table's levels are 市级/区级/街道级: a review organised above the city (二级 by the
        # province, 一级 by the Ministry) is counted on the 市级 row, as its legend says.
        row_level = "city" if level in ("national", "province") else level
        for eid, rid in found.items():
            if eid in f.units and eid in f.group_of:
                by_level[(f.group_of[eid], f"reviewed_{f.units[eid].size_class}", row_level)][
                    eid
                ] = rid
    letters = {
        k: f.premises(f.letters_this_year(kind))
        for k, kind in (("notices", "notice"), ("commitments", "commitment"))
    }
    out = {}
    for g in groups:
        rows = []
        for level, level_label in LEVELS.items():
            row = Row(level, label=level_label)
            for col in ANNEX5:
                if col.level:
                    row.values[col.key] = level_label
                elif col.by_level:
                    _cell(row, col, by_level.get((g, col.key, level)))
                elif level != "city":
                    row.values[col.key] = None  # covered by the 市级 row's cell
                elif col.manual:
                    _manual_cell(row, col, figures.get((g, "", col.key), []))
                else:
                    _cell(row, col, letters[col.key].get(g))
            rows.append(row)
        out[g] = rows
    return out


# --- annex 7 ---------------------------------------------------------------------------


def annex7_rows(f: Facts, figures: dict, group=None) -> tuple[list[Row], Extra]:
    """A row per venue type (and the 总数 row) for the premises of `f`; figures are keyed (group, venue, column)."""
    m = f.measures()
    colours, status = f.assessed(), f.status()
    ledger = {**m["ledger"], **f.own_lists_closed_loop()}
    data = {
        "base": f.all_premises(),
        "three_lists": f.premises(ledger),
        "self_found": f.hazards(self_found=True, closed=False),
        "self_rectified": f.hazards(self_found=True, closed=True),
        "color_assessed": f.premises({eid: rid for eid, (rid, _) in colours.items()}),
        **{
            f"color_{c}": f.premises({eid: rid for eid, (rid, col) in colours.items() if col == c})
            for c in vocab.RISK_COLORS
        },
        "five_s": f.premises(m["five_s"]),
        "six_signage": f.premises(m["six_signage"]),
        "reviewed": f.premises({eid: rid for eid, (s, rid) in status.items() if s in REVIEWED}),
        "self_assessed": f.premises(f.self_assessments_this_year()),
        "excellent": f.by_premises_of(
            (cid, eid) for cid, eid, _, _ in f.cases_this_year("excellent_venue")
        ),
        "inspected": f.visits_this_year(),
        "found": f.hazards(self_found=False, closed=False),
        "urged": f.hazards(self_found=False, closed=True),
        "notices": f.premises(f.letters_this_year("notice")),
        "commitments": f.premises(f.letters_this_year("commitment")),
    }
    counted = _counted_enforcement(f)
    rows = []
    for code, name in VENUE_ROWS.items():
        row = Row(code, label=name)
        for col in ANNEX7:
            if col.key in enforcement_counts.COLUMNS:
                _enforcement_cell(
                    row,
                    col,
                    figures.get((group, code, col.key), []),
                    counted.get(code, {}).get(col.key),
                )
            elif col.manual:
                _manual_cell(row, col, figures.get((group, code, col.key), []))
            else:
                _cell(row, col, data[col.key].get(code))
        rows.append(row)
    rows.append(total_row("total", rows, ANNEX7, label="总数"))
    unassessed = [eid for eid in f.units if eid not in colours and eid in f.group_of]
    return rows, Extra(UNASSESSED, UNASSESSED_LABEL, len(unassessed), unassessed)


def total_row(key: str, rows: list[Row], columns: list[Column], **labels) -> Row:
    """Sum rows column by column (ids joined: the rows' premises never overlap); a spanned cell stays empty."""
    total = Row(key, **labels)
    for c in columns:
        if c.level:
            total.values[c.key] = rows[0].values.get(c.key) if rows else ""
            continue
        values = [r.values[c.key] for r in rows if r.values.get(c.key) is not None]
        total.values[c.key] = (
            sum(values, Decimal(0) if c.decimal else 0) if values or not rows else None
        )
        if total.values[c.key] is not None:
            total.ids[c.key] = [i for r in rows for i in r.ids.get(c.key, [])]
            vias = {k: v for r in rows for k, v in r.via.get(c.key, {}).items()}
            if vias:
                total.via[c.key] = vias
    return total


# --- whole tables ----------------------------------------------------------------------


def _facts(annex: int, p: Period, clause, key, *, venues: bool = False) -> Facts:
    since = ROLLING_2024_02 if annex == 7 else ROLLING_2021
    return Facts(p, since, clause, key, venues=venues)


def unit_table(annex: int, unit: Unit, p: Period) -> Table:
    """One filer's own table: its row under its 填报单位类型 (annex 7: a row per venue type)."""
    figs = _figures_by(
        manual_figures(
            p,
            street_ids=[unit.street_id] if unit.street_id else [],
            industries=[unit.industry] if unit.industry else [],
            annex=annex,
        ),
        lambda s, i: "u",
    )
    kind = KIND_LABELS.get(unit.kind, "")
    if annex == 7:
        f = _facts(7, p, unit.clause(), lambda u: u.venue_type, venues=True)
        rows, extra = annex7_rows(f, figs, "u")
        table = new_table(7, unit, p, rows)
        table.extras = [extra]
        return table
    f = _facts(annex, p, unit.clause(), lambda u: "u")
    if annex == 4:
        row = annex4_rows(f, ["u"])["u"]
        row.kind = kind
        table = new_table(4, unit, p, [row])
        table.extras = row.extras
        return table

    def street_group(sid):
        return "u" if unit.kind == "street" and sid == unit.street_id else None

    rows = annex5_rows(f, ["u"], figs, street_group)["u"]
    for r in rows:
        r.kind = kind
    return new_table(5, unit, p, rows)


def live_rollup(
    annex: int, p: Period, street_units: list[Unit], department_units: list[Unit]
) -> Table:
    """Every department's and street's rows as the data says now, with a total per 填报单位类型."""
    street_ids = [u.street_id for u in street_units]
    industries = [u.industry for u in department_units]
    in_street, in_industry = set(street_ids), set(industries)
    blocks = []
    if department_units:
        blocks.append(
            (
                "department",
                department_units,
                lambda e: e.industry if e.industry in in_industry else None,
                _figures_by(manual_figures(p, industries=industries, annex=annex), lambda s, i: i),
            )
        )
    if street_units:
        blocks.append(
            (
                "street",
                street_units,
                lambda e: str(e.street_id) if e.street_id in in_street else None,
                _figures_by(
                    manual_figures(p, street_ids=street_ids, annex=annex),
                    lambda s, i: str(s) if s else None,
                ),
            )
        )
    # One read of the facts for the whole district, tallied per block.
    facts = _facts(
        annex,
        p,
        or_(Enterprise.street_id.in_(street_ids), Enterprise.industry.in_(industries)),
        lambda e: None,
        venues=annex == 7,
    )
    rows: list[Row] = []
    extras = []
    for kind, units, key, figs in blocks:
        label = KIND_LABELS[kind]
        if annex == 7:
            f = facts.regroup(lambda e, key=key: e.venue_type if key(e) is not None else None)
            # Sum over the block's filers: each filer's figures keyed by venue type.
            merged = defaultdict(list)
            for (_, row_key, col), values in figs.items():
                merged[("all", row_key, col)].extend(values)
            block, extra = annex7_rows(f, merged, "all")
            for r in block:
                r.kind, r.key = label, f"{kind}|{r.key}"
            rows += block
            extras.append(
                Extra(f"{kind}|{extra.key}", f"{label}：{extra.label}", extra.value, extra.ids)
            )
            continue
        f = facts.regroup(key)
        groups = [u.key for u in units]
        if annex == 4:
            made = annex4_rows(f, groups)
            block = []
            for u in units:
                r = made[u.key]
                r.key, r.kind, r.unit = u.code, label, u.name
                block.append(r)
                extras += [
                    Extra(f"{u.code}|{e.key}", f"{u.name}：{e.label}", e.value, e.ids)
                    for e in r.extras
                ]
            rows += block + [total_row(f"{kind}|total", block, ANNEX4, kind=label, unit="合计")]
        else:
            made = annex5_rows(
                f,
                groups,
                figs,
                (lambda sid: str(sid) if kind == "street" and sid in in_street else None),
            )
            block = []
            for u in units:
                for r in made[u.key]:
                    r.key, r.kind, r.unit = f"{u.code}|{r.key}", label, u.name
                    block.append(r)
            for level, level_label in LEVELS.items():
                mine = [r for r in block if r.label == level_label]
                block.append(
                    total_row(
                        f"{kind}|total|{level}",
                        mine,
                        ANNEX5,
                        kind=label,
                        unit="合计",
                        label=level_label,
                    )
                )
            rows += block
    table = new_table(annex, DISTRICT, p, rows, rollup=True)
    table.extras = extras
    return table
