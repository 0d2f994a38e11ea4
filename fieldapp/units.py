"""Units found in the field (plan 四(一): 排查摸底, 查缺补漏 of the 四类市场主体), to the register.

An inspector records a unit the register lacks, offline like a visit
(PUT /api/v1/units/{uuid}: an identical replay gets the same receipt, the same
uuid with another body 409). It is a proposal, outside the register and every
count, until the street office decides:

- approve: the enterprise is created from it (the office completes and corrects the
  record, with the 四类市场主体 flags) and counts in 企业基数 from that moment
  (its `created_at`, which the quarterly tables read);
- merge: it duplicates a unit already registered (same credit code, or a similar
  name within 50 m: `candidates`); blanks of that record are filled from it;
- reject: with a reason; it stays on file.

A first visit may be walked at once: the phone sends it with `"unit": <uuid>` in
place of `enterprise_id`. It is kept as sent (checked now, so the phone hears of
mistakes at once) and received as an ordinary visit, by its inspector and at the
time it first arrived, when the unit is approved or merged. Everything is audited.
"""

from __future__ import annotations

import math
import re
import uuid as uuidlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from difflib import SequenceMatcher
from types import SimpleNamespace

from flask import current_app
from sqlalchemy import false, func, or_, select, true, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import selectinload

from . import audit, contract, creditcode, enterprises, notices, photos, scope, visits
from .contract.api import UnitIn, VisitIn
from .contract.types import UUID_RE
from .errors import DomainError
from .extensions import db
from .lists import PER_PAGE, Page
from .models import (
    Enterprise,
    Grid,
    Hazard,
    PhotoRef,
    UnitProposal,
    UnitVisit,
    User,
    Visit,
    user_grids,
)
from .roles import FIELD, OFFICE, Role

STATUS = {"proposed": "待审核", "approved": "已入册", "merged": "已合并", "rejected": "未予入册"}
VISIT_STATUS = {"held": "待单位入册", "attached": "已记入单位", "unit_rejected": "单位未予入册"}
CLOCK_SKEW = timedelta(minutes=15)
MAX_AGE = timedelta(days=90)
NAME_SIMILARITY = 0.6
# Words every shop name carries; two names alike only in these are not alike.
NAME_NOISE = re.compile(
    r"(有限责任公司|股份有限公司|有限公司|公司|泉州市|鲤城区|鲤城|店|厂|部|行|（.*?）|\(.*?\)|\s)"
)


class UnitError(DomainError):
    """A refused unit proposal or decision, in Chinese."""


@dataclass
class Receipt:
    body: dict
    created: bool


def body_hash(body: dict) -> str:
    return audit.sha256(audit.canonical(body))


# --- receiving proposals ----------------------------------------------------------------


def _grid_for(actor, code: str | None, errors: list[str]) -> tuple[int | None, int | None]:
    """(street_id, grid_id) the proposal belongs to: a grid of the inspector's, or of the office's street."""
    if actor.role == Role.INSPECTOR:
        mine = list(
            db.session.execute(
                select(Grid.id, Grid.code, Grid.street_id)
                .join(user_grids, user_grids.c.grid_id == Grid.id)
                .where(user_grids.c.user_id == actor.id)
            )
        )
        if code:
            match = [g for g in mine if g.code == code]
            if not match:
                errors.append(f"grid：网格 {code} 不是您负责的网格")
                return None, None
            return match[0].street_id, match[0].id
        if len(mine) == 1:
            return mine[0].street_id, mine[0].id
        errors.append(
            "grid：您负责多个网格，请填写该单位所在的网格编码" if mine else "grid：您没有负责的网格"
        )
        return None, None
    if code:
        grid = db.session.scalar(select(Grid).where(Grid.code == code))
        if grid is None or (actor.role == Role.STREET and grid.street_id != actor.street_id):
            errors.append(
                f"grid：未知的网格 {code}" if grid is None else f"grid：网格 {code} 不在本街道"
            )
            return None, None
        return grid.street_id, grid.id
    if actor.role == Role.STREET:
        return actor.street_id, None
    errors.append("grid：请填写该单位所在的网格编码")
    return None, None


def receive(unit_uuid: str, body, *, actor, now: datetime) -> Receipt:
    """Store a unit found in the field, or answer a replay; the caller commits (400/404/409/422)."""
    if not UUID_RE.match(unit_uuid or ""):
        raise UnitError("单位编号应为小写 UUID。", status=400)
    if actor.role not in FIELD:
        raise UnitError("您的角色不能登记新发现的单位。", status=403)
    existing = db.session.get(UnitProposal, unit_uuid)
    if existing is not None and isinstance(body, dict):
        return _compare(existing, body, actor)
    unit = contract.parse(UnitIn, body, what="新发现单位")
    errors: list[str] = []
    code = creditcode.normalize(unit.credit_code or "") or None
    if code and (problem := creditcode.problem(code)):
        errors.append(f"credit_code：{problem}")
    street_id, grid_id = _grid_for(actor, unit.grid, errors)
    if unit.found_at > now + CLOCK_SKEW:
        errors.append("found_at：晚于服务器时间，请检查手机时间")
    if unit.found_at < now - MAX_AGE:
        errors.append("found_at：记录时间过早（超过 90 天），请联系街道核实")
    if errors:
        raise UnitError("新发现单位记录有误，未保存。", status=422, errors=errors)
    loc = unit.location
    row = dict(
        uuid=unit_uuid,
        name=" ".join(unit.name.split()),
        credit_code=code,
        no_licence=unit.no_licence,
        venue_type=unit.venue_type,
        industry=unit.industry,
        size_class=unit.size_class,
        address=unit.address.strip(),
        lat=loc.lat if loc else None,
        lng=loc.lng if loc else None,
        accuracy_m=loc.accuracy_m if loc else None,
        # A photo the inspector may not cite (someone else's, known only by its hash) is treated as absent.
        location_status="ok" if loc else (unit.location_status or "none"),
        photos=photos.citable(actor, unit.photos),
        note=unit.note.strip(),
        street_id=street_id,
        grid_id=grid_id,
        found_at=unit.found_at,
        proposed_by=actor.id,
        received_at=now,
        body_hash=body_hash(body),
        status="proposed",
        reason="",
        version=1,
    )
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    # Atomic: of two identical submissions racing, one inserts and the other answers as a replay.
    inserted = db.session.execute(
        insert(UnitProposal)
        .values(**row)
        .on_conflict_do_nothing(index_elements=["uuid"])
        .returning(UnitProposal.uuid)
    ).first()
    if inserted is None:
        db.session.rollback()
        return _compare(db.session.get(UnitProposal, unit_uuid), body, actor)
    p = db.session.get(UnitProposal, unit_uuid)
    audit.append(
        uuid=str(uuidlib.uuid5(uuidlib.NAMESPACE_URL, f"unit:{unit_uuid}")),
        object_type="unit",
        object_id=unit_uuid,
        enterprise_id=None,
        action="unit_proposed",
        actor_id=actor.id,
        actor_label=actor.username,
        at=now,
        payload={
            "body_sha256": row["body_hash"],
            "name": p.name,
            "credit_code": p.credit_code,
            "no_licence": p.no_licence,
            "street": street_id,
            "grid": grid_id,
            "photos": p.photos,
        },
    )
    return Receipt(receipt(p), created=True)


def _compare(existing: UnitProposal, body, actor) -> Receipt:
    if existing.proposed_by != actor.id:
        raise UnitError("该单位编号已被使用。", status=409)
    if body_hash(body) != existing.body_hash:
        raise UnitError(
            "该单位编号已提交过不同的内容；手机上的记录已保留，请联系街道核实。", status=409
        )
    return Receipt(receipt(existing), created=False)


def receipt(p: UnitProposal) -> dict:
    held = list(
        db.session.scalars(
            select(UnitVisit.uuid)
            .where(UnitVisit.unit_uuid == p.uuid)
            .order_by(UnitVisit.received_at)
        )
    )
    return {
        "uuid": p.uuid,
        "received_at": p.received_at.isoformat(),
        "status": p.status,
        "enterprise_id": p.enterprise_id,
        "reason": p.reason if p.status == "rejected" else "",
        "missing_photos": photos.missing(list(p.photos)),
        "visits": held,
    }


def visible_clause(actor):
    """Which proposals an actor sees: their own, their grids' (inspector), their street's (office), all (district)."""
    if actor.role == Role.DISTRICT:
        return true()
    if actor.role == Role.STREET:
        return UnitProposal.street_id == actor.street_id
    if actor.role == Role.INSPECTOR:
        grids = select(user_grids.c.grid_id).where(user_grids.c.user_id == actor.id)
        return or_(UnitProposal.proposed_by == actor.id, UnitProposal.grid_id.in_(grids))
    return false()


def get_in_scope(actor, unit_uuid: str) -> UnitProposal:
    p = (
        db.session.scalar(
            select(UnitProposal).where(UnitProposal.uuid == unit_uuid, visible_clause(actor))
        )
        if actor.role in FIELD
        else None
    )
    if p is None:
        raise UnitError("找不到该单位，或不在您的管辖范围内。", status=404)
    return p


def _listed(actor, status: str | None):
    stmt = select(UnitProposal).where(visible_clause(actor))
    return stmt.where(UnitProposal.status == status) if status else stmt


def listing(
    actor, *, status: str | None = "proposed", limit: int | None = None, offset: int = 0
) -> list[UnitProposal]:
    """The units the actor sees, newest first: all of them unless the caller pages (`limit`)."""
    stmt = (
        _listed(actor, status)
        .options(selectinload(UnitProposal.street), selectinload(UnitProposal.grid))
        .order_by(UnitProposal.received_at.desc(), UnitProposal.uuid)
        .offset(offset)
    )
    return list(db.session.scalars(stmt if limit is None else stmt.limit(limit)))


def page(actor, *, status: str | None, number: int, per_page: int = PER_PAGE) -> Page:
    """One page of the units the actor sees, with the count of all (every unit is reachable)."""
    total = db.session.scalar(select(func.count()).select_from(_listed(actor, status).subquery()))
    shown = Page([], total or 0, 1, per_page)
    shown.page = min(max(1, number), shown.pages)
    shown.rows = listing(actor, status=status, limit=per_page, offset=(shown.page - 1) * per_page)
    return shown


def decided_since(actor, since: datetime) -> list[UnitProposal]:
    """Units the actor sees that the office decided since `since`, what each became first.

    A phone may still hold a draft or a queued visit to one: it falls back to the premises
    the unit became, or shows why it did not become one.
    """
    return list(
        db.session.scalars(
            select(UnitProposal)
            .options(
                selectinload(UnitProposal.street),
                selectinload(UnitProposal.grid),
                selectinload(UnitProposal.enterprise),
            )
            .where(
                visible_clause(actor),
                UnitProposal.status != "proposed",
                UnitProposal.decided_at >= since,
            )
            .order_by(UnitProposal.decided_at.desc(), UnitProposal.uuid)
        )
    )


# --- duplicates ---------------------------------------------------------------------------


@dataclass
class Candidate:
    enterprise: Enterprise
    reasons: list[str]
    distance_m: float | None
    similarity: float


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    r = 6_371_000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def name_similarity(a: str, b: str) -> float:
    """How alike two names are (0–1), ignoring the words every company name carries."""
    a2, b2 = NAME_NOISE.sub("", a) or a, NAME_NOISE.sub("", b) or b
    if a2 in b2 or b2 in a2:
        return 1.0
    return SequenceMatcher(None, a2, b2).ratio()


def candidates(p: UnitProposal) -> list[Candidate]:
    """Registered units this proposal may duplicate: the same credit code, or a similar name within 50 m."""
    found: dict[int, Candidate] = {}
    if p.credit_code:
        for ent in db.session.scalars(
            select(Enterprise).where(Enterprise.credit_code == p.credit_code)
        ):
            found[ent.id] = Candidate(
                ent, ["统一社会信用代码相同"], None, name_similarity(p.name, ent.name)
            )
    if p.lat is not None and p.lng is not None:
        radius = current_app.config["UNIT_DUPLICATE_DISTANCE_M"]
        dlat = radius / 111_000 * 1.5
        dlng = dlat / max(0.2, math.cos(math.radians(p.lat)))
        near = db.session.scalars(
            select(Enterprise).where(
                Enterprise.lat.between(p.lat - dlat, p.lat + dlat),
                Enterprise.lng.between(p.lng - dlng, p.lng + dlng),
            )
        )
        for ent in near:
            d = distance_m(p.lat, p.lng, ent.lat, ent.lng)
            sim = name_similarity(p.name, ent.name)
            if d <= radius and sim >= NAME_SIMILARITY:
                c = found.setdefault(ent.id, Candidate(ent, [], d, sim))
                c.distance_m = d
                c.reasons.append(f"名称相近，相距约 {d:.0f} 米")
    # Where either has no location, distance cannot decide: the same name (noise words aside) in the same street.
    same_name = NAME_NOISE.sub("", p.name)
    if same_name:
        for ent in db.session.scalars(
            select(Enterprise).where(
                Enterprise.street_id == p.street_id,
                Enterprise.name.contains(same_name, autoescape=True),
            )
        ):
            located = p.lat is not None and ent.lat is not None and ent.lng is not None
            if ent.id not in found and not located and name_similarity(p.name, ent.name) >= 0.99:
                found[ent.id] = Candidate(ent, ["同一街道内名称相同"], None, 1.0)
    return sorted(found.values(), key=lambda c: (-len(c.reasons), -c.similarity, c.enterprise.id))


# --- deciding -----------------------------------------------------------------------------


def _decidable(actor, unit_uuid: str, version: int) -> UnitProposal:
    if actor.role not in OFFICE:
        raise UnitError("新发现单位由街道安办或区安委办审核。", status=403)
    p = get_in_scope(actor, unit_uuid)
    if p.version != version:
        raise UnitError("该记录已被他人处理，请刷新后重试。", status=409)
    if p.status != "proposed":
        raise UnitError(f"该单位已{STATUS[p.status]}。", status=409)
    return p


def _claim(p: UnitProposal, version: int, **values) -> None:
    """Compare-and-set on the version: of two office users deciding at once, one wins, the other gets 409."""
    won = db.session.execute(
        update(UnitProposal)
        .where(UnitProposal.uuid == p.uuid, UnitProposal.version == version)
        .values(version=version + 1, **values)
        .returning(UnitProposal.uuid)
        .execution_options(synchronize_session=False)
    ).first()
    if won is None:
        raise UnitError("该记录已被他人处理，请刷新后重试。", status=409)
    db.session.refresh(p)


def form_values(p: UnitProposal) -> dict:
    """The register form's values, prefilled from the proposal for the office to complete."""
    return {
        "name": p.name,
        "credit_code": p.credit_code or "",
        "street": p.street.name,
        "grid": p.grid.code if p.grid else "",
        "industry": p.industry,
        "size_class": p.size_class or "",
        "venue_type": p.venue_type or "",
        "address": p.address,
        "lat": "" if p.lat is None else p.lat,
        "lng": "" if p.lng is None else p.lng,
        "note": p.note,
        "new_business": True,
        "trade": p.industry == "商贸",
    }


def approve(unit_uuid: str, raw: dict, *, actor, version: int, now: datetime) -> Enterprise:
    """Enter the proposal in the register as the office completed it; receive its held visits. Caller commits.

    `raw` holds the register form's fields (as `enterprises.clean` reads them) and the
    flags `new_business` (新办企业) and `trade` (商贸企业).
    """
    p = _decidable(actor, unit_uuid, version)
    data = enterprises.clean(
        {**raw, "street": p.street.name, "standardization": "", "risk_color": "", "stars": ""}
    )
    if actor.role == Role.STREET and data["street_id"] != actor.street_id:
        raise enterprises.ValidationError({"street": "只能登记本街道的单位"})
    data["new_business"] = enterprises._bool(raw.get("new_business"))
    data["trade"] = enterprises._bool(raw.get("trade"))
    ent = enterprises.create(data, actor=actor, now=now)
    _claim(p, version, status="approved", enterprise_id=ent.id, decided_by=actor.id, decided_at=now)
    attached = _attach(p, ent, now)
    audit.append(
        uuid=str(uuidlib.uuid4()),
        object_type="unit",
        object_id=p.uuid,
        enterprise_id=ent.id,
        action="unit_approved",
        actor_id=actor.id,
        actor_label=actor.username,
        at=now,
        payload={
            "enterprise": ent.id,
            "name": ent.name,
            "credit_code": ent.credit_code,
            "four_categories": ent.market_categories,
            "visits": attached,
        },
    )
    return ent


def merge(
    unit_uuid: str, target_id: int | None, *, actor, version: int, now: datetime, note: str = ""
) -> Enterprise:
    """Record the proposal as a duplicate of a registered unit; fill that record's blanks from it. Caller commits."""
    if target_id is None:
        raise UnitError("请选择要合并到的在册单位。", status=422)
    p = _decidable(actor, unit_uuid, version)
    target = scope.get_enterprise(actor, target_id)  # 404 outside scope
    if not scope.can_edit_enterprise(actor, target):
        raise UnitError("只能合并到本街道的单位。", status=403)
    if p.credit_code and target.credit_code and p.credit_code != target.credit_code:
        raise UnitError("两者的统一社会信用代码不同，不是同一单位。", status=409)
    blanks = {}
    if p.credit_code and not target.credit_code:
        if db.session.scalar(select(Enterprise.id).where(Enterprise.credit_code == p.credit_code)):
            raise UnitError("该统一社会信用代码已属于另一在册单位。", status=409)
        blanks["credit_code"] = p.credit_code
    if p.lat is not None and target.lat is None:
        blanks.update(lat=p.lat, lng=p.lng)
    if p.address and not target.address:
        blanks["address"] = p.address
    filled = (
        enterprises.set_fields(target, blanks, actor=actor, now=now, label="") if blanks else {}
    )
    _claim(
        p,
        version,
        status="merged",
        enterprise_id=target.id,
        decided_by=actor.id,
        decided_at=now,
        reason=(note or "").strip()[:2000],
    )
    attached = _attach(p, target, now)
    audit.append(
        uuid=str(uuidlib.uuid4()),
        object_type="unit",
        object_id=p.uuid,
        enterprise_id=target.id,
        action="unit_merged",
        actor_id=actor.id,
        actor_label=actor.username,
        at=now,
        payload={
            "enterprise": target.id,
            "filled": sorted(filled),
            "note": p.reason,
            "visits": attached,
        },
    )
    return target


def reject(unit_uuid: str, *, reason: str, actor, version: int, now: datetime) -> UnitProposal:
    """Keep the proposal out of the register, with the reason; its held visits stay on file. Caller commits."""
    p = _decidable(actor, unit_uuid, version)
    reason = (reason or "").strip()
    if not reason:
        raise UnitError("不予入册须说明理由。", status=422)
    _claim(p, version, status="rejected", decided_by=actor.id, decided_at=now, reason=reason[:2000])
    held = db.session.scalars(
        select(UnitVisit).where(UnitVisit.unit_uuid == p.uuid, UnitVisit.status == "held")
    ).all()
    for v in held:
        v.status = "unit_rejected"
    audit.append(
        uuid=str(uuidlib.uuid4()),
        object_type="unit",
        object_id=p.uuid,
        enterprise_id=None,
        action="unit_rejected",
        actor_id=actor.id,
        actor_label=actor.username,
        at=now,
        payload={"reason": p.reason, "visits": [v.uuid for v in held]},
    )
    return p


def _attach(p: UnitProposal, ent: Enterprise, now: datetime) -> list[str]:
    """Reference the front photos from the premises and receive the held visits against it."""
    for sha in p.photos:
        db.session.add(
            PhotoRef(
                photo_sha256=sha,
                enterprise_id=ent.id,
                kind="unit",
                object_id=p.uuid,
                created_at=now,
            )
        )
    done = []
    held = db.session.scalars(
        select(UnitVisit)
        .where(UnitVisit.unit_uuid == p.uuid, UnitVisit.status == "held")
        .order_by(UnitVisit.received_at)
    ).all()
    for v in held:
        _receive_held(v, ent, now)
        done.append(v.uuid)
    return done


def _receive_held(v: UnitVisit, ent: Enterprise, now: datetime) -> None:
    """Receive a held visit as the visit it is: its inspector's, at the time it first reached the server."""
    inspector = db.session.get(User, v.inspector_id)
    body = {k: val for k, val in v.body.items() if k != "unit"}
    body["enterprise_id"] = ent.id
    try:
        visits.receive(v.uuid, body, actor=inspector, now=v.received_at, enterprise_row=ent)
    except visits.VisitError as exc:
        raise UnitError(
            f"先行保存的检查 {v.uuid} 无法记入该单位：{exc.message}", status=409, errors=exc.errors
        ) from None
    v.status, v.attached_at, v.enterprise_id = "attached", now, ent.id


# --- visits walked against a proposed unit -------------------------------------------------


def receive_visit(visit_uuid: str, body: dict, *, actor, now: datetime) -> visits.Receipt:
    """A visit to a unit not yet in the register: keep it as sent and answer with a receipt (the caller commits).

    The unit must have reached the server first (else 409: the phone keeps it and
    retries). Once the unit is approved or merged, the visit is received at once.
    """
    if not UUID_RE.match(visit_uuid or ""):
        raise visits.VisitError("检查编号应为小写 UUID。", status=400)
    held = db.session.get(UnitVisit, visit_uuid)
    if held is not None:
        if held.inspector_id != actor.id and actor.role != Role.DISTRICT:
            raise visits.VisitError("该检查编号已被使用。", status=409)
        if body_hash(body) != held.body_hash:
            raise visits.VisitError(
                "该检查编号已提交过不同的内容；手机上的记录已保留，请联系街道核实。", status=409
            )
        return visits.Receipt(visit_receipt(held), created=False)
    if db.session.get(Visit, visit_uuid) is not None:
        raise visits.VisitError(
            "该检查编号已提交过不同的内容；手机上的记录已保留，请联系街道核实。", status=409
        )
    parsed = contract.parse(VisitIn, body, what="检查记录")
    p = db.session.scalar(select(UnitProposal).where(UnitProposal.uuid == parsed.unit))
    if p is None:
        raise visits.VisitError(
            "该检查所属的新发现单位尚未同步到服务器：请先同步该单位，检查记录仍保留在手机上。",
            status=409,
        )
    if (
        p.proposed_by != actor.id
        and db.session.scalar(
            select(UnitProposal.uuid).where(UnitProposal.uuid == p.uuid, visible_clause(actor))
        )
        is None
    ):
        raise visits.VisitError("找不到该单位，或不在您的管辖范围内。", status=404)
    # Checked now against the unit as proposed, so the phone hears of any mistake while it still holds the visit.
    stand_in = SimpleNamespace(
        id=None,
        venue_type=p.venue_type,
        industry=p.industry,
        employees=None,
        principal_name=None,
        street_id=p.street_id,
        grid_id=p.grid_id,
    )
    clean = visits.validate(visit_uuid, parsed, actor=actor, now=now, enterprise_row=stand_in)
    hazard_ids = [a["hazard"]["uuid"] for a in clean["answers"] if a["hazard"]]
    if clean["fire_combined"].decision == "confirm":
        hazard_ids.append(clean["fire_combined"].hazard_uuid)
    taken = set(db.session.scalars(select(Hazard.uuid).where(Hazard.uuid.in_(hazard_ids))))
    for other in db.session.scalars(select(UnitVisit.hazards).where(UnitVisit.status == "held")):
        taken |= set(other) & set(hazard_ids)
    if taken:
        raise visits.VisitError("隐患编号已被其他检查使用。", status=409, errors=sorted(taken))
    held = UnitVisit(
        uuid=visit_uuid,
        unit_uuid=p.uuid,
        inspector_id=actor.id,
        body=body,
        body_hash=body_hash(body),
        received_at=now,
        hazards=hazard_ids,
        status="unit_rejected" if p.status == "rejected" else "held",
    )
    db.session.add(held)
    db.session.flush()
    audit.append(
        uuid=str(uuidlib.uuid5(uuidlib.NAMESPACE_URL, f"visit:{visit_uuid}:held")),
        object_type="visit",
        object_id=visit_uuid,
        enterprise_id=None,
        action="unit_visit_held",
        actor_id=actor.id,
        actor_label=actor.username,
        at=now,
        payload={
            "unit": p.uuid,
            "body_sha256": held.body_hash,
            "hazards": hazard_ids,
            "unit_status": p.status,
        },
    )
    if p.status in ("approved", "merged"):
        _receive_held(held, db.session.get(Enterprise, p.enterprise_id), now)
    db.session.flush()
    return visits.Receipt(visit_receipt(held), created=True)


def visit_receipt(v: UnitVisit) -> dict:
    shas = [s for a in v.body.get("answers", []) for s in (a.get("photos") or [])]
    shas += [
        s
        for a in v.body.get("answers", [])
        for s in ((a.get("hazard") or {}).get("after_photos") or [])
    ]
    attached = db.session.get(Visit, v.uuid) if v.status == "attached" else None
    return {
        "uuid": v.uuid,
        "received_at": v.received_at.isoformat(),
        "hazards": list(v.hazards),
        "missing_photos": photos.missing(shas),
        "unit": v.unit_uuid,
        "status": v.status,
        "enterprise_id": v.enterprise_id,
        # Received as the premises' visit: its 整改通知书 number, for the phone's reprint.
        "notice_no": notices.number(attached, pattern=current_app.config["NOTICE_NUMBER_PATTERN"])
        if attached
        else None,
    }


def held_visits(p: UnitProposal) -> list[UnitVisit]:
    return list(
        db.session.scalars(
            select(UnitVisit).where(UnitVisit.unit_uuid == p.uuid).order_by(UnitVisit.received_at)
        )
    )


def hazard_summary(v: UnitVisit) -> dict:
    """What a held visit found, for the office deciding on the unit (a major finding calls for haste)."""
    levels = [
        (a.get("hazard") or {}).get("level")
        for a in v.body.get("answers", [])
        if a.get("result") == "fail"
    ]
    return {"fails": len(levels), "major": sum(1 for lv in levels if lv == "major")}


def pending_count(actor) -> int:
    if actor.role not in OFFICE:
        return 0
    return (
        db.session.scalar(
            select(func.count())
            .select_from(UnitProposal)
            .where(UnitProposal.status == "proposed", visible_clause(actor))
        )
        or 0
    )
