"""What the phone asks and reports besides visits (issues #21, #24): amendments, "which of
these do you hold?", its queue, and reports to the street office with their acknowledgement."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from fieldapp import audit
from fieldapp.extensions import db
from fieldapp.models import Alert, AuditEvent, DeviceQueue, Hazard, Visit

from .. import images
from ..clock import NOW, local_iso
from ..factories import make_hazard, visit_body


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
        "extinguishers": [images.sha(images.jpeg(seed=31))],
        "gas_alarm": [images.sha(images.jpeg(seed=32))],
    }


def put_visit(client, headers, body, vid=None):
    vid = vid or str(uuid.uuid4())
    return vid, client.put(f"/api/v1/visits/{vid}", json=body, headers=headers)


def new_uuid() -> str:
    return str(uuid.uuid4())


# --- amendments ------------------------------------------------------------------------------


def test_an_amendment_is_its_own_visit_linked_to_the_first_and_keeps_the_earlier_hazards(
    app, client, api, world, shots
):
    me = api("inspector_a1")
    first = visit_body(world.ents["a1"], photos=shots)
    vid, resp = put_visit(client, me, first)
    assert resp.status_code == 201
    earlier = resp.json["hazards"]
    # The correction: the same two hazards (same uuids), and the exits item now failing too.
    amended = visit_body(
        world.ents["a1"],
        photos=shots,
        amends=vid,
        hazard_ids={
            "extinguishers": first["answers"][1]["hazard"]["uuid"],
            "gas_alarm": first["answers"][2]["hazard"]["uuid"],
        },
    )
    amended["answers"][0] = {
        "checklist": "general",
        "item": "exits_clear",
        "result": "fail",
        "note": "后门上锁",
        "photos": shots["extinguishers"],
        "hazard": {
            "uuid": new_uuid(),
            "level": "general",
            "deadline": first["answers"][1]["hazard"]["deadline"],
            "deadline_reason": "需更换门锁",
            "description": "后门上锁",
        },
    }
    aid, resp = put_visit(client, me, amended)
    assert resp.status_code == 201, resp.json
    assert resp.json["hazards"] == [
        amended["answers"][0]["hazard"]["uuid"]
    ]  # only the new one is this visit's
    replay = client.put(f"/api/v1/visits/{aid}", json=amended, headers=me)
    assert replay.status_code == 200 and replay.json == resp.json
    with app.app_context():
        assert (
            db.session.get(Visit, aid).amends == vid and db.session.get(Visit, vid).amends is None
        )
        hazards = db.session.scalars(select(Hazard)).all()
        assert len(hazards) == 3 and {h.uuid for h in hazards} >= set(earlier)
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.object_id == aid))
        assert f'"amends":"{vid}"' in event.payload
        assert audit.verify().ok


@pytest.mark.parametrize(
    "case, message",
    [
        ("unknown", "被更正的原检查尚未同步到服务器"),
        ("other_inspector", "只能更正自己提交的检查"),
        ("other_premises", "更正记录须与原检查为同一场所"),
        ("itself", "amends 应为被更正的原检查编号（不是本次检查）"),
        ("not_uuid", "amends：应为小写 UUID"),
        ("hazard_of_another_item", "隐患编号属于原检查的另一检查项"),
    ],
)
def test_an_amendment_that_does_not_fit_is_refused_with_a_clear_message(
    app, client, api, world, shots, case, message
):
    from fieldapp.models import Grid, Street

    from ..factories import make_enterprise

    first = visit_body(world.ents["a1"], photos=shots)
    vid, resp = (
        put_visit(client, api("district"), first)
        if case == "other_inspector"
        else put_visit(client, api("inspector_a1"), first)
    )
    assert resp.status_code == 201
    target = world.ents["a1"]
    if case == "other_premises":
        with app.app_context():
            target = make_enterprise(
                db.session.get(Street, world.streets["A"]),
                db.session.get(Grid, world.grids["a1"]),
                name="甲一另一家",
                industry="餐饮",
                venue_type="catering",
            ).id
            db.session.commit()
    body = visit_body(target, photos=shots)
    aid = new_uuid()
    body["amends"] = {"unknown": new_uuid(), "itself": aid, "not_uuid": "第一次"}.get(case, vid)
    if case == "hazard_of_another_item":
        body["answers"][2]["hazard"]["uuid"] = first["answers"][1]["hazard"]["uuid"]
    _, resp = put_visit(client, api("inspector_a1"), body, aid)
    assert resp.status_code == 422
    assert any(message in e for e in resp.json["errors"]), resp.json
    with app.app_context():
        assert db.session.get(Visit, aid) is None


# --- which of these do you hold? -------------------------------------------------------------------


def test_held_answers_a_receipt_or_null_for_each_record(app, client, api, world, shots):
    me = api("inspector_a1")
    vid, resp = put_visit(client, me, visit_body(world.ents["a1"], photos=shots))
    hazard = resp.json["hazards"][0]
    event = new_uuid()
    with app.app_context():
        version = db.session.get(Hazard, hazard).version
    done = client.post(
        f"/api/v1/hazards/{hazard}/events",
        headers=me,
        json={
            "uuid": event,
            "action": "request_extension",
            "version": version,
            "note": "等配件",
            "deadline": (NOW.date() + timedelta(days=20)).isoformat(),
        },
    )
    assert done.status_code == 200, done.json
    alert = new_uuid()
    assert (
        client.put(
            f"/api/v1/alerts/{alert}", headers=me, json=major_report(world, hazard)
        ).status_code
        == 201
    )
    lost = new_uuid()
    resp = client.post(
        "/api/v1/held",
        headers=me,
        json={"visits": [vid, lost], "events": [event], "alerts": [alert, lost]},
    )
    assert resp.status_code == 200
    assert resp.json["visits"][vid] == client.get(f"/api/v1/visits/{vid}", headers=me).json
    assert resp.json["visits"][lost] is None and resp.json["alerts"][lost] is None
    assert resp.json["alerts"][alert]["acknowledged_at"] is None
    assert resp.json["events"][event] == {
        "uuid": hazard,
        "event": event,
        "action": "request_extension",
        "version": done.json["version"],
    }
    # Another inspector asking about them learns nothing.
    other = client.post(
        "/api/v1/held", headers=api("inspector_b1"), json={"visits": [vid], "alerts": [alert]}
    ).json
    assert other["visits"][vid] is None and other["alerts"][alert] is None


def test_held_lists_each_visits_own_missing_photos_in_one_batch(app, client, api, world, shots):
    me = api("inspector_a1")
    ids = [put_visit(client, me, visit_body(world.ents["a1"], photos=shots))[0] for _ in range(3)]
    got = client.post("/api/v1/held", headers=me, json={"visits": ids}).json["visits"]
    assert all(got[v]["missing_photos"] == shots["extinguishers"] + shots["gas_alarm"] for v in ids)
    assert [got[v] for v in ids] == [
        client.get(f"/api/v1/visits/{v}", headers=me).json for v in ids
    ]


@pytest.mark.parametrize(
    "body, status, message",
    [
        ([], 400, "请求体：应为对象"),
        ({"visits": "abc"}, 400, "visits：应为列表"),
        ({"visits": ["ABC"]}, 422, "visits[0]：应为小写 UUID"),
        (
            {
                "visits": [str(uuid.UUID(int=i)) for i in range(150)],
                "alerts": [str(uuid.UUID(int=i)) for i in range(151, 251)],
            },
            422,
            "一次最多核对 200 条记录",
        ),
    ],
)
def test_held_refuses_bad_input_clearly(client, api, body, status, message):
    resp = client.post("/api/v1/held", headers=api("inspector_a1"), json=body)
    assert resp.status_code == status
    assert message in resp.json["errors"], resp.json


def test_the_phone_calls_need_a_session_and_its_csrf_token(client, login, world):
    assert client.post("/api/v1/held", json={"visits": []}).status_code in (400, 401)
    assert client.post("/api/v1/held", json={"visits": []}, csrf=False).status_code in (400, 401)
    phone = login("inspector_a1")
    assert (
        phone.post("/api/v1/held", json={"visits": []}, csrf=False).status_code == 400
    )  # no token: refused
    assert phone.post("/api/v1/held", json={"visits": []}).status_code == 200
    assert phone.put(f"/api/v1/alerts/{new_uuid()}", json={}, csrf=False).json["reason"] == "csrf"
    assert phone.post("/api/v1/queue", json={"items": []}, csrf=False).json["reason"] == "csrf"
    owner = login("owner_a1")
    assert owner.post("/api/v1/held", json={"visits": []}).status_code == 403


# --- reports to the street office --------------------------------------------------------------------


def major_report(world, hazard_uuid=None, **extra):
    return {
        "kind": "major_hazard",
        "enterprise_id": world.ents["a1"],
        "hazard_uuid": hazard_uuid or new_uuid(),
        "record_uuid": new_uuid(),
        "subject": "粉尘清扫制度落实，无严重积尘",
        "note": "车间积尘严重",
        "occurred_at": local_iso(NOW),
        **extra,
    }


def test_a_major_hazard_report_is_stored_once_audited_and_replays_get_the_same_receipt(
    app, client, api, world
):
    me = api("inspector_a1")
    aid, body = new_uuid(), major_report(world)
    first = client.put(f"/api/v1/alerts/{aid}", headers=me, json=body)
    assert first.status_code == 201
    assert (
        set(first.json) == {"uuid", "kind", "received_at", "acknowledged_at"}
        and first.json["kind"] == "major_hazard"
    )
    again = client.put(f"/api/v1/alerts/{aid}", headers=me, json=body)
    assert again.status_code == 200 and again.json == first.json
    changed = client.put(f"/api/v1/alerts/{aid}", headers=me, json={**body, "note": "改了"})
    assert changed.status_code == 409
    stolen = client.put(f"/api/v1/alerts/{aid}", headers=api("district"), json=body)
    assert stolen.status_code == 409 and stolen.json["error"] == "该报告编号已被使用。"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Alert)) == 1
        assert [
            e.action
            for e in db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "alert"))
        ] == ["alert_received"]


@pytest.mark.parametrize(
    "change, status, message",
    [
        ({"kind": "gossip"}, 422, "kind：应为 major_hazard、sync_conflict 之一"),
        ({"enterprise_id": "1"}, 400, "enterprise_id：应为整数"),
        ({"hazard_uuid": None}, 422, "hazard_uuid：重大隐患报告须写明隐患编号"),
        ({"subject": ""}, 422, "subject：不能为空"),
        ({"subject": " "}, 422, "subject：检查项或记录名称不能为空"),
        ({"subject": "长" * 201}, 422, "subject：不能超过 200 个字"),
        ({"occurred_at": "昨天"}, 422, "occurred_at：应为带时区的 ISO 8601 时间"),
        ({"payload": {"a": 1}}, 422, "payload：只用于同步冲突（手机上的记录）"),
        (
            {
                "payload": {"a": "长" * 64_001},
                "kind": "sync_conflict",
                "record_uuid": str(uuid.UUID(int=7)),
            },
            422,
            "payload：不能超过 64000 个字符",
        ),
        ({"extra": 1}, 400, "extra：不是可接受的字段"),
    ],
)
def test_a_bad_report_is_refused_with_a_chinese_message(
    client, api, world, change, status, message
):
    resp = client.put(
        f"/api/v1/alerts/{new_uuid()}",
        headers=api("inspector_a1"),
        json={**major_report(world), **change},
    )
    assert resp.status_code == status
    assert message in resp.json["errors"], resp.json


def test_a_report_outside_the_callers_scope_is_404_and_a_bad_uuid_400(client, api, world):
    assert (
        client.put(
            f"/api/v1/alerts/{new_uuid()}", headers=api("inspector_b1"), json=major_report(world)
        ).status_code
        == 404
    )
    assert (
        client.put(
            "/api/v1/alerts/NOT-A-UUID", headers=api("inspector_a1"), json=major_report(world)
        ).status_code
        == 400
    )
    assert (
        client.put(
            f"/api/v1/alerts/{new_uuid()}",
            headers=api("inspector_a1"),
            data="x",
            content_type="application/json",
        ).status_code
        == 400
    )


def test_a_conflict_report_carries_the_phones_copy(app, client, api, world):
    body = {
        "kind": "sync_conflict",
        "enterprise_id": world.ents["a1"],
        "record_uuid": new_uuid(),
        "subject": "检查记录 ABCD",
        "note": "该检查编号已提交过不同的内容",
        "occurred_at": local_iso(NOW),
        "payload": {"type": "visit", "body": {"x": 1}},
    }
    aid = new_uuid()
    assert (
        client.put(f"/api/v1/alerts/{aid}", headers=api("inspector_a1"), json=body).status_code
        == 201
    )
    with app.app_context():
        assert db.session.get(Alert, aid).payload == {"type": "visit", "body": {"x": 1}}


def test_the_street_sees_open_reports_with_a_badge_and_acknowledges_them(
    app, client, api, world, login
):
    aid = new_uuid()
    with app.app_context():
        hazard = make_hazard(world.ents["a1"], level="major")
        db.session.commit()
        hazard_uuid = hazard.uuid
    assert (
        client.put(
            f"/api/v1/alerts/{aid}",
            headers=api("inspector_a1"),
            json=major_report(world, hazard_uuid),
        ).status_code
        == 201
    )
    street = login("street_a")
    page = street.get("/dashboard").get_data(as_text=True)
    assert (
        'id="alerts-panel"' in page
        and "重大隐患待处置" in page
        and 'data-alert-count="major_hazard">1<' in page
    )
    assert f"/hazards/{hazard_uuid}" in page
    assert "alerts-panel" not in login("street_b").get("/dashboard").get_data(as_text=True)
    assert "alerts-panel" not in login("dept_catering").get("/dashboard").get_data(as_text=True)
    # Only the street (or district) in scope acknowledges; the inspector may not.
    assert login("street_b").post(f"/alerts/{aid}/ack").status_code == 404
    assert login("inspector_a1").post(f"/alerts/{aid}/ack").status_code == 403
    assert street.post(f"/alerts/{aid}/ack", csrf=False).status_code == 400
    resp = street.post(f"/alerts/{aid}/ack", headers={"HX-Request": "true"})
    assert resp.status_code == 200 and "已接报" in resp.get_data(as_text=True)
    assert street.post(f"/alerts/{aid}/ack").status_code == 303  # again: no change, no second event
    assert "alerts-panel" not in street.get("/dashboard").get_data(as_text=True)
    receipt = client.post("/api/v1/held", headers=api("inspector_a1"), json={"alerts": [aid]}).json[
        "alerts"
    ][aid]
    assert receipt["acknowledged_at"] is not None
    with app.app_context():
        actions = [
            e.action
            for e in db.session.scalars(
                select(AuditEvent).where(AuditEvent.object_id == aid).order_by(AuditEvent.seq)
            )
        ]
        assert actions == ["alert_received", "alert_acknowledged"]
        assert audit.verify().ok


# --- the phone's queue, and the records that vanished from it ---------------------------------------


def queue(client, items, discarded=()):
    return client.post("/api/v1/queue", json={"items": items, "discarded": list(discarded)})


def test_a_record_that_left_a_phones_queue_without_reaching_the_server_is_reported(
    app, login, world, shots
):
    phone = login("inspector_a1")
    kept, sent, dropped, lost = (new_uuid() for _ in range(4))
    items = [
        {"uuid": u, "type": "visit", "enterprise_id": world.ents["a1"]}
        for u in (kept, sent, dropped, lost)
    ]
    first = queue(phone, items)
    assert first.status_code == 200 and first.json["queued"] == 4 and first.json["lost"] == 0
    device = phone.get_cookie("fieldapp_device", path="/api/v1/queue")
    assert device is not None and device.http_only
    # Since then: one synced, one discarded by the user, one simply gone (storage evicted).
    assert (
        phone.put(
            f"/api/v1/visits/{sent}", json=visit_body(world.ents["a1"], photos=shots)
        ).status_code
        == 201
    )
    second = queue(phone, items[:1], discarded=[dropped])
    assert second.json == {"queued": 1, "reported_at": second.json["reported_at"], "lost": 1}
    assert phone.get_cookie("fieldapp_device", path="/api/v1/queue").value == device.value
    with app.app_context():
        alert = db.session.scalar(select(Alert))
        assert (alert.kind, alert.record_uuid, alert.user_id) == (
            "lost_record",
            lost,
            world.users["inspector_a1"],
        )
        assert db.session.scalar(select(DeviceQueue.queued)) == 1
    assert queue(phone, items[:1]).json["lost"] == 0  # reported once
    page = login("street_a").get("/dashboard").get_data(as_text=True)
    assert "可能丢失的离线记录" in page and lost[:8].upper() in page


def test_each_phone_and_user_keeps_its_own_queue(app, login, world):
    a, b = login("inspector_a1"), login("inspector_a1")  # two phones, one user
    item = [{"uuid": new_uuid(), "type": "visit", "enterprise_id": world.ents["a1"]}]
    queue(a, item)
    assert queue(b, []).json["lost"] == 0  # the other phone never held it
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(DeviceQueue)) == 2


@pytest.mark.parametrize(
    "body, status, message",
    [
        ({"items": "x"}, 400, "items：应为列表"),
        (
            {"items": [{"uuid": "x", "type": "visit", "enterprise_id": 1}]},
            422,
            "items[0].uuid：应为小写 UUID",
        ),
        (
            {"items": [{"uuid": str(uuid.UUID(int=1)), "type": "draft", "enterprise_id": 1}]},
            422,
            "items[0].type：应为 visit、event、alert 之一",
        ),
        ({"items": [], "discarded": ["x"]}, 422, "discarded[0]：应为小写 UUID"),
    ],
)
def test_a_bad_queue_report_is_refused_clearly(login, world, body, status, message):
    resp = login("inspector_a1").post("/api/v1/queue", json=body)
    assert resp.status_code == status and message in resp.json["errors"], resp.json


# --- the shell: the server marks its own pages, and the worker stores what they load -------------------


def test_the_app_shell_pages_carry_the_worker_version_and_nothing_else_does(
    app, login, world, client
):
    from fieldapp.blueprints import pwa

    with app.test_request_context():
        version = pwa.shell()[1]
    inspector = login("inspector_a1")
    for path in (
        "/inspect",
        "/inspect/walk",
        "/inspect/outbox",
        "/inspect/notice",
        "/inspect/unit",
        "/offline",
    ):
        assert inspector.get(path).headers.get("X-Fieldapp-Shell") == version, path
    assert "X-Fieldapp-Shell" not in inspector.get("/enterprises").headers
    assert (
        "X-Fieldapp-Shell" not in inspector.get("/inspect", headers={"HX-Request": "true"}).headers
    )
    assert "X-Fieldapp-Shell" not in client.get("/inspect").headers  # a redirect to the login page


def test_the_worker_stores_every_script_and_style_the_shell_pages_load(app, login, world):
    import re

    from fieldapp.blueprints import pwa

    inspector = login("inspector_a1")
    worker = inspector.get("/sw.js").get_data(as_text=True)
    for path in (
        "/inspect",
        "/inspect/walk",
        "/inspect/outbox",
        "/inspect/notice",
        "/inspect/unit",
        "/offline",
    ):
        html = inspector.get(path).get_data(as_text=True)
        for url in re.findall(r'(?:src|href)="(/static/[^"]+\.(?:js|css)\?v=[^"]+)"', html):
            assert f'"{url}"' in worker, (path, url)
    assert len(pwa.SHELL_ASSETS) == len(set(pwa.SHELL_ASSETS))
