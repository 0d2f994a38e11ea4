"""Enforcement and supervision records, referral cases, and the documents attached to records."""

from __future__ import annotations

from flask import Blueprint, Response, abort, g, redirect, render_template, request, url_for

from .. import (
    attachments,
    contract,
    documents,
    enforcement,
    hazards,
    premises_reads,
    roles,
    scope,
    tx,
)
from ..access import login_required, roles_required
from ..clock import local_today, utcnow
from ..storage import StorageMissing

bp = Blueprint("enforcement", __name__, url_prefix="/enforcement")


@bp.get("")
@roles_required(*roles.OVERSIGHT)
def index():
    kind = request.args.get("kind", "")
    kind = kind if kind in enforcement.KINDS else None
    open_cases = enforcement.cases(g.user, status="open")
    return render_template(
        "enforcement/index.html",
        items=enforcement.records(g.user, kind=kind),
        kind=kind or "",
        kinds=enforcement.KINDS,
        open_cases=open_cases,
        describe=enforcement.describe,
    )


def _form_context(ent, values: dict, errors: list[str]) -> dict:
    return {
        "ent": ent,
        "hazard_rows": premises_reads.premises_hazards(ent.id, limit=200),
        "cases": premises_reads.open_cases(ent.id),
        "values": values,
        "errors": errors,
        "kinds": enforcement.KINDS,
        "measures": enforcement.MEASURES,
        "hz": hazards,
        "today": local_today(utcnow()),
    }


@bp.get("/new")
@roles_required(*roles.OVERSIGHT)
def new():
    try:
        ent_id = contract.form_id(request.args.get("enterprise"), what="场所编号")
    except contract.ContractError:
        abort(404)
    if ent_id is None:
        return render_template("enforcement/pick.html")
    ent = scope.get_enterprise(g.user, ent_id)
    case = request.args.get("case", "")
    values = {
        "kind": request.args.get("kind", "penalty"),
        "case_uuid": case,
        "hazards": premises_reads.case_hazards(ent.id, case),
        "decided_on": local_today(utcnow()).isoformat(),
    }
    return render_template("enforcement/new.html", **_form_context(ent, values, []))


@bp.post("")
@roles_required(*roles.OVERSIGHT)
def create():
    form = request.form
    try:
        ent_id = contract.form_id(form.get("enterprise_id"), what="场所编号")
    except contract.ContractError:
        abort(404)
    if ent_id is None:
        abort(404)
    ent = scope.get_enterprise(g.user, ent_id)
    values = {
        "kind": form.get("kind", ""),
        "doc_number": form.get("doc_number", ""),
        "decided_on": form.get("decided_on", ""),
        "hazards": form.getlist("hazards"),
        "measures": form.getlist("measures"),
        "fine_wan": form.get("fine_wan", ""),
        "dual_penalty": form.get("dual_penalty") in ("1", "on"),
        "person_name": form.get("person_name", ""),
        "person_role": form.get("person_role", ""),
        "person_fine_wan": form.get("person_fine_wan", ""),
        "persons": form.get("persons", ""),
        "note": form.get("note", ""),
        "case_uuid": form.get("case_uuid") or None,
        "uuid": form.get("uuid") or None,
    }
    now = utcnow()
    try:
        # The uploads are stored only if the record that cites them is.
        with tx.atomic():
            shas = attachments.ingest_uploads(
                request.files.getlist("attachment"), actor=g.user, now=now
            )
            rec = enforcement.record(
                enforcement.NewRecord(enterprise_id=ent.id, attachments=shas, **values),
                actor=g.user,
                now=now,
            )
    except (enforcement.EnforcementError, documents.DocumentRejected) as exc:
        if exc.status == 404:
            abort(404)
        ent = scope.get_enterprise(g.user, ent_id)
        errors = exc.errors or [exc.message]
        return render_template(
            "enforcement/new.html", **_form_context(ent, values, errors)
        ), exc.status
    return redirect(url_for("enforcement.show", record_uuid=rec.uuid), 303)


def _load(record_uuid: str):
    try:
        return enforcement.get_in_scope(g.user, record_uuid)
    except enforcement.EnforcementError:
        abort(404)


@bp.get("/<record_uuid>")
@roles_required(*roles.OVERSIGHT)
def show(record_uuid: str, error: str = "", status: int = 200):
    rec = _load(record_uuid)
    return render_template(
        "enforcement/show.html",
        rec=rec,
        found=premises_reads.record_hazards(rec),
        files=attachments.rows(rec.attachments),
        kinds=enforcement.KINDS,
        describe=enforcement.describe,
        error=error,
    ), status


@bp.post("/<record_uuid>/void")
@roles_required(*roles.OVERSIGHT)
def void(record_uuid: str):
    _load(record_uuid)
    try:
        tx.run(
            enforcement.void,
            record_uuid,
            reason=request.form.get("reason", ""),
            actor=g.user,
            now=utcnow(),
        )
    except enforcement.EnforcementError as exc:
        return show(record_uuid, error=exc.message, status=exc.status)
    return redirect(url_for("enforcement.show", record_uuid=record_uuid), 303)


@bp.get("/cases")
@roles_required(*roles.OVERSIGHT)
def cases():
    status = request.args.get("status", "open")
    status = status if status in enforcement.CASE_STATUS else None
    return render_template(
        "enforcement/cases.html",
        items=enforcement.cases(g.user, status=status),
        status=status or "",
        labels=enforcement.CASE_STATUS,
    )


@bp.get("/cases/<case_uuid>")
@roles_required(*roles.OVERSIGHT)
def case(case_uuid: str, error: str = "", status: int = 200):
    try:
        c = enforcement.case_in_scope(g.user, case_uuid)
    except enforcement.EnforcementError:
        abort(404)
    linked = [r for r in enforcement.for_enterprise(c.enterprise_id) if r.case_uuid == c.uuid]
    return render_template(
        "enforcement/case.html",
        c=c,
        linked=linked,
        labels=enforcement.CASE_STATUS,
        describe=enforcement.describe,
        error=error,
    ), status


@bp.post("/cases/<case_uuid>/close")
@roles_required(*roles.OVERSIGHT)
def case_close(case_uuid: str):
    try:
        tx.run(
            enforcement.close_case,
            case_uuid,
            outcome=request.form.get("outcome", ""),
            actor=g.user,
            now=utcnow(),
        )
    except enforcement.EnforcementError as exc:
        if exc.status == 404:
            abort(404)
        return case(case_uuid, error=exc.message, status=exc.status)
    return redirect(url_for("enforcement.case", case_uuid=case_uuid), 303)


@bp.get("/attachments/<sha>")
@login_required
def attachment(sha: str):
    """A document kept as evidence: always a download, never shown inline."""
    row = attachments.visible(g.user, sha)
    if row is None:
        abort(404)
    try:
        data = attachments.store().get(sha)
    except StorageMissing:
        abort(404)
    resp = Response(data, mimetype="application/octet-stream")
    resp.headers["Content-Disposition"] = (
        f'attachment; filename="{sha[:16]}.{documents.KINDS[row.kind].ext}"'
    )
    resp.headers["Cache-Control"] = "private, no-cache"
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp
