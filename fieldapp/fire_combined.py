"""The visit body's `fire_combined` part: the inspector's answer to a GB 35181 combined-judgement proposal.

The server recomputes the proposal from the visit's failed items (fieldapp.fire_judgement)
and checks the answer against it. The body may carry, at its top level:

    "fire_combined": {
        "decision": "confirm" | "decline",    # 确认综合判定为重大火灾隐患 / 不予认定
        "venue_kind": "crowded" | "flammable" | "important" | "other",  # optional; default from the premises
        "reason": "...",                      # required to decline (why not), optional to confirm
        "hazard": {"uuid": "...", "deadline": "YYYY-MM-DD", "defect": "..."}  # optional, confirm only
    }

A confirmation raises one major hazard through hazards.raise_hazard, naming the counted
items; a refusal is kept, with its reason, in the visit's audit event. A visit that
reaches a threshold without an answer is stored as it is, the proposal recorded as
unanswered for the street office to follow up.
"""

from __future__ import annotations

import uuid as uuidlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from . import fire_judgement, hazards

DECISIONS = {"confirm": "确认综合判定为重大火灾隐患", "decline": "不予认定"}
FIELDS = {"decision", "venue_kind", "reason", "hazard"}
HAZARD_FIELDS = {"uuid", "deadline", "defect"}
DEFAULT_DEADLINE_DAYS = 30
MAX_REASON = 1000
ITEM_KEY = "fire_combined"
ITEM_TEXT = "重大火灾隐患（多项要素综合判定）"
MEASURE = (
    "逐项整改所列消防安全问题，整改期间落实专人巡查、疏散引导等临时防范措施；"
    "由消防救援机构依法认定并督办，整改完成后申请复查销号。"
)


@dataclass
class Combined:
    proposal: fire_judgement.Proposal | None
    venue_kind: str
    decision: str | None = None
    reason: str = ""
    hazard_uuid: str | None = None
    # An amendment naming the combined hazard its earlier visit raised: kept as it is.
    inherited: bool = False
    deadline: date | None = None
    defect: str = ""


def failed_elements(answers: list[dict]) -> list[fire_judgement.Failed]:
    """The failed answers whose item counts as a combined-judgement element."""
    out = []
    for a in answers:
        item = a["item_data"]
        element = item.get("fire_element") or ""
        if a["result"] == "fail" and element:
            defect = (
                (a.get("hazard") or {}).get("defect") or item.get("defect") or item.get("text", "")
            )
            out.append(fire_judgement.Failed(a["checklist"], a["item"], element, defect))
    return out


def clean(
    raw,
    answers: list[dict],
    ent,
    visit_uuid: str,
    visit_day: date,
    errors: list[str],
    hazard_ids: set[str],
) -> Combined:
    """Validate the body's `fire_combined` against the recomputed proposal; append Chinese errors."""
    default_kind = fire_judgement.venue_kind_for(ent.venue_type, ent.industry, ent.employees)
    if raw is None:
        proposal = fire_judgement.propose(failed_elements(answers), default_kind, visit_day)
        return Combined(proposal, default_kind)
    if not isinstance(raw, dict):
        errors.append("fire_combined 应为对象或 null")
        return Combined(None, default_kind)
    for name in sorted(set(raw) - FIELDS):
        errors.append(f"fire_combined：未知字段“{name}”")
    decision = raw.get("decision")
    if decision not in DECISIONS:
        errors.append("fire_combined.decision 应为 confirm（确认综合判定）或 decline（不予认定）")
        decision = None
    kind = raw.get("venue_kind", default_kind)
    if kind not in fire_judgement.VENUE_KINDS:
        errors.append(
            "fire_combined.venue_kind 应为 crowded（人员密集场所）、flammable（易燃易爆危险品场所）、"
            "important（重要场所）或 other（其他场所）"
        )
        kind = default_kind
    reason = raw.get("reason") or ""
    if not isinstance(reason, str) or len(reason.strip()) > MAX_REASON:
        errors.append(f"fire_combined.reason 应为不超过 {MAX_REASON} 字的文字")
        reason = ""
    reason = reason.strip()
    if decision == "decline" and not reason:
        errors.append("不予认定综合判定的重大火灾隐患，须在 fire_combined.reason 中说明理由")
    proposal = fire_judgement.propose(failed_elements(answers), kind, visit_day)
    if decision and proposal is None:
        label = fire_judgement.VENUE_KINDS[kind]
        errors.append(
            f"本次检查不符合的综合判定要素未达到 GB 35181 对{label}规定的条数，没有可{'确认' if decision == 'confirm' else '拒绝'}"
            "的综合判定提议，请去掉 fire_combined"
        )
    out = Combined(proposal, kind, decision, reason)
    hz = raw.get("hazard")
    if hz is not None and decision != "confirm":
        errors.append("只有确认综合判定时才填写 fire_combined.hazard")
    elif decision == "confirm":
        hz = hz or {}
        if not isinstance(hz, dict):
            errors.append("fire_combined.hazard 应为对象")
            hz = {}
        for name in sorted(set(hz) - HAZARD_FIELDS):
            errors.append(f"fire_combined.hazard：未知字段“{name}”")
        hid = hz.get("uuid") or str(
            uuidlib.uuid5(uuidlib.NAMESPACE_URL, f"{visit_uuid}/{ITEM_KEY}")
        )
        from .visits import UUID_RE

        if not isinstance(hid, str) or not UUID_RE.match(hid):
            errors.append("fire_combined.hazard.uuid 应为小写 UUID")
        elif hid in hazard_ids:
            errors.append("fire_combined.hazard.uuid 与本次检查的其他隐患编号重复")
        hazard_ids.add(str(hid))
        out.hazard_uuid = str(hid)
        try:
            out.deadline = date.fromisoformat(
                str(hz.get("deadline") or (visit_day + timedelta(days=DEFAULT_DEADLINE_DAYS)))
            )
        except ValueError:
            errors.append("fire_combined.hazard.deadline 应为 YYYY-MM-DD")
            out.deadline = visit_day + timedelta(days=DEFAULT_DEADLINE_DAYS)
        if not visit_day <= out.deadline <= visit_day + timedelta(days=365):
            errors.append("fire_combined.hazard.deadline 应在检查日期之后一年以内")
        defect = hz.get("defect")
        if defect is not None and (
            not isinstance(defect, str) or not defect.strip() or len(defect) > 2000
        ):
            errors.append("fire_combined.hazard.defect 应为不超过 2000 字的非空文字")
            defect = None
        out.defect = " ".join(defect.split()) if defect else (proposal.defect() if proposal else "")
    return out


def payload(c: Combined) -> dict | None:
    """What the visit's audit event keeps of the proposal and the inspector's answer."""
    if c.proposal is None and c.decision is None:
        return None
    return {
        "proposal": c.proposal.as_data() if c.proposal else None,
        "venue_kind": c.venue_kind,
        "decision": c.decision,
        "reason": c.reason,
        "hazard": c.hazard_uuid,
    }


def record(c: Combined, ent, visit_uuid: str, *, actor, now: datetime) -> None:
    """Raise the combined major hazard when the inspector confirmed the proposal (once: not on an amendment)."""
    if c.decision != "confirm" or c.proposal is None or c.inherited:
        return
    counted = "；".join(f"{f.checklist}/{f.item}（要素{f.element}）" for f in c.proposal.counted)
    description = f"依据 {c.proposal.basis()}，{fire_judgement.VENUE_KINDS[c.venue_kind]}。计入要素的检查项：{counted}"
    if c.reason:
        description += f"。网格员说明：{c.reason}"
    hazards.raise_hazard(
        hazards.NewHazard(
            uuid=c.hazard_uuid,
            enterprise_id=ent.id,
            item_text=ITEM_TEXT,
            level="major",
            deadline=c.deadline,
            raised_at=now,
            visit_uuid=visit_uuid,
            checklist_id=None,
            item_key=ITEM_KEY,
            category="fire",
            description=description[:2000],
            measure=MEASURE,
            owner=ent.principal_name or "",
            defect=c.defect,
        ),
        actor=actor,
        now=now,
    )
