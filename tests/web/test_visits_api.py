"""PUT /api/v1/visits/{uuid}: lose nothing, duplicate nothing (PRODUCT.md §5, §11)."""

from __future__ import annotations

import copy
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from urllib.parse import quote

import pytest
from sqlalchemy import func, select

from fieldapp import audit
from fieldapp.extensions import db
from fieldapp.models import Answer, AuditEvent, Hazard, Visit, VisitChecklist

from .. import images
from ..clock import VISIT_DAY, VISIT_STARTED, day, local_iso
from ..factories import visit_body


@pytest.fixture
def api(client, world):
    def _api(username: str) -> dict:
        token = client.post(
            "/api/v1/auth/token", json={"username": username, "password": "password123"}
        ).json["token"]
        return {"Authorization": f"Bearer {token}"}

    return _api


@pytest.fixture
def shots():
    return {
        "extinguishers": [images.sha(images.jpeg(seed=21))],
        "gas_alarm": [images.sha(images.jpeg(seed=22))],
    }


def counts(app):
    with app.app_context():
        return tuple(
            db.session.scalar(select(func.count()).select_from(m))
            for m in (Visit, Answer, Hazard, AuditEvent)
        )


def test_a_visit_is_stored_with_its_hazards_and_receipt(app, client, api, world, shots):
    vid = str(uuid.uuid4())
    body = visit_body(world.ents["a1"], photos=shots)
    resp = client.put(f"/api/v1/visits/{vid}", json=body, headers=api("inspector_a1"))
    assert resp.status_code == 201, resp.json
    receipt = resp.json
    assert receipt["uuid"] == vid and len(receipt["hazards"]) == 2
    assert receipt["missing_photos"] == shots["extinguishers"] + shots["gas_alarm"]
    with app.app_context():
        visit = db.session.get(Visit, vid)
        assert (visit.item_count, visit.answered_count, visit.fail_count) == (5, 4, 2)
        assert visit.location_status == "ok" and visit.lat == 24.91
        pinned = {
            c.checklist_id: (c.version, c.passed, c.not_applicable)
            for c in db.session.scalars(select(VisitChecklist))
        }
        # Each checklist row keeps the items passed and 不适用: the campaign measures read it.
        assert pinned == {
            "general": (1, ["exits_clear"], []),
            "catering": (1, [], ["lpg_not_in_dining"]),
        }
        hz = db.session.scalars(select(Hazard).order_by(Hazard.item_key)).all()
        assert [h.state for h in hz] == ["open", "open"] and hz[
            0
        ].item_text == "灭火器压力正常、在有效期内"
        actions = [
            e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq))
        ]
        assert actions == ["visit_received", "raise", "raise"]
        assert audit.verify().ok


def test_identical_replay_five_times_gets_the_same_receipt_and_one_row(
    app, client, api, world, shots
):
    headers = api("inspector_a1")
    vid = str(uuid.uuid4())
    body = visit_body(world.ents["a1"], photos=shots)
    first = client.put(f"/api/v1/visits/{vid}", json=body, headers=headers)
    before = counts(app)
    for _ in range(5):
        again = client.put(f"/api/v1/visits/{vid}", json=copy.deepcopy(body), headers=headers)
        assert again.status_code == 200 and again.json == first.json
    assert counts(app) == before


def test_same_uuid_with_a_changed_body_is_409_and_nothing_changes(app, client, api, world, shots):
    headers = api("inspector_a1")
    vid = str(uuid.uuid4())
    body = visit_body(world.ents["a1"], photos=shots)
    client.put(f"/api/v1/visits/{vid}", json=body, headers=headers)
    before = counts(app)
    changed = copy.deepcopy(body)
    changed["answers"][0]["note"] = "改过的备注"
    resp = client.put(f"/api/v1/visits/{vid}", json=changed, headers=headers)
    assert resp.status_code == 409 and "不同的内容" in resp.json["error"]
    assert counts(app) == before


def test_twenty_identical_puts_in_parallel_make_one_row_and_no_5xx(app, world, shots):
    vid = str(uuid.uuid4())
    body = visit_body(world.ents["a1"], photos=shots)
    setup = app.test_client()
    token = setup.post(
        "/api/v1/auth/token", json={"username": "inspector_a1", "password": "password123"}
    ).json["token"]

    def send(_):
        return app.test_client().put(
            f"/api/v1/visits/{vid}", json=body, headers={"Authorization": f"Bearer {token}"}
        )

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(send, range(20)))
    statuses = sorted(r.status_code for r in results)
    assert statuses.count(201) == 1 and statuses.count(200) == 19, statuses
    assert (
        len({(r.json["uuid"], r.json["received_at"], tuple(r.json["hazards"])) for r in results})
        == 1
    )
    assert counts(app)[:3] == (1, 4, 2)


def test_missing_photos_shrink_as_they_arrive(client, api, world):
    headers = api("inspector_a1")
    a, b = images.jpeg(seed=31), images.jpeg(seed=32)
    vid = str(uuid.uuid4())
    body = visit_body(
        world.ents["a1"], photos={"extinguishers": [images.sha(a)], "gas_alarm": [images.sha(b)]}
    )
    assert client.put(f"/api/v1/visits/{vid}", json=body, headers=headers).json[
        "missing_photos"
    ] == [images.sha(a), images.sha(b)]
    client.put(
        f"/api/v1/photos/{images.sha(a)}", data=a, headers={**headers, "Content-Type": "image/jpeg"}
    )
    assert client.put(f"/api/v1/visits/{vid}", json=body, headers=headers).json[
        "missing_photos"
    ] == [images.sha(b)]
    client.put(
        f"/api/v1/photos/{images.sha(b)}", data=b, headers={**headers, "Content-Type": "image/jpeg"}
    )
    assert client.get(f"/api/v1/visits/{vid}", headers=headers).json["missing_photos"] == []


def test_a_visit_with_photos_uploaded_first_has_none_missing(client, api, world):
    headers = api("inspector_a1")
    a = images.jpeg(seed=33)
    client.put(
        f"/api/v1/photos/{images.sha(a)}", data=a, headers={**headers, "Content-Type": "image/jpeg"}
    )
    body = visit_body(
        world.ents["a1"], photos={"extinguishers": [images.sha(a)], "gas_alarm": [images.sha(a)]}
    )
    assert (
        client.put(f"/api/v1/visits/{uuid.uuid4()}", json=body, headers=headers).json[
            "missing_photos"
        ]
        == []
    )


def edit(body, path, value):
    body = copy.deepcopy(body)
    target = body
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return body


BAD = [
    ("unknown item", ("answers", 0, "item"), "no_such_item", "没有检查项 no_such_item"),
    ("bad result", ("answers", 0, "result"), "maybe", "result：应为 pass、fail、na 之一"),
    ("fail without photo", ("answers", 1, "photos"), [], "该项不符合时须拍照"),
    (
        "late deadline without reason",
        ("answers", 1, "hazard", "deadline"),
        day(63, base=VISIT_DAY).isoformat(),
        "须说明理由",
    ),
    (
        "deadline before visit",
        ("answers", 1, "hazard", "deadline"),
        day(-27, base=VISIT_DAY).isoformat(),
        "不能早于检查日期",
    ),
    ("bad level", ("answers", 1, "hazard", "level"), "huge", "level：应为 general、major 之一"),
    (
        "bad hazard uuid",
        ("answers", 1, "hazard", "uuid"),
        "not-a-uuid",
        "hazard.uuid：应为小写 UUID",
    ),
    (
        "hazard on a pass",
        ("answers", 0, "hazard"),
        {"uuid": str(uuid.uuid4())},
        "只有“不符合”才会产生隐患",
    ),
    ("unknown checklist", ("checklists",), [{"id": "general", "version": 9}], "未知的检查清单版本"),
    (
        "finish before start",
        ("finished_at",),
        local_iso(VISIT_STARTED - timedelta(hours=1)),
        "finished_at 早于 started_at",
    ),
    ("naive time", ("started_at",), local_iso(VISIT_STARTED)[:19], "须带时区"),
    ("bad photo hash", ("answers", 1, "photos"), ["xyz"], "photos[0]：应为 SHA-256"),
    ("bad location", ("location",), {"lat": 999, "lng": 1}, "location.lat：不能大于 90"),
]


@pytest.mark.parametrize("case,path,value,message", BAD, ids=[b[0] for b in BAD])
def test_bad_visits_are_422_in_chinese_and_store_nothing(
    app, client, api, world, shots, case, path, value, message
):
    body = edit(visit_body(world.ents["a1"], photos=shots), path, value)
    resp = client.put(f"/api/v1/visits/{uuid.uuid4()}", json=body, headers=api("inspector_a1"))
    assert resp.status_code == 422, resp.json
    assert any(message in e for e in resp.json["errors"]), resp.json["errors"]
    assert counts(app) == (0, 0, 0, 0)


def test_on_the_spot_fix_closes_a_general_hazard_within_the_visit(app, client, api, world, shots):
    after = images.sha(images.jpeg(seed=40))
    body = visit_body(world.ents["a1"], photos=shots)
    body["answers"][1]["hazard"].update(fixed_on_spot=True, after_photos=[after])
    resp = client.put(f"/api/v1/visits/{uuid.uuid4()}", json=body, headers=api("inspector_a1"))
    assert resp.status_code == 201 and after in resp.json["missing_photos"]
    with app.app_context():
        fixed = db.session.get(Hazard, body["answers"][1]["hazard"]["uuid"])
        assert (fixed.state, fixed.fixed_on_spot, fixed.after_photos) == ("closed", True, [after])
        assert [e.action for e in audit.events_for("hazard", fixed.uuid)] == [
            "raise",
            "fix_on_spot",
        ]


def test_an_on_the_spot_fix_gets_the_same_evidence_checks(app, client, api, world, shots):
    headers = api("inspector_a1")
    before = images.jpeg(seed=21)  # the before photo of the extinguishers item in `shots`
    client.put(f"/api/v1/photos/{images.sha(before)}", data=before, headers=headers)
    same = images.jpeg(seed=21, quality=60)  # the same picture saved again, passed off as "after"
    fixed_ok = images.jpeg(seed=41)
    body = visit_body(world.ents["a1"], photos=shots)
    body["answers"][1]["hazard"].update(fixed_on_spot=True, after_photos=[images.sha(same)])
    body["answers"][2]["hazard"].update(fixed_on_spot=True, after_photos=[images.sha(fixed_ok)])
    # Photos taken during the walk (10:00–10:30 on the phone), synced later.
    for data in (same, fixed_ok):
        client.put(
            f"/api/v1/photos/{images.sha(data)}?captured_at={quote(local_iso(VISIT_STARTED + timedelta(minutes=20)))}",
            data=data,
            headers=headers,
        )
    assert (
        client.put(f"/api/v1/visits/{uuid.uuid4()}", json=body, headers=headers).status_code == 201
    )
    with app.app_context():
        fake = db.session.get(Hazard, body["answers"][1]["hazard"]["uuid"])
        honest = db.session.get(Hazard, body["answers"][2]["hazard"]["uuid"])
        assert fake.state == honest.state == "closed"
        assert fake.evidence_flags == ["same_as_before"] and honest.evidence_flags == []


def test_an_on_the_spot_fix_photo_synced_after_the_visit_is_checked_when_it_arrives(
    app, client, api, world, shots
):
    headers = api("inspector_a1")
    before = images.jpeg(seed=22)
    client.put(f"/api/v1/photos/{images.sha(before)}", data=before, headers=headers)
    same = images.jpeg(seed=22, quality=55)
    body = visit_body(world.ents["a1"], photos=shots)
    body["answers"][2]["hazard"].update(fixed_on_spot=True, after_photos=[images.sha(same)])
    assert (
        client.put(f"/api/v1/visits/{uuid.uuid4()}", json=body, headers=headers).status_code == 201
    )
    uid = body["answers"][2]["hazard"]["uuid"]
    with app.app_context():
        assert db.session.get(Hazard, uid).evidence_flags == ["missing_photo"]
    assert client.put(
        f"/api/v1/photos/{images.sha(same)}", data=same, headers=headers
    ).status_code in (200, 201)
    with app.app_context():
        assert db.session.get(Hazard, uid).evidence_flags == ["same_as_before"]


def test_major_hazard_cannot_be_fixed_on_the_spot(client, api, world, shots):
    body = visit_body(world.ents["a1"], photos=shots)
    body["answers"][1]["hazard"].update(
        level="major", fixed_on_spot=True, after_photos=[shots["gas_alarm"][0]]
    )
    resp = client.put(f"/api/v1/visits/{uuid.uuid4()}", json=body, headers=api("inspector_a1"))
    assert resp.status_code == 422 and any("重大隐患不能当场整改" in e for e in resp.json["errors"])


def test_failed_answer_without_hazard_raises_one_with_the_items_defaults(
    app, client, api, world, shots
):
    body = visit_body(world.ents["a1"], photos=shots)
    body["answers"][1]["hazard"] = None
    vid = str(uuid.uuid4())
    resp = client.put(f"/api/v1/visits/{vid}", json=body, headers=api("inspector_a1"))
    assert resp.status_code == 201 and len(resp.json["hazards"]) == 2
    with app.app_context():
        h = db.session.scalar(select(Hazard).where(Hazard.item_key == "extinguishers"))
        assert h.level == "general" and h.deadline == day(
            7, base=VISIT_DAY
        )  # the item's default: 7 days after the visit


@pytest.mark.parametrize(
    "username,status",
    [("inspector_b1", 404), ("street_b", 404), ("dept_catering", 403), ("owner_a1", 403)],
)
def test_visits_outside_scope_or_role_are_refused(app, client, api, world, shots, username, status):
    resp = client.put(
        f"/api/v1/visits/{uuid.uuid4()}",
        json=visit_body(world.ents["a1"], photos=shots),
        headers=api(username),
    )
    assert resp.status_code == status
    assert counts(app) == (0, 0, 0, 0)


def test_hazard_uuid_reused_by_another_visit_is_409(client, api, world, shots):
    headers = api("inspector_a1")
    hid = str(uuid.uuid4())
    body = visit_body(world.ents["a1"], photos=shots, hazard_ids={"extinguishers": hid})
    assert (
        client.put(f"/api/v1/visits/{uuid.uuid4()}", json=body, headers=headers).status_code == 201
    )
    again = client.put(f"/api/v1/visits/{uuid.uuid4()}", json=body, headers=headers)
    assert again.status_code == 409


def test_an_old_checklist_version_from_a_stale_phone_is_accepted(app, client, api, world, shots):
    from fieldapp import checklists

    headers = api("inspector_a1")
    first = visit_body(world.ents["a1"], photos=shots)
    assert (
        client.put(f"/api/v1/visits/{uuid.uuid4()}", json=first, headers=headers).status_code == 201
    )
    # The district publishes version 2 of "general" while a phone still holds version 1.
    registry = app.extensions["checklists"]
    old = registry.get("general")
    from pathlib import Path

    text = Path(app.config["CHECKLISTS_DIR"], "general.toml").read_text(encoding="utf-8")
    v2 = checklists.parse(
        text.replace("version = 1", "version = 2").replace(
            "灭火器压力正常、在有效期内", "灭火器压力正常、数量足够、在有效期内"
        ),
        "general.toml",
    )
    app.extensions["checklists"] = checklists.Registry(
        [v2 if c.id == "general" else c for c in registry.all]
    )
    stale = visit_body(world.ents["a1"], photos=shots)
    resp = client.put(f"/api/v1/visits/{uuid.uuid4()}", json=stale, headers=headers)
    assert resp.status_code == 201
    with app.app_context():
        texts = {
            h.item_text
            for h in db.session.scalars(select(Hazard).where(Hazard.item_key == "extinguishers"))
        }
        assert texts == {
            old.item("extinguishers").text
        }  # answered version 1: its text, not version 2's


@pytest.mark.parametrize("status", ["denied", "timeout", "unavailable"])
def test_a_refused_or_failed_location_is_recorded_as_such(app, client, api, world, shots, status):
    body = visit_body(world.ents["a1"], photos=shots, location=None, location_status=status)
    vid = str(uuid.uuid4())
    assert (
        client.put(f"/api/v1/visits/{vid}", json=body, headers=api("inspector_a1")).status_code
        == 201
    )
    with app.app_context():
        visit = db.session.get(Visit, vid)
        assert (visit.location_status, visit.lat, visit.lng) == (status, None, None)


def test_an_unknown_location_status_is_refused(client, api, world, shots):
    body = visit_body(world.ents["a1"], photos=shots, location=None, location_status="spoofed")
    resp = client.put(f"/api/v1/visits/{uuid.uuid4()}", json=body, headers=api("inspector_a1"))
    assert resp.status_code == 422 and any("location_status" in e for e in resp.json["errors"])
