"""The campaign's letters (告知书, 承诺书), tenancy agreements and recognised cases."""

from __future__ import annotations

import hashlib
import uuid as uuidlib
from datetime import date, datetime

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import joinedload

from . import audit, photos, scope
from .clock import local_today
from .errors import DomainError
from .extensions import db
from .models import CampaignCase, CampaignLetter, Enterprise, Grid, Street, TenancyAgreement

LETTER_KINDS = {"notice": "告知书", "commitment": "承诺书"}
CASE_KINDS = {
    "sample_street": "样板街道",
    "benchmark": "标杆企业",
    "excellent_venue": "九小场所优秀案例",
}
LEVELS = {"city": "市级", "district": "区级", "street": "街道级"}


class CampaignError(DomainError):
    """A record that cannot be taken, with a Chinese reason."""


def store_photo(
    data: bytes | None, enterprise_id: int, kind: str, object_id: str, *, actor, now: datetime
) -> str | None:
    """Keep a document photo (a signed letter, an agreement) as evidence; return its hash."""
    if not data:
        return None
    sha = hashlib.sha256(data).hexdigest()
    try:
        photos.ingest(sha, data, photos.Meta(), actor=actor, now=now)
    except photos.PhotoRejected as exc:
        raise CampaignError(exc.message) from None
    photos.ref(enterprise_id, "document", object_id, [sha], now)
    return sha


def record_letter(
    ent: Enterprise,
    *,
    kind: str,
    year: int,
    done_on: date,
    deadline: date | None,
    signer: str,
    photo: bytes | None,
    note: str,
    actor,
    now: datetime,
) -> CampaignLetter:
    """Record a delivered notice or a signed commitment (one of each per premises and year)."""
    if kind not in LETTER_KINDS:
        raise CampaignError("未知的文书类型")
    if done_on > local_today(now):
        raise CampaignError("日期不能晚于今天")
    if not 2020 <= year <= local_today(now).year + 1:
        raise CampaignError("年度无效")
    if kind == "commitment" and not (signer or "").strip():
        raise CampaignError("请填写签字人（法定代表人或主要负责人）")
    if db.session.scalar(
        select(CampaignLetter.id).where(
            CampaignLetter.enterprise_id == ent.id,
            CampaignLetter.kind == kind,
            CampaignLetter.year == year,
        )
    ):
        raise CampaignError(f"{year} 年的{LETTER_KINDS[kind]}已登记")
    row = CampaignLetter(
        enterprise_id=ent.id,
        kind=kind,
        year=year,
        deadline=deadline,
        done_on=done_on,
        signer=(signer or "").strip()[:40],
        note=(note or "").strip(),
        recorded_by=actor.id,
        recorded_at=now,
    )
    db.session.add(row)
    db.session.flush()
    row.photo_sha256 = store_photo(
        photo, ent.id, "document", f"letter-{row.id}", actor=actor, now=now
    )
    audit.append(
        uuid=str(uuidlib.uuid4()),
        object_type="campaign",
        object_id=str(ent.id),
        enterprise_id=ent.id,
        action=f"letter_{kind}",
        actor_id=actor.id,
        actor_label=actor.username,
        at=now,
        payload={"year": year, "on": done_on.isoformat(), "photo": row.photo_sha256},
    )
    return row


def letters(enterprise_id: int) -> list[CampaignLetter]:
    return list(
        db.session.scalars(
            select(CampaignLetter)
            .where(CampaignLetter.enterprise_id == enterprise_id)
            .order_by(CampaignLetter.year.desc(), CampaignLetter.kind)
        )
    )


def _missing(actor, kind: str, year: int, grid: str = ""):
    has = exists().where(
        and_(
            CampaignLetter.enterprise_id == Enterprise.id,
            CampaignLetter.kind == kind,
            CampaignLetter.year == year,
        )
    )
    stmt = scope.enterprises(actor).where(Enterprise.active.is_(True), ~has)
    if grid:
        stmt = stmt.where(
            Enterprise.grid_id == select(Grid.id).where(Grid.code == grid).scalar_subquery()
        )
    return stmt


def missing_letters(
    actor, *, kind: str, year: int, grid: str = "", limit: int = 100, offset: int = 0
) -> list[Enterprise]:
    """Premises in scope still without this year's notice (or commitment), with their street."""
    stmt = (
        _missing(actor, kind, year, grid)
        .options(joinedload(Enterprise.street))
        .order_by(Enterprise.street_id, Enterprise.grid_id, Enterprise.name, Enterprise.id)
    )
    return list(db.session.scalars(stmt.offset(offset).limit(limit)))


def count_missing(actor, *, kind: str, year: int, grid: str = "") -> int:
    """How many premises in scope still lack this year's letter."""
    return (
        db.session.scalar(
            select(func.count()).select_from(_missing(actor, kind, year, grid).subquery())
        )
        or 0
    )


def record_agreement(
    landlord: Enterprise,
    tenant: Enterprise,
    *,
    signed_on: date,
    photo: bytes | None,
    note: str,
    actor,
    now: datetime,
) -> TenancyAgreement:
    """Record a safety agreement between a landlord and one of its tenants."""
    if not landlord.hosts_tenants or tenant.landlord_id != landlord.id:
        raise CampaignError("该单位不是本出租方登记的承租单位")
    if signed_on > local_today(now):
        raise CampaignError("签订日期不能晚于今天")
    row = TenancyAgreement(
        landlord_id=landlord.id,
        tenant_id=tenant.id,
        signed_on=signed_on,
        note=(note or "").strip(),
        recorded_by=actor.id,
        recorded_at=now,
    )
    db.session.add(row)
    db.session.flush()
    row.photo_sha256 = store_photo(
        photo, landlord.id, "document", f"agreement-{row.id}", actor=actor, now=now
    )
    audit.append(
        uuid=str(uuidlib.uuid4()),
        object_type="campaign",
        object_id=str(landlord.id),
        enterprise_id=landlord.id,
        action="tenancy_agreement",
        actor_id=actor.id,
        actor_label=actor.username,
        at=now,
        payload={"tenant": tenant.id, "on": signed_on.isoformat(), "photo": row.photo_sha256},
    )
    return row


def agreements(landlord_id: int) -> dict[int, TenancyAgreement]:
    """The latest agreement per tenant of a landlord."""
    out: dict[int, TenancyAgreement] = {}
    for a in db.session.scalars(
        select(TenancyAgreement)
        .where(TenancyAgreement.landlord_id == landlord_id)
        .order_by(TenancyAgreement.signed_on)
    ):
        out[a.tenant_id] = a
    return out


def record_case(
    *,
    kind: str,
    street: Street,
    enterprise: Enterprise | None,
    level: str,
    on: date,
    note: str,
    actor,
    now: datetime,
) -> CampaignCase:
    if kind not in CASE_KINDS or level not in LEVELS:
        raise CampaignError("请选择案例类型和层级")
    if kind != "sample_street" and enterprise is None:
        raise CampaignError("企业案例须指定企业")
    row = CampaignCase(
        kind=kind,
        street_id=street.id,
        enterprise_id=enterprise.id if enterprise else None,
        level=level,
        on=on,
        note=(note or "").strip(),
        recorded_by=actor.id,
        recorded_at=now,
    )
    db.session.add(row)
    audit.append(
        uuid=str(uuidlib.uuid4()),
        object_type="campaign",
        object_id=str(enterprise.id if enterprise else street.id),
        enterprise_id=enterprise.id if enterprise else None,
        action=f"case_{kind}",
        actor_id=actor.id,
        actor_label=actor.username,
        at=now,
        payload={"level": level, "on": on.isoformat()},
    )
    return row


def cases_for(enterprise_id: int) -> list[CampaignCase]:
    return list(
        db.session.scalars(
            select(CampaignCase)
            .where(CampaignCase.enterprise_id == enterprise_id)
            .order_by(CampaignCase.on.desc())
        )
    )
