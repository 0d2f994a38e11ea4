"""`fieldapp checklists install PROPOSAL_ID`: put an accepted proposal's file into the checklists folder."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from . import checklists, proposals
from .clock import utcnow
from .extensions import db
from .models import ChecklistProposal
from .plan_cli import CommandLine


@click.command("install")
@click.argument("proposal_id", type=int)
@click.option(
    "--dir",
    "folder",
    type=click.Path(file_okay=False),
    help="检查清单目录（默认取配置 CHECKLISTS_DIR）",
)
@with_appcontext
def install_command(proposal_id: int, folder: str | None) -> None:
    """Write an accepted proposal's checklist file (the next version) over the one it was made from; restart to use it."""
    folder = folder or current_app.config["CHECKLISTS_DIR"]
    p = db.session.get(ChecklistProposal, proposal_id)
    if p is None:
        click.echo(f"没有编号为 {proposal_id} 的修改建议。", err=True)
        sys.exit(1)
    try:
        path = proposals.install(p, folder, actor=CommandLine(), now=utcnow())
    except (proposals.ProposalError, checklists.ChecklistError) as exc:
        db.session.rollback()
        click.echo(getattr(exc, "message", str(exc)), err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(
        f"已写入 {path}（{p.checklist_id} 第 {p.new_version} 版，SHA-256 {p.toml_sha256}）。重启服务后生效。"
    )
