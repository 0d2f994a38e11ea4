"""The plan's calendar: each filer's requirements, statuses and receipts; the district's board and editing."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, g, redirect, render_template, request, url_for

from .. import plan, plan_filings, roles, tx
from ..access import roles_required
from ..clock import local_today, utcnow
from ..errors import DomainError
from ..roles import Role

bp = Blueprint("plan", __name__, url_prefix="/plan")


def _year() -> int:
    """The year asked (?year=), else this year's plan, else the latest one before it, else this year."""
    asked = request.args.get("year", type=int)
    if asked is not None:
        if not 2020 <= asked <= 2100:
            abort(404)
        return asked
    today = local_today(utcnow()).year
    known = plan.years()
    return today if today in known or not known else max([y for y in known if y <= today] or known)


def _index(year: int, *, error: str = "", error_req: int | None = None, status: int = 200):
    today = local_today(utcnow())
    me = plan.filer_of(g.user)
    board = plan.board(year, today, only=me)
    filings = plan_filings.for_filer(me.key, year) if me else {}
    return render_template(
        "plan/index.html",
        year=year,
        board=board,
        groups=plan.grouped(board),
        me=me,
        filings=filings,
        today=today,
        status_labels=plan.STATUS,
        forms=plan.FORMS,
        filer_labels=plan.FILERS,
        years=plan.years(),
        has_seed=plan.seed_path(year).is_file(),
        error=error,
        error_req=error_req,
        max_mb=_max_mb(),
    ), status


def _max_mb() -> int:
    from flask import current_app

    return current_app.config["FILING_MAX_BYTES"] // (1024 * 1024)


@bp.get("")
@roles_required(*roles.OVERSIGHT)
def index():
    return _index(_year())


@bp.post("/requirements/<int:req_id>/file")
@roles_required(*roles.PLAN_FILERS)
def file(req_id: int):
    req = plan.requirement(req_id)
    upload = request.files.get("file")
    snapshot = request.form.get("snapshot_id", "").strip()
    try:
        row = tx.run(
            plan_filings.file,
            req,
            kind=request.form.get("kind", ""),
            actor=g.user,
            now=utcnow(),
            data=upload.read() if upload else None,
            file_name=upload.filename if upload else "",
            note=request.form.get("note", ""),
            snapshot_id=int(snapshot) if snapshot.isascii() and snapshot.isdigit() else None,
        )
    except DomainError as exc:
        return _index(req.year, error=exc.message, error_req=req.id, status=exc.status)
    return redirect(url_for("plan.receipt", filing_id=row.id), 303)


@bp.get("/filings/<int:filing_id>")
@roles_required(*roles.OVERSIGHT)
def receipt(filing_id: int):
    row = plan_filings.get(filing_id, g.user)
    req = row.requirement
    first = plan.first_filings([req.id]).get((req.id, row.filer), (row.filed_at, 1))[0]
    return render_template(
        "plan/receipt.html",
        f=row,
        req=req,
        filer=plan.filer_by_key(row.filer) or row.filer,
        on_time=local_today(row.filed_at) <= req.due_on,
        first_at=first,
        forms=plan.FORMS,
        status_label=plan.STATUS[plan.status(req, first, local_today(utcnow()))],
    )


@bp.get("/filings/<int:filing_id>/file")
@roles_required(*roles.OVERSIGHT)
def download(filing_id: int):
    from flask import current_app

    from ..documents import KINDS

    row = plan_filings.get(filing_id, g.user)
    data = plan_filings.read(row)
    resp = current_app.response_class(data, mimetype=KINDS[row.file_type].mime)
    # Always a download, never shown inline: the file is kept as the sender made it.
    from urllib.parse import quote

    resp.headers["Content-Disposition"] = (
        f"attachment; filename=filing-{row.id}.{KINDS[row.file_type].ext}; "
        f"filename*=UTF-8''{quote(row.file_name)}"
    )
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Content-Security-Policy"] = "sandbox"
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


@bp.get("/requirements/<int:req_id>")
@roles_required(Role.DISTRICT)
def requirement(req_id: int):
    req = plan.requirement(req_id)
    today = local_today(utcnow())
    board = plan.board(req.year, today)
    return render_template(
        "plan/requirement.html",
        req=req,
        board=board,
        filings=plan_filings.for_requirement(req.id),
        status_labels=plan.STATUS,
        forms=plan.FORMS,
        filer_labels=plan.FILERS,
        today=today,
    )


def _date(name: str, *, required: bool = True) -> date | None:
    value = request.form.get(name, "").strip()
    if not value and not required:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise plan.PlanError("请填写有效日期（年-月-日）") from None


def _apply(what: str, year: int, form, now) -> str:
    """Make the one change an edit form asks for; return what to tell the user."""
    if what == "phase":
        plan.save_phase(
            year,
            form.get("key") or None,
            {
                "title": form.get("title"),
                "starts_on": _date("starts_on", required=False),
                "ends_on": _date("ends_on"),
                "basis": form.get("basis"),
            },
            actor=g.user,
            now=now,
        )
        return "阶段已保存。"
    if what == "requirement":
        plan.save_requirement(
            year,
            form.get("key") or None,
            {
                "title": form.get("title"),
                "due_on": _date("due_on"),
                "filers": form.get("filers"),
                "forms": form.getlist("forms"),
                "sealed": form.get("sealed") == "on",
                "period": form.get("period"),
                "basis": form.get("basis"),
                "phase": form.get("phase"),
            },
            actor=g.user,
            now=now,
        )
        return "报送事项已保存。"
    if what == "delete":
        req = plan.requirement_by_key(year, form.get("key", ""))
        plan.delete_requirement(req, actor=g.user, now=now)
        return "报送事项已删除。"
    if what == "load":
        n = plan.load_seed(year, actor=g.user, now=now)
        return f"已载入 {year} 年方案规定的日程：{n} 项报送事项。"
    if what == "copy":
        n = plan.copy_year(year - 1, actor=g.user, now=now)
        return f"已以 {year - 1} 年为模板新建 {year} 年计划：{n} 项报送事项，请逐项核对日期。"
    abort(400)


@bp.route("/edit", methods=["GET", "POST"])
@roles_required(Role.DISTRICT)
def edit():
    year = _year()
    error = message = ""
    if request.method == "POST":
        try:
            message = tx.run(_apply, request.form.get("what", ""), year, request.form, utcnow())
        except DomainError as exc:
            error = exc.message
    return render_template(
        "plan/edit.html",
        year=year,
        phases=plan.phases(year),
        reqs=plan.requirements(year),
        forms=plan.FORMS,
        filer_labels=plan.FILERS,
        has_seed=plan.seed_path(year).is_file(),
        has_previous=bool(plan.requirements(year - 1)),
        message=message,
        error=error,
        years=plan.years(),
    ), 422 if error else 200
