"""`fieldapp plan load`: enter a year's plan calendar from its data file."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import click
from flask.cli import with_appcontext

from . import plan
from .clock import utcnow
from .extensions import db


@dataclass(frozen=True)
class CommandLine:
    """The actor of a maintenance command: no user, named in the audit chain."""

    id: None = None
    username: str = "fieldapp-cli"
    role: str = "district"


@click.group("plan")
def plan_group() -> None:
    """The plan's phases and required filings."""


@plan_group.command("load")
@click.option(
    "--year",
    type=int,
    default=2025,
    show_default=True,
    help="年度（使用 fieldapp/plan_seed/<年度>.toml）",
)
@click.option(
    "--file",
    "path",
    type=click.Path(dir_okay=False, exists=True),
    help="另一个计划数据文件（TOML，格式同 plan_seed）",
)
@with_appcontext
def load(year: int, path: str | None) -> None:
    """Enter a year's phases and filings; refuses a year already entered."""
    try:
        if path:
            n = plan.load(plan._from_toml(Path(path)), actor=CommandLine(), now=utcnow())
        else:
            n = plan.load_seed(year, actor=CommandLine(), now=utcnow())
    except plan.PlanError as exc:
        db.session.rollback()
        click.echo(exc.message, err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(f"已载入 {n} 项报送事项。")
