"""What the public sees on a placard page, and the reports they make (吹哨).

Only the premises' name, risk colour, last visit date and its hazards' item
texts, levels, deadlines and status: no names, phones, notes, inspectors,
internal ids or photos (PRODUCT.md §7).
"""

from __future__ import annotations

import hashlib
import uuid as uuidlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from werkzeug.exceptions import NotFound

from . import audit, hazards, photos, scope, throttle
from .clock import LOCAL_TZ
from .errors import DomainError
from .extensions import db
from .models import Enterprise, Hazard, PublicReport, Visit

REPORT_MAX_CHARS = 500
CONFIRMED_MAX_CHARS = 100
REPORT_PHOTO_MAX_BYTES = 12 * 1024 * 1024  # anonymous uploads get less than signed-in users


@dataclass
class PublicHazard:
    defect: str  # the hazard worded as a defect (never the inspector's notes)
    level: str
    deadline: date
    status: str


def summary(ent: Enterprise, today: date) -> dict:
    """The public face of a premises."""
    # The enterprise's own self-inspection list stays private until staff confirm an entry.
    listed = hazards.publicly_listed()
    open_rows = db.session.scalars(
        select(Hazard)
        .where(Hazard.enterprise_id == ent.id, Hazard.state != "closed", listed)
        .order_by(Hazard.deadline)
    ).all()
    closed = db.session.scalar(
        select(func.count()).where(Hazard.enterprise_id == ent.id, Hazard.state == "closed", listed)
    )
    closed_year = db.session.scalar(
        select(func.count()).where(
            Hazard.enterprise_id == ent.id,
            Hazard.state == "closed",
            listed,
            Hazard.closed_at >= datetime(today.year, 1, 1, tzinfo=LOCAL_TZ),
        )
    )
    last_visit = db.session.scalar(
        select(func.max(Visit.finished_at)).where(Visit.enterprise_id == ent.id)
    )
    items = [
        PublicHazard(h.finding, h.level, h.deadline, hazards.display_state(h, today))
        for h in open_rows
    ]
    return {
        "name": ent.name,
        "risk_color": ent.risk_color,
        "last_visit": last_visit,
        "hazards": items,
        "overdue": sum(1 for i in items if i.status == "逾期"),
        "closed": closed or 0,
        "closed_this_year": closed_year or 0,
    }


class ReportError(DomainError):
    """A refused public report (bad input or a rate limit)."""


@dataclass(frozen=True)
class Quota:
    """How many stored reports a premises takes per day, in all and from one sender."""

    per_premises_day: int
    per_sender_premises_day: int

    @classmethod
    def from_config(cls, cfg) -> Quota:
        return cls(
            cfg["PUBLIC_MAX_REPORTS_PER_PREMISES_DAY"],
            cfg["PUBLIC_MAX_REPORTS_PER_SENDER_PREMISES_DAY"],
        )


def _count_stored(ent: Enterprise, sender: str, quota: Quota, now: datetime) -> None:
    """Count a report that is being stored against the premises' day; refuse it (429) over quota.

    The counters move inside the report's own transaction, so a report that is
    refused or rolled back never counts; and one sender can use only part of a
    premises' day, so it cannot crowd out everyone else.
    """
    mine = throttle.hit(f"report:sender-ent:{sender}:{ent.id}", 86400, now)
    total = throttle.hit(f"report:ent:{ent.id}", 86400, now)
    if mine > quota.per_sender_premises_day or total > quota.per_premises_day:
        raise ReportError(
            "该场所今天收到的举报已较多，请明天再试，或拨打街道安办电话。", status=429
        )


def submit_report(
    ent: Enterprise,
    *,
    description: str,
    contact: str,
    photo: bytes | None,
    now: datetime,
    sender: str = "-",
    quota: Quota | None = None,
) -> PublicReport:
    """Record a report from the public; it waits for an inspector to confirm or dismiss it.

    Only a report that passes every check counts toward the premises' daily quota.
    """
    description = (description or "").strip()
    contact = (contact or "").strip()
    if not description:
        raise ReportError("请描述您看到的隐患。", status=422)
    if len(description) > REPORT_MAX_CHARS:
        raise ReportError(f"描述不能超过 {REPORT_MAX_CHARS} 字。", status=422)
    if len(contact) > 60:
        raise ReportError("联系方式不能超过 60 字。", status=422)
    if quota is not None:
        _count_stored(ent, sender, quota, now)
    sha = None
    if photo and len(photo) > REPORT_PHOTO_MAX_BYTES:
        raise ReportError(
            f"照片不能超过 {REPORT_PHOTO_MAX_BYTES // 1024 // 1024} MB，请换一张或不附照片。",
            status=413,
        )
    if photo:
        sha = hashlib.sha256(photo).hexdigest()
        try:
            photos.ingest(sha, photo, photos.Meta(), actor=_Anonymous(), now=now)
        except photos.PhotoRejected as exc:
            raise ReportError(exc.message, status=exc.status) from None
        photos.ref(ent.id, "report", "public", [sha], now)
    report = PublicReport(
        uuid=str(uuidlib.uuid4()),
        enterprise_id=ent.id,
        description=description,
        photo_sha256=sha,
        contact=contact,
        status="new",
        created_at=now,
        reason="",
    )
    db.session.add(report)
    db.session.flush()
    audit.append(
        uuid=str(uuidlib.uuid4()),
        object_type="report",
        object_id=report.uuid,
        enterprise_id=ent.id,
        action="report_received",
        actor_id=None,
        actor_label="公众",
        at=now,
        payload={"description_sha256": audit.sha256(description), "photo": sha},
    )
    return report


class _Anonymous:
    id = None
    username = "公众"


def confirm(
    report: PublicReport,
    *,
    actor,
    now: datetime,
    item_text: str,
    level: str = "general",
    deadline_days: int = 7,
) -> Hazard:
    """An inspector confirms a report: it becomes a hazard (its photo the before photo).

    The hazard is worded by the inspector: the reporter's own words stay on the
    report (office and inspectors only), since the hazard text is shown on the
    placard page and to the enterprise, and could name or betray the reporter.
    """
    if report.status != "new":
        raise ReportError("该举报已处理。", status=409)
    item_text = " ".join((item_text or "").split())
    if not item_text:
        raise ReportError("请用您自己的话写明核实的隐患（将在本场所的公示页面公示）。", status=422)
    if len(item_text) > CONFIRMED_MAX_CHARS:
        raise ReportError(f"隐患描述不能超过 {CONFIRMED_MAX_CHARS} 字。", status=422)
    h = hazards.raise_hazard(
        hazards.NewHazard(
            uuid=str(uuidlib.uuid4()),
            enterprise_id=report.enterprise_id,
            item_text=item_text,
            defect=item_text,
            level=level,
            deadline=hazards.today(now) + timedelta(days=deadline_days),
            raised_at=now,
            category="report",
            description="经群众举报，网格员现场核实",
            before_photos=[report.photo_sha256] if report.photo_sha256 else [],
        ),
        actor=actor,
        now=now,
    )
    report.status, report.handled_by, report.handled_at, report.hazard_uuid = (
        "confirmed",
        actor.id,
        now,
        h.uuid,
    )
    audit.append(
        uuid=str(uuidlib.uuid4()),
        object_type="report",
        object_id=report.uuid,
        enterprise_id=report.enterprise_id,
        action="report_confirmed",
        actor_id=actor.id,
        actor_label=actor.username,
        at=now,
        payload={"hazard": h.uuid},
    )
    return h


def report_in_scope(actor, report_uuid: str) -> PublicReport:
    """A report on a premises in the actor's scope; 404 otherwise."""
    report = db.session.scalar(
        select(PublicReport)
        .join(Enterprise, Enterprise.id == PublicReport.enterprise_id)
        .where(PublicReport.uuid == report_uuid, scope.enterprise_clause(actor))
    )
    if report is None:
        raise NotFound()
    return report


def waiting(actor) -> list[PublicReport]:
    """Reports from the public in the actor's scope still waiting for an inspector, oldest first."""
    return list(
        db.session.scalars(
            select(PublicReport)
            .join(Enterprise, Enterprise.id == PublicReport.enterprise_id)
            .where(scope.enterprise_clause(actor), PublicReport.status == "new")
            .order_by(PublicReport.created_at)
        )
    )


def pending_count(actor) -> int:
    """Reports from the public in the actor's scope still waiting for an inspector."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(PublicReport)
            .join(Enterprise, Enterprise.id == PublicReport.enterprise_id)
            .where(scope.enterprise_clause(actor), PublicReport.status == "new")
        )
        or 0
    )


def dismiss(report: PublicReport, *, actor, now: datetime, reason: str) -> None:
    if report.status != "new":
        raise ReportError("该举报已处理。", status=409)
    if not (reason or "").strip():
        raise ReportError("不予采纳须说明理由。", status=422)
    report.status, report.handled_by, report.handled_at, report.reason = (
        "dismissed",
        actor.id,
        now,
        reason.strip(),
    )
    audit.append(
        uuid=str(uuidlib.uuid4()),
        object_type="report",
        object_id=report.uuid,
        enterprise_id=report.enterprise_id,
        action="report_dismissed",
        actor_id=actor.id,
        actor_label=actor.username,
        at=now,
        payload={"reason": reason.strip()},
    )
