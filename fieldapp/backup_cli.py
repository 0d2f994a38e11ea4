"""The `fieldapp backup DIR` and `fieldapp restore DIR` commands."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from . import logs
from .backup import BackupError, ManifestKey, create
from .clock import utcnow
from .pgtools import ToolError


def _refuse(action: str, exc: Exception) -> None:
    logs.security(
        action,
        outcome="refused" if isinstance(exc, BackupError) else "failed",
        reason=str(exc)[:300],
    )
    click.echo(f"错误：{exc}", err=True)
    sys.exit(1)


@click.command("backup")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def backup_command(directory: Path) -> None:
    """Back up the database and photos into DIR (a new or empty directory)."""
    try:
        manifest = create(directory, now=utcnow(), key=ManifestKey.from_config(current_app.config))
    except (BackupError, ToolError) as exc:
        _refuse("backup", exc)
    rows = sum(manifest["tables"].values())
    size = sum(p.stat().st_size for p in directory.rglob("*") if p.is_file())
    logs.security(
        "backup",
        outcome="ok",
        tables=len(manifest["tables"]),
        rows=rows,
        photos=manifest["photos"],
        files=len(manifest["files"]),
        audit_seq=manifest["audit_head"]["seq"],
    )
    click.echo(
        f"已备份到 {directory}：{len(manifest['tables'])} 张表共 {rows} 行，{manifest['photos']} 张照片"
        f"（{len(manifest['files'])} 个文件，{size / 1e6:.1f} MB）；审计链头 {manifest['audit_head']['seq']}:"
        f"{manifest['audit_head']['hash']}（请记在系统之外）；清单已签名（密钥指纹 {manifest['signature']['key']}）"
    )


@click.command("restore")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--allow-unsigned", is_flag=True, help="恢复旧版程序做的未签名备份（确认其可信时）")
@with_appcontext
def restore_command(directory: Path, allow_unsigned: bool) -> None:
    """Restore a backup from DIR into an empty instance through a staging copy; switch only after rows, photos and the chain verify."""
    from .restore import restore

    try:
        report = restore(
            directory,
            key=ManifestKey.from_config(current_app.config),
            allow_unsigned=allow_unsigned,
        )
    except (BackupError, ToolError) as exc:
        _refuse("restore", exc)
    m = report.manifest
    if report.problems:
        logs.security("restore", outcome="unverified", problems=len(report.problems))
        click.echo(
            f"从 {directory} 恢复的副本校验未通过（{len(report.problems)} 处），已丢弃，目标未改动：",
            err=True,
        )
        for problem in report.problems[:20]:
            click.echo(f"  {problem}", err=True)
        sys.exit(1)
    logs.security(
        "restore",
        outcome="ok",
        tables=report.tables,
        rows=report.rows,
        photos=m["photos"],
        audit_seq=m["audit_head"]["seq"],
    )
    click.echo(
        f"已从 {directory} 恢复（备份于 {m['created_at']}，数据库版本 {m['schema_revision']}），校验通过："
    )
    click.echo(f"  数据表 {report.tables} 张、共 {report.rows} 行，各表行数与备份清单一致")
    click.echo(f"  照片 {m['photos']} 张、文件 {report.photo_files} 个，内容哈希全部一致")
    click.echo(f"  审计链完整：{report.audit_count} 条记录，链头 {report.audit_head}")
    click.echo("如程序版本比备份新，请接着运行 fieldapp db upgrade。")
