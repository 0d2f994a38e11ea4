"""`fieldapp checklists check`: report every problem in the checklist files."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from . import checklist_versions, checklists, vocab
from .clock import local_today, utcnow


@click.group("checklists")
def checklists_group() -> None:
    """Check and list the inspection checklists."""


@checklists_group.command("check")
@click.option(
    "--dir",
    "folder",
    type=click.Path(file_okay=False),
    help="检查清单目录（默认取配置 CHECKLISTS_DIR）",
)
@with_appcontext
def check(folder: str | None) -> None:
    """Validate every checklist file; exit 1 naming the file and item of each problem."""
    folder = folder or current_app.config["CHECKLISTS_DIR"]
    try:
        loaded = checklists.load_dir(folder)
    except checklists.ChecklistError as exc:
        click.echo(f"检查清单有 {len(exc.problems)} 处错误：", err=True)
        for source, where, reason in exc.problems:
            click.echo(f"  {source}{'：' + where if where else ''}：{reason}", err=True)
        sys.exit(1)
    problems = checklist_versions.problems(loaded)
    if problems:
        for source, where, reason in problems:
            click.echo(f"  {source}：{where}：{reason}", err=True)
        sys.exit(1)
    registry = checklists.Registry(loaded)
    total = sum(len(c.items) for c in loaded)
    click.echo(f"{len(loaded)} 份检查清单，共 {total} 个检查项，格式正确。")
    for c in loaded:
        majors = sum(1 for i in c.items if i.major)
        flags = [
            f"{n} 项{label}"
            for n, label in (
                (sum(i.unverified for i in c.items), "待核实"),
                (sum(i.needs_expert for i in c.items), "须专业人员核实"),
            )
            if n
        ]
        edition = f"，{c.edition} {c.validity()}" if c.edition else ""
        click.echo(
            f"  {c.source}: {c.id} v{c.version} {c.title}（{len(c.items)} 项，重大隐患项 {majors}"
            f"{'，' + '，'.join(flags) if flags else ''}{edition}）"
        )
    today = local_today(utcnow())
    click.echo(f"各类九小场所适用的检查项数（{today.isoformat()} 施行的版本）：")
    for code, name in vocab.VENUE_TYPES.items():
        n = sum(
            len(c.items_for(code, "其他", "small_micro", False))
            for c in registry.for_premises(code, "其他", "small_micro", False, today)
        )
        click.echo(f"  {name}：{n}")
