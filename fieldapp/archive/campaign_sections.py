"""The 2025 campaign's records in the archive: four colours, standardization, stars, letters, tenancy, cases."""

from __future__ import annotations

from sqlalchemy import or_, select

from ..extensions import db
from ..models import (
    CampaignCase,
    CampaignLetter,
    Enterprise,
    RiskAssessment,
    StandardizationRecord,
    StarRating,
    TenancyAgreement,
)
from .collect import Context, iso, section


@section("campaign", order=55)
def campaign_records(ctx: Context):
    """Every decision and paper of the campaign about these premises, oldest first, as history."""
    eid = ctx.ent.id

    def rows(model, *where, order):
        return db.session.scalars(select(model).where(*where).order_by(order, model.id)).all()

    def photo(sha):
        return ctx.use_photo(sha) if sha else None

    names = {}

    def name(ent_id):
        if ent_id not in names:
            names[ent_id] = db.session.get(Enterprise, ent_id).name
        return names[ent_id]

    return "专项行动记录", {
        "risk": [
            {
                "color": r.color,
                "suggested": r.suggested,
                "reasons": list(r.reasons or []),
                "override_reason": r.override_reason,
                "decided_by": ctx.person(r.decided_by),
                "decided_at": iso(r.decided_at),
            }
            for r in rows(
                RiskAssessment, RiskAssessment.enterprise_id == eid, order=RiskAssessment.decided_at
            )
        ],
        "standardization": [
            {
                "kind": r.kind,
                "level": r.level,
                "result": r.result,
                "on": iso(r.on),
                "valid_until": iso(r.valid_until),
                "organizer": r.organizer,
                "note": r.note,
                "recorded_by": ctx.person(r.recorded_by),
                "recorded_at": iso(r.recorded_at),
            }
            for r in rows(
                StandardizationRecord,
                StandardizationRecord.enterprise_id == eid,
                order=StandardizationRecord.on,
            )
        ],
        "stars": [
            {
                "stars": r.stars,
                "suggested": r.suggested,
                "reason": r.reason,
                "decided_by": ctx.person(r.decided_by),
                "decided_at": iso(r.decided_at),
            }
            for r in rows(StarRating, StarRating.enterprise_id == eid, order=StarRating.decided_at)
        ],
        "letters": [
            {
                "kind": r.kind,
                "year": r.year,
                "deadline": iso(r.deadline),
                "done_on": iso(r.done_on),
                "signer": r.signer,
                "photo": photo(r.photo_sha256),
                "note": r.note,
                "recorded_by": ctx.person(r.recorded_by),
                "recorded_at": iso(r.recorded_at),
            }
            for r in rows(
                CampaignLetter, CampaignLetter.enterprise_id == eid, order=CampaignLetter.done_on
            )
        ],
        "tenancy": [
            {
                "landlord": name(r.landlord_id),
                "tenant": name(r.tenant_id),
                "signed_on": iso(r.signed_on),
                "photo": photo(r.photo_sha256),
                "note": r.note,
                "recorded_by": ctx.person(r.recorded_by),
                "recorded_at": iso(r.recorded_at),
            }
            for r in rows(
                TenancyAgreement,
                or_(TenancyAgreement.landlord_id == eid, TenancyAgreement.tenant_id == eid),
                order=TenancyAgreement.signed_on,
            )
        ],
        "cases": [
            {
                "kind": r.kind,
                "level": r.level,
                "on": iso(r.on),
                "note": r.note,
                "recorded_by": ctx.person(r.recorded_by),
                "recorded_at": iso(r.recorded_at),
            }
            for r in rows(CampaignCase, CampaignCase.enterprise_id == eid, order=CampaignCase.on)
        ],
    }
