"""Evidence checks on rectification photos: flags for the reviewer, counted on dashboards.

They do not block a general hazard; the reviewer sees why a closure looks wrong.
"""

from __future__ import annotations

import math
import uuid as uuidlib
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, literal_column, or_, select

from . import audit
from .extensions import db
from .models import AuditEvent, Enterprise, Hazard, Photo, PhotoRef, Visit
from .photos import hamming

FLAGS = {
    "same_as_before": "整改后照片与整改前照片相同或几乎相同",
    "other_enterprise": "整改后照片与其他单位的照片相同",
    "far_from_premises": "整改照片拍摄地点离该单位过远",
    "captured_before_raised": "整改照片拍摄时间早于发现隐患的时间",
    "captured_in_future": "整改照片的拍摄时间晚于服务器收到它的时间（手机时间有误或被改动）",
    "missing_photo": "整改照片尚未上传，无法核验",
}
NEAR = 6  # dHash bits that may differ for "nearly equal"
# Phones' clocks drift: a capture time this far past the photo's arrival is not a drift.
CLOCK_SKEW = timedelta(minutes=15)


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    r = 6_371_000
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def check(h: Hazard, after: list[str], now: datetime) -> list[str]:
    """Return the flag codes raised by these after photos."""
    flags: set[str] = set()
    # Only photos cited for this premises count: one its sender could not cite is as good as absent.
    cited_here = (
        select(PhotoRef.id)
        .where(PhotoRef.photo_sha256 == Photo.sha256, PhotoRef.enterprise_id == h.enterprise_id)
        .exists()
    )
    photos = {
        p.sha256: p
        for p in db.session.scalars(select(Photo).where(Photo.sha256.in_(set(after)), cited_here))
    }
    if len(photos) < len(set(after)):
        flags.add("missing_photo")
    before = (
        list(db.session.scalars(select(Photo).where(Photo.sha256.in_(set(h.before_photos or [])))))
        if h.before_photos
        else []
    )
    ent = db.session.get(Enterprise, h.enterprise_id)
    max_m = current_app.config["EVIDENCE_MAX_DISTANCE_M"]
    found_at = _found_at(h)
    for p in photos.values():
        if p.sha256 in (h.before_photos or []) or any(
            hamming(p.phash, b.phash) <= NEAR for b in before
        ):
            flags.add("same_as_before")
        if _used_elsewhere(p, h.enterprise_id):
            flags.add("other_enterprise")
        if (
            p.lat is not None
            and ent.lat is not None
            and distance_m(p.lat, p.lng, ent.lat, ent.lng) > max_m
        ):
            flags.add("far_from_premises")
        if p.captured_at is not None and p.captured_at < found_at:
            flags.add("captured_before_raised")
        if p.captured_at is not None and p.captured_at > p.received_at + CLOCK_SKEW:
            flags.add("captured_in_future")
    return sorted(flags)


def _found_at(h: Hazard) -> datetime:
    """When the hazard was found: the visit's start if it came from one, else when it was raised.

    A visit walked offline reaches the server hours later, and raised_at is the
    server's time; photos of an on-the-spot fix (or a quick owner fix) taken after
    the walk began must not be flagged as older than the hazard.
    """
    started = (
        db.session.scalar(select(Visit.started_at).where(Visit.uuid == h.visit_uuid))
        if h.visit_uuid
        else None
    )
    return min(started, h.raised_at) if started is not None else h.raised_at


BAND_HEX = 4  # four 16-bit bands of the 64-bit dHash (migration 0009 indexes each)


def near_pictures(phash: str, *, limit: int = 500) -> list[str]:
    """Photos whose picture is within NEAR bits of this one (found through the band indexes).

    Any two within 3 bits share a whole band, so re-saved, resized or slightly cropped
    copies are always found; farther ones up to NEAR only when a band happens to match.
    """
    # Start and length inline, not bound: only the very expression of the index can use it.
    bands = [
        func.substr(
            Photo.phash, literal_column(str(1 + BAND_HEX * n)), literal_column(str(BAND_HEX))
        )
        == phash[BAND_HEX * n : BAND_HEX * (n + 1)]
        for n in range(4)
    ]
    rows = db.session.execute(select(Photo.sha256, Photo.phash).where(or_(*bands)).limit(limit))
    return [sha for sha, other in rows if hamming(phash, other) <= NEAR]


def _used_elsewhere(p: Photo, enterprise_id: int) -> bool:
    """The same bytes or nearly the same picture used for another enterprise."""
    return (
        db.session.scalar(
            select(PhotoRef.id)
            .where(
                PhotoRef.enterprise_id != enterprise_id,
                # A signature is ink on white: never a picture of another premises' site.
                PhotoRef.kind != "signature",
                PhotoRef.photo_sha256.in_(near_pictures(p.phash)),
            )
            .limit(1)
        )
        is not None
    )


def refresh_for_photo(sha: str, now: datetime) -> None:
    """Recompute flags of hazards awaiting review whose after photos just arrived."""
    events = db.session.scalars(
        select(PhotoRef.object_id).where(
            PhotoRef.photo_sha256 == sha, PhotoRef.kind.in_(("event", "after"))
        )
    ).all()
    if not events:
        # The usual case: a photo is uploaded before the visit or action that uses it. (Given the
        # events as a subquery, SQLite walked every hazard event to match them: slow as the chain grows.)
        return
    hazard_ids = select(AuditEvent.object_id).where(
        AuditEvent.uuid.in_(events), AuditEvent.object_type == "hazard"
    )
    # Awaiting review, or closed on the spot (never reviewed, so the flags are all the office sees).
    waiting = (Hazard.state == "rectified") | Hazard.fixed_on_spot.is_(True)
    for h in db.session.scalars(select(Hazard).where(Hazard.uuid.in_(hazard_ids), waiting)):
        if sha in (h.after_photos or []):
            set_flags(h, check(h, h.after_photos, now), photo=sha, now=now)


def set_flags(h: Hazard, flags: list[str], *, photo: str, now: datetime) -> None:
    """Change a hazard's evidence flags after the fact, on the chain like every other change.

    A photo that reaches the server after the rectification it belongs to is checked then;
    what the office sees as 证据存疑 must not change without a trace.
    """
    before = list(h.evidence_flags or [])
    if sorted(flags) == sorted(before):
        return
    h.evidence_flags = flags
    audit.append(
        uuid=str(uuidlib.uuid5(uuidlib.NAMESPACE_URL, f"evidence:{h.uuid}:{photo}:{h.version}")),
        object_type="hazard",
        object_id=h.uuid,
        enterprise_id=h.enterprise_id,
        action="evidence_checked",
        actor_id=None,
        actor_label="系统",
        at=now,
        payload={"photo": photo, "flags": flags, "before": before},
    )
