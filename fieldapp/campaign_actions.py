"""One campaign form on a premises' page, read and recorded: standardization, stars, letters, agreements, cases.

The page posts each form as text; this module turns its fields into the domain's
values (dates, whole numbers, the tenant), refusing bad ones with a Chinese
`CampaignError`, makes the one record and says in Chinese what was recorded.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime

from . import campaign, contract, standardization, vocab
from .campaign import CampaignError
from .extensions import db
from .models import Enterprise

MAX_DIGITS = 9  # a year or a star grade; longer input is a typo, not a number to store


def parse_date(form: Mapping[str, str], name: str, *, required: bool = True) -> date | None:
    """Read a form date (YYYY-MM-DD); blank is None when the field is optional."""
    value = (form.get(name) or "").strip()
    if not value and not required:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CampaignError("请填写有效日期（年-月-日）") from None


def parse_int(form: Mapping[str, str], name: str, label: str) -> int:
    """Read a form whole number written in ASCII digits; blank counts as 0."""
    value = (form.get(name) or "").strip() or "0"
    if not value.isascii() or not value.isdigit() or len(value) > MAX_DIGITS:
        raise CampaignError(f"{label}应为整数")
    return int(value)


def _standardization(ent, form, photo, actor, now) -> str:
    standardization.record(
        ent,
        kind=form.get("kind", ""),
        level=form.get("level") or None,
        result=form.get("result", ""),
        on=parse_date(form, "on"),
        valid_until=parse_date(form, "valid_until", required=False),
        organizer=form.get("organizer") or None,
        note=form.get("note", ""),
        actor=actor,
        now=now,
    )
    return f"已记录，当前标准化状态：{vocab.STANDARDIZATION[ent.standardization]}"


def _stars(ent, form, photo, actor, now) -> str:
    standardization.rate(
        ent,
        stars=parse_int(form, "stars", "星级"),
        reason=form.get("reason", ""),
        actor=actor,
        now=now,
    )
    return f"已定为 {ent.stars} 星"


def _letter(ent, form, photo, actor, now) -> str:
    kind = form.get("kind", "")
    campaign.record_letter(
        ent,
        kind=kind,
        year=parse_int(form, "year", "年度"),
        done_on=parse_date(form, "done_on"),
        deadline=parse_date(form, "deadline", required=False),
        signer=form.get("signer", ""),
        photo=photo,
        note=form.get("note", ""),
        actor=actor,
        now=now,
    )
    return f"已登记{campaign.LETTER_KINDS.get(kind, '')}"


def _agreement(ent, form, photo, actor, now) -> str:
    tenant_id = contract.form_id(form.get("tenant_id"), what="承租单位")
    # Unscoped on purpose: record_agreement accepts only this landlord's own tenants.
    tenant = db.session.get(Enterprise, tenant_id) if tenant_id else None
    if tenant is None:
        raise CampaignError("请选择承租单位")
    campaign.record_agreement(
        ent,
        tenant,
        signed_on=parse_date(form, "signed_on"),
        photo=photo,
        note=form.get("note", ""),
        actor=actor,
        now=now,
    )
    return f"已登记与{tenant.name}的安全协议"


def _case(ent, form, photo, actor, now) -> str:
    campaign.record_case(
        kind=form.get("kind", ""),
        street=ent.street,
        enterprise=ent,
        level=form.get("level", ""),
        on=parse_date(form, "on"),
        note=form.get("note", ""),
        actor=actor,
        now=now,
    )
    return "已登记案例"


ACTIONS: dict[str, Callable[..., str]] = {
    "standardization": _standardization,
    "stars": _stars,
    "letter": _letter,
    "agreement": _agreement,
    "case": _case,
}


def act(
    ent: Enterprise,
    action: str,
    form: Mapping[str, str],
    *,
    photo: bytes | None,
    actor,
    now: datetime,
) -> str:
    """Record one campaign form for a premises the actor may edit; return what to tell them."""
    if action not in ACTIONS:
        raise CampaignError("未知的操作", status=404)
    return ACTIONS[action](ent, form, photo, actor, now)
