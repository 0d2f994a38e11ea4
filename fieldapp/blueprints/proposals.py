"""Checklist change proposals: departments draft and submit them, the district accepts or refuses them."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, url_for

from .. import checklists, proposals, tx
from ..access import roles_required
from ..clock import utcnow
from ..errors import DomainError
from ..roles import Role

bp = Blueprint("proposals", __name__, url_prefix="/checklist-proposals")

READERS = frozenset({Role.DEPARTMENT, Role.DISTRICT})


def registry() -> checklists.Registry:
    return current_app.extensions["checklists"]


def folder() -> str:
    return current_app.config["CHECKLISTS_DIR"]


@bp.get("")
@roles_required(*READERS)
def index():
    mine = (
        proposals.industry_checklists(g.user.industry, registry())
        if g.user.role == Role.DEPARTMENT and g.user.industry
        else []
    )
    rows = proposals.listing(g.user)
    return render_template(
        "proposals/index.html",
        rows=rows,
        mine=mine,
        states=proposals.STATES,
        install_states=proposals.INSTALL_STATES,
        install_state=lambda p: proposals.install_state(p, registry()),
    )


@bp.post("")
@roles_required(Role.DEPARTMENT)
def create():
    c = proposals.proposable(g.user, registry(), request.form.get("checklist", ""))
    p = tx.run(
        proposals.start, c, reason=request.form.get("reason", ""), actor=g.user, now=utcnow()
    )
    return redirect(url_for("proposals.show", proposal_id=p.id), 303)


def _page(
    p, *, error: str = "", errors: list[str] | None = None, message: str = "", status: int = 200
):
    c = registry().get(p.checklist_id)
    preview = None
    if c is not None and p.changes and p.state in ("draft", "pending"):
        try:
            _text, new = proposals.produce(c, folder(), p.changes)
            preview = checklists.diff(c.snapshot(), new.snapshot())
        except DomainError as exc:
            error = error or exc.message
            errors = errors or exc.errors
    elif p.toml_text and c is not None:
        preview = (
            checklists.diff(c.snapshot(), checklists.parse(p.toml_text, c.source).snapshot())
            if proposals.install_state(p, registry()) == "awaiting"
            else None
        )
    edit_key = request.args.get("edit", "")
    return render_template(
        "proposals/show.html",
        p=p,
        c=c,
        preview=preview,
        error=error,
        errors=errors or [],
        message=message,
        states=proposals.STATES,
        actions=proposals.ACTIONS,
        fields=proposals.fields(),
        labels=proposals.FIELD_LABELS,
        categories=checklists.CATEGORIES,
        edit=c.item(edit_key) if c is not None and edit_key else None,
        install=proposals.install_state(p, registry()),
        install_states=proposals.INSTALL_STATES,
    ), status


@bp.get("/<int:proposal_id>")
@roles_required(*READERS)
def show(proposal_id: int):
    return _page(proposals.get(proposal_id, g.user))


def _act(proposal_id: int, fn, message: str):
    p = proposals.get(proposal_id, g.user)
    try:
        tx.run(fn, p)
    except DomainError as exc:
        return _page(
            proposals.get(proposal_id, g.user),
            error=exc.message,
            errors=exc.errors,
            status=exc.status if exc.status < 500 else 422,
        )
    return _page(p, message=message)


def _current(p):
    c = registry().get(p.checklist_id)
    if c is None:
        raise proposals.ProposalError("该检查清单已不在现行清单中。", status=409)
    return c


@bp.post("/<int:proposal_id>/changes")
@roles_required(Role.DEPARTMENT)
def add_change(proposal_id: int):
    def do(p):
        c = _current(p)
        raw = {k: v for k, v in request.form.items() if k != "csrf_token"}
        for flag in ("major", "photo_required"):  # an unticked box sends nothing
            if raw.get("action") != "remove" and f"has_{flag}" in raw:
                raw[flag] = raw.get(flag) == "on"
        proposals.add_change(p, proposals.clean_change(c, raw), c=c, folder=folder(), actor=g.user)

    return _act(proposal_id, do, "已加入本建议。")


@bp.post("/<int:proposal_id>/changes/<int:index>/delete")
@roles_required(Role.DEPARTMENT)
def drop_change(proposal_id: int, index: int):
    return _act(
        proposal_id, lambda p: proposals.drop_change(p, index, actor=g.user), "已删除这一条。"
    )


@bp.post("/<int:proposal_id>/submit")
@roles_required(Role.DEPARTMENT)
def submit(proposal_id: int):
    return _act(
        proposal_id,
        lambda p: proposals.submit(
            p,
            reason=request.form.get("reason", ""),
            c=_current(p),
            folder=folder(),
            actor=g.user,
            now=utcnow(),
        ),
        "已提交区安委办审议。",
    )


@bp.post("/<int:proposal_id>/decide")
@roles_required(Role.DISTRICT)
def decide(proposal_id: int):
    decision = request.form.get("decision")
    if decision not in ("accept", "refuse"):
        abort(400)
    return _act(
        proposal_id,
        lambda p: proposals.decide(
            p,
            accept=decision == "accept",
            reason=request.form.get("reason", ""),
            registry=registry(),
            folder=folder(),
            actor=g.user,
            now=utcnow(),
        ),
        "已采纳：请下载新版清单文件并安装。" if decision == "accept" else "已决定不采纳。",
    )


@bp.get("/<int:proposal_id>/checklist.toml")
@roles_required(*READERS)
def download(proposal_id: int):
    """The file an accepted proposal produces, to install into the checklists folder."""
    p = proposals.get(proposal_id, g.user)
    if not p.toml_text:
        abort(404)
    resp = current_app.response_class(p.toml_text.encode(), mimetype="application/toml")
    resp.headers["Content-Disposition"] = (
        f"attachment; filename={p.checklist_id}-v{p.new_version}.toml"
    )
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp
