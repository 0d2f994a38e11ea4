"""Bulk export of a street or a grid: a ZIP of archive files, built step by step on any server.

No task queue and no background thread: each step (a POST from the progress page)
renders archives for about `budget_s` seconds, stores each as an object in the
configured store (filesystem or S3) and records the progress in the job's row;
the page asks for the next step at once (htmx) or on a click (without
JavaScript). Nothing lives on one server's disk, so behind a load balancer any
server can take the next step or serve the download. A step first takes a short
lease on the row with one conditional UPDATE, so two steps of one job (two tabs,
two servers) never write together. The ZIP is streamed from the stored pieces on
download, one archive in memory at a time. Jobs are kept for a day; each belongs
to its starter.
"""

from __future__ import annotations

import io
import re
import secrets
import time
import zipfile
from collections.abc import Iterator
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, or_, select, update
from werkzeug.exceptions import Forbidden, NotFound

from .. import scope, storage
from ..errors import DomainError
from ..extensions import db
from ..models import Enterprise, ExportJob, Grid, Street
from ..roles import OFFICE, Role
from . import collect, render

JOB_RE = re.compile(r"^[0-9a-f]{32}$")
MAX_AGE = timedelta(days=1)
LEASE_MARGIN = timedelta(seconds=60)  # a step that died frees its job this long after its budget
SUMS_NAME = "SHA256SUMS.txt"
KIND = "archives"


class BulkError(DomainError):
    """A bulk export that cannot start; the message is Chinese."""


def may_bulk(actor) -> bool:
    """Street users export their street and its grids; district users any."""
    return actor is not None and actor.role in OFFICE


def store() -> storage.Storage:
    ext = current_app.extensions
    if "job_storage" not in ext:
        ext["job_storage"] = storage.from_config(current_app.config, area="jobs")
    return ext["job_storage"]


def _piece(job: ExportJob, n: int) -> str:
    return f"{job.kind}/{job.id}/{n:06d}"


def load(job_id: str, *, actor) -> ExportJob:
    """Return a job of this actor; another user's job, or none, is a 404."""
    job = db.session.get(ExportJob, job_id) if JOB_RE.match(job_id or "") else None
    if job is None or job.owner_id != actor.id:
        raise NotFound()
    return job


def _cleanup(now: datetime) -> None:
    """Forget jobs older than a day, their pieces first."""
    old = list(db.session.scalars(select(ExportJob).where(ExportJob.created_at < now - MAX_AGE)))
    files = store()
    for job in old:
        for key in files.keys(f"{job.kind}/{job.id}/"):
            files.delete(key)
    if old:
        db.session.execute(delete(ExportJob).where(ExportJob.id.in_([j.id for j in old])))


def start(actor, choice: str, *, now: datetime) -> ExportJob:
    """Start exporting every premises of a street (``street:<name>``) or grid (``grid:<code>``) in scope.

    :raise 403: the role may not bulk-export.  :raise 404: the street or grid is unknown or out of scope.
    """
    if not may_bulk(actor):
        raise Forbidden()
    kind, _, value = (choice or "").partition(":")
    stmt = select(Enterprise.id).where(scope.enterprise_clause(actor)).order_by(Enterprise.id)
    if kind == "street":
        street = db.session.scalar(select(Street).where(Street.name == value))
        if street is None:
            raise NotFound()
        stmt, label = stmt.where(Enterprise.street_id == street.id), street.name
    elif kind == "grid":
        grid = db.session.scalar(select(Grid).where(Grid.code == value))
        if grid is None:
            raise NotFound()
        stmt, label = (
            stmt.where(Enterprise.grid_id == grid.id),
            f"{grid.street.name} {grid.code} 网格",
        )
    else:
        raise BulkError("请选择要导出的街道或网格。")
    if (
        actor.role == Role.STREET
        and (street.id if kind == "street" else grid.street_id) != actor.street_id
    ):
        raise NotFound()  # another street's area: the same answer as an unknown one
    ids = list(db.session.scalars(stmt))
    if not ids:
        raise BulkError(f"{label}没有可导出的企业。")
    _cleanup(now)
    job = ExportJob(
        id=secrets.token_hex(16),
        owner_id=actor.id,
        kind=KIND,
        label=label,
        ids=ids,
        created_at=now,
        done=0,
        skipped=0,
        bytes=0,
        finished=False,
        sums=[],
        lease_until=None,
    )
    db.session.add(job)
    db.session.flush()
    return job


def _take_lease(job: ExportJob, now: datetime, until: datetime) -> bool:
    """Take the job for one step unless another step holds it; committed at once so others see it."""
    won = db.session.execute(
        update(ExportJob)
        .where(
            ExportJob.id == job.id,
            ExportJob.finished.is_(False),
            or_(ExportJob.lease_until.is_(None), ExportJob.lease_until < now),
        )
        .values(lease_until=until)
        .returning(ExportJob.id)
        .execution_options(synchronize_session=False)
    ).first()
    db.session.commit()
    return won is not None


def step(job_id: str, *, actor, now: datetime, budget_s: float) -> ExportJob:
    """Add archives to the job for about `budget_s` seconds (at least one); return the progress.

    Each archive is stored and its progress committed before the next, so a step
    cut short loses nothing, and a poll on another server sees the count move.
    """
    job = load(job_id, actor=actor)
    if job.finished or not _take_lease(job, now, now + timedelta(seconds=budget_s) + LEASE_MARGIN):
        db.session.refresh(job)
        return job
    db.session.refresh(job)  # another step may have just finished: work from the committed count
    job_id, owner = job.id, job.owner_id
    deadline = time.monotonic() + budget_s
    try:
        while job.done < len(job.ids):
            _add(job, job.ids[job.done], actor, now)
            job.done += 1
            db.session.commit()
            # Read-only work: drop what the session holds, so memory stays one archive deep.
            db.session.expunge_all()
            job = db.session.get(ExportJob, job_id)
            if time.monotonic() >= deadline:
                break
        if job.done == len(job.ids):
            job.finished = True
    finally:
        job = db.session.get(ExportJob, job_id)
        job.lease_until = None
        db.session.commit()
    current_app.logger.info(
        "archive bulk job=%s owner=%s done=%d/%d skipped=%d",
        job_id,
        owner,
        job.done,
        len(job.ids),
        job.skipped,
    )
    return job


def _add(job: ExportJob, enterprise_id: int, actor, now: datetime) -> None:
    try:
        doc = collect.collect(enterprise_id, actor=actor, now=now)
    except (NotFound, Forbidden):
        job.skipped += 1  # left the actor's scope since the job started
        return
    name = f"{enterprise_id}-{render.file_name(doc)}"
    buf = io.BytesIO()
    written = render.write(doc, buf)
    store().put(_piece(job, len(job.sums)), buf.getvalue())
    job.sums = [*job.sums, [written.sha256, name]]
    job.bytes += written.size


def result(job_id: str, *, actor) -> tuple[Iterator[bytes], str]:
    """Return the finished ZIP as a stream of chunks, and its download name."""
    job = load(job_id, actor=actor)
    if not job.finished:
        raise NotFound()
    pieces = [(_piece(job, n), name) for n, (_, name) in enumerate(job.sums)]
    sums = "".join(f"{sha}  {name}\n" for sha, name in job.sums)
    name = f"一企一档-{job.label}-{render.local_time(collect.iso(job.created_at), '%Y-%m-%d')}.zip"
    return _zip_stream(store(), pieces, sums), name


class _Drain(io.RawIOBase):
    """A write-only stream the ZIP writer fills and the response empties (not seekable)."""

    def __init__(self):
        self.chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, b) -> int:
        self.chunks.append(bytes(b))
        return len(b)

    def take(self) -> bytes:
        out, self.chunks = b"".join(self.chunks), []
        return out


def _zip_stream(
    files: storage.Storage, pieces: list[tuple[str, str]], sums: str
) -> Iterator[bytes]:
    drain = _Drain()
    with zipfile.ZipFile(drain, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        for key, name in pieces:
            with zf.open(name, "w", force_zip64=True) as fh:
                fh.write(files.get(key))
            yield drain.take()
        zf.writestr(SUMS_NAME, sums)
    yield drain.take()


def recent(actor, *, now: datetime, limit: int = 5) -> list[ExportJob]:
    """The actor's jobs of the last day, newest first."""
    return list(
        db.session.scalars(
            select(ExportJob)
            .where(ExportJob.owner_id == actor.id, ExportJob.created_at >= now - MAX_AGE)
            .order_by(ExportJob.created_at.desc())
            .limit(limit)
        )
    )
