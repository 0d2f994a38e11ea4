"""Realistic inspection history for the demo district and for benchmarks.

Visits over the past year with answers from the checklists in force, hazards from
failed items carried through their lifecycle (some open, some overdue, some
awaiting recheck, most closed) and every event in a valid audit chain. Written
with bulk inserts so district scale (30k visits, 20k hazards) takes seconds.
"""

from __future__ import annotations

import hashlib
import io
import random
import uuid as uuidlib
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import insert, select, update

from . import audit, photos
from .clock import local_today
from .extensions import db
from .models import (Answer, AuditEvent, AuditHead, ChecklistVersion, Enterprise, Hazard, Photo, PhotoRef, User, Visit,
                     VisitChecklist, user_grids)
from .checklist_versions import ensure

BATCH = 5000


def _demo_photos(rng: random.Random, n: int, uploader: int, now: datetime) -> list[str]:
    """A few real photos (through the real pipeline) to stand for rectification evidence."""
    from PIL import Image

    shas = []
    for i in range(n):
        im = Image.effect_mandelbrot((640, 480), (-2.0 + i * 0.05, -1.2, 1.0, 1.2), 40 + i).convert("RGB")
        buf = io.BytesIO()
        im.save(buf, "JPEG", quality=80)
        data = buf.getvalue()
        sha = hashlib.sha256(data).hexdigest()
        if db.session.get(Photo, sha) is None:
            photos.ingest(sha, data, photos.Meta(), actor=type("U", (), {"id": uploader})(), now=now)
        shas.append(sha)
    return shas


class _Chain:
    """Append audit rows in bulk, hashing exactly as fieldapp.audit.append does."""

    def __init__(self):
        self.seq, self.prev = audit.head()
        self.rows: list[dict] = []

    def add(self, *, object_type, object_id, enterprise_id, action, actor_id, actor_label, at, payload):
        self.seq += 1
        text = audit.canonical(payload)
        psha = audit.sha256(text)
        uid = str(uuidlib.uuid4())
        h = audit.row_hash(self.prev, seq=self.seq, uuid=uid, object_type=object_type, object_id=object_id,
                           enterprise_id=enterprise_id, action=action, actor_id=actor_id, actor_label=actor_label,
                           at=at, payload_sha256=psha)
        self.rows.append(dict(seq=self.seq, uuid=uid, object_type=object_type, object_id=object_id, enterprise_id=enterprise_id,
                              action=action, actor_id=actor_id, actor_label=actor_label, at=at, payload=text,
                              payload_sha256=psha, prev_hash=self.prev, hash=h))
        self.prev = h

    def flush(self, final: bool = False):
        if self.rows:
            db.session.execute(insert(AuditEvent), self.rows)
            self.rows = []
        if final:
            db.session.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=self.seq, hash=self.prev))


def build_history(*, visits: int, seed: int, now: datetime, months: int = 12) -> dict[str, int]:
    """Generate `visits` visits over the last `months` months; return what was made."""
    rng = random.Random(f"{seed}-history")
    registry = current_app.extensions["checklists"]
    ents = db.session.execute(select(Enterprise.id, Enterprise.grid_id, Enterprise.venue_type, Enterprise.industry,
                                     Enterprise.size_class, Enterprise.hosts_tenants, Enterprise.principal_name)).all()
    by_grid = dict(db.session.execute(select(user_grids.c.grid_id, user_grids.c.user_id)).all())
    users = {u.id: u for u in db.session.scalars(select(User))}
    street_user = {u.street_id: u for u in users.values() if u.role == "street"}
    ent_street = dict(db.session.execute(select(Enterprise.id, Enterprise.street_id)).all())
    for c in registry.all:
        ensure(c, now)
    hashes = dict(db.session.execute(select(ChecklistVersion.checklist_id, ChecklistVersion.content_hash)).all())
    inspectors = [u.id for u in users.values() if u.role == "inspector"]
    after_pool = _demo_photos(rng, 12, inspectors[0], now - timedelta(days=400)) if inspectors else []
    chain = _Chain()
    counts = {"visits": 0, "answers": 0, "hazards": 0}
    v_rows, vc_rows, a_rows, h_rows, ref_rows = [], [], [], [], []
    span = timedelta(days=30 * months)
    today = local_today(now)
    for _ in range(visits):
        e = rng.choice(ents)
        inspector_id = by_grid.get(e.grid_id) or rng.choice(inspectors)
        inspector = users[inspector_id]
        finished = now - timedelta(seconds=rng.randrange(3600, int(span.total_seconds())))
        started = finished - timedelta(minutes=rng.randrange(15, 60))
        lists = registry.for_premises(e.venue_type, e.industry, e.size_class, e.hosts_tenants)
        vid = str(uuidlib.UUID(int=rng.getrandbits(128), version=4))
        fails = answered = items = 0
        for pos, c in enumerate(lists):
            passed: list[str] = []
            vc_rows.append(dict(visit_uuid=vid, checklist_id=c.id, version=c.version, content_hash=hashes[c.id], position=pos,
                                enterprise_id=e.id, finished_at=finished, passed=passed))
            for item in c.items:
                items += 1
                roll = rng.random()
                if roll < 0.04:
                    continue  # left unanswered
                answered += 1
                # ~1.5% of answers fail: about 0.67 hazards per visit, as in the district plan figures.
                result = "fail" if roll < 0.055 else "na" if roll < 0.13 else "pass"
                a_rows.append(dict(visit_uuid=vid, checklist_id=c.id, item_key=item.key, result=result,
                                   note="现场发现问题" if result == "fail" else "", photos=[]))
                if result == "pass":
                    passed.append(item.key)
                if result != "fail":
                    continue
                fails += 1
                h_rows.append(_hazard(rng, chain, e, vid, c, item, inspector, street_user.get(ent_street[e.id]),
                                      finished, now, today, after_pool, ref_rows))
            passed.sort()
        v_rows.append(dict(uuid=vid, enterprise_id=e.id, inspector_id=inspector_id, started_at=started, finished_at=finished,
                           received_at=finished + timedelta(minutes=rng.randrange(1, 600)), lat=None, lng=None,
                           accuracy_m=None, location_status="ok" if rng.random() < 0.9 else "denied",
                           body_hash=hashlib.sha256(vid.encode()).hexdigest(), item_count=items, answered_count=answered,
                           fail_count=fails))
        chain.add(object_type="visit", object_id=vid, enterprise_id=e.id, action="visit_received", actor_id=inspector_id,
                  actor_label=inspector.username, at=finished, payload={"answers": answered, "fails": fails, "demo": True})
        counts["visits"] += 1
        if len(a_rows) >= BATCH:
            _flush(v_rows, vc_rows, a_rows, h_rows, ref_rows, chain, counts)
    _flush(v_rows, vc_rows, a_rows, h_rows, ref_rows, chain, counts)
    chain.flush(final=True)
    db.session.commit()
    return counts


def _flush(v_rows, vc_rows, a_rows, h_rows, ref_rows, chain, counts):
    # Parents first: visits, then what refers to them.
    for model, rows in ((Visit, v_rows), (VisitChecklist, vc_rows), (Answer, a_rows), (Hazard, h_rows), (PhotoRef, ref_rows)):
        if rows:
            db.session.execute(insert(model), rows)
    counts["answers"] += len(a_rows)
    counts["hazards"] += len(h_rows)
    for rows in (v_rows, vc_rows, a_rows, h_rows, ref_rows):
        rows.clear()
    chain.flush()


def _hazard(rng, chain, e, vid, c, item, inspector, street, raised, now, today, after_pool, ref_rows) -> dict:
    hid = str(uuidlib.UUID(int=rng.getrandbits(128), version=4))
    level = "major" if item.major and rng.random() < 0.6 else "general"
    deadline = (raised + timedelta(days=max(1, item.deadline_days) + rng.choice([0, 0, 3, 7]))).date()
    row = dict(uuid=hid, enterprise_id=e.id, visit_uuid=vid, checklist_id=c.id, item_key=item.key, item_text=item.text,
               category=item.category, description="", measure=f"按检查要求整改：{item.text}", owner=e.principal_name or "",
               level=level, level_reason="", deadline=deadline, deadline_reason="", state="open",
               supervised=level == "major" and rng.random() < 0.7, referred=False, fixed_on_spot=False,
               extension_requested_to=None, before_photos=[], after_photos=[], evidence_flags=[], version=1,
               raised_by=inspector.id, raised_at=raised, submitted_by=None, submitted_at=None, closed_by=None,
               closed_at=None, updated_at=raised)
    chain.add(object_type="hazard", object_id=hid, enterprise_id=e.id, action="raise", actor_id=inspector.id,
              actor_label=inspector.username, at=raised, payload={"hazard": hid, "from": None, "to": "open", "demo": True})
    past_deadline = deadline < today
    roll = rng.random()
    # Most hazards close; some wait for a recheck; some stay open (overdue when past the deadline).
    outcome = ("closed" if roll < 0.72 else "rectified" if roll < 0.84 else "open") if past_deadline else \
              ("closed" if roll < 0.25 else "rectified" if roll < 0.5 else "open")
    if outcome in ("rectified", "closed"):
        latest = min(now, datetime.combine(deadline, datetime.min.time(), raised.tzinfo) + timedelta(days=rng.choice([-2, 0, 2, 8])))
        submitted = raised + (latest - raised) * rng.uniform(0.3, 1.0) if latest > raised else raised + timedelta(hours=2)
        submitted = min(submitted, now - timedelta(minutes=5))
        after = [rng.choice(after_pool)] if after_pool else []
        row.update(state="rectified", submitted_by=inspector.id, submitted_at=submitted, after_photos=after, version=2, updated_at=submitted)
        chain.add(object_type="hazard", object_id=hid, enterprise_id=e.id, action="submit_rectification", actor_id=inspector.id,
                  actor_label=inspector.username, at=submitted, payload={"hazard": hid, "from": "open", "to": "rectified", "photos": after})
        for sha in after:
            ref_rows.append(dict(photo_sha256=sha, enterprise_id=e.id, kind="after", object_id=hid, created_at=submitted))
        if outcome == "closed" and street is not None:
            closed = min(now - timedelta(minutes=1), submitted + timedelta(hours=rng.randrange(2, 120)))
            row.update(state="closed", closed_by=street.id, closed_at=closed, version=3, updated_at=closed)
            chain.add(object_type="hazard", object_id=hid, enterprise_id=e.id, action="verify", actor_id=street.id,
                      actor_label=street.username, at=closed, payload={"hazard": hid, "from": "rectified", "to": "closed"})
    return row


def build_campaign(*, seed: int, now: datetime) -> dict[str, int]:
    """Campaign records for the demo: letters delivered, commitments signed, colours decided, reviews, stars, cases."""
    from datetime import date as date_cls
    from decimal import Decimal

    from . import risk, targets
    from .models import (CampaignCase, CampaignLetter, QuarterFigure, RiskAssessment, StandardizationRecord, StarRating,
                         Street)

    rng = random.Random(f"{seed}-campaign")
    today = local_today(now)
    users = list(db.session.scalars(select(User).where(User.role == "street")))
    street_user = {u.street_id: u for u in users}
    ents = list(db.session.scalars(select(Enterprise)))
    counts = {"letters": 0, "assessments": 0, "reviews": 0, "cases": 0}
    letters, reviews, stars, assessments = [], [], [], []
    for e in ents:
        actor = street_user.get(e.street_id)
        if actor is None:
            continue
        for year in (today.year - 1, today.year):
            if rng.random() < (0.95 if year < today.year else 0.8):
                on = date_cls(year, rng.randrange(1, 4), rng.randrange(1, 28))
                if on <= today:
                    letters.append(dict(enterprise_id=e.id, kind="notice", year=year, deadline=date_cls(year, 6, 30), done_on=on,
                                        signer="", photo_sha256=None, note="", recorded_by=actor.id, recorded_at=now))
                    if rng.random() < 0.85:
                        letters.append(dict(enterprise_id=e.id, kind="commitment", year=year, deadline=date_cls(year, 6, 30),
                                            done_on=min(today, on + timedelta(days=rng.randrange(0, 30))), signer=e.principal_name or "负责人",
                                            photo_sha256=None, note="", recorded_by=actor.id, recorded_at=now))
        if e.standardization in risk.STANDARDIZED:
            on = today - timedelta(days=rng.randrange(30, 900))
            reviews.append(dict(enterprise_id=e.id, kind="review", level=e.standardization, result="pass", on=on,
                                valid_until=on + timedelta(days=3 * 365), organizer=rng.choice(["city", "district", "street"]),
                                note="", recorded_by=actor.id, recorded_at=now))
        elif e.standardization == "self_assessed":
            reviews.append(dict(enterprise_id=e.id, kind="self_assessment", level="self_assessed", result="pass",
                                on=today - timedelta(days=rng.randrange(10, 300)), valid_until=None, organizer=None, note="",
                                recorded_by=actor.id, recorded_at=now))
        if e.stars:
            stars.append(dict(enterprise_id=e.id, stars=e.stars, suggested=e.stars, reason="", decided_by=actor.id,
                              decided_at=now - timedelta(days=rng.randrange(30, 500))))
        if rng.random() < 0.6:
            assessments.append(dict(enterprise_id=e.id, suggested=e.risk_color, reasons=["演示数据"], color=e.risk_color,
                                    override_reason="", decided_by=actor.id, decided_at=now - timedelta(days=rng.randrange(20, 400))))
    for model, rows in ((CampaignLetter, letters), (StandardizationRecord, reviews), (StarRating, stars), (RiskAssessment, assessments)):
        if rows:
            db.session.execute(insert(model), rows)
    counts.update(letters=len(letters), reviews=len(reviews), assessments=len(assessments))
    cases = []
    for street in db.session.scalars(select(Street)):
        actor = street_user.get(street.id)
        mine = [e for e in ents if e.street_id == street.id]
        for e in rng.sample(mine, min(len(mine), 2)):
            kind = "excellent_venue" if e.venue_type else "benchmark"
            cases.append(dict(kind=kind, street_id=street.id, enterprise_id=e.id, level=rng.choice(["district", "street"]),
                              on=today - timedelta(days=rng.randrange(5, 200)), note="", recorded_by=actor.id, recorded_at=now))
        for q in range(1, (today.month - 1) // 3 + 2):
            db.session.add(QuarterFigure(street_id=street.id, year=today.year, quarter=q, annex=5, row_key="",
                                         column_key="post_worker", value=Decimal(rng.randrange(0, 6)), entered_by=actor.id, entered_at=now))
    if cases:
        db.session.execute(insert(CampaignCase), cases)
    counts["cases"] = len(cases)
    targets.seed_annex1(today.year, now)
    db.session.commit()
    return counts
