"""Evidence that can be trusted: reasons for doubtful closures, two office users for major ones,
implausible capture times flagged, and a photo cited only where its sender works (issue 16)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from urllib.parse import quote

import pytest
from sqlalchemy import select

from fieldapp import hazards
from fieldapp.clock import utcnow
from fieldapp.extensions import db
from fieldapp.models import Hazard, PhotoRef, User

from .. import images
from ..factories import make_hazard, store_photo, visit_body

ALL_FLAGS = ["far_from_premises", "other_enterprise", "same_as_before"]


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


@pytest.fixture
def bearer(client, world):
    def _bearer(username):
        token = client.post(
            "/api/v1/auth/token", json={"username": username, "password": "password123"}
        ).json["token"]
        return {"Authorization": f"Bearer {token}"}

    return _bearer


@pytest.fixture
def flagged(app, world):
    """A rectified hazard at a1 whose after photo carries every evidence flag; returns a maker by level."""

    def _make(level: str = "major") -> str:
        with app.app_context():
            after = store_photo(images.jpeg(seed=301), uploader_id=world.users["owner_a1"])
            h = make_hazard(
                world.ents["a1"],
                state="rectified",
                level=level,
                submitted_by=world.users["owner_a1"],
                after_photos=[after],
                evidence_flags=ALL_FLAGS,
                **(governed() if level == "major" else {}),
            )
            db.session.commit()
            return h.uuid

    return _make


def governed() -> dict:
    """A major hazard governed to the law (issue 20): confirmed, 治理方案 accepted, 销号 acceptance on record."""
    return {
        "major_confirmed_at": utcnow(),
        "plan_status": "accepted",
        "acceptance_uuid": str(uuid.uuid4()),
    }


def act(client, hid: str, action: str, version: int, note: str = ""):
    return client.post(
        f"/hazards/{hid}/act",
        headers={"HX-Request": "true"},
        data={
            "action": action,
            "version": str(version),
            "note": note,
            "event_uuid": str(uuid.uuid4()),
        },
    )


@pytest.mark.parametrize("level", ["general", "major"])
def test_verifying_a_closure_with_any_evidence_flag_needs_a_written_reason(
    app, login, flagged, level
):
    hid = flagged(level)
    street = login("street_a")
    resp = act(street, hid, "verify", 1)
    assert resp.status_code == 422 and "须写明理由" in resp.get_data(as_text=True)
    assert (
        act(street, hid, "verify", 1, "现场核实：照片为同一角度重拍，灭火器已更换").status_code
        == 200
    )
    with app.app_context():
        assert db.session.get(Hazard, hid).version == 2


def test_a_flagged_major_hazard_needs_a_second_office_user(app, login, flagged):
    """Measured on main: one street user closed a major hazard with all three evidence flags with one tap."""
    hid = flagged("major")
    street, district = login("street_a"), login("district")
    first = act(street, hid, "verify", 1, "现场看过，已整改")
    page = first.get_data(as_text=True)
    assert (
        first.status_code == 200
        and "待二次确认" in page
        and 'name="action" value="confirm_closure"' not in page
    )
    with app.app_context():
        h = db.session.get(Hazard, hid)
        assert (h.state, h.first_verified_by, h.closed_at) == (
            "rectified",
            user("street_a").id,
            None,
        )
    # The same user cannot confirm their own verification, nor verify again.
    assert act(street, hid, "confirm_closure", 2, "确认").status_code == 403
    assert act(street, hid, "verify", 2, "再次复查").status_code == 409
    # A second office user sees the confirmation and must give a reason too.
    shown = district.get(f"/hazards/{hid}").get_data(as_text=True)
    assert 'name="action" value="confirm_closure"' in shown and "二次确认，销号" in shown
    assert act(district, hid, "confirm_closure", 2).status_code == 422
    done = act(district, hid, "confirm_closure", 2, "复核照片与现场记录，同意销号")
    assert done.status_code == 200 and "已二次确认，销号" in done.get_data(as_text=True)
    with app.app_context():
        h = db.session.get(Hazard, hid)
        assert (h.state, h.closed_by) == ("closed", user("district").id)
        assert [e.action for e in hazards.audit.events_for("hazard", hid)] == [
            "verify",
            "confirm_closure",
        ]


def test_rejecting_after_a_first_verification_starts_over(app, login, flagged):
    hid = flagged("major")
    act(login("street_a"), hid, "verify", 1, "已整改")
    assert act(login("district"), hid, "reject", 2, "照片不是本单位").status_code == 200
    with app.app_context():
        h = db.session.get(Hazard, hid)
        assert (h.state, h.first_verified_by, h.evidence_flags) == ("open", None, [])


def test_a_major_hazard_without_flags_closes_on_one_verification(app, ctx, world):
    after = store_photo(images.jpeg(seed=302), uploader_id=world.users["owner_a1"])
    h = make_hazard(
        world.ents["a1"],
        state="rectified",
        level="major",
        submitted_by=world.users["owner_a1"],
        after_photos=[after],
        **governed(),
    )
    out = hazards.transition(h.uuid, "verify", actor=user("street_a"), now=utcnow(), version=1)
    assert out.hazard.state == "closed"


@pytest.mark.parametrize(
    "offset,flagged_",
    [
        (timedelta(days=5 * 365), True),
        (timedelta(hours=2), True),
        (timedelta(minutes=5), False),
        (-timedelta(minutes=30), False),
    ],
)
def test_a_capture_time_in_the_future_is_flagged(ctx, world, offset, flagged_):
    """Measured on main: a capture time 5 years in the future was not flagged."""
    now = utcnow()
    photo = store_photo(
        images.jpeg(seed=303),
        uploader_id=world.users["owner_a1"],
        received_at=now,
        captured_at=now + offset,
    )
    h = make_hazard(world.ents["a1"], raised_at=now - timedelta(hours=3))
    flags = hazards.transition(
        h.uuid,
        "submit_rectification",
        actor=user("owner_a1"),
        now=now,
        version=1,
        note="已整改",
        photos=[photo],
    ).flags
    assert ("captured_in_future" in flags) is flagged_


def test_a_future_capture_time_sent_with_the_upload_is_flagged_through_the_api(
    app, client, bearer, world
):
    data = images.jpeg(seed=304)
    future = (utcnow() + timedelta(days=5 * 365)).isoformat()
    assert (
        client.put(
            f"/api/v1/photos/{images.sha(data)}?captured_at={quote(future)}",
            data=data,
            headers={**bearer("owner_a1"), "Content-Type": "image/jpeg"},
        ).status_code
        == 201
    )
    with app.app_context():
        hid = make_hazard(world.ents["a1"]).uuid
        db.session.commit()
    resp = client.post(
        f"/api/v1/hazards/{hid}/events",
        headers=bearer("owner_a1"),
        json={
            "action": "submit_rectification",
            "version": 1,
            "note": "已整改",
            "photos": [images.sha(data)],
        },
    )
    assert resp.status_code == 200
    with app.app_context():
        assert "captured_in_future" in db.session.get(Hazard, hid).evidence_flags


# --- a photo is cited only where its sender works ---------------------------------------


@pytest.fixture
def a1_photo(app, world):
    """A photo the a1 inspector took at a1 (used there)."""
    with app.app_context():
        sha = store_photo(images.jpeg(seed=305), uploader_id=world.users["inspector_a1"])
        db.session.add(
            PhotoRef(
                photo_sha256=sha,
                enterprise_id=world.ents["a1"],
                kind="answer",
                object_id="v",
                created_at=utcnow(),
            )
        )
        db.session.commit()
        return sha


def test_an_inspector_cannot_cite_another_areas_photo_by_its_hash(
    app, client, bearer, world, login, a1_photo
):
    """Measured on main: an inspector who knew a photo's hash cited it in their own visit and then viewed it."""
    own = images.sha(images.jpeg(seed=306))  # taken on the phone, not uploaded yet
    body = visit_body(world.ents["b1"], photos={"extinguishers": [a1_photo], "gas_alarm": [own]})
    resp = client.put(f"/api/v1/visits/{uuid.uuid4()}", json=body, headers=bearer("inspector_b1"))
    assert resp.status_code == 201
    assert resp.json["missing_photos"] == [own, a1_photo]  # answered as if the photo were absent
    b1 = login("inspector_b1")
    for variant in ("thumb.jpg", "display.jpg"):
        assert b1.get(f"/photos/{a1_photo}/{variant}").status_code == 404
    with app.app_context():
        assert (
            db.session.scalar(
                select(PhotoRef.id).where(
                    PhotoRef.photo_sha256 == a1_photo, PhotoRef.enterprise_id == world.ents["b1"]
                )
            )
            is None
        )
    # Where it belongs, it is seen as before.
    assert login("inspector_a1").get(f"/photos/{a1_photo}/thumb.jpg").status_code == 200


def test_a_hazard_event_cannot_cite_another_areas_photo(
    app, client, bearer, world, login, a1_photo
):
    with app.app_context():
        h = make_hazard(world.ents["b1"])
        db.session.commit()
        hid = h.uuid
    resp = client.post(
        f"/api/v1/hazards/{hid}/events",
        headers=bearer("inspector_b1"),
        json={
            "action": "submit_rectification",
            "version": 1,
            "note": "已整改",
            "photos": [a1_photo],
        },
    )
    assert resp.status_code == 200
    with app.app_context():
        assert db.session.get(Hazard, hid).evidence_flags == ["missing_photo"]
    assert login("inspector_b1").get(f"/photos/{a1_photo}/thumb.jpg").status_code == 404
    # Absent evidence closes nothing.
    closing = client.post(
        f"/api/v1/hazards/{hid}/events",
        headers=bearer("street_b"),
        json={"action": "verify", "version": 2, "note": "同意"},
    )
    assert closing.status_code == 422 and "尚未上传" in closing.json["error"]


def test_whoever_sends_the_bytes_may_cite_them(app, client, bearer, world, login, a1_photo):
    """Possession is not a hash: an inspector who uploads the very file may use it (and the reviewer is warned)."""
    data = images.jpeg(seed=305)
    assert (
        client.put(
            f"/api/v1/photos/{a1_photo}",
            data=data,
            headers={**bearer("inspector_b1"), "Content-Type": "image/jpeg"},
        ).status_code
        == 200
    )
    with app.app_context():
        hid = make_hazard(world.ents["b1"]).uuid
        db.session.commit()
    resp = client.post(
        f"/api/v1/hazards/{hid}/events",
        headers=bearer("inspector_b1"),
        json={
            "action": "submit_rectification",
            "version": 1,
            "note": "已整改",
            "photos": [a1_photo],
        },
    )
    assert resp.status_code == 200
    with app.app_context():
        assert db.session.get(Hazard, hid).evidence_flags == ["other_enterprise"]
    assert login("inspector_b1").get(f"/photos/{a1_photo}/thumb.jpg").status_code == 200


def test_flags_changed_when_the_photo_arrives_later_are_on_the_chain(
    app, client, bearer, world, login
):
    """Issue 22.3: a later photo re-checked the evidence outside the audited path; now it leaves an event."""
    from fieldapp import audit

    data = images.jpeg(seed=411)
    sha = images.sha(data)
    with app.app_context():
        hid = make_hazard(world.ents["a1"]).uuid
        db.session.commit()
    resp = client.post(
        f"/api/v1/hazards/{hid}/events",
        headers=bearer("inspector_a1"),
        json={"action": "submit_rectification", "version": 1, "note": "已整改", "photos": [sha]},
    )
    assert resp.status_code == 200
    with app.app_context():
        assert db.session.get(Hazard, hid).evidence_flags == ["missing_photo"]
    # The photo comes in later (the phone was offline when it sent the action).
    put = client.put(
        f"/api/v1/photos/{sha}",
        data=data,
        headers={**bearer("inspector_a1"), "Content-Type": "image/jpeg"},
    )
    assert put.status_code in (200, 201)
    with app.app_context():
        h = db.session.get(Hazard, hid)
        assert "missing_photo" not in h.evidence_flags
        events = [e for e in audit.events_for("hazard", hid) if e.action == "evidence_checked"]
        assert len(events) == 1
        payload = audit.payload(events[0])
        assert payload["before"] == ["missing_photo"] and payload["flags"] == h.evidence_flags
        assert payload["photo"] == sha and events[0].actor_id is None
        assert audit.verify().ok
    page = login("street_a").get(f"/hazards/{hid}").get_data(as_text=True)
    assert "整改照片到达后复核证据 · 系统" in page
