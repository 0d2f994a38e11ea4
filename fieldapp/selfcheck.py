"""Enterprise self-inspection (企业自查): the enterprise's own hazard list, found and rectified by itself.

An enterprise (its account, or the placard PIN) records what its own checks found,
with the measure, who is responsible and a deadline, and later records the
rectification. These are the 自查隐患数量 / 整改隐患数量 of the quarterly tables;
inspectors' finds are 发现隐患 / 督促整改. A self-found hazard is the enterprise's own
list: it stays off the public placard page until an inspector or the office confirms it
(`confirm_self`). Everything goes through hazards.raise_hazard and hazards.transition.
"""

from __future__ import annotations

import uuid as uuidlib
from datetime import date, datetime, timedelta

from sqlalchemy import select
from werkzeug.exceptions import NotFound

from . import hazards
from . import photos as photo_rules
from .clock import local_today
from .errors import DomainError
from .extensions import db
from .models import Enterprise, Hazard
from .roles import Role

TEXT_MAX = 100
MEASURE_MAX = 500
DEADLINE_MAX_DAYS = 365


class SelfCheckError(DomainError):
    """A self-inspection entry refused, with a Chinese reason."""


def _own(actor, enterprise_id: int) -> None:
    if actor.role != Role.ENTERPRISE or getattr(actor, "enterprise_id", None) != enterprise_id:
        # Only the premises itself keeps its self-inspection list (a landlord neither: the tenant does).
        raise SelfCheckError("只有本单位可以登记自查发现的隐患。", status=403)


def record_finding(
    enterprise_id: int,
    *,
    actor,
    now: datetime,
    text: str,
    level: str,
    deadline: date | None,
    measure: str,
    owner: str = "",
    description: str = "",
    photos: list[str] | None = None,
    hazard_uuid: str | None = None,
) -> Hazard:
    """Enter a hazard the enterprise found itself on its own list (state 待整改). The caller commits."""
    _own(actor, enterprise_id)
    text = " ".join((text or "").split())
    measure = (measure or "").strip()
    owner = " ".join((owner or "").split())
    errors = []
    if not text:
        errors.append("请写明发现的隐患（存在什么问题）。")
    elif len(text) > TEXT_MAX:
        errors.append(f"隐患不能超过 {TEXT_MAX} 字。")
    if level not in hazards.LEVELS:
        errors.append("请选择一般隐患或重大隐患。")
    today = local_today(now)
    if deadline is None:
        errors.append("请填写整改期限（日期）。")
    elif not today <= deadline <= today + timedelta(days=DEADLINE_MAX_DAYS):
        errors.append(f"整改期限应在今天到 {DEADLINE_MAX_DAYS} 天之内。")
    if not measure:
        errors.append("请写明整改措施。")
    elif len(measure) > MEASURE_MAX:
        errors.append(f"整改措施不能超过 {MEASURE_MAX} 字。")
    if len(owner) > 60:
        errors.append("整改责任人不能超过 60 字。")
    if len(description or "") > 2000:
        errors.append("说明不能超过 2000 字。")
    if errors:
        raise SelfCheckError(errors[0], status=422, errors=errors)
    hazard_uuid = hazard_uuid or str(uuidlib.uuid4())
    # As for an inspector's answer: a photo the premises may not cite is absent, and those it
    # cites are referenced, which is what lets the office that sees the hazard see its photos.
    cited = photo_rules.citable(actor, list(photos or []))
    photo_rules.ref(enterprise_id, "self", hazard_uuid, cited, now)
    return hazards.raise_hazard(
        hazards.NewHazard(
            # The enterprise words what is wrong itself: that is the hazard's defect wording.
            uuid=hazard_uuid,
            enterprise_id=enterprise_id,
            item_text=text,
            defect=text,
            level=level,
            deadline=deadline,
            raised_at=now,
            category="",
            description=(description or "").strip(),
            measure=measure,
            owner=owner,
            before_photos=cited,
            source="self",
        ),
        actor=actor,
        now=now,
    )


def record_rectification(
    hazard_uuid: str,
    *,
    actor,
    now: datetime,
    version: int,
    note: str,
    photos: list[str],
    event_uuid: str | None = None,
) -> hazards.Outcome:
    """Record a self-found hazard rectified: a general one is closed on the enterprise's own list;
    a major one is submitted for the street or district to recheck (重大隐患 are never self-closed)."""
    h = hazards.get_in_scope(actor, hazard_uuid)
    if h.source != "self":
        raise SelfCheckError("这条隐患不是企业自查登记的，请在隐患页面提交整改。", status=409)
    action = "self_close" if h.level == "general" else "submit_rectification"
    return hazards.transition(
        hazard_uuid,
        action,
        actor=actor,
        now=now,
        version=version,
        note=note,
        photos=photos,
        event_uuid=event_uuid,
    )


def own_premises(actor) -> Enterprise:
    """The premises an enterprise account (or placard PIN) checks itself; 404 for any other."""
    if not actor.enterprise_id:
        raise NotFound()
    return db.session.get(Enterprise, actor.enterprise_id)


def own_list(enterprise_id: int) -> list[Hazard]:
    """The enterprise's self-inspection list: open first, then by deadline."""
    return list(
        db.session.scalars(
            select(Hazard)
            .where(Hazard.enterprise_id == enterprise_id, Hazard.source == "self")
            .order_by(hazards.state_sort_key(), Hazard.deadline, Hazard.raised_at.desc())
            .limit(500)
        )
    )
