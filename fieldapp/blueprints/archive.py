"""一企一档 downloads: one enterprise's file, and a street's or grid's ZIP built with progress."""

from __future__ import annotations

import tempfile
from urllib.parse import quote

from flask import (
    Blueprint,
    current_app,
    g,
    redirect,
    render_template,
    request,
    send_file,
    stream_with_context,
    url_for,
)

from .. import lists, roles, tx
from ..access import login_required, roles_required
from ..archive import bulk, collect, render
from ..clock import utcnow
from ..htmx import is_htmx

bp = Blueprint("archive", __name__)
STEP_SECONDS = 2.0  # per request; config ARCHIVE_STEP_SECONDS overrides


@bp.app_template_global()
def archive_allowed(ent) -> bool:
    """Say whether the signed-in user may download this enterprise's archive (for the button)."""
    user = g.get("user")
    return user is not None and collect.may_download(user, ent)


@bp.app_template_global()
def archive_bulk_allowed() -> bool:
    """Say whether the signed-in user may export a street or grid as a ZIP (for the link)."""
    return bulk.may_bulk(g.get("user"))


@bp.get("/enterprises/<int:enterprise_id>/archive")
@login_required
def download(enterprise_id: int):
    doc = collect.collect(enterprise_id, actor=g.user, now=utcnow())
    # Spooled to disk, not held in memory: a record with hundreds of photos runs to tens of MB.
    fh = tempfile.TemporaryFile()
    try:
        written = render.write(doc, fh)
        fh.seek(0)
    except BaseException:
        fh.close()
        raise
    current_app.logger.info("archive export enterprise=%s bytes=%d", enterprise_id, written.size)
    resp = send_file(
        fh, mimetype="text/html", as_attachment=True, download_name=render.file_name(doc)
    )
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _bulk_page(error: str | None = None, status: int = 200):
    choices = lists.filter_choices(g.user)
    return render_template(
        "archive/bulk.html", error=error, jobs=bulk.recent(g.user, now=utcnow()), **choices
    ), status


@bp.get("/archive/bulk")
@roles_required(*roles.OFFICE)
def bulk_index():
    return _bulk_page()


@bp.post("/archive/bulk")
@roles_required(*roles.OFFICE)
def bulk_start():
    try:
        job = tx.run(bulk.start, g.user, request.form.get("scope", ""), now=utcnow())
    except bulk.BulkError as exc:
        return _bulk_page(exc.message, 422)
    return redirect(url_for("archive.bulk_job", job_id=job.id), 303)


@bp.get("/archive/bulk/<job_id>")
@roles_required(*roles.OFFICE)
def bulk_job(job_id: str):
    return render_template("archive/job.html", job=bulk.load(job_id, actor=g.user))


@bp.post("/archive/bulk/<job_id>/step")
@roles_required(*roles.OFFICE)
def bulk_step(job_id: str):
    budget = float(current_app.config.get("ARCHIVE_STEP_SECONDS", STEP_SECONDS))
    job = bulk.step(job_id, actor=g.user, now=utcnow(), budget_s=budget)
    if is_htmx():
        return render_template("archive/_progress.html", job=job)
    return redirect(url_for("archive.bulk_job", job_id=job.id), 303)


@bp.get("/archive/bulk/<job_id>/download")
@roles_required(*roles.OFFICE)
def bulk_download(job_id: str):
    chunks, name = bulk.result(job_id, actor=g.user)
    resp = current_app.response_class(stream_with_context(chunks), mimetype="application/zip")
    # A Chinese file name travels as RFC 5987 filename*, with an ASCII fallback (as send_file does).
    resp.headers["Content-Disposition"] = (
        f"attachment; filename=\"archives.zip\"; filename*=UTF-8''{quote(name)}"
    )
    resp.headers["Cache-Control"] = "no-store"
    return resp
