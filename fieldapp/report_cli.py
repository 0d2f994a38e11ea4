"""`fieldapp report …`: annex 1 targets, the quarterly tables, filing them and verifying a filed table."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from . import logs
from .clock import utcnow
from .extensions import db
from .models import QuarterFiling, Street, User


def fail(message: str) -> None:
    click.echo(f"错误：{message}", err=True)
    sys.exit(1)


@click.group("report")
def report_group() -> None:
    """Quarterly report tables (annexes 4, 5 and 7) and annex 1's targets."""


@report_group.command("targets")
@click.option("--year", type=click.IntRange(2020, 2100), required=True)
@with_appcontext
def report_targets(year: int) -> None:
    """Load annex 1's per-street 底数 and targets for a year where none are set, and print the table held."""
    from . import targets

    made = targets.seed_annex1(year, utcnow())
    db.session.commit()
    known = db.session.scalar(
        select(db.func.count()).select_from(Street).where(Street.name.in_(targets.ANNEX1))
    )
    click.echo(
        f"已载入 {year} 年附件1目标 {made} 项（已有的目标未改动；{known} 个街道与附件1同名）。"
    )
    click.echo(f"{year} 年“十百千万”引领工程任务分解指导数（新增数量）：")
    click.echo("\t".join(["街道", *targets.KEYS.values()]))
    for name, values in targets.loaded(year):
        click.echo("\t".join([name, *map(str, values)]))


def _unit(street: str | None, department: str | None):
    from . import quarterly

    if street and department:
        fail("--street 和 --department 只能选一个")
    if street:
        found = db.session.scalar(select(Street).where(Street.name == street))
        if found is None:
            fail(f"未知的街道：{street}")
        return quarterly.street_unit(found)
    if department:
        unit = next((u for u in quarterly.departments() if u.industry == department), None)
        if unit is None:
            fail(f"没有“{department}”行业的主管部门账号")
        return unit
    return quarterly.DISTRICT


@report_group.command("quarterly")
@click.option("--year", type=int, required=True)
@click.option("--quarter", type=click.IntRange(1, 4), required=True)
@click.option(
    "--out",
    "out_path",
    type=click.Path(dir_okay=False),
    required=True,
    help="输出文件（.xlsx 或 .csv）",
)
@click.option("--street", help="街道名称")
@click.option("--department", help="行业主管部门的行业（如 餐饮）")
@click.option(
    "--filed", is_flag=True, help="输出最新报送版本（带编号和封存码；全区为按报送版本汇总）"
)
@with_appcontext
def report_quarterly(
    year: int, quarter: int, out_path: str, street: str | None, department: str | None, filed: bool
) -> None:
    """Write annexes 4, 5 and 7 for a quarter: one XLSX sheet per annex, or CSV files.

    Without a filer: every department's and street's rows as the data says now (with --filed:
    the district's roll-up of their latest filed versions, or its own filed roll-up).
    """
    from . import filings, quarterly, quarterly_export
    from .quarterly_rows import live_rollup

    unit = _unit(street, department)
    try:
        period = quarterly.period(year, quarter)
    except ValueError as exc:
        fail(str(exc))
    path = Path(out_path)
    if path.suffix.lower() not in (".xlsx", ".csv"):
        fail("输出文件须为 .xlsx 或 .csv")
    f = filings.latest(unit.code, year, quarter) if filed else None
    if filed and f is None and unit.kind != "district":
        fail(f"{unit.name}尚未报送{period.label}季报表")
    if f is not None:
        tables = filings.tables_of(f)
        data = filings.workbook(f)
    else:
        if unit.kind != "district":
            tables = [quarterly.for_unit(a, unit, period) for a in (4, 5, 7)]
        elif filed:
            tables = filings.rollup(period)
        else:
            tables = [
                live_rollup(a, period, quarterly.streets(), quarterly.departments())
                for a in (4, 5, 7)
            ]
        data = quarterly_export.workbook(tables)
    if path.suffix.lower() == ".xlsx":
        path.write_bytes(data)
    else:
        for t in tables:
            path.with_name(f"{path.stem}-附件{t.annex}.csv").write_text(
                quarterly_export.to_csv(t), encoding="utf-8-sig"
            )
    logs.security(
        "export",
        kind="quarterly",
        period=period.label,
        street=unit.street_id,
        format=path.suffix.lower().lstrip("."),
    )
    what = (
        f"报送第 {f.version} 版（编号 {f.id}）"
        if f
        else ("按报送版本汇总" if filed else "实时数据")
    )
    click.echo(f"已生成 {unit.name} {period.label} 季报表（附件4、5、7，{what}）：{out_path}")


@report_group.command("file")
@click.option("--year", type=int, required=True)
@click.option("--quarter", type=click.IntRange(1, 4), required=True)
@click.option("--as", "username", required=True, help="报送人的账号（街道、部门或区安委办）")
@click.option("--reason", default="", help="更正原因（再次报送时必填）")
@with_appcontext
def report_file(year: int, quarter: int, username: str, reason: str) -> None:
    """File a quarter's tables for the account's own unit, as the 报送 button does."""
    from . import filings, quarterly

    user = db.session.scalar(select(User).where(User.username == username, User.active.is_(True)))
    unit = quarterly.unit_of(user) if user else None
    if unit is None:
        fail(f"“{username}”不是可以报送季报表的街道、部门或区安委办账号")
    try:
        f = filings.file_quarter(unit, year, quarter, actor=user, now=utcnow(), reason=reason)
    except filings.FilingError as exc:
        db.session.rollback()
        fail(exc.message)
    db.session.commit()
    click.echo(
        f"已报送 {f.unit_name} {year} 年第 {quarter} 季度季报表第 {f.version} 版（编号 {f.id}），封存码 {f.seal}"
    )


@report_group.command("verify")
@click.argument("target")
@with_appcontext
def report_verify(target: str) -> None:
    """Say whether a filed table is unchanged: an exported FILE.xlsx, or a filing's number."""
    from . import filings

    if target.isdigit() and not Path(target).exists():
        f = db.session.get(QuarterFiling, int(target))
        if f is None:
            fail(f"没有编号为 {target} 的报送记录")
        result = filings.check_record(f)
    else:
        path = Path(target)
        if not path.is_file():
            fail(f"找不到文件：{target}")
        result = filings.verify_file(path.read_bytes())
    if result.filing is not None:
        f = result.filing
        click.echo(
            f"报送编号 {f.id}：{f.unit_name} {f.year} 年第 {f.quarter} 季度 第 {f.version} 版，{f.filed_at:%Y-%m-%d %H:%M} UTC 报送"
        )
    for line in result.lines:
        click.echo(line)
    for line in result.differences[:50]:
        click.echo(f"  {line}")
    if len(result.differences) > 50:
        click.echo(f"  ……另有 {len(result.differences) - 50} 处")
    if not result.ok:
        click.echo("结论：已改动或无法核对。", err=True)
        sys.exit(1)
    click.echo("结论：与报送版本一致，未改动。")
