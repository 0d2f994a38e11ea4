"""The campaign's work items on a premises, its letters, the lists of what is missing, and settings."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, url_for

from .. import (
    campaign,
    campaign_actions,
    contract,
    lists,
    risk,
    roles,
    scope,
    settings,
    standardization,
    tx,
    vocab,
)
from ..access import roles_required
from ..clock import local_today, utcnow
from ..contract.pages import LettersQuery
from ..errors import DomainError
from ..htmx import is_htmx
from ..models import Enterprise
from ..roles import Role

MISSING_PER_PAGE = 100
PRINT_MAX = 300  # one print job: a street's worth, still quick to render on a phone or PC

bp = Blueprint("campaign", __name__, url_prefix="/campaign")


def risk_context(ent: Enterprise, actor) -> dict:
    """What the 四色 part of a premises' page shows: colour, suggestion, reasons, history, and whether the actor decides."""
    now = utcnow()
    suggested, reasons = risk.suggest(ent, now)
    deciders = (
        "、".join(
            label for role, label in risk.DECIDER_LABELS.items() if risk.may_decide_role(role)
        )
        or "区安委办"
    )
    return {
        "ent": ent,
        "suggested": suggested,
        "reasons": reasons,
        "risk_history": risk.history(ent.id)[:10],
        "interval": risk.interval_days(ent.risk_color, ent.standardization),
        "may_decide": risk.may_decide(actor),
        "decider_note": f"按区安委办设置，四色风险等级由{deciders}确定。",
        "decider_labels": risk.DECIDER_LABELS,
    }


def panel_context(ent: Enterprise) -> dict:
    now = utcnow()
    tenants = list(ent.tenants) if ent.hosts_tenants else []
    return {
        **risk_context(ent, g.user),
        "std_records": standardization.records(ent.id)[:10],
        "stars_history": standardization.star_history(ent.id)[:10],
        "suggested_stars": standardization.suggested_stars(ent.standardization),
        "letters": campaign.letters(ent.id),
        "tenants": tenants,
        "agreements": campaign.agreements(ent.id) if tenants else {},
        "cases": campaign.cases_for(ent.id),
        "year": local_today(now).year,
        "today": local_today(now),
        "levels": standardization.REVIEW_LEVELS,
        "organizers": standardization.ORGANIZERS,
        "letter_kinds": campaign.LETTER_KINDS,
        "case_kinds": campaign.CASE_KINDS,
        "case_levels": campaign.LEVELS,
    }


def _photo() -> bytes | None:
    f = request.files.get("photo")
    return f.read() if f and f.filename else None


@bp.post("/<int:enterprise_id>/<action>")
@roles_required(*roles.OFFICE)
def act(enterprise_id: int, action: str):
    ent = scope.get_editable_enterprise(g.user, enterprise_id)
    if action not in campaign_actions.ACTIONS:
        abort(404)
    try:
        message = tx.run(
            campaign_actions.act,
            ent,
            action,
            request.form,
            photo=_photo(),
            actor=g.user,
            now=utcnow(),
        )
    except DomainError as exc:
        ent = scope.get_editable_enterprise(g.user, enterprise_id)
        return _panel(ent, error=exc.message, status=422)
    return _panel(ent, message=message)


@bp.post("/<int:enterprise_id>/risk")
@roles_required(*roles.RISK_DECIDERS)
def risk_decide(enterprise_id: int):
    """Decide 四色: streets and districts from the campaign panel, departments for their industry."""
    ent = scope.get_enterprise(g.user, enterprise_id)
    try:
        tx.run(
            risk.decide,
            ent,
            color=request.form.get("color", ""),
            reason=request.form.get("reason", ""),
            actor=g.user,
            now=utcnow(),
        )
    except DomainError as exc:
        if exc.status != 422:
            raise
        return _risk_answer(enterprise_id, error=exc.message, status=422)
    return _risk_answer(
        enterprise_id, message=f"已确定风险等级：{vocab.RISK_COLORS[ent.risk_color]}"
    )


def _risk_answer(enterprise_id: int, *, message: str = "", error: str = "", status: int = 200):
    """Answer with the region the form came from: the campaign panel for editors, the risk panel for departments."""
    ent = scope.get_enterprise(g.user, enterprise_id)
    if scope.can_edit_enterprise(g.user, ent):
        return _panel(ent, message=message, error=error, status=status)
    html = render_template(
        "campaign/_risk_panel.html", message=message, error=error, rk=risk_context(ent, g.user)
    )
    if is_htmx():
        return current_app.make_response((html, status))
    if error:
        return render_template("campaign/page.html", panel=html, ent=ent), status
    return redirect(url_for("enterprises.detail", enterprise_id=ent.id) + "#risk-panel", 303)


def _panel(ent: Enterprise, *, message: str = "", error: str = "", status: int = 200):
    html = render_template(
        "campaign/_panel.html", message=message, error=error, cp=panel_context(ent)
    )
    if is_htmx():
        return current_app.make_response((html, status))
    if error:
        return render_template("campaign/page.html", panel=html, ent=ent), status
    return redirect(url_for("enterprises.detail", enterprise_id=ent.id) + "#campaign-panel", 303)


@bp.get("/<int:enterprise_id>/letter/<kind>")
@roles_required(*roles.OFFICE)
def letter(enterprise_id: int, kind: str):
    """The printable 告知书 (annex 2) or 承诺书 (annex 3), filled in."""
    ent = scope.get_editable_enterprise(g.user, enterprise_id)
    if kind not in campaign.LETTER_KINDS:
        abort(404)
    deadline = _deadline_arg()
    return render_template(
        "campaign/letter.html",
        kind=kind,
        title=campaign.LETTER_KINDS[kind],
        ent=ent,
        street=ent.street,
        deadline=deadline,
        year=contract.query(LettersQuery).year or local_today(utcnow()).year,
    )


def _deadline_arg() -> date | None:
    """The deadline to print into a letter (?deadline=YYYY-MM-DD); left blank to write by hand when absent."""
    return contract.query(LettersQuery).deadline


def _missing_args() -> tuple[str, int, str]:
    """The letter kind, year and grid code a missing-letters request asks for (404 on an unknown kind)."""
    q = contract.query(LettersQuery)
    if q.kind not in campaign.LETTER_KINDS:
        abort(404)
    return q.kind, q.year or local_today(utcnow()).year, q.grid


@bp.get("/letters")
@roles_required(*roles.OFFICE)
def missing():
    kind, year, grid = _missing_args()
    total = campaign.count_missing(g.user, kind=kind, year=year, grid=grid)
    pages = max(1, -(-total // MISSING_PER_PAGE))
    page = min(contract.query(LettersQuery).page, pages)
    rows = campaign.missing_letters(
        g.user,
        kind=kind,
        year=year,
        grid=grid,
        limit=MISSING_PER_PAGE,
        offset=(page - 1) * MISSING_PER_PAGE,
    )
    return render_template(
        "campaign/missing.html",
        rows=rows,
        kind=kind,
        year=year,
        kinds=campaign.LETTER_KINDS,
        grid=grid,
        total=total,
        page=page,
        pages=pages,
        print_max=PRINT_MAX,
        grids=lists.filter_choices(g.user)["grids"],
        today=local_today(utcnow()),
    )


@bp.get("/letters/print")
@roles_required(*roles.OFFICE)
def print_missing():
    """Every letter still missing (in scope, optionally one grid), filled in, one per page."""
    kind, year, grid = _missing_args()
    deadline = _deadline_arg()
    ents = campaign.missing_letters(g.user, kind=kind, year=year, grid=grid, limit=PRINT_MAX)
    return render_template(
        "campaign/letters_print.html",
        kind=kind,
        title=campaign.LETTER_KINDS[kind],
        year=year,
        deadline=deadline,
        letters=[(e, e.street) for e in ents],
        print_max=PRINT_MAX,
        total=campaign.count_missing(g.user, kind=kind, year=year, grid=grid),
    )


@bp.route("/settings", methods=["GET", "POST"])
@roles_required(Role.DISTRICT)
def settings_page():
    error = message = ""
    if request.method == "POST":
        try:
            tx.run(settings.save_campaign, request.form, actor=g.user, now=utcnow())
            message = "已保存。"
        except DomainError as exc:
            error = exc.message
    return render_template(
        "campaign/settings.html",
        rules=settings.get("risk_rules"),
        order=settings.RULE_ORDER,
        intervals=settings.get("visit_intervals"),
        ladder=settings.get("star_ladder"),
        deciders=settings.get("risk_deciders"),
        message=message,
        error=error,
    ), 422 if error else 200
