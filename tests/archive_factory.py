"""A premises with a realistic record, made through the real domain functions (visits, the closed loop, photos)."""

from __future__ import annotations

import uuid as uuidlib
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from fieldapp import enterprises, hazards, placards, visits
from fieldapp.extensions import db
from fieldapp.models import Enterprise, User

from . import images
from .clock import VISIT_DAY, VISIT_FINISHED
from .factories import store_photo, visit_body

T0 = VISIT_FINISHED + timedelta(minutes=10)  # just after visit_body's default finish


def _user(name: str) -> User:
    return db.session.scalar(select(User).where(User.username == name))


def _visit(ent_id: int, inspector: User, *, finished: datetime, seed: int) -> list[str]:
    """One visit to a1 with two failed items, each with a real photo; return the hazard uuids."""
    shots = [
        store_photo(
            images.jpeg(seed=seed + i),
            uploader_id=inspector.id,
            received_at=finished,
            captured_at=finished - timedelta(minutes=5),
            lat=24.91,
            lng=118.58,
            accuracy_m=8.0,
        )
        for i in range(2)
    ]
    ids = {"extinguishers": str(uuidlib.uuid4()), "gas_alarm": str(uuidlib.uuid4())}
    local = finished.astimezone(timezone(timedelta(hours=8)))
    body = visit_body(
        ent_id,
        photos={"extinguishers": [shots[0]], "gas_alarm": [shots[1]]},
        hazard_ids=ids,
        started_at=(local - timedelta(minutes=30)).isoformat(),
        finished=local.isoformat(),
    )
    for a in body["answers"]:
        if a["hazard"]:
            a["hazard"]["deadline"] = (local.date() + timedelta(days=7)).isoformat()
    visits.receive(
        str(uuidlib.uuid4()), body, actor=inspector, now=finished + timedelta(minutes=10)
    )
    return [ids["extinguishers"], ids["gas_alarm"]]


def build_record(world, *, extra_visits: int = 0, seed: int = 100) -> dict:
    """Give premises a1 visits, hazards through their lifecycle, photos, a register change and a placard event.

    The first hazard is rejected once and then closed (two rounds of after photos);
    the second gets an approved extension and stays open; premises b1 gets an event
    in between. Returns ids for assertions.
    """
    inspector, owner, street = _user("inspector_a1"), _user("owner_a1"), _user("street_a")
    ent = db.session.get(Enterprise, world.ents["a1"])
    first, second = _visit(ent.id, inspector, finished=T0 - timedelta(minutes=10), seed=seed)
    now = T0 + timedelta(hours=1)
    # Another premises' event in between: the archive holds a subset of the global chain, with gaps.
    placards.rotate(db.session.get(Enterprise, world.ents["b1"]), actor=_user("district"), now=now)
    rounds = [
        store_photo(
            images.jpeg(seed=seed + 10 + i),
            uploader_id=owner.id,
            received_at=now + timedelta(hours=i),
        )
        for i in range(2)
    ]
    hazards.transition(
        first,
        "submit_rectification",
        actor=owner,
        now=now,
        version=1,
        note="已更换灭火器",
        photos=[rounds[0]],
    )
    hazards.transition(
        first,
        "reject",
        actor=street,
        now=now + timedelta(minutes=30),
        version=2,
        note="照片看不清压力表",
    )
    hazards.transition(
        first,
        "submit_rectification",
        actor=owner,
        now=now + timedelta(hours=2),
        version=3,
        note="补拍压力表",
        photos=[rounds[1]],
    )
    hazards.transition(
        first, "verify", actor=street, now=now + timedelta(hours=3), version=4, note="复查合格"
    )
    hazards.transition(
        second,
        "request_extension",
        actor=owner,
        now=now,
        version=1,
        note="报警器到货需时",
        data={"deadline": (VISIT_DAY + timedelta(days=22)).isoformat()},
    )
    hazards.transition(
        second,
        "approve_extension",
        actor=street,
        now=now + timedelta(hours=1),
        version=2,
        note="同意",
    )
    data = enterprises.clean(
        {**enterprises.form_values(ent), "stars": "3", "standardization": "level3"}
    )
    enterprises.update(ent, data, actor=street, now=now)
    placards.rotate(ent, actor=street, now=now + timedelta(hours=4))
    found = [first, second]
    for i in range(extra_visits):
        found += _visit(
            ent.id, inspector, finished=T0 - timedelta(days=2 * (i + 1)), seed=seed + 100 + 10 * i
        )
    db.session.commit()
    return {"enterprise_id": ent.id, "hazards": found, "closed": first, "open": second}
