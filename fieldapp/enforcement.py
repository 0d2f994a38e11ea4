"""Enforcement and supervision on record (plan 四(四) 执法推动), and referral cases followed to their outcome.

Street offices, departments and the district record what they decided about one
premises: 执法检查, 行政处罚 (罚款 in 万元, 责令停产停业整顿, 暂扣/吊销证照, 取缔关闭;
一案双罚 fines the responsible person too), 移送司法, 约谈, 通报, 曝光, 激励 and 约束.
Each names the premises, the hazards involved, the decision document's number and
date, and may carry documents. A record is never edited: one entered in error is
voided with a reason. Every write appends an audit event.

A hazard referred for enforcement (`refer`, 移交执法) opens a case here; it is
decided when a record names it, or closed with a written outcome.
Annex 7's enforcement columns are counted from the records (fieldapp.enforcement_counts).
"""

from __future__ import annotations

import re
import uuid as uuidlib
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import select

from . import attachments, audit, scope
from .clock import local_today
from .errors import DomainError
from .extensions import db
from .models import EnforcementCase, EnforcementHazard, EnforcementRecord, Enterprise, Hazard
from .roles import OVERSIGHT, Role

KINDS = {
    "inspection": "执法检查",
    "penalty": "行政处罚",
    "judicial": "移送司法",
    "interview": "约谈警示",
    "notice": "通报",
    "exposure": "曝光典型案例",
    "incentive": "激励",
    "restraint": "约束",
}
# The measures one 行政处罚 decision may impose.
MEASURES = {
    "fine": "罚款",
    "suspension": "责令停产停业整顿",
    "licence_suspended": "暂扣证照",
    "licence_revoked": "吊销证照",
    "closure": "取缔关闭",
}
CASE_STATUS = {"open": "待处理", "decided": "已作出处理决定", "closed": "已结案"}
AMOUNT_RE = re.compile(r"^\d{1,8}(\.\d{1,2})?$")
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
MAX_HAZARDS = 100


class EnforcementError(DomainError):
    """A refused record or case step, with every problem in Chinese."""


@dataclass
class NewRecord:
    """What a filer says about one decision (form or demo builder input, before checking)."""

    kind: str
    enterprise_id: int
    doc_number: str
    decided_on: date | str | None
    hazards: list[str] = field(default_factory=list)
    measures: list[str] = field(default_factory=list)
    fine_wan: str | Decimal | None = None
    dual_penalty: bool = False
    person_name: str = ""
    person_role: str = ""
    person_fine_wan: str | Decimal | None = None
    persons: int | str | None = None
    note: str = ""
    attachments: list[str] = field(default_factory=list)
    case_uuid: str | None = None
    uuid: str | None = None  # made by the form, so a resubmission is answered, not stored twice


def filer_of(actor) -> dict:
    """The filing unit an actor records for: their street, their department (industry) or the district."""
    if actor.role == Role.STREET:
        return {"filer_kind": "street", "filer_street_id": actor.street_id, "filer_industry": None}
    if actor.role == Role.DEPARTMENT:
        return {
            "filer_kind": "department",
            "filer_street_id": None,
            "filer_industry": actor.industry,
        }
    return {"filer_kind": "district", "filer_street_id": None, "filer_industry": None}


def _amount(value, what: str, errors: list[str]) -> Decimal | None:
    text = str(value).strip() if value is not None else ""
    if not text:
        errors.append(f"请填写{what}（万元，最多两位小数）")
        return None
    if not AMOUNT_RE.match(text):
        errors.append(f"{what}应为以万元计的金额，最多两位小数（如 0.50）")
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        errors.append(f"{what}应为数字")
        return None
    if amount <= 0:
        errors.append(f"{what}应大于 0")
    return amount.quantize(Decimal("0.01"))


def _day(value) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value or "").strip())
    except ValueError:
        return None


def check(new: NewRecord, *, actor, now: datetime) -> dict:
    """Validate a record in full; return the row's values or raise EnforcementError (404 out of scope, 422)."""
    if actor.role not in OVERSIGHT:
        raise EnforcementError("您的角色不能登记执法记录。", status=403)
    ent = scope.get_enterprise(actor, new.enterprise_id)  # 404 outside scope
    errors: list[str] = []
    if new.kind not in KINDS:
        errors.append("请选择记录类别")
    doc_number = " ".join((new.doc_number or "").split())
    if not doc_number:
        errors.append("请填写决定书（文书）编号")
    elif len(doc_number) > 80:
        errors.append("文书编号不能超过 80 字")
    decided_on = _day(new.decided_on)
    if decided_on is None:
        errors.append("请填写决定日期（YYYY-MM-DD）")
    elif decided_on > local_today(now):
        errors.append("决定日期不能晚于今天")
    elif decided_on.year < 2000:
        errors.append("决定日期有误")
    hazard_ids = list(dict.fromkeys(new.hazards or []))
    if len(hazard_ids) > MAX_HAZARDS:
        errors.append(f"一条记录最多关联 {MAX_HAZARDS} 条隐患")
    elif hazard_ids:
        found = set(
            db.session.scalars(
                select(Hazard.uuid).where(
                    Hazard.uuid.in_(hazard_ids), Hazard.enterprise_id == ent.id
                )
            )
        )
        if found != set(hazard_ids):
            errors.append("关联的隐患须是该场所的隐患")
    values: dict = {
        "measures": [],
        "fine_wan": None,
        "dual_penalty": False,
        "person_name": "",
        "person_role": "",
        "person_fine_wan": None,
        "persons": None,
    }
    if new.kind == "penalty":
        measures = [m for m in MEASURES if m in set(new.measures or [])]
        if not measures or len(measures) != len(set(new.measures or [])):
            errors.append(
                "行政处罚须选择处罚种类（罚款、责令停产停业整顿、暂扣或吊销证照、取缔关闭）"
            )
        values["measures"] = measures
        if "fine" in measures:
            values["fine_wan"] = _amount(new.fine_wan, "罚款金额", errors)
        if new.dual_penalty:
            # 一案双罚: the unit and its responsible person, each fined.
            values["dual_penalty"] = True
            values["person_name"] = (new.person_name or "").strip()[:40]
            values["person_role"] = (new.person_role or "").strip()[:40]
            if not values["person_name"]:
                errors.append("一案双罚须填写被处罚的责任人姓名")
            if "fine" not in measures:
                errors.append("一案双罚须对单位处以罚款")
            values["person_fine_wan"] = _amount(new.person_fine_wan, "对责任人的罚款金额", errors)
    elif new.dual_penalty:
        errors.append("一案双罚只适用于行政处罚")
    if new.kind == "judicial":
        try:
            persons = int(str(new.persons).strip())
        except (TypeError, ValueError):
            persons = 0
        if not 1 <= persons <= 1000:
            errors.append("移送司法须填写移送人数（1 至 1000 人）")
        values["persons"] = persons
    case = None
    if new.case_uuid:
        case = db.session.get(EnforcementCase, new.case_uuid)
        if case is None or case.enterprise_id != ent.id:
            errors.append("所选案件不属于该场所")
        elif case.status != "open":
            errors.append("该案件已有处理结果")
    note = (new.note or "").strip()
    if len(note) > 2000:
        errors.append("说明不能超过 2000 字")
    shas = list(dict.fromkeys(new.attachments or []))
    if len(attachments.rows(shas)) != len(shas):
        errors.append("附件尚未上传")
    if errors:
        raise EnforcementError(
            "执法记录有误，未保存：" + "；".join(errors) + "。", status=422, errors=errors
        )
    return {
        **values,
        "kind": new.kind,
        "enterprise_id": ent.id,
        "doc_number": doc_number,
        "decided_on": decided_on,
        "note": note,
        "attachments": shas,
        "case_uuid": case.uuid if case else None,
        "hazards": hazard_ids,
        **filer_of(actor),
    }


def record(new: NewRecord, *, actor, now: datetime) -> EnforcementRecord:
    """Store one enforcement record (and decide its case), with its audit event; the caller commits.

    A resubmitted form (same uuid) returns the record already stored.
    """
    rec_uuid = new.uuid or str(uuidlib.uuid4())
    if not UUID_RE.match(rec_uuid):
        raise EnforcementError("记录编号应为小写 UUID。", status=422)
    existing = db.session.get(EnforcementRecord, rec_uuid)
    if existing is not None:
        if existing.recorded_by != actor.id:
            raise EnforcementError("该记录编号已被使用。", status=409)
        return existing
    values = check(new, actor=actor, now=now)
    hazard_ids = values.pop("hazards")
    rec = EnforcementRecord(
        uuid=rec_uuid, recorded_by=actor.id, recorded_at=now, void_reason="", **values
    )
    rec.hazards = [EnforcementHazard(hazard_uuid=h) for h in hazard_ids]
    db.session.add(rec)
    db.session.flush()
    attachments.refer(
        values["attachments"],
        enterprise_id=rec.enterprise_id,
        object_type="enforcement",
        object_id=rec.uuid,
        now=now,
    )
    if rec.case_uuid:
        case = db.session.get(EnforcementCase, rec.case_uuid)
        case.status, case.outcome, case.closed_by, case.closed_at = (
            "decided",
            f"{KINDS[rec.kind]}（{rec.doc_number}）",
            actor.id,
            now,
        )
    audit.append(
        uuid=str(uuidlib.uuid5(uuidlib.NAMESPACE_URL, f"enforcement:{rec.uuid}")),
        object_type="enforcement",
        object_id=rec.uuid,
        enterprise_id=rec.enterprise_id,
        action="enforcement_recorded",
        actor_id=actor.id,
        actor_label=actor.username,
        at=now,
        payload=payload(rec, hazard_ids),
    )
    return rec


def payload(rec: EnforcementRecord, hazard_ids: list[str]) -> dict:
    """What the audit chain keeps of a record: every field that counts, amounts as text (exact)."""
    return {
        "kind": rec.kind,
        "doc_number": rec.doc_number,
        "decided_on": rec.decided_on.isoformat(),
        "measures": list(rec.measures),
        "fine_wan": str(rec.fine_wan) if rec.fine_wan is not None else None,
        "dual_penalty": rec.dual_penalty,
        "person_name": rec.person_name,
        "person_role": rec.person_role,
        "person_fine_wan": str(rec.person_fine_wan) if rec.person_fine_wan is not None else None,
        "persons": rec.persons,
        "hazards": hazard_ids,
        "attachments": list(rec.attachments),
        "case": rec.case_uuid,
        "filer": {
            "kind": rec.filer_kind,
            "street": rec.filer_street_id,
            "industry": rec.filer_industry,
        },
        "note": rec.note,
    }


def get_in_scope(actor, record_uuid: str) -> EnforcementRecord:
    rec = db.session.scalar(
        select(EnforcementRecord)
        .join(Enterprise, Enterprise.id == EnforcementRecord.enterprise_id)
        .where(EnforcementRecord.uuid == record_uuid, scope.enterprise_clause(actor))
    )
    if rec is None:
        raise EnforcementError("找不到该记录，或不在您的管辖范围内。", status=404)
    return rec


def void(record_uuid: str, *, reason: str, actor, now: datetime) -> EnforcementRecord:
    """Void a record entered in error: it stays on file, no longer counted; only its filer's unit or the district may."""
    rec = get_in_scope(actor, record_uuid)
    same_filer = filer_of(actor) == {
        "filer_kind": rec.filer_kind,
        "filer_street_id": rec.filer_street_id,
        "filer_industry": rec.filer_industry,
    }
    if actor.role not in OVERSIGHT or not (same_filer or actor.role == Role.DISTRICT):
        raise EnforcementError("只有登记单位或区安委办可以作废该记录。", status=403)
    if rec.voided_at is not None:
        raise EnforcementError("该记录已作废。", status=409)
    reason = (reason or "").strip()
    if not reason:
        raise EnforcementError("作废须说明原因。", status=422)
    rec.voided_at, rec.voided_by, rec.void_reason = now, actor.id, reason[:2000]
    if rec.case_uuid:
        case = db.session.get(EnforcementCase, rec.case_uuid)
        if case.status == "decided":
            case.status, case.outcome, case.closed_by, case.closed_at = "open", "", None, None
    audit.append(
        uuid=str(uuidlib.uuid4()),
        object_type="enforcement",
        object_id=rec.uuid,
        enterprise_id=rec.enterprise_id,
        action="enforcement_voided",
        actor_id=actor.id,
        actor_label=actor.username,
        at=now,
        payload={"reason": rec.void_reason, "case": rec.case_uuid},
    )
    return rec


# --- referral cases ---------------------------------------------------------------------


def open_case(
    h: Hazard, *, actor, now: datetime, case_uuid: str, note: str = ""
) -> EnforcementCase:
    """Open the case a referral (移交执法) starts; called by hazards.transition, whose event records it."""
    case = EnforcementCase(
        uuid=case_uuid,
        hazard_uuid=h.uuid,
        enterprise_id=h.enterprise_id,
        opened_by=actor.id,
        opened_at=now,
        note=note,
        status="open",
        outcome="",
    )
    db.session.add(case)
    db.session.flush()
    return case


def case_in_scope(actor, case_uuid: str) -> EnforcementCase:
    case = db.session.scalar(
        select(EnforcementCase)
        .join(Enterprise, Enterprise.id == EnforcementCase.enterprise_id)
        .where(EnforcementCase.uuid == case_uuid, scope.enterprise_clause(actor))
    )
    if case is None:
        raise EnforcementError("找不到该案件，或不在您的管辖范围内。", status=404)
    return case


def close_case(case_uuid: str, *, outcome: str, actor, now: datetime) -> EnforcementCase:
    """Close a case without a record (不予处罚, 已责令改正 …), saying what came of it."""
    case = case_in_scope(actor, case_uuid)
    if actor.role not in OVERSIGHT:
        raise EnforcementError("您的角色不能办理案件。", status=403)
    if case.status != "open":
        raise EnforcementError("该案件已有处理结果。", status=409)
    outcome = (outcome or "").strip()
    if not outcome:
        raise EnforcementError("结案须写明处理结果。", status=422)
    case.status, case.outcome, case.closed_by, case.closed_at = (
        "closed",
        outcome[:2000],
        actor.id,
        now,
    )
    audit.append(
        uuid=str(uuidlib.uuid4()),
        object_type="case",
        object_id=case.uuid,
        enterprise_id=case.enterprise_id,
        action="case_closed",
        actor_id=actor.id,
        actor_label=actor.username,
        at=now,
        payload={"hazard": case.hazard_uuid, "outcome": case.outcome},
    )
    return case


def cases(actor, *, status: str | None = None, limit: int = 200) -> list[EnforcementCase]:
    stmt = (
        select(EnforcementCase)
        .join(Enterprise, Enterprise.id == EnforcementCase.enterprise_id)
        .where(scope.enterprise_clause(actor))
        .order_by(EnforcementCase.opened_at.desc())
        .limit(limit)
    )
    if status:
        stmt = stmt.where(EnforcementCase.status == status)
    return list(db.session.scalars(stmt))


def records(
    actor, *, enterprise_id: int | None = None, kind: str | None = None, limit: int = 200
) -> list[EnforcementRecord]:
    stmt = (
        select(EnforcementRecord)
        .join(Enterprise, Enterprise.id == EnforcementRecord.enterprise_id)
        .where(scope.enterprise_clause(actor))
        .order_by(EnforcementRecord.decided_on.desc(), EnforcementRecord.recorded_at.desc())
        .limit(limit)
    )
    if enterprise_id is not None:
        stmt = stmt.where(EnforcementRecord.enterprise_id == enterprise_id)
    if kind:
        stmt = stmt.where(EnforcementRecord.kind == kind)
    return list(db.session.scalars(stmt))


def for_enterprise(enterprise_id: int) -> list[EnforcementRecord]:
    """Every record of one premises, voided ones included (the archive keeps both)."""
    return list(
        db.session.scalars(
            select(EnforcementRecord)
            .where(EnforcementRecord.enterprise_id == enterprise_id)
            .order_by(EnforcementRecord.decided_on, EnforcementRecord.recorded_at)
        )
    )


def describe(rec: EnforcementRecord) -> str:
    """One line saying what was decided (for lists and the archive)."""
    parts = [KINDS[rec.kind]]
    if rec.kind == "penalty":
        measures = [
            MEASURES[m]
            + (f" {rec.fine_wan} 万元" if m == "fine" and rec.fine_wan is not None else "")
            for m in rec.measures
        ]
        parts.append("、".join(measures))
        if rec.dual_penalty:
            parts.append(
                f"一案双罚：{rec.person_name}{('（' + rec.person_role + '）') if rec.person_role else ''} "
                f"罚款 {rec.person_fine_wan} 万元"
            )
    if rec.kind == "judicial" and rec.persons:
        parts.append(f"{rec.persons} 人")
    return "：".join([parts[0], "；".join(parts[1:])]) if len(parts) > 1 else parts[0]
