"""Receive a finished visit whole, idempotently (PRODUCT.md §5, §11; sync rules R1–R4).

The client makes the visit's UUID (and each hazard's) before saving anything. The
server inserts atomically (ON CONFLICT DO NOTHING, then compares): an identical
replay gets the same receipt, the same UUID with another body gets 409 and nothing
changes. Photos are referenced by SHA-256 and may arrive later; the receipt lists
the ones still missing.
"""

from __future__ import annotations

import uuid as uuidlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from werkzeug.exceptions import NotFound

from . import (
    audit,
    checklist_versions,
    checklists,
    contract,
    enterprises,
    fire_combined,
    hazards,
    notices,
    photos,
    supervision,
)
from .checklists import Checklist
from .clock import local_today, to_local
from .contract.api import LOCATION_STATUS, RESULTS, HazardIn, VisitIn  # noqa: F401  (RESULTS: used by pages)
from .contract.rules import ItemRules
from .contract.types import UUID_RE
from .errors import DomainError
from .extensions import db
from .models import Answer, ChecklistVersion, Hazard, PhotoRef, Visit, VisitChecklist

CLOCK_SKEW = timedelta(minutes=15)
MAX_AGE = timedelta(days=90)


class VisitError(DomainError):
    """A refused visit body; `errors` lists every problem found, in Chinese."""


@dataclass
class Receipt:
    body: dict
    created: bool


def body_hash(body: dict) -> str:
    return audit.sha256(audit.canonical(body))


def _version_content(checklist_id: str, version: int) -> Checklist | dict | None:
    """The content a device answered: the version in force, or an earlier recorded one."""
    current = current_app.extensions["checklists"].get(checklist_id)
    if current is not None and current.version == version:
        return current
    row = db.session.scalar(
        select(ChecklistVersion).where(
            ChecklistVersion.checklist_id == checklist_id, ChecklistVersion.version == version
        )
    )
    return row.snapshot if row else None


def _items(content: Checklist | dict) -> dict[str, dict]:
    if isinstance(content, Checklist):
        return {i.key: i.as_data() for i in content.items}
    return {i["key"]: i for s in content["sections"] for i in s["items"]}


def _edition_problem(content: Checklist | dict, day: date) -> str | None:
    """Say why a checklist version may not judge a visit on `day` (its edition not in force), or None."""
    if isinstance(content, Checklist):
        title, edition = content.title, content.edition
        start, end = content.valid_from, content.valid_until
    else:
        title, edition = content.get("title", ""), content.get("edition") or ""
        start = date.fromisoformat(content["valid_from"]) if content.get("valid_from") else None
        end = date.fromisoformat(content["valid_until"]) if content.get("valid_until") else None
    if (start is None or start <= day) and (end is None or day <= end):
        return None
    span = "".join(
        [
            f"{start.year}年{start.month}月{start.day}日起" if start else "",
            f"至{end.year}年{end.month}月{end.day}日" if end else "施行",
        ]
    )
    return (
        f"《{title}》依据{edition or '的标准'}，{span}，本次检查日期{day.year}年{day.month}月{day.day}日不在其施行期内："
        f"请用检查当天施行的版本重新检查"
    )


def validate(visit_uuid: str, body: VisitIn, *, actor, now: datetime, enterprise_row=None) -> dict:
    """Check a visit already in the contract's shape against the domain; raise VisitError (400/404/422).

    `enterprise_row` stands for the premises when the visit's is not looked up in the
    actor's scope: a unit awaiting approval (fieldapp.units) or one a visit is attached to.
    """
    if not UUID_RE.match(visit_uuid):
        raise VisitError("检查编号应为小写 UUID。", status=400)
    errors: list[str] = []
    if enterprise_row is not None:
        ent = enterprise_row
    elif body.supervision is not None:
        ent = supervision.premises(
            actor, body.enterprise_id
        )  # 督导帮扶: any premises of the actor's street
    else:
        ent = enterprises.get(actor, body.enterprise_id)  # 404 when out of scope
    started, finished = body.started_at, body.finished_at
    if finished < started:
        errors.append("finished_at 早于 started_at")
    if finished > now + CLOCK_SKEW:
        errors.append("finished_at 晚于服务器时间，请检查手机时间")
    if started < now - MAX_AGE:
        errors.append("检查开始时间过早（超过 90 天），请联系街道核实")

    location = body.location.model_dump() if body.location else None
    status = body.location_status or ("ok" if location else "none")

    visit_day = local_today(finished)
    contents: dict[str, tuple[int, Checklist | dict]] = {}
    for entry in body.checklists:
        content = _version_content(entry.id, entry.version)
        if content is None:
            errors.append(f"未知的检查清单版本：{entry.id} 第 {entry.version} 版")
            continue
        problem = _edition_problem(content, visit_day)
        if problem:
            errors.append(problem)
            continue
        contents[entry.id] = (entry.version, content)
    # Each checklist's items as data, once: looked up per answer, not rebuilt per answer.
    items_of = {cid: _items(content) for cid, (_, content) in contents.items()}

    seen: set[tuple[str, str]] = set()
    hazard_ids: set[str] = set()
    clean_answers = []
    for n, a in enumerate(body.answers):
        where = f"answers[{n}]"
        cid, key = a.checklist, a.item
        if cid not in contents:
            errors.append(f"{where}：清单 {cid} 不在本次检查的 checklists 中")
            continue
        item = items_of[cid].get(key)
        if item is None:
            errors.append(f"{where}：清单 {cid} 第 {contents[cid][0]} 版没有检查项 {key}")
            continue
        where = f"{cid}/{key}"
        if (cid, key) in seen:
            errors.append(f"{where}：同一检查项重复作答")
            continue
        seen.add((cid, key))
        rules = ItemRules.of(item)
        shots = list(dict.fromkeys(a.photos or []))
        clean_hazard = None
        if a.result != "fail":
            if a.hazard is not None:
                errors.append(f"{where}：只有“不符合”才会产生隐患")
        else:
            if rules.photo_required and not shots:
                errors.append(f"{where}：该项不符合时须拍照")
            clean_hazard = _clean_hazard(
                a.hazard,
                rules,
                item,
                where,
                visit_uuid,
                cid,
                key,
                visit_day,
                shots,
                errors,
                hazard_ids,
            )
        clean_answers.append(
            {
                "checklist": cid,
                "item": key,
                "result": a.result,
                "note": (a.note or "").strip(),
                "photos": shots,
                "hazard": clean_hazard,
                "item_data": item,
            }
        )
    unchecked = _unchecked(body, contents, seen, errors)
    sign_off = _sign_off(body, errors)
    raw_combined = (
        body.fire_combined.model_dump(mode="json", exclude_none=True)
        if body.fire_combined
        else None
    )
    combined = fire_combined.clean(
        raw_combined, clean_answers, ent, visit_uuid, visit_day, errors, hazard_ids
    )
    amends = _amends(body.amends, visit_uuid, ent, actor, clean_answers, errors, combined)
    if errors:
        raise VisitError("检查记录有误，未保存。", status=422, errors=errors)
    return {
        "enterprise": ent,
        "started": started,
        "finished": finished,
        "location": location,
        "location_status": status if location is None else "ok",
        "contents": contents,
        "answers": clean_answers,
        "fire_combined": combined,
        "amends": amends,
        "unchecked": unchecked,
        "sign_off": sign_off,
    }


def _unchecked(
    body: VisitIn, contents: dict, answered: set[tuple[str, str]], errors: list[str]
) -> list[dict] | None:
    """Check the items left unanswered on purpose (未检查): each an item of the visit, not answered, with a reason.

    Requiring an answer or a reason is the phone's rule (PRODUCT.md §11: a visit's answers
    need not cover every item, and integrations rely on that); what is listed must be right.
    """
    if body.unchecked is None:
        return None
    out, listed = [], set()
    for n, u in enumerate(body.unchecked):
        where = f"unchecked[{n}]"
        if u.checklist not in contents:
            errors.append(f"{where}：清单 {u.checklist} 不在本次检查的 checklists 中")
            continue
        if u.item not in _items(contents[u.checklist][1]):
            errors.append(
                f"{where}：清单 {u.checklist} 第 {contents[u.checklist][0]} 版没有检查项 {u.item}"
            )
            continue
        where = f"{u.checklist}/{u.item}"
        if (u.checklist, u.item) in answered:
            errors.append(f"{where}：已作答的检查项不能同时记为未检查")
            continue
        if (u.checklist, u.item) in listed:
            errors.append(f"{where}：同一检查项重复记为未检查")
            continue
        listed.add((u.checklist, u.item))
        reason = " ".join(u.reason.split())
        if not reason:
            errors.append(f"{where}：未检查须说明原因")
            continue
        out.append({"checklist": u.checklist, "item": u.item, "reason": reason})
    return out or None


def _sign_off(body: VisitIn, errors: list[str]) -> dict | None:
    """Check the responsible person's sign-off: a signature image, or a refusal with its reason."""
    s = body.sign_off
    if s is None:
        return None
    reason = " ".join((s.reason or "").split())
    signer = " ".join((s.signer or "").split())
    out = {
        "status": s.status,
        "signer": signer,
        "signed_at": s.signed_at.isoformat() if s.signed_at else None,
    }
    if s.status == "signed":
        if s.signature is None:
            errors.append("sign_off：已签名须附签名图片（signature，签名 PNG 的 SHA-256）")
        if reason:
            errors.append("sign_off：已签名时不填拒签原因（reason）")
        out["signature"] = s.signature
    else:
        if s.signature is not None:
            errors.append("sign_off：拒绝签名时不附签名图片")
        if not reason:
            errors.append("sign_off：被检查单位负责人拒绝签名或无法签名，须说明原因")
        out["reason"] = reason
    return out


MAX_AMENDMENT_CHAIN = 20


def _amends(
    value: str | None,
    visit_uuid: str,
    ent,
    actor,
    answers: list[dict],
    errors: list[str],
    combined: fire_combined.Combined | None = None,
) -> str | None:
    """Check the optional `amends`: the earlier visit this one corrects (same inspector, same premises).

    A hazard the earlier visits already raised may be named again by its uuid on the same
    item; it is then kept as it is, not raised twice (marked `inherited` on the answer).
    So may the GB 35181 combined hazard an earlier visit confirmed (`combined.inherited`).
    """
    if value is None:
        return None
    if value == visit_uuid:
        errors.append("amends 应为被更正的原检查编号（不是本次检查）")
        return None
    first = db.session.get(Visit, value)
    if first is None:
        errors.append("被更正的原检查尚未同步到服务器，请先同步原检查")
        return None
    if first.inspector_id != actor.id:
        errors.append("只能更正自己提交的检查")
        return None
    if first.enterprise_id != ent.id:
        errors.append("更正记录须与原检查为同一场所")
        return None
    chain, at = [], first
    while at is not None and len(chain) < MAX_AMENDMENT_CHAIN:
        chain.append(at.uuid)
        at = db.session.get(Visit, at.amends) if at.amends else None
    earlier = {
        h.uuid: (h.checklist_id, h.item_key)
        for h in db.session.scalars(select(Hazard).where(Hazard.visit_uuid.in_(chain)))
    }
    for a in answers:
        hz = a["hazard"]
        if hz is None or hz["uuid"] not in earlier:
            continue
        if earlier[hz["uuid"]] != (a["checklist"], a["item"]):
            errors.append(f"{a['checklist']}/{a['item']}：隐患编号属于原检查的另一检查项")
        hz["inherited"] = True
    if combined is not None and combined.decision == "confirm" and combined.hazard_uuid in earlier:
        if earlier[combined.hazard_uuid] != (None, fire_combined.ITEM_KEY):
            errors.append("fire_combined.hazard.uuid 属于原检查的另一隐患")
        combined.inherited = True
    return value


def _clean_hazard(
    hz: HazardIn | None,
    rules: ItemRules,
    item: dict,
    where: str,
    visit_uuid: str,
    cid: str,
    key: str,
    visit_day: date,
    shots: list[str],
    errors: list[str],
    seen: set[str],
) -> dict:
    default_deadline = visit_day + timedelta(days=rules.default_deadline_days)
    if hz is None:
        # A failed item always raises a hazard; a stable id keeps replays idempotent.
        hz = HazardIn(uuid=str(uuidlib.uuid5(uuidlib.NAMESPACE_URL, f"{visit_uuid}/{cid}/{key}")))
    hid = hz.uuid
    if hid in seen:
        errors.append(f"{where}：隐患编号重复")
    seen.add(hid)
    level = hz.level or rules.default_level
    level_reason = (hz.level_reason or "").strip()
    if rules.level_reason_if_lowered and level == "general" and not level_reason:
        errors.append(f"{where}：该项按规定属重大隐患，定为一般隐患须说明理由")
    deadline = hz.deadline or default_deadline
    deadline_reason = (hz.deadline_reason or "").strip()
    if deadline < visit_day:
        errors.append(f"{where}：整改期限不能早于检查日期")
    if (
        deadline > visit_day + timedelta(days=rules.deadline_reason_after_days)
        and not deadline_reason
    ):
        errors.append(
            f"{where}：整改期限长于该项默认的 {rules.default_deadline_days} 天，须说明理由"
        )
    if deadline > visit_day + timedelta(days=rules.max_deadline_days):
        errors.append(f"{where}：整改期限不能超过一年")
    fixed = hz.fixed_on_spot
    after = list(dict.fromkeys(hz.after_photos or []))
    if fixed:
        if level not in rules.fix_on_spot_levels:
            errors.append(f"{where}：重大隐患不能当场整改销号")
        if rules.fix_on_spot_needs_photos and (not shots or not after):
            errors.append(f"{where}：当场整改须有整改前和整改后照片")
    elif after:
        errors.append(f"{where}：只有当场整改才附整改后照片")
    measure = (hz.measure or "").strip() or (item.get("measure") or "")
    defect = hz.defect
    if defect is None:
        # Versions recorded before items carried a defect name the hazard by the item text.
        defect = item.get("defect") or item.get("text") or ""
    elif not defect.strip():
        errors.append(f"{where}：隐患表述 defect 应为非空文字（不填则使用检查项的隐患表述）")
    defect = " ".join(defect.split())
    return {
        "uuid": hid,
        "level": level,
        "level_reason": level_reason,
        "deadline": deadline,
        "deadline_reason": deadline_reason,
        "fixed_on_spot": fixed,
        "after_photos": after,
        "description": (hz.description or "").strip(),
        "measure": measure,
        "owner": (hz.owner or "").strip(),
        "defect": defect,
    }


def _receipt(visit: Visit) -> dict:
    return receipts([visit])[visit.uuid]


def receipts(rows: list[Visit]) -> dict[str, dict]:
    """The receipts of these visits, in a fixed number of queries (the phone re-checks many at once)."""
    if not rows:
        return {}
    ids = [v.uuid for v in rows]
    hazard_rows = db.session.execute(
        select(Hazard.visit_uuid, Hazard.uuid)
        .where(Hazard.visit_uuid.in_(ids))
        .order_by(Hazard.raised_at, Hazard.uuid)
    ).all()
    by_visit: dict[str, list[str]] = {v: [] for v in ids}
    for visit_uuid, hazard_uuid in hazard_rows:
        by_visit[visit_uuid].append(hazard_uuid)
    # Photos of the answers and hazards, then (an on-the-spot fix) those of the fix event,
    # a uuid5 of its hazard: the order the receipt has always listed them in.
    owner: dict[str, str] = {v: v for v in ids}
    fix_owner: dict[str, str] = {}
    for visit_uuid, hazard_uuid in hazard_rows:
        owner[hazard_uuid] = visit_uuid
        fix_owner[str(uuidlib.uuid5(uuidlib.NAMESPACE_URL, f"fix:{hazard_uuid}"))] = visit_uuid
    refs: dict[str, list[str]] = {v: [] for v in ids}
    for object_id, sha in db.session.execute(
        select(PhotoRef.object_id, PhotoRef.photo_sha256)
        .where(
            PhotoRef.object_id.in_(list(owner)), PhotoRef.kind.in_(("answer", "after", "signature"))
        )
        .order_by(PhotoRef.id)
    ):
        refs[owner[object_id]].append(sha)
    if fix_owner:
        for object_id, sha in db.session.execute(
            select(PhotoRef.object_id, PhotoRef.photo_sha256)
            .where(PhotoRef.object_id.in_(list(fix_owner)))
            .order_by(PhotoRef.id)
        ):
            refs[fix_owner[object_id]].append(sha)
    # The answers' own photos count too: a photo its citer could not cite has no ref.
    for visit_uuid, shas in db.session.execute(
        select(Answer.visit_uuid, Answer.photos)
        .where(Answer.visit_uuid.in_(ids))
        .order_by(Answer.id)
    ):
        refs[visit_uuid].extend(shas)
    for v in rows:  # and the responsible person's signature, like a photo
        if (v.sign_off or {}).get("signature"):
            refs[v.uuid].append(v.sign_off["signature"])
    # Held, and cited for the visit's premises (photos.missing): one question per premises.
    missing: dict[int, set[str]] = {}
    for eid in {v.enterprise_id for v in rows}:
        shas = [sha for v in rows if v.enterprise_id == eid for sha in refs[v.uuid]]
        missing[eid] = set(photos.missing(shas, enterprise_id=eid))
    return {
        v.uuid: {
            "uuid": v.uuid,
            "received_at": v.received_at.isoformat(),
            "hazards": by_visit[v.uuid],
            "missing_photos": [
                sha for sha in dict.fromkeys(refs[v.uuid]) if sha in missing[v.enterprise_id]
            ],
            # The 整改通知书's number, for the phone's reprint (None: nothing to rectify).
            "notice_no": notices.number(v, pattern=current_app.config["NOTICE_NUMBER_PATTERN"]),
        }
        for v in rows
    }


def receipt_for(visit_uuid: str) -> dict | None:
    visit = db.session.get(Visit, visit_uuid)
    return _receipt(visit) if visit else None


def get_in_scope(actor, visit_uuid: str):
    """Return a stored visit and its premises; 404 when unknown or outside the actor's scope."""
    visit = db.session.get(Visit, visit_uuid)
    if visit is None:
        raise NotFound()
    return visit, enterprises.get(actor, visit.enterprise_id)


def answered_items(
    answers: list[dict], checklist_id: str, *, checklist: str, item: str
) -> dict[str, list[str]]:
    """The item keys answered "pass" and "na" on one checklist, sorted: what a visit's checklist row keeps."""
    return {
        column: sorted(
            a[item] for a in answers if a[checklist] == checklist_id and a["result"] == result
        )
        for column, result in (("passed", "pass"), ("not_applicable", "na"))
    }


def receive(visit_uuid: str, body, *, actor, now: datetime, enterprise_row=None) -> Receipt:
    """Store a finished visit, or answer a replay; the caller commits.

    A visit to a unit not yet in the register (`"unit"` in place of `enterprise_id`)
    is kept by fieldapp.units until the street office decides on the unit.
    """
    if isinstance(body, dict) and body.get("unit") is not None and enterprise_row is None:
        from . import units

        return units.receive_visit(visit_uuid, body, actor=actor, now=now)
    if isinstance(body, dict) and isinstance(visit_uuid, str):
        existing = db.session.get(Visit, visit_uuid)
        if existing is not None:
            return _compare(existing, body, actor)
    parsed = contract.parse(VisitIn, body, what="检查记录")
    clean = validate(visit_uuid, parsed, actor=actor, now=now, enterprise_row=enterprise_row)
    digest = body_hash(body)
    ent = clean["enterprise"]
    answers = clean["answers"]
    # The items the premises is inspected on (an item may narrow its list's scope): what the phone showed.
    item_count = sum(
        checklists.item_applies(i, ent)
        for _, c in clean["contents"].values()
        for i in _items(c).values()
    )
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    loc = clean["location"] or {}
    row = dict(
        uuid=visit_uuid,
        enterprise_id=ent.id,
        inspector_id=actor.id,
        started_at=clean["started"],
        finished_at=clean["finished"],
        received_at=now,
        lat=loc.get("lat"),
        lng=loc.get("lng"),
        accuracy_m=loc.get("accuracy_m"),
        location_status=clean["location_status"],
        body_hash=digest,
        item_count=item_count,
        answered_count=len(answers),
        fail_count=sum(a["result"] == "fail" for a in answers),
        amends=clean["amends"],
        sign_off=clean["sign_off"],
        unchecked=clean["unchecked"],
    )
    # Atomic create: never check-then-insert (KoboToolbox's duplicate bug).
    # RETURNING says whether this statement inserted (rowcount is -1 under psycopg 3).
    inserted = db.session.execute(
        insert(Visit)
        .values(**row)
        .on_conflict_do_nothing(index_elements=["uuid"])
        .returning(Visit.uuid)
    ).first()
    if inserted is None:
        db.session.rollback()
        return _compare(db.session.get(Visit, visit_uuid), body, actor)
    # One light query for the versions in force (ensure() per list would load each snapshot).
    checklist_versions.ensure_all(
        [c for _, c in clean["contents"].values() if isinstance(c, Checklist)], now
    )
    for pos, (cid, (version, content)) in enumerate(clean["contents"].items()):
        chash = content.content_hash if isinstance(content, Checklist) else None
        if not isinstance(content, Checklist):
            chash = db.session.scalar(
                select(ChecklistVersion.content_hash).where(
                    ChecklistVersion.checklist_id == cid, ChecklistVersion.version == version
                )
            )
        db.session.add(
            VisitChecklist(
                visit_uuid=visit_uuid,
                checklist_id=cid,
                version=version,
                content_hash=chash,
                position=pos,
                enterprise_id=ent.id,
                finished_at=clean["finished"],
                **answered_items(answers, cid, checklist="checklist", item="item"),
            )
        )
    new_ids = [
        a["hazard"]["uuid"] for a in answers if a["hazard"] and not a["hazard"].get("inherited")
    ]
    if clean["fire_combined"].decision == "confirm" and not clean["fire_combined"].inherited:
        new_ids.append(clean["fire_combined"].hazard_uuid)
    taken = set(db.session.scalars(select(Hazard.uuid).where(Hazard.uuid.in_(new_ids))))
    if taken:
        db.session.rollback()
        raise VisitError("隐患编号已被其他检查使用。", status=409, errors=sorted(taken))
    for a in answers:
        db.session.add(
            Answer(
                visit_uuid=visit_uuid,
                checklist_id=a["checklist"],
                item_key=a["item"],
                result=a["result"],
                note=a["note"],
                photos=a["photos"],
            )
        )
        photos.ref(ent.id, "answer", visit_uuid, photos.citable(actor, a["photos"]), now)
    if clean["sign_off"] and clean["sign_off"].get("signature"):
        # Kept as evidence like a photo, and listed as missing until the phone sends it.
        photos.ref(
            ent.id,
            "signature",
            visit_uuid,
            photos.citable(actor, [clean["sign_off"]["signature"]]),
            now,
        )
    db.session.flush()
    audit.append(
        uuid=str(uuidlib.uuid5(uuidlib.NAMESPACE_URL, f"visit:{visit_uuid}")),
        object_type="visit",
        object_id=visit_uuid,
        enterprise_id=ent.id,
        action="visit_received",
        actor_id=actor.id,
        actor_label=actor.username,
        at=now,
        payload={
            "body_sha256": digest,
            "answers": len(answers),
            "fails": row["fail_count"],
            "checklists": [[cid, v] for cid, (v, _) in clean["contents"].items()],
            "fire_combined": fire_combined.payload(clean["fire_combined"]),
            **(
                {
                    "sign_off": {
                        k: v for k, v in clean["sign_off"].items() if k in ("status", "signature")
                    }
                }
                if clean["sign_off"]
                else {}
            ),
            **({"unchecked": len(clean["unchecked"])} if clean["unchecked"] else {}),
            **({"amends": clean["amends"]} if clean["amends"] else {}),
            **supervision.record(visit_uuid, parsed.supervision, ent),
        },
    )
    for a in answers:
        hz = a["hazard"]
        if hz is None or hz.get("inherited"):
            continue  # an amendment naming a hazard its earlier visit raised: kept as it is
        item = a["item_data"]
        hazards.raise_hazard(
            hazards.NewHazard(
                uuid=hz["uuid"],
                enterprise_id=ent.id,
                item_text=item["text"],
                level=hz["level"],
                deadline=hz["deadline"],
                raised_at=now,
                visit_uuid=visit_uuid,
                checklist_id=a["checklist"],
                item_key=a["item"],
                category=item.get("category", ""),
                description=hz["description"] or a["note"],
                level_reason=hz["level_reason"],
                deadline_reason=hz["deadline_reason"],
                before_photos=a["photos"],
                fixed_on_spot=hz["fixed_on_spot"],
                after_photos=hz["after_photos"],
                measure=hz["measure"],
                owner=hz["owner"] or (ent.principal_name or ""),
                defect=hz["defect"],
            ),
            actor=actor,
            now=now,
        )
    fire_combined.record(clean["fire_combined"], ent, visit_uuid, actor=actor, now=now)
    db.session.flush()
    visit = db.session.get(Visit, visit_uuid)
    notices.allocate(visit, pattern=current_app.config["NOTICE_NUMBER_PATTERN"])
    db.session.flush()
    return Receipt(_receipt(visit), created=True)


def _compare(existing: Visit, body, actor) -> Receipt:
    if existing.inspector_id != actor.id and actor.role != "district":
        # Another user's visit id: say nothing about it.
        raise VisitError("该检查编号已被使用。", status=409)
    if body_hash(body) != existing.body_hash:
        raise VisitError(
            "该检查编号已提交过不同的内容；手机上的记录已保留，请联系街道核实。", status=409
        )
    return Receipt(_receipt(existing), created=False)


def local_date(value: datetime) -> date:
    return to_local(value).date()


@dataclass
class ItemView:
    key: str
    text: str
    major: bool
    answer: Answer | None
    unchecked_reason: str = ""  # why it was left unanswered (未检查), when the phone said


@dataclass
class SectionView:
    checklist_title: str
    title: str
    items: list[ItemView]


def pinned_content(vc: VisitChecklist) -> dict:
    """The exact content a visit answered: the file in force if unchanged, else the recorded snapshot."""
    current = current_app.extensions["checklists"].get(vc.checklist_id)
    if (
        current is not None
        and current.version == vc.version
        and current.content_hash == vc.content_hash
    ):
        return current.snapshot()
    row = db.session.scalar(
        select(ChecklistVersion).where(
            ChecklistVersion.checklist_id == vc.checklist_id, ChecklistVersion.version == vc.version
        )
    )
    return row.snapshot if row else {"title": vc.checklist_id, "sections": []}


def report(visit: Visit) -> list[SectionView]:
    """Every item the visit covered, with its answer or none (unanswered), in checklist order."""
    answers = {(a.checklist_id, a.item_key): a for a in visit.answers}
    reasons = {(u["checklist"], u["item"]): u["reason"] for u in visit.unchecked or []}
    out = []
    for vc in visit.checklists:
        snap = pinned_content(vc)
        for s in snap["sections"]:
            # An item that does not apply to the premises was not offered: shown only if answered.
            items = [
                ItemView(
                    i["key"],
                    i["text"],
                    i["major"],
                    answers.get((vc.checklist_id, i["key"])),
                    reasons.get((vc.checklist_id, i["key"]), ""),
                )
                for i in s["items"]
                if (vc.checklist_id, i["key"]) in answers
                or checklists.item_applies(i, visit.enterprise)
            ]
            out.append(SectionView(snap["title"], s["title"], items))
    return out


def combined_judgement(visit: Visit) -> dict | None:
    """The GB 35181 combined-judgement proposal of a visit and the inspector's answer, as recorded."""
    from .models import AuditEvent

    event = db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.object_type == "visit",
            AuditEvent.object_id == visit.uuid,
            AuditEvent.action == "visit_received",
        )
    )
    return audit.payload(event).get("fire_combined") if event else None


def signature_held(visit: Visit) -> bool:
    """Whether the responsible person's signature image has reached the server (it syncs like a photo)."""
    sha = (visit.sign_off or {}).get("signature")
    return bool(sha) and not photos.missing([sha], enterprise_id=visit.enterprise_id)


def visit_hazards(visit: Visit) -> list[Hazard]:
    return list(
        db.session.scalars(
            select(Hazard)
            .where(Hazard.visit_uuid == visit.uuid)
            .order_by(Hazard.raised_at, Hazard.uuid)
        )
    )


def for_enterprise(enterprise_id: int, limit: int = 50) -> list[Visit]:
    return list(
        db.session.scalars(
            select(Visit)
            .where(Visit.enterprise_id == enterprise_id)
            .order_by(Visit.finished_at.desc())
            .limit(limit)
        )
    )
