"""Load data for benchmarks at district and city scale (`fieldapp demo --bulk`): rows in bulk, not the demo.

The demo itself is made through the domain functions (`fieldapp.demo_history`); at
50,000 premises that would take most of an hour, so benchmarks load their history
here: visits with answers from the checklists in force, hazards carried through
their lifecycle (some open, some overdue, some awaiting recheck, most closed) and
the campaign's records, written with bulk inserts. Its audit events still go through
`fieldapp.audit.append_many`, in the declared shapes (hazard payloads built by
`hazards.event_payload`), so the chain verifies and every page reads them. No photos.
"""

from __future__ import annotations

import hashlib
import random
import uuid as uuidlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import insert, select

from . import audit, demo, hazards, standardization
from .checklist_versions import ensure
from .clock import local_today
from .extensions import db
from .models import (
    Answer,
    ChecklistVersion,
    Enterprise,
    Hazard,
    User,
    Visit,
    VisitChecklist,
    user_grids,
)

BATCH = 5000


@dataclass
class _Row:
    """A hazard row as `hazards.event_payload` reads it."""

    uuid: str
    state: str
    version: int
    level: str
    deadline: date
    supervised: bool
    referred: bool = False


class _Events:
    """Audit events gathered in order, appended in batches through the audit module."""

    def __init__(self):
        self.rows: list[dict] = []

    def add(self, *, object_type, object_id, enterprise_id, action, actor, at, payload):
        self.rows.append(
            dict(
                uuid=str(uuidlib.uuid4()),
                object_type=object_type,
                object_id=object_id,
                enterprise_id=enterprise_id,
                action=action,
                actor_id=actor.id,
                actor_label=actor.username,
                at=at,
                payload=payload,
            )
        )

    def hazard(
        self, row: _Row, action: str, actor, at: datetime, enterprise_id: int, *, from_state, **kw
    ):
        self.add(
            object_type="hazard",
            object_id=row.uuid,
            enterprise_id=enterprise_id,
            action=action,
            actor=actor,
            at=at,
            payload=hazards.event_payload(row, from_state=from_state, **kw),
        )

    def flush(self):
        audit.append_many(self.rows)
        self.rows = []


def build_history(*, visits: int, seed: int, now: datetime) -> dict[str, int]:
    """Generate `visits` visits from the plan's start to `now`; return what was made."""
    rng = random.Random(f"{seed}-history")
    registry = current_app.extensions["checklists"]
    ents = db.session.execute(
        select(
            Enterprise.id,
            Enterprise.grid_id,
            Enterprise.street_id,
            Enterprise.venue_type,
            Enterprise.industry,
            Enterprise.size_class,
            Enterprise.hosts_tenants,
            Enterprise.principal_name,
            Enterprise.lat,
            Enterprise.lng,
        )
    ).all()
    by_grid = dict(db.session.execute(select(user_grids.c.grid_id, user_grids.c.user_id)).all())
    users = {u.id: u for u in db.session.scalars(select(User))}
    street_user = {u.street_id: u for u in users.values() if u.role == "street"}
    start = demo.history_start(now)
    for c in registry.all:
        ensure(c, start)
    hashes = dict(
        db.session.execute(
            select(ChecklistVersion.checklist_id, ChecklistVersion.content_hash)
        ).all()
    )
    inspectors = [
        u.id
        for u in users.values()
        if u.role == "inspector" and u.username != demo.FORMER_INSPECTOR
    ]
    events = _Events()
    counts = {"visits": 0, "answers": 0, "hazards": 0}
    v_rows, vc_rows, a_rows, h_rows = [], [], [], []
    span = (now - start).total_seconds()
    today = local_today(now)
    for _ in range(visits):
        e = rng.choice(ents)
        inspector = users[by_grid.get(e.grid_id) or rng.choice(inspectors)]
        finished = start + timedelta(seconds=rng.randrange(3600, int(span) - 3600))
        started = finished - timedelta(minutes=rng.randrange(15, 60))
        received = finished + timedelta(minutes=rng.randrange(1, 600))
        kind = (e.venue_type, e.industry, e.size_class, e.hosts_tenants)
        lists = registry.for_premises(*kind, local_today(finished))
        vid = str(uuidlib.UUID(int=rng.getrandbits(128), version=4))
        fails = answered = items = 0
        for pos, c in enumerate(lists):
            passed: list[str] = []
            not_applicable: list[str] = []
            vc_rows.append(
                dict(
                    visit_uuid=vid,
                    checklist_id=c.id,
                    version=c.version,
                    content_hash=hashes[c.id],
                    position=pos,
                    enterprise_id=e.id,
                    finished_at=finished,
                    passed=passed,
                    not_applicable=not_applicable,
                )
            )
            for item in c.items_for(*kind):
                items += 1
                roll = rng.random()
                if roll < 0.04:
                    continue  # left unanswered
                answered += 1
                # ~1.5% of answers fail: about 0.67 hazards per visit, as in the district plan figures.
                result = "fail" if roll < 0.055 else "na" if roll < 0.13 else "pass"
                a_rows.append(
                    dict(
                        visit_uuid=vid,
                        checklist_id=c.id,
                        item_key=item.key,
                        result=result,
                        note="现场发现问题" if result == "fail" else "",
                        photos=[],
                    )
                )
                if result == "pass":
                    passed.append(item.key)
                if result == "na":
                    not_applicable.append(item.key)
                if result == "fail":
                    fails += 1
                    h_rows.append(
                        _hazard(
                            rng,
                            events,
                            e,
                            vid,
                            c,
                            item,
                            inspector,
                            street_user.get(e.street_id),
                            received,
                            now,
                            today,
                        )
                    )
            passed.sort()
            not_applicable.sort()
        body_hash = hashlib.sha256(vid.encode()).hexdigest()
        located = e.lat is not None and e.lng is not None and rng.random() < 0.9
        v_rows.append(
            dict(
                uuid=vid,
                enterprise_id=e.id,
                inspector_id=inspector.id,
                started_at=started,
                finished_at=finished,
                received_at=received,
                lat=e.lat if located else None,
                lng=e.lng if located else None,
                accuracy_m=15.0 if located else None,
                location_status="ok" if located else "denied",
                body_hash=body_hash,
                item_count=items,
                answered_count=answered,
                fail_count=fails,
            )
        )
        events.add(
            object_type="visit",
            object_id=vid,
            enterprise_id=e.id,
            action="visit_received",
            actor=inspector,
            at=received,
            payload={
                "body_sha256": body_hash,
                "answers": answered,
                "fails": fails,
                "checklists": [[c.id, c.version] for c in lists],
            },
        )
        counts["visits"] += 1
        if len(a_rows) >= BATCH:
            _flush(v_rows, vc_rows, a_rows, h_rows, events, counts)
    _flush(v_rows, vc_rows, a_rows, h_rows, events, counts)
    db.session.commit()
    return counts


def _flush(v_rows, vc_rows, a_rows, h_rows, events, counts):
    # Parents first: visits, then what refers to them; then the events, in the order they happened.
    for model, rows in (
        (Visit, v_rows),
        (VisitChecklist, vc_rows),
        (Answer, a_rows),
        (Hazard, h_rows),
    ):
        if rows:
            db.session.execute(insert(model), rows)
    counts["answers"] += len(a_rows)
    counts["hazards"] += len(h_rows)
    for rows in (v_rows, vc_rows, a_rows, h_rows):
        rows.clear()
    events.flush()


def _hazard(rng, events, e, vid, c, item, inspector, street, raised, now, today) -> dict:
    hid = str(uuidlib.UUID(int=rng.getrandbits(128), version=4))
    level = "major" if item.major and rng.random() < 0.6 else "general"
    deadline = local_today(raised) + timedelta(
        days=max(1, item.deadline_days) + rng.choice([0, 0, 3, 7])
    )
    row = dict(
        uuid=hid,
        enterprise_id=e.id,
        visit_uuid=vid,
        checklist_id=c.id,
        item_key=item.key,
        item_text=item.text,
        category=item.category,
        description="",
        measure=f"按检查要求整改：{item.text}",
        owner=e.principal_name or "",
        level=level,
        level_reason="",
        deadline=deadline,
        deadline_reason="",
        state="open",
        supervised=False,
        referred=False,
        fixed_on_spot=False,
        extension_requested_to=None,
        before_photos=[],
        after_photos=[],
        evidence_flags=[],
        version=1,
        raised_by=inspector.id,
        raised_at=raised,
        submitted_by=None,
        submitted_at=None,
        closed_by=None,
        closed_at=None,
        updated_at=raised,
    )
    h = _Row(hid, "open", 1, level, deadline, False)
    events.hazard(
        h,
        "raise",
        inspector,
        raised,
        e.id,
        from_state=None,
        data={"item": item.key, "checklist": c.id, "visit": vid},
    )
    if level == "major" and street is not None and rng.random() < 0.7:
        at = raised + timedelta(hours=rng.randrange(2, 48))
        h.supervised, h.version = True, h.version + 1
        row.update(supervised=True, version=h.version, updated_at=at)
        events.hazard(h, "supervise", street, at, e.id, from_state="open")
    past_deadline = deadline < today
    roll = rng.random()
    # Most hazards close; some wait for a recheck; some stay open (overdue when past the deadline).
    outcome = (
        ("closed" if roll < 0.72 else "rectified" if roll < 0.84 else "open")
        if past_deadline
        else ("closed" if roll < 0.25 else "rectified" if roll < 0.5 else "open")
    )
    if outcome in ("rectified", "closed"):
        latest = min(
            now,
            datetime.combine(deadline, datetime.min.time(), raised.tzinfo)
            + timedelta(days=rng.choice([-2, 0, 2, 8])),
        )
        submitted = (
            raised + (latest - raised) * rng.uniform(0.3, 1.0)
            if latest > raised
            else raised + timedelta(hours=2)
        )
        submitted = max(
            row["updated_at"] + timedelta(minutes=1), min(submitted, now - timedelta(minutes=5))
        )
        h.state, h.version = "rectified", h.version + 1
        row.update(
            state="rectified",
            submitted_by=inspector.id,
            submitted_at=submitted,
            version=h.version,
            updated_at=submitted,
        )
        events.hazard(
            h, "submit_rectification", inspector, submitted, e.id, from_state="open", note="已整改"
        )
        if outcome == "closed" and street is not None:
            closed = min(
                now - timedelta(minutes=1), submitted + timedelta(hours=rng.randrange(2, 120))
            )
            h.state, h.version = "closed", h.version + 1
            row.update(
                state="closed",
                closed_by=street.id,
                closed_at=closed,
                version=h.version,
                updated_at=closed,
            )
            events.hazard(h, "verify", street, closed, e.id, from_state="rectified")
    return row


def build_campaign(*, seed: int, now: datetime) -> dict[str, int]:
    """Campaign records on the plan's calendar: letters in the mobilisation phase, reviews, stars, colours, cases."""
    from decimal import Decimal

    from . import risk, targets
    from .models import (
        CampaignCase,
        CampaignLetter,
        QuarterFigure,
        RiskAssessment,
        StandardizationRecord,
        StarRating,
        Street,
    )

    rng = random.Random(f"{seed}-campaign")
    start = demo.history_start(now)
    today = local_today(now)
    year = start.year
    mobilised, self_assessed = date(year, 1, 25), date(year, 3, 31)
    users = list(db.session.scalars(select(User).where(User.role == "street")))
    street_user = {u.street_id: u for u in users}
    ents = list(db.session.scalars(select(Enterprise)))
    letters, reviews, stars, assessments = [], [], [], []
    for e in ents:
        actor = street_user.get(e.street_id)
        if actor is None:
            continue
        if rng.random() < 0.95 and mobilised <= today:
            on = mobilised - timedelta(days=rng.randrange(0, 10))
            recorded = datetime.combine(on, datetime.min.time(), start.tzinfo) + timedelta(hours=17)
            letters.append(
                dict(
                    enterprise_id=e.id,
                    kind="notice",
                    year=year,
                    deadline=self_assessed,
                    done_on=on,
                    signer="",
                    photo_sha256=None,
                    note="",
                    recorded_by=actor.id,
                    recorded_at=recorded,
                )
            )
            if rng.random() < 0.85:
                letters.append(
                    dict(
                        enterprise_id=e.id,
                        kind="commitment",
                        year=year,
                        deadline=self_assessed,
                        done_on=on,
                        signer=e.principal_name or "负责人",
                        photo_sha256=None,
                        note="",
                        recorded_by=actor.id,
                        recorded_at=recorded,
                    )
                )
        if e.standardization in risk.STANDARDIZED:
            on = local_today(start) - timedelta(days=rng.randrange(30, 900))
            reviews.append(
                dict(
                    enterprise_id=e.id,
                    kind="review",
                    level=e.standardization,
                    result="pass",
                    on=on,
                    valid_until=on + timedelta(days=3 * 365),
                    organizer=rng.choice(standardization.ORGANIZERS_BY_LEVEL[e.standardization]),
                    note="",
                    recorded_by=actor.id,
                    recorded_at=start + timedelta(days=20),
                )
            )
        elif e.standardization == "self_assessed" and self_assessed <= today:
            on = date(year, 2, 10) + timedelta(days=rng.randrange(0, 50))
            reviews.append(
                dict(
                    enterprise_id=e.id,
                    kind="self_assessment",
                    level="self_assessed",
                    result="pass",
                    on=on,
                    valid_until=None,
                    organizer=None,
                    note="",
                    recorded_by=actor.id,
                    recorded_at=start + timedelta(days=(on - local_today(start)).days + 1),
                )
            )
        decided = start + timedelta(days=rng.randrange(90, 180))
        if e.stars and decided < now:
            stars.append(
                dict(
                    enterprise_id=e.id,
                    stars=e.stars,
                    suggested=e.stars,
                    reason="",
                    decided_by=actor.id,
                    decided_at=decided,
                )
            )
        if rng.random() < 0.6 and decided < now:
            assessments.append(
                dict(
                    enterprise_id=e.id,
                    suggested=e.risk_color,
                    reasons=["批量数据"],
                    color=e.risk_color,
                    override_reason="",
                    decided_by=actor.id,
                    decided_at=decided,
                )
            )
    for model, rows in (
        (CampaignLetter, letters),
        (StandardizationRecord, reviews),
        (StarRating, stars),
        (RiskAssessment, assessments),
    ):
        if rows:
            db.session.execute(insert(model), rows)
    cases = []
    for street in db.session.scalars(select(Street)):
        actor = street_user.get(street.id)
        mine = [e for e in ents if e.street_id == street.id]
        for e in rng.sample(mine, min(len(mine), 2)):
            on = date(year, 7, 1) + timedelta(days=rng.randrange(0, 170))
            if on < today:
                cases.append(
                    dict(
                        kind="excellent_venue" if e.venue_type else "benchmark",
                        street_id=street.id,
                        enterprise_id=e.id,
                        level=rng.choice(["district", "street"]),
                        on=on,
                        note="",
                        recorded_by=actor.id,
                        recorded_at=start + timedelta(days=(on - local_today(start)).days + 1),
                    )
                )
        for q in range(1, (today.month - 1) // 3 + 2):
            db.session.add(
                QuarterFigure(
                    street_id=street.id,
                    year=today.year,
                    quarter=q,
                    annex=5,
                    row_key="",
                    column_key="post_worker",
                    value=Decimal(rng.randrange(0, 6)),
                    entered_by=actor.id,
                    entered_at=now,
                )
            )
    if cases:
        db.session.execute(insert(CampaignCase), cases)
    targets.seed_annex1(year, start + timedelta(days=14))
    db.session.commit()
    return {
        "letters": len(letters),
        "reviews": len(reviews),
        "assessments": len(assessments),
        "cases": len(cases),
    }
