"""Bulk export of a street or a grid: a ZIP of archive files, built step by step.

No task queue and no background thread: each step (a POST from the progress
page) appends archives to a ZIP on disk for about `budget_s` seconds, saves the
count, and answers; the page asks for the next step at once (htmx) or on a
click (without JavaScript). One archive is in memory at a time, and a lock file
keeps two steps of one job (two tabs, two workers) from writing together. Jobs
live under DATA_DIR/exports/archives for a day; each belongs to its starter.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import secrets
import shutil
import time
import zipfile
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import select
from werkzeug.exceptions import Forbidden, NotFound

from .. import scope
from ..errors import DomainError
from ..extensions import db
from ..models import Enterprise, Grid, Street
from ..roles import OFFICE
from . import collect, render

JOB_RE = re.compile(r"^[0-9a-f]{32}$")
MAX_AGE = timedelta(days=1)
SUMS_NAME = "SHA256SUMS.txt"


class BulkError(DomainError):
    """A bulk export that cannot start; the message is Chinese."""


@dataclass
class Job:
    id: str
    owner: int
    label: str
    ids: list[int]
    created_at: str
    done: int = 0
    skipped: int = 0
    bytes: int = 0
    finished: bool = False
    sums: list[list[str]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.ids)

    @property
    def percent(self) -> int:
        return 100 if not self.ids else self.done * 100 // self.total

    @property
    def started(self) -> str:
        return render.local_time(self.created_at)


def may_bulk(actor) -> bool:
    """Street users export their street and its grids; district users any."""
    return actor is not None and actor.role in OFFICE


def _root() -> Path:
    return Path(current_app.config["DATA_DIR"]) / "exports" / "archives"


def _dir(job_id: str) -> Path:
    if not JOB_RE.match(job_id or ""):
        raise NotFound()
    return _root() / job_id


def _save(job: Job) -> None:
    path = _dir(job.id) / "job.json"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(job), ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


def load(job_id: str, *, actor) -> Job:
    """Return a job of this actor; another user's job, or none, is a 404."""
    try:
        job = Job(**json.loads((_dir(job_id) / "job.json").read_text(encoding="utf-8")))
    except (FileNotFoundError, ValueError, TypeError):
        raise NotFound() from None
    if job.owner != actor.id:
        raise NotFound()
    return job


def _cleanup(now: datetime) -> None:
    root = _root()
    if not root.is_dir():
        return
    cutoff = now.timestamp() - MAX_AGE.total_seconds()
    for d in root.iterdir():
        if d.is_dir() and JOB_RE.match(d.name) and d.stat().st_mtime < cutoff:
            shutil.rmtree(d, ignore_errors=True)


def start(actor, choice: str, *, now: datetime) -> Job:
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
        stmt, label = stmt.where(Enterprise.grid_id == grid.id), f"{grid.street.name} {grid.code} 网格"
    else:
        raise BulkError("请选择要导出的街道或网格。")
    if actor.role == "street" and (street.id if kind == "street" else grid.street_id) != actor.street_id:
        raise NotFound()  # another street's area: the same answer as an unknown one
    ids = list(db.session.scalars(stmt))
    if not ids:
        raise BulkError(f"{label}没有可导出的企业。")
    _cleanup(now)
    job = Job(id=secrets.token_hex(16), owner=actor.id, label=label, ids=ids, created_at=collect.iso(now))
    _dir(job.id).mkdir(parents=True)
    _save(job)
    return job


@contextmanager
def _locked(job_id: str):
    """Yield True when this step holds the job's lock, False when another step is running."""
    with (_dir(job_id) / "lock").open("a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def step(job_id: str, *, actor, now: datetime, budget_s: float) -> Job:
    """Add archives to the job's ZIP for about `budget_s` seconds (at least one); return the progress."""
    job = load(job_id, actor=actor)
    with _locked(job.id) as mine:
        if not mine:
            return job
        job = load(job_id, actor=actor)  # re-read under the lock: another step may have just finished
        if job.finished:
            return job
        deadline = time.monotonic() + budget_s
        with zipfile.ZipFile(_dir(job.id) / "archives.zip", "a", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
            while job.done < job.total:
                _add(zf, job, job.ids[job.done], actor, now)
                job.done += 1
                _save(job)
                if time.monotonic() >= deadline:
                    break
            if job.done == job.total:
                zf.writestr(SUMS_NAME, "".join(f"{sha}  {name}\n" for sha, name in job.sums))
                job.finished = True
        _save(job)
    current_app.logger.info("archive bulk job=%s done=%d/%d skipped=%d", job.id, job.done, job.total, job.skipped)
    return job


def _add(zf: zipfile.ZipFile, job: Job, enterprise_id: int, actor, now: datetime) -> None:
    try:
        doc = collect.collect(enterprise_id, actor=actor, now=now)
    except (NotFound, Forbidden):
        job.skipped += 1  # left the actor's scope since the job started
        return
    name = f"{enterprise_id}-{render.file_name(doc)}"
    with zf.open(name, "w", force_zip64=True) as fh:
        written = render.write(doc, fh)
    job.sums.append([written.sha256, name])
    job.bytes += written.size
    # Read-only work: drop what the session holds, so memory stays one archive deep.
    db.session.expunge_all()


def result(job_id: str, *, actor) -> tuple[Path, str]:
    """Return the finished ZIP and its download name."""
    job = load(job_id, actor=actor)
    path = _dir(job.id) / "archives.zip"
    if not job.finished or not path.is_file():
        raise NotFound()
    return path, f"一企一档-{job.label}-{render.local_time(job.created_at, '%Y-%m-%d')}.zip"


def recent(actor, limit: int = 5) -> list[Job]:
    """The actor's jobs of the last day, newest first."""
    root = _root()
    if not root.is_dir():
        return []
    jobs = []
    for d in root.iterdir():
        try:
            jobs.append(load(d.name, actor=actor))
        except NotFound:
            continue
    return sorted(jobs, key=lambda j: j.created_at, reverse=True)[:limit]
