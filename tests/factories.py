"""Factories for test data: callables that build rows with sensible defaults."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from werkzeug.security import generate_password_hash

from fieldapp import creditcode
from fieldapp.clock import utcnow
from fieldapp.extensions import db
from fieldapp.models import Enterprise, Grid, Street, User

from .clock import VISIT_FINISHED, VISIT_STARTED, local_iso

PASSWORD = "password123"
# One cheap hash for every test user keeps the suite fast; login still runs scrypt.
_HASH = generate_password_hash(PASSWORD, method="scrypt:1024:8:1")
_seq = itertools.count(1)


def credit_code(n: int) -> str:
    body = f"91350502{n:09d}"
    return body + creditcode.check_char(body)


def make_street(name: str, code: str) -> Street:
    street = Street(name=name, code=code, office_phone="0595-22000000")
    db.session.add(street)
    db.session.flush()
    return street


def make_grid(street: Street, code: str) -> Grid:
    grid = Grid(street_id=street.id, code=code, name=f"{street.name[:2]}{code}网格")
    db.session.add(grid)
    db.session.flush()
    return grid


def make_enterprise(street: Street, grid: Grid | None = None, **kw) -> Enterprise:
    n = next(_seq)
    now = utcnow()
    values = dict(
        name=f"测试企业{n}",
        credit_code=credit_code(n),
        street_id=street.id,
        grid_id=grid.id if grid else None,
        industry="机械",
        size_class="small_micro",
        venue_type=None,
        standardization="none",
        risk_color="yellow",
        address=f"{street.name}测试路{n}号",
        principal_name="张三",
        principal_phone="13800000000",
        safety_officer_name="李四",
        safety_officer_phone="13900000000",
        created_at=now,
        updated_at=now,
        public_token=f"tok{n:04d}-" + "x" * 28,
        public_token_at=now,
    )
    values.update(kw)
    ent = Enterprise(**values)
    db.session.add(ent)
    db.session.flush()
    return ent


def make_user(username: str, role: str, **kw) -> User:
    grids = kw.pop("grids", [])
    user = User(
        username=username,
        role=role,
        password_hash=_HASH,
        created_at=utcnow(),
        active=True,
        display_name=kw.pop("display_name", username),
        **kw,
    )
    user.grids = grids
    db.session.add(user)
    db.session.flush()
    return user


def make_units(n: int, *, street_id: int, grid_id: int | None, proposed_by: int, **kw) -> list[str]:
    """`n` units found in the field, as received (status proposed unless `kw` says); their uuids, newest first."""
    import uuid as uuidlib
    from datetime import timedelta

    from fieldapp.models import UnitProposal

    now = utcnow()
    rows = []
    for i in range(n):
        at = now - timedelta(minutes=i)
        values = dict(
            uuid=str(uuidlib.uuid4()),
            name=f"新发现小吃店{next(_seq)}",
            credit_code=None,
            no_licence=True,
            venue_type="catering",
            industry="餐饮",
            size_class="small_micro",
            address="甲街道新华路",
            location_status="none",
            photos=[],
            note="",
            street_id=street_id,
            grid_id=grid_id,
            found_at=at,
            proposed_by=proposed_by,
            received_at=at,
            body_hash="0" * 64,
            status="proposed",
            reason="",
            version=1,
        )
        values.update(kw)
        rows.append(UnitProposal(**values))
    db.session.add_all(rows)
    db.session.flush()
    return [r.uuid for r in rows]


@dataclass
class World:
    """Ids of the objects a scope test needs (ids survive the app context)."""

    streets: dict[str, int] = field(default_factory=dict)
    grids: dict[str, int] = field(default_factory=dict)
    ents: dict[str, int] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)


def build_world() -> World:
    """Two streets with two grids each, one premises per grid, users for every role.

    Enterprises are keyed by grid: a1, a2 (street A), b1, b2 (street B). The
    catering premises a1 belongs to 餐饮; the others to 机械.
    """
    w = World()
    sa, sb = make_street("甲街道", "SA"), make_street("乙街道", "SB")
    w.streets = {"A": sa.id, "B": sb.id}
    grids = {
        "a1": make_grid(sa, "SA-01"),
        "a2": make_grid(sa, "SA-02"),
        "b1": make_grid(sb, "SB-01"),
        "b2": make_grid(sb, "SB-02"),
    }
    w.grids = {k: g.id for k, g in grids.items()}
    ents = {
        "a1": make_enterprise(
            sa, grids["a1"], name="甲一小吃店", industry="餐饮", venue_type="catering"
        ),
        "a2": make_enterprise(sa, grids["a2"], name="甲二机械厂"),
        "b1": make_enterprise(sb, grids["b1"], name="乙一机械厂"),
        "b2": make_enterprise(sb, grids["b2"], name="乙二机械厂"),
    }
    w.ents = {k: e.id for k, e in ents.items()}
    users = {
        "district": make_user("district", "district"),
        "street_a": make_user("street_a", "street", street_id=sa.id),
        "street_b": make_user("street_b", "street", street_id=sb.id),
        "inspector_a1": make_user("inspector_a1", "inspector", grids=[grids["a1"]]),
        "inspector_b1": make_user("inspector_b1", "inspector", grids=[grids["b1"]]),
        "dept_catering": make_user("dept_catering", "department", industry="餐饮"),
        "owner_a1": make_user("owner_a1", "enterprise", enterprise_id=ents["a1"].id),
    }
    w.users = {k: u.id for k, u in users.items()}
    db.session.commit()
    return w


def visit_body(
    enterprise_id: int,
    *,
    photos: dict[str, list[str]] | None = None,
    hazard_ids: dict[str, str] | None = None,
    finished: str | None = None,
    **overrides,
) -> dict:
    """A finished visit to the catering premises a1 (test checklists general + catering).

    Two items fail: general/extinguishers (general hazard) and catering/gas_alarm.
    It finished at the session's VISIT_FINISHED, and both deadlines are 7 days after
    that visit's day (the items' default), unless `finished` says otherwise.
    """
    import uuid as uuidlib
    from datetime import datetime, timedelta

    if finished is None:
        finished, started = local_iso(VISIT_FINISHED), local_iso(VISIT_STARTED)
    else:
        started = (datetime.fromisoformat(finished) - timedelta(minutes=30)).isoformat()
    deadline = (datetime.fromisoformat(finished).date() + timedelta(days=7)).isoformat()

    photos = photos or {}
    hazard_ids = hazard_ids or {}
    body = {
        "enterprise_id": enterprise_id,
        "checklists": [{"id": "general", "version": 1}, {"id": "catering", "version": 1}],
        "started_at": started,
        "finished_at": finished,
        "location": {"lat": 24.91, "lng": 118.58, "accuracy_m": 12.5},
        "answers": [
            {
                "checklist": "general",
                "item": "exits_clear",
                "result": "pass",
                "note": "",
                "photos": [],
                "hazard": None,
            },
            {
                "checklist": "general",
                "item": "extinguishers",
                "result": "fail",
                "note": "压力表在红区",
                "photos": photos.get("extinguishers", []),
                "hazard": {
                    "uuid": hazard_ids.get("extinguishers", str(uuidlib.uuid4())),
                    "description": "灭火器失压",
                    "level": "general",
                    "deadline": deadline,
                    "fixed_on_spot": False,
                    "after_photos": [],
                },
            },
            {
                "checklist": "catering",
                "item": "gas_alarm",
                "result": "fail",
                "note": "未装报警器",
                "photos": photos.get("gas_alarm", []),
                "hazard": {
                    "uuid": hazard_ids.get("gas_alarm", str(uuidlib.uuid4())),
                    "description": "厨房未装可燃气体报警器",
                    "level": "general",
                    "deadline": deadline,
                    "fixed_on_spot": False,
                    "after_photos": [],
                },
            },
            {
                "checklist": "catering",
                "item": "lpg_not_in_dining",
                "result": "na",
                "note": "使用管道燃气",
                "photos": [],
                "hazard": None,
            },
        ],
    }
    body.update(overrides)
    return body


def make_hazard(
    enterprise_id: int,
    *,
    state: str = "open",
    level: str = "general",
    raised_by: int | None = None,
    submitted_by: int | None = None,
    after_photos: list[str] | None = None,
    before_photos: list[str] | None = None,
    deadline=None,
    raised_at=None,
    extension_requested_to=None,
    supervised: bool = False,
    **kw,
):
    """A hazard row in a given state (test setup only: real changes go through hazards.transition)."""
    import uuid as uuidlib
    from datetime import timedelta

    from fieldapp.models import Hazard

    now = utcnow()
    h = Hazard(
        uuid=str(uuidlib.uuid4()),
        enterprise_id=enterprise_id,
        item_text=kw.pop("item_text", "灭火器压力正常、在有效期内"),
        category="fire",
        description=kw.pop("description", "测试隐患"),
        level=level,
        deadline=deadline or (now + timedelta(days=7)).date(),
        state=state,
        version=1,
        raised_by=raised_by,
        raised_at=raised_at or now - timedelta(hours=2),
        updated_at=now,
        before_photos=before_photos or [],
        after_photos=after_photos or [],
        evidence_flags=kw.pop("evidence_flags", []),
        submitted_by=submitted_by,
        submitted_at=kw.pop("submitted_at", now if submitted_by else None),
        closed_at=kw.pop("closed_at", now if state == "closed" else None),
        extension_requested_to=extension_requested_to,
        supervised=supervised,
        **kw,
    )
    db.session.add(h)
    # Where the photos are used, as a visit and a rectification would have recorded it.
    from fieldapp.models import PhotoRef

    for kind, shas in (("answer", h.before_photos), ("after", h.after_photos)):
        db.session.add_all(
            PhotoRef(
                photo_sha256=sha,
                enterprise_id=enterprise_id,
                kind=kind,
                object_id=h.uuid,
                created_at=now,
            )
            for sha in shas
        )
    db.session.flush()
    return h


def store_photo(data: bytes, *, uploader_id: int, received_at=None, **meta):
    """Put real image bytes through the real pipeline, as an upload would."""
    import hashlib

    from fieldapp import photos

    sha = hashlib.sha256(data).hexdigest()
    photos.ingest(
        sha,
        data,
        photos.Meta(**meta),
        actor=type("A", (), {"id": uploader_id})(),
        now=received_at or utcnow(),
    )
    return sha
