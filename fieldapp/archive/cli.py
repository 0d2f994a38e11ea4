"""`fieldapp archive export | verify | import`: the one-file archive on the command line."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext
from werkzeug.exceptions import NotFound

from .. import logs
from ..auth import Actor
from ..clock import utcnow
from ..extensions import db

# The operator at the console acts for the district: every premises is in scope.
CONSOLE = Actor(
    id=0,
    username="命令行",
    display_name="命令行",
    role="district",
    street_id=None,
    industry=None,
    enterprise_id=None,
)
MAX_PROBLEMS_SHOWN = 50


def _fail(message: str, problems: list[str] | None = None) -> None:
    click.echo(f"错误：{message}", err=True)
    for p in (problems or [])[:MAX_PROBLEMS_SHOWN]:
        click.echo(f"  - {p}", err=True)
    if problems and len(problems) > MAX_PROBLEMS_SHOWN:
        click.echo(f"  …… 另有 {len(problems) - MAX_PROBLEMS_SHOWN} 处", err=True)
    sys.exit(1)


def _read(path: str) -> bytes:
    file = Path(path)
    if not file.is_file():
        _fail(f"找不到文件：{path}")
    return file.read_bytes()


@click.group("archive")
def archive_group() -> None:
    """一企一档: export, verify and import one enterprise's whole record as one file."""


@archive_group.command("export")
@click.argument("enterprise_id", type=int)
@click.option("--out", "out", required=True, help="输出的 HTML 文件")
@with_appcontext
def export_command(enterprise_id: int, out: str) -> None:
    """Write one enterprise's archive to an HTML file."""
    from . import collect, render

    try:
        doc = collect.collect(enterprise_id, actor=CONSOLE, now=utcnow())
    except NotFound:
        _fail(f"找不到企业 ID {enterprise_id}。")
    target = Path(out)
    if target.is_dir() or not target.parent.is_dir():
        _fail(f"无法写入：{out}（输出目录不存在，或该路径是一个目录）")
    tmp = target.with_name(f".{target.name}.part")
    try:
        # Written beside the target and renamed: a failed export never leaves half a file under the name.
        with tmp.open("wb") as fh:
            written = render.write(doc, fh)
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)
    photos = collect.section_data(doc, "photos", [])
    events = collect.section_data(doc, "audit", {}).get("events", [])
    # Exports leave the system with personal data in them: the security log records each one.
    logs.security(
        "export",
        kind="archive",
        enterprise=enterprise_id,
        bytes=written.size,
        sha256=written.sha256,
    )
    click.echo(
        f"已导出一企一档：企业 ID {enterprise_id} → {out}（{written.size / 1_048_576:.1f} MB，"
        f"{sum(1 for p in photos if p.get('display'))} 张照片，{len(events)} 条审计事件）"
    )
    click.echo(f"文件 SHA-256：{written.sha256}")
    click.echo(f"封存摘要：{doc['seal']['data_sha256']}")


@archive_group.command("verify")
@click.argument("path")
@with_appcontext  # the templates, to render the readable part again from the data (no database, no network)
def verify_command(path: str) -> None:
    """Verify an archive file by itself (no database, no network); exit 1 naming each mismatch."""
    from . import verify

    try:
        report = verify.verify_bytes(_read(path))
    except verify.NotAnArchive as exc:
        _fail(str(exc))
    ent = report.doc.get("enterprise") or {}
    head = report.chain_head
    if not report.ok:
        _fail(
            f"档案核验未通过（{ent.get('name', '')}），{len(report.problems)} 处不符：",
            report.problems,
        )
    click.echo(f"档案核验通过：{ent.get('name', '')}（原系统企业 ID {ent.get('id')}）")
    click.echo(f"  照片 {report.photos_checked} 张：嵌入的档案内图片与记录的 SHA-256 一致")
    click.echo(
        f"  审计事件 {report.events_checked} 条：内容哈希与记录哈希均按链规则重算一致"
        + (
            f"（其中 {report.originals_checked} 条导入事件的原系统链值也一致）"
            if report.originals_checked
            else ""
        )
    )
    click.echo(
        f"  相邻事件衔接 {report.links_checked} 处一致；另有 {report.gaps} 处间隔夹着其他单位的事件，无法仅凭本档案核对"
    )
    if report.page.digest_checked:
        click.echo(
            "  阅读部分与封存摘要一致"
            + ("，且与按内嵌数据重新生成的页面逐字一致" if report.page.rerendered else "")
        )
    if report.page.note:
        click.echo(f"  注意：{report.page.note}")
    click.echo(f"  导出时链头：seq {head.get('seq')} {head.get('hash')}")
    click.echo(
        "  请把链头与系统外记录的值比对，并在原系统运行 fieldapp audit verify，才能确认事件真实完整。"
    )


@archive_group.command("import")
@click.argument("path")
@with_appcontext
def import_command(path: str) -> None:
    """Import an archive into an empty instance (verified first)."""
    from . import load, verify

    data = _read(path)
    try:
        result = load.import_bytes(data, now=utcnow())
        db.session.commit()
    except verify.NotAnArchive as exc:
        db.session.rollback()
        _fail(str(exc))
    except load.ImportRefused as exc:
        db.session.rollback()
        _fail(exc.message, exc.problems)
    click.echo(f"已导入：{result.name} → 本系统企业 ID {result.enterprise_id}")
    click.echo(
        f"  检查 {result.visits} 次，隐患 {result.hazards} 条，照片 {result.photos} 张，审计事件 {result.events} 条"
        f"（原链值保留在各事件的 imported 中，导入记录为 seq {result.anchor_seq}）"
    )
    if result.skipped:
        click.echo(f"  未导入的部分（本程序不认识）：{'、'.join(result.skipped)}")
    click.echo(
        "  提示：原二维码标牌在本系统无效，请重新打印；原始照片（证据原件）不随档案附带，仍在原系统。"
    )
