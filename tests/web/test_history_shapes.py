"""Pages that read the audit chain render every payload shape ever written (issue 15, points 3 and 4).

Databases made by the first demo hold hazard events with only {"hazard", "from", "to"}
(and "demo", "photos"), visits marked located without coordinates; imported archives
carry their source's rows. The chain is never edited, so the pages must read them.
"""

from __future__ import annotations

import uuid as uuidlib
from datetime import timedelta

import pytest
from sqlalchemy import select

from fieldapp import audit, audit_shapes
from fieldapp.extensions import db
from fieldapp.models import AuditEvent, AuditHead, Visit

from ..clock import NOW, VISIT_FINISHED, VISIT_STARTED
from ..factories import make_hazard

SHA = "b" * 64


def legacy_event(*, hazard, action: str, payload, actor: str = "street_a", at=None) -> None:
    """Write an event as older code did: straight into the chain, hashed, with whatever payload it had."""
    seq, prev = audit.head()
    text = audit.canonical(payload)
    row = dict(
        seq=seq + 1,
        uuid=str(uuidlib.uuid4()),
        object_type="hazard",
        object_id=hazard.uuid,
        enterprise_id=hazard.enterprise_id,
        action=action,
        actor_id=None,
        actor_label=actor,
        at=at or NOW,
        payload_sha256=audit.sha256(text),
    )
    row["hash"] = audit.row_hash(prev, **row)
    db.session.add(AuditEvent(**row, payload=text, prev_hash=prev))
    db.session.get(AuditHead, 1).seq, db.session.get(AuditHead, 1).hash = row["seq"], row["hash"]
    db.session.flush()


def current(action: str, h, **over) -> dict:
    payload = {
        "hazard": h.uuid,
        "from": "open",
        "to": h.state,
        "version": 2,
        "note": "",
        "photos": [],
        "level": h.level,
        "deadline": h.deadline.isoformat(),
        "supervised": False,
        "referred": False,
        "data": {},
    }
    return payload | over


# (name, state of the hazard, [(action, payload given the hazard)]): each a history some database holds.
HISTORIES = [
    (
        "the first demo: raise, submit, verify",
        "closed",
        [
            ("raise", lambda h: {"hazard": h.uuid, "from": None, "to": "open", "demo": True}),
            (
                "submit_rectification",
                lambda h: {"hazard": h.uuid, "from": "open", "to": "rectified", "photos": [SHA]},
            ),
            ("verify", lambda h: {"hazard": h.uuid, "from": "rectified", "to": "closed"}),
        ],
    ),
    (
        "the first demo: awaiting recheck",
        "rectified",
        [
            ("raise", lambda h: {"hazard": h.uuid, "from": None, "to": "open", "demo": True}),
            (
                "submit_rectification",
                lambda h: {"hazard": h.uuid, "from": "open", "to": "rectified", "photos": [SHA]},
            ),
        ],
    ),
    (
        "today's shapes, every hazard action",
        "rectified",
        [
            (
                "raise",
                lambda h: current(
                    "raise",
                    h,
                    **{
                        "from": None,
                        "to": "open",
                        "note": "门口堆物",
                        "data": {"item": "exits", "checklist": "general", "visit": None},
                    },
                ),
            ),
            (
                "request_extension",
                lambda h: current(
                    "request_extension",
                    h,
                    to="open",
                    note="需采购",
                    data={"requested": "2031-01-01"},
                ),
            ),
            (
                "approve_extension",
                lambda h: current(
                    "approve_extension",
                    h,
                    to="open",
                    data={"old": "2030-12-01", "new": "2031-01-01"},
                ),
            ),
            (
                "refuse_extension",
                lambda h: current(
                    "refuse_extension",
                    h,
                    to="open",
                    note="按期完成",
                    data={"requested": "2031-02-01"},
                ),
            ),
            ("supervise", lambda h: current("supervise", h, to="open", supervised=True)),
            ("refer", lambda h: current("refer", h, to="open", referred=True)),
            (
                "submit_rectification",
                lambda h: current("submit_rectification", h, note="已整改", photos=[SHA]),
            ),
            (
                "reject",
                lambda h: current(
                    "reject", h, **{"from": "rectified", "to": "open", "note": "不到位"}
                ),
            ),
            ("fix_on_spot", lambda h: current("fix_on_spot", h, to="closed", photos=[SHA])),
            (
                "reopen",
                lambda h: current("reopen", h, **{"from": "closed", "to": "open", "note": "复现"}),
            ),
            ("verify", lambda h: current("verify", h, **{"from": "rectified", "to": "closed"})),
        ],
    ),
    (
        "an imported archive",
        "rectified",
        [
            (
                "raise",
                lambda h: {
                    "hazard": h.uuid,
                    "from": None,
                    "to": "open",
                    "demo": True,
                    "imported": {k: None for k in audit_shapes.IMPORTED_FIELDS},
                },
            ),
            (
                "submit_rectification",
                lambda h: current(
                    "submit_rectification",
                    h,
                    note="已整改",
                    imported={k: None for k in audit_shapes.IMPORTED_FIELDS},
                ),
            ),
        ],
    ),
    (
        "parts of the wrong kind",
        "rectified",
        [
            ("approve_extension", lambda h: current("approve_extension", h, data="2031-01-01")),
            (
                "submit_rectification",
                lambda h: current("submit_rectification", h, note=None, photos="abc"),
            ),
            ("refer", lambda h: ["referred"]),
        ],
    ),
]


@pytest.fixture
def with_history(app, world):
    def make(state: str, events) -> str:
        with app.app_context():
            h = make_hazard(
                world.ents["a1"],
                state=state,
                raised_by=world.users["inspector_a1"],
                submitted_by=world.users["inspector_a1"] if state != "open" else None,
                after_photos=[SHA],
            )
            for action, payload in events:
                legacy_event(hazard=h, action=action, payload=payload(h))
            hid = h.uuid
            db.session.commit()
            assert audit.verify().ok
            return hid

    return make


@pytest.mark.parametrize("name,state,events", HISTORIES, ids=[h[0] for h in HISTORIES])
@pytest.mark.parametrize("user", ["district", "street_a", "inspector_a1", "owner_a1"])
def test_hazard_pages_render_every_historic_shape(with_history, login, name, state, events, user):
    hid = with_history(state, events)
    client = login(user)
    page = client.get(f"/hazards/{hid}")
    assert page.status_code == 200
    assert page.get_data(as_text=True).count("<li><time>") == len(events)
    assert client.get(f"/hazards/{hid}/history", headers={"HX-Request": "true"}).status_code == 200


@pytest.mark.parametrize("name,state,events", HISTORIES, ids=[h[0] for h in HISTORIES])
def test_the_review_queue_renders_every_historic_shape(with_history, login, name, state, events):
    """The 待复查 queue read the submission's "note", which the first demo never wrote (KeyError: 'note')."""
    hid = with_history(state, events)
    page = login("street_a").get("/hazards/queue")
    assert page.status_code == 200
    assert (f'id="hazard-panel-{hid}"' in page.get_data(as_text=True)) == (state == "rectified")


@pytest.mark.parametrize("name,state,events", HISTORIES, ids=[h[0] for h in HISTORIES])
def test_the_archive_renders_every_historic_shape(with_history, login, world, name, state, events):
    with_history(state, events)
    resp = login("district").get(f"/enterprises/{world.ents['a1']}/archive")
    text = resp.get_data(as_text=True)
    resp.close()
    assert resp.status_code == 200
    assert "处理经过（审计链）" in text


def test_a_replayed_event_of_the_first_demo_answers_without_a_version(app, world, login):
    """The API answers a replay from the event itself; the first demo's events had no "version"."""
    with app.app_context():
        h = make_hazard(
            world.ents["a1"],
            state="rectified",
            raised_by=world.users["inspector_a1"],
            submitted_by=world.users["owner_a1"],
            after_photos=[SHA],
        )
        legacy_event(
            hazard=h,
            action="submit_rectification",
            payload={"hazard": h.uuid, "from": "open", "to": "rectified", "photos": [SHA]},
        )
        event_uuid = db.session.scalar(
            select(AuditEvent.uuid).where(AuditEvent.object_id == h.uuid)
        )
        db.session.commit()
        hid = h.uuid
    resp = login("inspector_a1").post(
        f"/api/v1/hazards/{hid}/events",
        json={"uuid": event_uuid, "action": "submit_rectification", "version": 1},
    )
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert resp.json["state"] == "rectified" and resp.json["version"] == 1


def test_a_visit_marked_located_without_coordinates_renders(app, world, login):
    """The first demo stored location_status "ok" with no coordinates; formatting None failed (500)."""
    with app.app_context():
        db.session.add(
            Visit(
                uuid=str(uuidlib.uuid4()),
                enterprise_id=world.ents["a1"],
                inspector_id=world.users["inspector_a1"],
                started_at=VISIT_STARTED,
                finished_at=VISIT_FINISHED,
                received_at=VISIT_FINISHED + timedelta(minutes=5),
                lat=None,
                lng=None,
                accuracy_m=None,
                location_status="ok",
                body_hash="0" * 64,
                item_count=5,
                answered_count=5,
                fail_count=0,
            )
        )
        db.session.commit()
        vid = db.session.scalar(select(Visit.uuid))
    page = login("district").get(f"/visits/{vid}")
    assert page.status_code == 200
    assert "未记录" in page.get_data(as_text=True)
