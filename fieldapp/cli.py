"""The `fieldapp` command: database, demo, users, the register and serving."""

from __future__ import annotations

import sys

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy import select

from . import auth, create_app, demo, logs, registry_io, vocab
from .clock import utcnow
from .extensions import db
from .models import Enterprise, Grid, Street, User
from .tabular import TableError


def init_app(app: Flask) -> None:
    from .archive.cli import archive_group
    from .backup_cli import backup_command, restore_command
    from .checklist_cli import checklists_group
    from .plan_cli import plan_group
    from .proposals_cli import install_command

    checklists_group.add_command(install_command)
    from .report_cli import report_group

    for command in (
        demo_command,
        user_group,
        enterprise_group,
        serve_command,
        checklists_group,
        audit_group,
        report_group,
        campaign_group,
        archive_group,
        backup_command,
        restore_command,
        plan_group,
        summaries_group,
    ):
        app.cli.add_command(command)


def main() -> None:
    """Entry point of the `fieldapp` console script."""
    # Maintenance commands must run even while a checklist file is broken;
    # `fieldapp serve` builds its own strict app in each worker.
    cli = FlaskGroup(
        create_app=lambda: create_app(strict_checklists=False),
        help="网格安全巡查 fieldapp 管理命令",
    )
    cli.main(prog_name="fieldapp")


def fail(message: str) -> None:
    click.echo(f"错误：{message}", err=True)
    sys.exit(1)


@click.command("demo")
@click.option(
    "--enterprises", "count", type=click.IntRange(8, 200_000), default=1091, show_default=True
)
@click.option("--seed", type=int, default=2025, show_default=True)
@click.option("--if-empty", is_flag=True, help="数据库已有数据时不报错，只打印演示账号")
@click.option(
    "--visits",
    "visit_count",
    type=click.IntRange(0, 5_000_000),
    default=None,
    help="生成的历史检查次数（默认每家约 2 次）",
)
@click.option(
    "--bulk",
    is_flag=True,
    help="供性能测试：直接批量写入大量检查记录（不经业务流程、无照片），不用于演示",
)
@with_appcontext
def demo_command(
    count: int, seed: int, if_empty: bool, visit_count: int | None, bulk: bool
) -> None:
    """Fill an empty database with the demo district, its history since the plan's start, and print its logins."""
    if not demo.is_empty():
        if not if_empty:
            fail("数据库中已有数据；演示数据只能写入空数据库。")
        click.echo("数据库已有数据，未重新生成。演示账号（若由同一种子生成）如下：")
        logins = demo.plan_logins(enterprises=count, seed=seed)
    else:
        now = utcnow()
        logins = demo.build(enterprises=count, seed=seed, now=now)
        n = db.session.scalar(select(db.func.count()).select_from(Enterprise))
        click.echo(f"已生成演示数据：{len(demo.STREETS)} 个街道，{n} 家生产经营单位。")
        visits = demo.default_visits(count) if visit_count is None else visit_count
        since = demo.history_start(now).date().isoformat()
        if bulk:
            from .demo_bulk import build_campaign, build_history

            made = build_history(visits=visits, seed=seed, now=now)
            made.update(build_campaign(seed=seed, now=now))
        else:
            from .demo_history import build_history

            made = build_history(visits=visits, seed=seed, now=now)
        click.echo(
            f"已生成自 {since} 起的检查记录：{made.get('visits', 0)} 次检查，{made.get('hazards', 0)} 条隐患。"
        )
        click.echo(
            f"已生成专项行动记录：告知书和承诺书 {made.get('letters', 0)} 份，标准化记录 {made.get('reviews', 0)} 条。"
        )
    _print_logins(logins)
    _print_pin(seed)


def _print_pin(seed: int) -> None:
    """The placard PIN sign-in of one demo premises (the PINs are fixed by the seed)."""
    from . import placards

    user = db.session.scalar(
        select(User)
        .where(User.username.like(f"{placards.PIN_USER_PREFIX}%"), User.active.is_(True))
        .order_by(User.enterprise_id)
    )
    ent = db.session.get(Enterprise, user.enterprise_id) if user else None
    if ent is None or not ent.public_token:
        return
    base = current_app.config["BASE_URL"].rstrip("/")
    click.echo(
        f"安全公示码 PIN 登录（{ent.name}）：{base}/q/{ent.public_token}/pin  PIN {demo.pin_for(seed, ent.id)}\n"
    )


def _print_logins(logins: list[demo.DemoLogin]) -> None:
    if not logins:
        return
    click.echo("\n演示账号（仅供演示，请勿用于生产）：")
    click.echo(f"{'角色':<8}{'用户名':<22}{'密码':<14}范围")
    for login in logins:
        click.echo(
            f"{vocab.ROLES[login.role]:<8}{login.username:<24}{login.password:<14}{login.scope}"
        )
    click.echo("")


@click.group("user")
def user_group() -> None:
    """Manage user accounts."""


@user_group.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(sorted(vocab.ROLES)), required=True)
@click.option("--street", help="街道名称（街道用户）")
@click.option("--grid", "grids", multiple=True, help="网格编码（网格员，可重复）")
@click.option("--industry", help="行业领域（行业主管部门）")
@click.option("--enterprise", "enterprise_id", type=int, help="企业 ID（企业用户）")
@click.option("--name", "display_name", default="", help="显示名")
@with_appcontext
def user_create(
    username: str,
    role: str,
    street: str | None,
    grids: tuple[str, ...],
    industry: str | None,
    enterprise_id: int | None,
    display_name: str,
) -> None:
    """Create a user; the password is read from standard input."""
    if db.session.scalar(select(User).where(User.username == username)):
        fail(f"用户名已存在：{username}")
    user = User(
        username=username, role=role, display_name=display_name, created_at=utcnow(), active=True
    )
    if role == "street":
        st = db.session.scalar(select(Street).where(Street.name == (street or "")))
        if st is None:
            fail(f"街道用户需要 --street，且街道必须存在：{street or '（未提供）'}")
        user.street_id = st.id
    elif role == "inspector":
        if not grids:
            fail("网格员需要至少一个 --grid")
        found = db.session.scalars(select(Grid).where(Grid.code.in_(grids))).all()
        missing = set(grids) - {g.code for g in found}
        if missing:
            fail(f"未知的网格：{'、'.join(sorted(missing))}")
        user.grids = list(found)
    elif role == "department":
        if industry not in vocab.INDUSTRIES:
            fail(f"行业主管部门需要 --industry，可选：{'、'.join(vocab.INDUSTRIES)}")
        user.industry = industry
    elif role == "enterprise":
        if enterprise_id is None or db.session.get(Enterprise, enterprise_id) is None:
            fail("企业用户需要 --enterprise，且企业必须存在")
        user.enterprise_id = enterprise_id
    password = _read_password()
    try:
        user.password_hash = auth.hash_password(password)
    except auth.PasswordError as exc:
        fail(str(exc))
    db.session.add(user)
    db.session.commit()
    click.echo(f"已创建用户 {username}（{vocab.ROLES[role]}）")


def _read_password() -> str:
    if sys.stdin.isatty():
        return click.prompt("密码", hide_input=True, confirmation_prompt="再次输入密码")
    return sys.stdin.readline().rstrip("\r\n")


@user_group.command("disable")
@click.argument("username")
@with_appcontext
def user_disable(username: str) -> None:
    """Disable a user and end all of their sessions."""
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        fail(f"找不到用户：{username}")
    auth.set_active(user, False)
    click.echo(f"已停用用户 {username}，其所有会话已失效")


@user_group.command("password")
@click.argument("username")
@with_appcontext
def user_password(username: str) -> None:
    """Set a new password (read from standard input) and end every session and API token of the user."""
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None or user.username.startswith("pin-"):
        fail(f"找不到用户：{username}（企业 PIN 请在单位页面的安全公示码面板重置）")
    try:
        user.password_hash = auth.hash_password(_read_password())
    except auth.PasswordError as exc:
        fail(str(exc))
    auth.end_all_sessions(user)
    db.session.commit()
    logs.security("password_reset", target=user.id, role=user.role)
    click.echo(f"已为 {username} 设置新密码；其所有会话和手机令牌已失效，需用新密码重新登录。")


@user_group.command("enable")
@click.argument("username")
@with_appcontext
def user_enable(username: str) -> None:
    """Enable a disabled user."""
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        fail(f"找不到用户：{username}")
    auth.set_active(user, True)
    click.echo(f"已启用用户 {username}")


@click.group("enterprise")
def enterprise_group() -> None:
    """Import and export the enterprise register."""


@enterprise_group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--skip-invalid", is_flag=True, help="跳过有错误的行，导入其余行")
@with_appcontext
def enterprise_import(path: str, skip_invalid: bool) -> None:
    """Import enterprises from CSV or XLSX (nothing is imported if any row is bad)."""
    try:
        report = registry_io.import_file(path, now=utcnow(), skip_invalid=skip_invalid)
    except TableError as exc:
        fail(str(exc))
    for line, message in report.errors:
        click.echo(f"第 {line} 行：{message}", err=True)
    if report.errors and not skip_invalid:
        fail(
            f"发现 {len(report.errors)} 处错误，未导入任何数据。修正后重试，或使用 --skip-invalid 跳过错误行。"
        )
    click.echo(
        f"已导入 {report.created} 家" + (f"，跳过 {len(report.errors)} 行" if report.errors else "")
    )


@enterprise_group.command("export")
@click.argument("path", type=click.Path(dir_okay=False))
@with_appcontext
def enterprise_export(path: str) -> None:
    """Export every enterprise to CSV or XLSX (by the file's suffix)."""
    try:
        n = registry_io.export_file(path)
    except TableError as exc:
        fail(str(exc))
    logs.security("export", kind="enterprises", rows=n, format=path.rsplit(".", 1)[-1].lower()[:10])
    click.echo(f"已导出 {n} 家到 {path}")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, type=int, show_default=True)
@click.option("--workers", default=None, type=int, help="进程数（默认 2×CPU+1，最多 8）")
@click.option("--threads", default=1, type=int, show_default=True)
def serve_command(host: str, port: int, workers: int | None, threads: int) -> None:
    """Serve the app with gunicorn (a production server, not the dev server)."""
    from .serve import run

    run(
        host=host,
        port=port,
        workers=workers,
        threads=threads,
        instance_path=current_app.instance_path,
    )


@click.group("summaries")
def summaries_group() -> None:
    """Check or recount the summaries the office figures read (kept by triggers)."""


@summaries_group.command("check")
@with_appcontext
def summaries_check() -> None:
    """Recount the summaries from the hazards and visits and compare; exit 1 if they differ."""
    from . import summaries

    n = summaries.differences(db.session)
    if n:
        click.echo(
            f"统计汇总与明细不一致：{n} 行不同。请运行 fieldapp summaries rebuild。", err=True
        )
        sys.exit(1)
    click.echo("统计汇总与明细一致。")


@summaries_group.command("rebuild")
@with_appcontext
def summaries_rebuild() -> None:
    """Recount the summaries from the hazards and visits (after a restore into a database without the triggers, say)."""
    from . import summaries

    summaries.rebuild(db.session.connection())
    db.session.commit()
    click.echo("统计汇总已按明细重新计算。")


@click.group("audit")
def audit_group() -> None:
    """Check the tamper-evident audit chain."""


def _anchor(ctx, param, value: str | None):
    from . import audit

    if value is None:
        return None
    try:
        return audit.parse_anchor(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@audit_group.command("verify")
@click.option(
    "--head",
    "anchor",
    metavar="SEQ:HASH",
    callback=_anchor,
    help="系统外记下的链头（fieldapp audit head 或备份清单中的值）：核对链仍经过它",
)
@with_appcontext
def audit_verify(anchor: tuple[int, str] | None) -> None:
    """Walk the whole chain; exit 1 naming the first broken link (and check a head kept outside, with --head)."""
    from . import audit

    result = audit.verify(anchor=anchor)
    if result.ok:
        click.echo(f"审计链完整：{result.count} 条记录，链头 {result.head_seq}:{result.head_hash}")
        if anchor:
            click.echo(
                f"  与系统外记下的链头 {anchor[0]}:{anchor[1]} 一致：此后 {result.count - anchor[0]} 条为新增记录"
            )
        return
    click.echo(
        f"审计链在第 {result.broken_seq} 条处断开：{result.reason}（此前 {result.count} 条完好）",
        err=True,
    )
    sys.exit(1)


@audit_group.command("head")
@with_appcontext
def audit_head() -> None:
    """Print the chain head (sequence and hash), to be noted outside the system."""
    from . import audit

    seq, head = audit.head()
    click.echo(f"{seq}:{head}")


@click.group("campaign")
def campaign_group() -> None:
    """Campaign upkeep (run daily from a timer)."""


@campaign_group.command("refresh")
@with_appcontext
def campaign_refresh() -> None:
    """Lapse standardization statuses whose review expired or whose self-assessment is over a year old."""
    from . import standardization

    changed = standardization.refresh_lapsed(utcnow())
    db.session.commit()
    for ent_id, old, new in changed:
        click.echo(
            f"  企业 ID {ent_id}：{vocab.STANDARDIZATION[old]} → {vocab.STANDARDIZATION[new]}"
        )
    click.echo(f"已核对标准化状态：{len(changed)} 家因有效期届满或自评过期而变更。")
