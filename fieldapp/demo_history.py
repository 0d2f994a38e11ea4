"""Inspection history for the demo district, made the way real work makes it.

A simulated clock runs from 1 January of the plan's year (2025) to `now`. Every step is
a call to the domain function a request would make, given the `now` at which it would
have happened, in time order:

- a visit is walked, then synced minutes or hours later: its photos first, through
  `photos.ingest` (real decoded images, one distinct picture per shot), then
  `visits.receive`, which raises its hazards and closes those fixed on the spot;
- every later step of a hazard is `hazards.transition`: rectifications submitted by
  the premises (PIN or owner account) or the inspector, verified or rejected,
  extensions requested and decided, supervision, referral, reopening;
- a major hazard is reported from the phone the same day (`alerts.receive`) and the
  street office takes it in hand (`alerts.acknowledge`); a flagged major hazard's closure
  waits for a second office user (`confirm_closure`); a few visits are corrected from the
  phone after syncing (`amends`); now and then a crowded venue fails four fire elements
  and the inspector answers GB 35181's combined judgement (`fire_combined`);
- the checklists walked are the editions in force on the visit's day;
- the campaign's records follow the plan's phases (`fieldapp.demo_campaign`).

Nothing here writes a row or an audit payload itself, so a page meets only what real use
produces. The same seed and `now` give the same records (placard tokens and PIN hashes
apart: those are random by design).
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import heapq
import random
import uuid as uuidlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from . import alerts, demo, demo_photos, fire_judgement, hazards, visits
from .clock import LOCAL_TZ, local_today
from .extensions import db
from .models import Enterprise, Hazard, User, user_grids

COMMIT_EVERY = 400  # steps per transaction: fewer commits, the same records
BASE_FAIL = 0.012  # per answered item: about half a hazard in a 46-item visit
AMEND = 0.01  # per visit: the inspector corrects it from the phone after it synced
FIRE_STORM = (
    0.01  # per visit to a crowded venue: four fire elements fail at once (a combined judgement)
)

FAIL_NOTES = [
    "现场发现问题，已当面告知负责人",
    "负责人在场，已口头提醒",
    "问题较明显，需尽快整改",
    "与上次检查时相同的问题",
    "员工称不清楚相关要求",
    "已拍照留存",
]
PASS_NOTES = ["已提醒保持", "较上次有改善", "负责人已签字确认"]
SUBMIT_NOTES = [
    "已按要求整改完毕，请复查。",
    "已更换并张贴，附整改后照片。",
    "已清理完毕，安排专人每日检查。",
    "已请电工重新布线，附照片。",
    "已购置到位并放置在指定位置。",
]
REJECT_NOTES = [
    "整改不到位，请重新整改并补充照片。",
    "照片不能反映整改情况，请补拍整改部位。",
    "现场复查仍有问题，退回整改。",
]
EXTEND_NOTES = [
    "需采购设备，到货需要时间，申请延期。",
    "需请施工队改造，申请延期。",
    "涉及房东协调，申请延期。",
]


@dataclass
class Premises:
    """What the simulation knows of a premises; the row itself is read when acting on it."""

    id: int
    name: str
    street_id: int
    grid_id: int | None
    venue_type: str | None
    industry: str
    size_class: str
    hosts_tenants: bool
    landlord_id: int | None
    lat: float | None
    lng: float | None
    risk_color: str
    standardization: str
    principal_name: str | None
    active_until: datetime | None = None
    visit_times: list[datetime] = field(default_factory=list)


def at_local(day: date, hour: float) -> datetime:
    """An instant on a local working day, from a fractional hour."""
    return datetime.combine(day, time(), LOCAL_TZ) + timedelta(hours=hour)


@contextlib.contextmanager
def seeded_ids(rng: random.Random):
    """Make the ids the server itself draws (audit events, reports) come from the seed, for a reproducible demo."""
    real = uuidlib.uuid4
    uuidlib.uuid4 = lambda: uuidlib.UUID(int=rng.getrandbits(128), version=4)
    try:
        yield
    finally:
        uuidlib.uuid4 = real


class History:
    """The simulation: a clock, a queue of steps in time order, and the people who act."""

    def __init__(self, *, seed: int, now: datetime, start: datetime, pin_hasher=None):
        self.pin_hasher = pin_hasher or generate_password_hash
        self.rng = random.Random(f"{seed}-history")
        self.seed, self.start, self.end = seed, start, now
        self._queue: list = []
        self._n = 0
        self.counts: Counter = Counter()
        self.registry = current_app.extensions["checklists"]
        self.premises = {p.id: p for p in self._load_premises()}
        users = list(db.session.scalars(select(User).order_by(User.id)))
        self.users = {u.id: u for u in users}
        grid_users: dict[int, list[int]] = {}
        for grid_id, user_id in db.session.execute(
            select(user_grids.c.grid_id, user_grids.c.user_id).order_by(user_grids.c.user_id)
        ):
            grid_users.setdefault(grid_id, []).append(user_id)
        self.former = next((u for u in users if u.username == demo.FORMER_INSPECTOR), None)
        self.former_until = start + (now - start) * 0.4
        self.former_grids = {g.id for g in self.former.grids} if self.former else set()
        self.inspector = {
            g: self.users[next(i for i in ids if self.former is None or i != self.former.id)]
            for g, ids in grid_users.items()
        }
        self.street_user = {u.street_id: u for u in users if u.role == "street"}
        self.department = {u.industry: u for u in users if u.role == "department" and u.industry}
        self.district = next(u for u in users if u.role == "district")
        # Who at a premises submits its evidence: its owner account, or its placard PIN once one is set.
        self.owner = {
            u.enterprise_id: u for u in users if u.role == "enterprise" and u.enterprise_id
        }
        self.on_major = None  # the office's second look at a premises' colour after a major hazard
        self.featured: Premises | None = None  # see plan_visits

    def _load_premises(self) -> list[Premises]:
        rows = db.session.execute(
            select(
                Enterprise.id,
                Enterprise.name,
                Enterprise.street_id,
                Enterprise.grid_id,
                Enterprise.venue_type,
                Enterprise.industry,
                Enterprise.size_class,
                Enterprise.hosts_tenants,
                Enterprise.landlord_id,
                Enterprise.lat,
                Enterprise.lng,
                Enterprise.risk_color,
                Enterprise.standardization,
                Enterprise.principal_name,
            )
            .where(Enterprise.active.is_(True))
            .order_by(Enterprise.id)
        ).all()
        return [Premises(*r) for r in rows]

    # --- the clock ------------------------------------------------------------------------

    def at(self, when: datetime, step, *args) -> None:
        """Run `step(when, *args)` at that instant, unless it falls after the end (it has not happened yet)."""
        if self.start <= when < self.end:
            heapq.heappush(self._queue, (when, self._n, step, args))
            self._n += 1

    def run(self) -> None:
        done = 0
        # What exists now (the app, its registry) lives to the end: keep the collector off it.
        gc.freeze()
        try:
            while self._queue:
                when, _, step, args = heapq.heappop(self._queue)
                step(when, *args)
                done += 1
                if done % COMMIT_EVERY == 0:
                    db.session.commit()
            if not self.counts["confirm_closure"]:
                self._second_confirmation()
            db.session.commit()
        finally:
            gc.unfreeze()

    def _second_confirmation(self) -> None:
        """Close one doubtful major hazard with two office users when the history made none.

        The history makes such a closure about once in two years of simulated time, and
        on some days not before today; the crawl must still meet one. A major hazard
        with an accepted plan is rectified with evidence shot far from the premises (a
        flag), accepted, verified by its street and confirmed by the district.
        """
        t = self.end - timedelta(hours=2)
        for h in db.session.scalars(
            select(Hazard)
            .where(
                Hazard.level == "major",
                Hazard.state == "open",
                Hazard.plan_status == "accepted",
                Hazard.updated_at < t,
            )
            .order_by(Hazard.raised_at, Hazard.uuid)
        ):
            p = self.premises.get(h.enterprise_id)
            owner = self.owner.get(p.id) if p else None
            if owner is None:
                continue
            shot = self.photo(actor=owner, now=t, taken=t - timedelta(minutes=10), p=p, far=True)
            if not self._act(t, h, "submit_rectification", owner, photos=[shot], note="已整改"):
                continue
            h = self._hazard(h.uuid)
            if not h.evidence_flags:
                continue
            self.accept_major(t + timedelta(minutes=20), h, p, self.street(p))
            note = "现场复核，整改属实（照片为复查时补拍）。"
            if self._act(
                t + timedelta(minutes=40), self._hazard(h.uuid), "verify", self.street(p), note=note
            ) and self._act(
                t + timedelta(minutes=60),
                self._hazard(h.uuid),
                "confirm_closure",
                self.district,
                note="二次确认：复核整改材料，同意销号。",
            ):
                return

    def uuid(self) -> str:
        return str(uuidlib.UUID(int=self.rng.getrandbits(128), version=4))

    def between(self, a: datetime, b: datetime) -> datetime:
        return a + (b - a) * self.rng.random() if b > a else a

    def working_time(self, day: date, early: float = 8.5, late: float = 17.5) -> datetime:
        if day.weekday() == 6:  # Sundays off
            day += timedelta(days=1)
        return at_local(day, self.rng.uniform(early, late))

    # --- people -----------------------------------------------------------------------------

    def inspector_for(self, p: Premises, when: datetime) -> User | None:
        current = self.inspector.get(p.grid_id) if p.grid_id else None
        if self.former is not None and when < self.former_until and p.grid_id in self.former_grids:
            return self.former
        return current

    def street(self, p: Premises) -> User:
        return self.street_user[p.street_id]

    def near(self, p: Premises, metres: float) -> tuple[float | None, float | None]:
        if p.lat is None or p.lng is None:
            return None, None
        d = metres / 111_000
        return round(p.lat + self.rng.uniform(-d, d), 6), round(p.lng + self.rng.uniform(-d, d), 6)

    def photo(
        self,
        *,
        actor,
        now: datetime,
        taken: datetime,
        p: Premises,
        located: bool = True,
        far: bool = False,
    ) -> str:
        lat, lng = self.near(p, 3000 if far else 25) if located else (None, None)
        self.counts["photos"] += 1
        return demo_photos.upload(
            demo_photos.picture(self.rng),
            actor=actor,
            now=now,
            captured_at=taken,
            lat=lat,
            lng=lng,
            accuracy_m=self.rng.choice([5.0, 8.0, 12.0, 20.0, 35.0]) if lat is not None else None,
        )

    # --- visits --------------------------------------------------------------------------

    def plan_visits(self, total: int) -> None:
        """Spread `total` visits over the premises, more often where the risk is higher, each at working hours."""
        weight = {"red": 4.0, "orange": 2.2, "yellow": 1.3, "blue": 1.0}
        ps = list(self.premises.values())
        if not ps or total <= 0:
            return
        w = [weight[p.risk_color] for p in ps]
        scale = total / sum(w)
        counts = [int(x * scale) for x in w]
        # Largest remainders first, so the counts add up to `total` exactly.
        for i in sorted(range(len(ps)), key=lambda i: (counts[i] - w[i] * scale, ps[i].id))[
            : total - sum(counts)
        ]:
            counts[i] += 1
        span = self.end - self.start
        sweep = min(timedelta(days=180), span / 3)  # the first round: the mobilisation's 排查摸底
        for p, n in zip(ps, counts, strict=True):
            if n == 0:
                continue
            first = self.start + timedelta(days=4) + (sweep - timedelta(days=4)) * self.rng.random()
            # Then more often as the grid work takes hold: the density grows toward today.
            last = self.end - timedelta(hours=3)
            times = [first] + sorted(
                first + (last - first) * self.rng.random() ** (1 / 3) for _ in range(n - 1)
            )
            featured = self.featured is None and p.street_id == ps[0].street_id and n > 2
            if featured:
                # The premises whose placard PIN the demo prints: its latest visit a few days ago, so
                # its owner has a hazard to fix and one awaiting the recheck when someone signs in.
                self.featured = p
                times[-1] = self.end - timedelta(days=self.rng.uniform(3, 6))
            for finished_day in (local_today(t) for t in times):
                finished = self.working_time(finished_day, 9.0, 17.5)
                while finished > self.end - timedelta(
                    minutes=30
                ):  # today, later than now: a day before
                    finished_day -= timedelta(days=1)
                    finished = at_local(finished_day, self.rng.uniform(9.0, 17.5))
                started = finished - timedelta(minutes=self.rng.randrange(12, 70))
                p.visit_times.append(finished)
                # Synced by the end: the history holds the visits it was asked for.
                received = min(finished + self._sync_delay(), self.end - timedelta(minutes=1))
                self.at(
                    received,
                    self.visit,
                    p,
                    started,
                    finished,
                    len(p.visit_times),
                    featured and len(p.visit_times) == n,
                )

    def sloppiness(self, p: Premises) -> float:
        """How much more often than usual a premises fails an item (some keep failing); fixed by the seed."""
        return 0.3 + 2.2 * random.Random(f"{self.seed}-{p.id}").random() ** 2

    def _sync_delay(self) -> timedelta:
        roll = self.rng.random()
        if roll < 0.7:
            return timedelta(minutes=self.rng.uniform(1, 30))
        if roll < 0.95:  # a basement, no signal: synced later that day
            return timedelta(hours=self.rng.uniform(1, 8))
        return timedelta(hours=self.rng.uniform(12, 40))  # the next day

    def visit(
        self,
        now: datetime,
        p: Premises,
        started: datetime,
        finished: datetime,
        nth: int,
        featured: bool = False,
    ) -> None:
        """An inspector's walk, synced as the phone syncs it: photos one by one, then the visit."""
        inspector = self.inspector_for(
            p, now
        )  # who syncs it: the former inspector's last walks reach the server before he leaves
        if inspector is None or (p.active_until is not None and finished >= p.active_until):
            return
        kind = (p.venue_type, p.industry, p.size_class, p.hosts_tenants)
        lists = self.registry.for_premises(
            *kind, local_today(finished)
        )  # the editions in force that day
        if not lists:
            return
        rng = self.rng
        roll = rng.random()
        status = (
            "ok"
            if roll < 0.85
            else "denied"
            if roll < 0.92
            else "timeout"
            if roll < 0.97
            else "unavailable"
        )
        location = None
        if status == "ok" and p.lat is not None:
            lat, lng = self.near(p, 40)
            location = {
                "lat": lat,
                "lng": lng,
                "accuracy_m": rng.choice([6.0, 10.0, 15.0, 24.0, 48.0]),
            }
        elif status == "ok":
            status = "unavailable"
        shots: list[tuple[datetime, bytes | None]] = []

        def shoot() -> str:
            data = demo_photos.picture(rng)
            shots.append((self.between(started, finished), data))
            return hashlib.sha256(data).hexdigest()

        items = [(c, i) for c in lists for i in c.items_for(*kind)]
        unanswered = (
            set(rng.sample(range(len(items)), rng.randrange(1, 4)))
            if rng.random() < 0.25
            else set()
        )
        # The featured visit finds two general hazards that take a week or more to put right.
        forced = {
            n for n, (c, i) in enumerate(items) if featured and not i.major and i.deadline_days >= 7
        }
        forced = set(sorted(forced)[:2])
        # Now and then a crowded venue is found in a bad state: four fire elements fail at once,
        # and the phone proposes GB 35181's combined judgement (fieldapp.fire_combined).
        storm: set[int] = set()
        if (
            not featured
            and p.venue_type in fire_judgement.CROWDED_VENUES
            and rng.random() < FIRE_STORM
        ):
            elements = {}
            for n, (c, i) in enumerate(items):
                if i.fire_element and not i.major:
                    elements.setdefault(i.fire_element, n)
            storm = set(list(elements.values())[:4]) if len(elements) >= 4 else set()
        unanswered -= forced | storm
        p_fail = BASE_FAIL * self.sloppiness(p) * (0.85 ** (nth - 1))
        visit_day = local_today(finished)
        answers = []
        scripts: dict[str, str] = {}  # the featured visit's hazards: what happens to each
        for n, (c, item) in enumerate(items):
            if n in unanswered:
                continue
            r = rng.random()
            result = (
                "fail"
                if r < p_fail or n in forced or n in storm
                else "na"
                if r < p_fail + 0.07
                else "pass"
            )
            answer = {
                "checklist": c.id,
                "item": item.key,
                "result": result,
                "note": "",
                "photos": [],
                "hazard": None,
            }
            if result == "fail":
                answer["note"] = rng.choice(FAIL_NOTES) if rng.random() < 0.7 else ""
                if item.photo_required or rng.random() < 0.5 or n in forced:
                    answer["photos"] = [shoot()]
                answer["hazard"] = self._hazard_body(item, visit_day, answer["photos"], shoot)
                if n in forced:
                    answer["hazard"].update(
                        fixed_on_spot=False, after_photos=[], level="general", level_reason=""
                    )
                    scripts[answer["hazard"]["uuid"]] = "awaits_recheck" if not scripts else "open"
            else:
                if rng.random() < 0.01:
                    answer["note"] = rng.choice(PASS_NOTES)
                if rng.random() < 0.001:
                    answer["photos"] = [shoot()]
            answers.append(answer)
        body = {
            "enterprise_id": p.id,
            "checklists": [{"id": c.id, "version": c.version} for c in lists],
            "started_at": started.astimezone(LOCAL_TZ).isoformat(),
            "finished_at": finished.astimezone(LOCAL_TZ).isoformat(),
            "location": location,
            "location_status": status,
            "answers": answers,
        }
        combined = self._fire_combined(p, items, answers, visit_day)
        if combined is not None:
            body["fire_combined"] = combined
        # A phone that lost a photo before syncing (rare): the visit says so by its missing photo.
        lost = len(shots) - 1 if shots and rng.random() < 0.01 else None
        for n, (taken, data) in enumerate(shots):
            if n == lost:
                self.counts["photos_lost"] += 1
                continue
            lat, lng = (location["lat"], location["lng"]) if location else (None, None)
            self.counts["photos"] += 1
            demo_photos.upload(
                data,
                actor=inspector,
                now=now - timedelta(seconds=5 * (len(shots) - n)),
                captured_at=taken,
                lat=lat,
                lng=lng,
                accuracy_m=location["accuracy_m"] if location else None,
            )
        vid = self.uuid()
        # A major hazard is reported to the street office from the phone the same day, ahead of the visit.
        by_key = {(c.id, i.key): i for c, i in items}
        for a in answers:
            hz = a["hazard"]
            if hz is not None and hz["level"] == "major" and not hz["fixed_on_spot"]:
                self._report_major(
                    p, inspector, by_key[a["checklist"], a["item"]], a, vid, finished, now
                )
        visits.receive(vid, body, actor=inspector, now=now)
        if rng.random() < AMEND:
            self.at(now + timedelta(hours=rng.uniform(1, 48)), self._amend, inspector, vid, body)
        self.counts["visits"] += 1
        self.counts["answers"] += len(answers)
        for hz in (a["hazard"] for a in answers if a["hazard"]):
            self.counts["hazards"] += 1
            if hz["fixed_on_spot"]:
                self.counts["fixed_on_spot"] += 1
                continue
            self.plan_hazard(
                hz["uuid"],
                p,
                hz["level"],
                now,
                date.fromisoformat(hz["deadline"]),
                scripts.get(hz["uuid"]),
            )
        if (
            combined is not None and combined["decision"] == "confirm"
        ):  # the combined major hazard the server raised
            self.counts["hazards"] += 1
            self.plan_hazard(
                combined["hazard"]["uuid"],
                p,
                "major",
                now,
                date.fromisoformat(combined["hazard"]["deadline"]),
            )

    def _amend(self, now: datetime, inspector, vid: str, body: dict) -> None:
        """The inspector corrects a synced visit from the phone: the same walk again, one note added (amends)."""
        if not inspector.active:
            return
        answers = [dict(a) for a in body["answers"]]
        passed = [a for a in answers if a["result"] == "pass"]
        if not passed:
            return
        self.rng.choice(passed)["note"] = "更正：补充检查记录"
        visits.receive(
            self.uuid(), {**body, "answers": answers, "amends": vid}, actor=inspector, now=now
        )
        self.counts["amendments"] += 1

    def _report_major(
        self,
        p: Premises,
        inspector,
        item,
        answer: dict,
        vid: str,
        finished: datetime,
        now: datetime,
    ) -> None:
        """The phone's same-day report of a major hazard (alerts.receive); the street office takes it in hand."""
        aid = self.uuid()
        alerts.receive(
            aid,
            {
                "kind": "major_hazard",
                "enterprise_id": p.id,
                "hazard_uuid": answer["hazard"]["uuid"],
                "record_uuid": vid,
                "subject": (item.defect or item.text)[:200],
                "note": answer["note"],
                "occurred_at": finished.astimezone(LOCAL_TZ).isoformat(),
            },
            actor=inspector,
            now=now,
        )
        self.counts["alerts"] += 1
        if self.rng.random() < 0.95:  # a few wait in the street office's list
            self.at(now + timedelta(hours=self.rng.uniform(0.2, 30)), self._acknowledge, p, aid)

    def _acknowledge(self, now: datetime, p: Premises, aid: str) -> None:
        alerts.acknowledge(self.street(p), aid, now=now)
        self.counts["alerts_acknowledged"] += 1

    def _fire_combined(
        self, p: Premises, items: list, answers: list[dict], visit_day: date
    ) -> dict | None:
        """The inspector's answer when the failed fire elements reach GB 35181's threshold (the phone proposes it)."""
        by_key = {(c.id, i.key): i for c, i in items}
        failed = [
            fire_judgement.Failed(
                a["checklist"],
                a["item"],
                by_key[a["checklist"], a["item"]].fire_element,
                by_key[a["checklist"], a["item"]].defect or by_key[a["checklist"], a["item"]].text,
            )
            for a in answers
            if a["result"] == "fail" and by_key[a["checklist"], a["item"]].fire_element
        ]
        if not failed:
            return None
        ent = db.session.get(Enterprise, p.id)
        kind = fire_judgement.venue_kind_for(ent.venue_type, ent.industry, ent.employees)
        if fire_judgement.propose(failed, kind, visit_day) is None:
            return None
        self.counts["fire_combined"] += 1
        if self.rng.random() < 0.3:
            return {
                "decision": "decline",
                "reason": "各项问题已当场督促整改，综合研判不构成重大火灾隐患",
            }
        return {
            "decision": "confirm",
            "hazard": {
                "uuid": self.uuid(),
                "deadline": (visit_day + timedelta(days=30)).isoformat(),
            },
        }

    def _hazard_body(self, item, visit_day: date, before: list[str], shoot) -> dict:
        """The hazard as the inspector sets it on the phone: the item's defaults, sometimes changed with a reason."""
        rng = self.rng
        level, level_reason = ("major", "") if item.major else ("general", "")
        if item.major and rng.random() < 0.15:
            level, level_reason = "general", "现场核实情节较轻，未达到重大隐患判定标准"
        deadline, deadline_reason = visit_day + timedelta(days=item.deadline_days), ""
        if item.deadline_days > 0 and rng.random() < 0.12:
            deadline += timedelta(days=rng.randrange(5, 21))
            deadline_reason = "需采购设备或施工，期限适当延长"
        fixed = (
            level == "general"
            and bool(before)
            and rng.random() < (0.6 if item.deadline_days == 0 else 0.12)
        )
        return {
            "uuid": self.uuid(),
            "level": level,
            "level_reason": level_reason,
            "deadline": deadline.isoformat(),
            "deadline_reason": deadline_reason,
            "fixed_on_spot": fixed,
            "after_photos": [shoot()] if fixed else [],
            "description": "",
        }

    # --- the closed loop -----------------------------------------------------------------

    def plan_hazard(
        self,
        hid: str,
        p: Premises,
        level: str,
        raised: datetime,
        deadline: date,
        script: str | None = None,
    ) -> None:
        """Decide now what will happen to a hazard, and put each step on the clock."""
        rng = self.rng
        if (
            script == "awaits_recheck"
        ):  # the featured visit's: submitted the next day, the recheck still to come
            self.at(raised + timedelta(days=1), self.submit, hid, p, 1, False)
        if script is not None:
            return
        if level == "major":
            if self.on_major is not None:
                self.at(raised + timedelta(days=rng.uniform(1, 5)), self.on_major, self, p)
            # Governed to the law: confirmed, a 治理方案 from the premises, accepted by the street.
            self.at(raised + timedelta(hours=rng.uniform(2, 30)), self.govern, hid, p)
            if rng.random() < 0.75:
                self.at(
                    raised + timedelta(hours=rng.uniform(3, 72)), self.flag, hid, p, "supervise"
                )
            if rng.random() < 0.2:
                self.at(raised + timedelta(days=rng.uniform(2, 12)), self.flag, hid, p, "refer")
        due = at_local(deadline, 18)
        if rng.random() < 0.1 and due > raised + timedelta(days=2):
            asked = self.between(raised + (due - raised) * 0.4, due - timedelta(hours=12))
            days = rng.choice([7, 10, 14, 21])
            # The office decides within days, mostly; a few requests wait until someone notices,
            # and the premises waits for the answer before it does the work.
            decide = asked + timedelta(days=rng.expovariate(1 / 6)) if rng.random() < 0.88 else None
            approve = rng.random() < 0.75
            self.at(asked, self.ask_extension, hid, p, days, decide, approve)
            if decide is None:
                return
            if approve:
                due += timedelta(days=days)
        fate = rng.random()
        if fate < 0.10:
            return  # never rectified: overdue once the deadline passes
        if fate < 0.25:
            submit = due + timedelta(days=rng.uniform(1, 25))  # late
        elif fate < 0.70:
            submit = min(
                raised + timedelta(hours=rng.uniform(4, 72)), due - timedelta(hours=1)
            )  # fixed at once
        else:
            submit = self.between(raised + (due - raised) * 0.15, due - timedelta(hours=1))
        self.at(max(submit, raised + timedelta(hours=2)), self.submit, hid, p, 1)

    def _hazard(self, hid: str) -> Hazard:
        return db.session.get(Hazard, hid)

    def _act(self, now: datetime, h: Hazard, action: str, actor, **kw) -> bool:
        try:
            hazards.transition(
                h.uuid,
                action,
                actor=actor,
                now=now,
                version=h.version,
                event_uuid=self.uuid(),
                **kw,
            )
        except hazards.TransitionError:
            self.counts[f"refused_{action}"] += 1
            return False
        self.counts[action] += 1
        return True

    def flag(self, now: datetime, hid: str, p: Premises, action: str) -> None:
        h = self._hazard(hid)
        if (
            h.state == "closed"
            or (action == "supervise" and h.supervised)
            or (action == "refer" and h.referred)
        ):
            return
        actor = self.district if self.rng.random() < 0.15 else self.street(p)
        self._act(now, h, action, actor)

    def submitter(self, p: Premises, when: datetime) -> User | None:
        owner = self.owner.get(p.id)
        if owner is not None and self.rng.random() < 0.85:
            return owner
        return self.inspector_for(p, when)

    def ask_extension(
        self,
        now: datetime,
        hid: str,
        p: Premises,
        days: int,
        decide: datetime | None,
        approve: bool,
    ) -> None:
        h = self._hazard(hid)
        if h.state != "open" or h.extension_requested_to is not None:
            return
        actor = self.submitter(p, now)
        if actor is None or not self._act(
            now,
            h,
            "request_extension",
            actor,
            note=self.rng.choice(EXTEND_NOTES),
            data={"deadline": (h.deadline + timedelta(days=days)).isoformat()},
        ):
            return
        if decide is not None:
            self.at(decide, self.decide_extension, hid, p, approve)

    def decide_extension(self, now: datetime, hid: str, p: Premises, approve: bool) -> None:
        h = self._hazard(hid)
        if h.state != "open" or h.extension_requested_to is None:
            return
        if approve:
            self._act(
                now, h, "approve_extension", self.street(p), note="同意延期，请按新期限完成整改。"
            )
        else:
            self._act(
                now, h, "refuse_extension", self.street(p), note="整改工作量不大，应按原期限完成。"
            )

    def submit(
        self, now: datetime, hid: str, p: Premises, attempt: int, recheck: bool = True
    ) -> None:
        h = self._hazard(hid)
        actor = self.submitter(p, now)
        if h.state != "open" or actor is None:
            return
        rng = self.rng
        if rng.random() < 0.04 and h.before_photos:
            shas = [h.before_photos[0]]  # the before photo sent again: the evidence checks flag it
        else:
            located = actor.role != "enterprise" or rng.random() < 0.7
            far = rng.random() < 0.03
            taken = now - timedelta(hours=rng.uniform(0.5, 30))
            shas = [
                self.photo(
                    actor=actor,
                    now=now - timedelta(seconds=20 * k),
                    taken=taken,
                    p=p,
                    located=located,
                    far=far,
                )
                for k in range(2 if rng.random() < 0.05 else 1)
            ]
        if not self._act(
            now, h, "submit_rectification", actor, note=rng.choice(SUBMIT_NOTES), photos=shas
        ):
            return
        if not recheck or rng.random() < 0.02:
            return  # left in the queue: nobody rechecks it (yet)
        # Rechecks wait for the inspector's next round or the office's queue: days, sometimes weeks.
        wait = (
            timedelta(hours=rng.uniform(4, 72))
            if rng.random() < 0.25
            else timedelta(days=3 + rng.expovariate(1 / 12))
        )
        self.at(now + wait, self.review, hid, p, attempt)

    def govern(self, now: datetime, hid: str, p: Premises) -> None:
        """A major hazard's confirmation, then its 治理方案 from the premises (fieldapp.hazard_major)."""
        h = self._hazard(hid)
        if h.level != "major" or h.state == "closed":
            return
        office = self.street(p)
        if h.major_confirmed_at is None and not self._act(now, h, "confirm_major", office):
            return
        if self.owner.get(p.id) is None:
            # The street gives the owner a placard PIN, so the premises can file its plan itself.
            from . import placards

            placards.set_pin(
                db.session.get(Enterprise, p.id),
                actor=office,
                now=now,
                pin=demo.pin_for(self.seed, p.id),
                hasher=self.pin_hasher,
            )
            self.owner[p.id] = db.session.scalar(
                select(User).where(User.username == placards.pin_username(p.id))
            )
        if self.owner.get(p.id) is not None:
            self.at(
                now + timedelta(days=self.rng.uniform(1, 6)), self.plan_step, hid, p, "submit_plan"
            )

    def plan_step(self, now: datetime, hid: str, p: Premises, action: str) -> None:
        from .field_samples import PLAN

        h = self._hazard(hid)
        if h.level != "major" or h.state != "open":
            return
        if action == "submit_plan":
            plan = {**PLAN, "goal": f"按期消除隐患：{h.finding}"}
            if self._act(now, h, "submit_plan", self.owner[p.id], data={"plan": plan}):
                self.at(
                    now + timedelta(hours=self.rng.uniform(4, 48)),
                    self.plan_step,
                    hid,
                    p,
                    "accept_plan",
                )
        elif h.plan_status == "submitted":
            self._act(now, h, "accept_plan", self.street(p), note="方案可行，按期实施")

    def accept_major(self, now: datetime, h: Hazard, p: Premises, reviewer) -> None:
        """The 销号 acceptance a major hazard needs before its verification: who, when, a photo."""
        office = reviewer if reviewer.role != "inspector" else self.street(p)
        shot = self.photo(
            actor=office, now=now, taken=now - timedelta(minutes=20), p=p, located=True, far=False
        )
        self._act(
            now,
            h,
            "record_acceptance",
            office,
            note="现场验收合格",
            photos=[shot],
            data={"accepted_by": "街道安办、行业专家", "accepted_on": local_today(now).isoformat()},
        )

    def review(self, now: datetime, hid: str, p: Premises, attempt: int) -> None:
        h = self._hazard(hid)
        if h.state != "rectified":
            return
        rng = self.rng
        inspector = self.inspector_for(p, now)
        if h.level == "major":
            reviewer = self.district if rng.random() < 0.1 else self.street(p)
        elif inspector is not None and h.submitted_by != inspector.id and rng.random() < 0.8:
            reviewer = inspector
        else:
            reviewer = self.street(p)
        flagged = bool(h.evidence_flags)
        reject = rng.random() < (0.5 if flagged else 0.08)
        # Evidence in doubt is passed only with a written reason; a closure the rules refuse
        # (an after photo older than the hazard) is sent back instead.
        note = "现场复核，整改属实（照片为复查时补拍）。" if flagged else ""
        if (
            not reject
            and h.level == "major"
            and h.plan_status == "accepted"
            and h.acceptance_uuid is None
        ):
            self.accept_major(now, h, p, reviewer)
            h = self._hazard(hid)
        if not reject and self._act(now, h, "verify", reviewer, note=note):
            h = self._hazard(hid)
            if h.state == "rectified":  # a major hazard in doubt: a second office user confirms it
                second = self.district if reviewer is not self.district else self.street(p)
                # Within the history's time left: a confirmation due after today would leave
                # the demo, some days, without any closure confirmed by a second office user.
                wait = min(timedelta(days=rng.uniform(1, 12)), (self.end - now) / 2)
                self.at(now + wait, self.confirm, hid, p, second)
            elif rng.random() < 0.025:
                self.at(now + timedelta(days=rng.uniform(3, 40)), self.reopen, hid, p, attempt)
            return
        if (
            self._act(now, self._hazard(hid), "reject", reviewer, note=rng.choice(REJECT_NOTES))
            and attempt < 3
            and rng.random() < 0.85
        ):
            self.at(now + timedelta(days=rng.uniform(1, 8)), self.submit, hid, p, attempt + 1)

    def confirm(self, now: datetime, hid: str, p: Premises, second) -> None:
        h = self._hazard(hid)
        if h.state == "rectified" and h.first_verified_by is not None:
            self._act(now, h, "confirm_closure", second, note="二次确认：复核整改材料，同意销号。")

    def reopen(self, now: datetime, hid: str, p: Premises, attempt: int) -> None:
        h = self._hazard(hid)
        if h.state != "closed":
            return
        if (
            self._act(now, h, "reopen", self.street(p), note="回访发现问题复现，重新打开。")
            and self.rng.random() < 0.7
        ):
            self.at(now + timedelta(days=self.rng.uniform(2, 10)), self.submit, hid, p, attempt + 1)


def history_start(now: datetime) -> datetime:
    """The history begins on 1 January of the plan's year (a year back when that is not yet a month past)."""
    return demo.history_start(now)


def build_history(*, visits: int, seed: int, now: datetime, pin_hasher=None) -> dict[str, int]:
    """Simulate the district's work from the plan's start to `now`; return what was made.

    `pin_hasher` hashes the placard PINs the history hands out (the real scrypt unless
    given: the test suite's demo passes a cheap one, as it does for passwords).
    """
    from . import demo_campaign

    start = history_start(now)
    sim = History(seed=seed, now=now, start=start, pin_hasher=pin_hasher)
    with seeded_ids(random.Random(f"{seed}-ids")), demo_photos.batched_writes():
        sim.plan_visits(visits)
        demo_campaign.schedule(sim)
        sim.run()
        made = dict(sim.counts)
        # One example of each thing of issue 20 (a unit found in the field, enforcement records
        # and a case, a governed major hazard, 督导帮扶 and 包保), through their domain functions,
        # dated within the last three weeks; its ids drawn from the seed like the rest.
        from . import field_samples

        made.update(field_samples.populate(now=now, seed=seed))
        db.session.commit()
    return made
