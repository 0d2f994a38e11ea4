"""The closed loop through the API and the pages: events, the queue, the three lists, the audit page."""

from __future__ import annotations

import csv
import io
import re
import uuid

import pytest
from openpyxl import load_workbook

from fieldapp.extensions import db
from fieldapp.models import Hazard

from .. import images
from ..factories import make_hazard, store_photo


@pytest.fixture
def rectified(app, world):
    """A general hazard at a1 whose rectification the owner submitted with a fresh photo."""
    with app.app_context():
        after = store_photo(images.jpeg(seed=61), uploader_id=world.users["owner_a1"])
        h = make_hazard(
            world.ents["a1"],
            state="rectified",
            submitted_by=world.users["owner_a1"],
            after_photos=[after],
        )
        db.session.commit()
        return h.uuid


@pytest.fixture
def bearer(client, world):
    def _bearer(username):
        token = client.post(
            "/api/v1/auth/token", json={"username": username, "password": "password123"}
        ).json["token"]
        return {"Authorization": f"Bearer {token}"}

    return _bearer


def test_api_event_verify_then_replay_gets_the_same_answer(client, bearer, rectified):
    headers = bearer("street_a")
    body = {"uuid": str(uuid.uuid4()), "action": "verify", "version": 1, "note": "现场复查合格"}
    first = client.post(f"/api/v1/hazards/{rectified}/events", json=body, headers=headers)
    assert (
        first.status_code == 200 and first.json["state"] == "closed" and first.json["version"] == 2
    )
    again = client.post(f"/api/v1/hazards/{rectified}/events", json=body, headers=headers)
    assert again.status_code == 200 and again.json == first.json
    detail = client.get(f"/api/v1/hazards/{rectified}", headers=headers).json
    assert detail["state"] == "closed" and detail["overdue"] is False and detail["after_photos"]


@pytest.mark.parametrize(
    "body,status",
    [
        ({"action": "verify", "version": 9}, 409),
        ({"action": "supervise", "version": 9}, 409),  # stale is checked first
        ({"action": "verify"}, 400),
        ({"action": "teleport", "version": 1}, 422),
        (
            {"uuid": "nope", "action": "verify", "version": 1},
            422,
        ),  # the right type, a bad value (contract: 422)
        ({"uuid": 7, "action": "verify", "version": 1}, 400),  # the wrong JSON type (contract: 400)
    ],
)
def test_api_event_errors(client, bearer, rectified, body, status):
    resp = client.post(f"/api/v1/hazards/{rectified}/events", json=body, headers=bearer("street_a"))
    assert resp.status_code == status and resp.json["error"]


@pytest.mark.parametrize(
    "username,status", [("dept_catering", 403), ("street_b", 404), ("inspector_b1", 404)]
)
def test_api_event_role_and_scope(client, bearer, rectified, username, status):
    resp = client.post(
        f"/api/v1/hazards/{rectified}/events",
        json={"action": "verify", "version": 1},
        headers=bearer(username),
    )
    assert resp.status_code == status


def test_api_hazard_list_filters_and_scope(app, client, bearer, world, rectified):
    with app.app_context():
        make_hazard(world.ents["b1"])
        db.session.commit()
    body = client.get("/api/v1/hazards?state=rectified", headers=bearer("street_a")).json
    assert body["total"] == 1 and body["items"][0]["uuid"] == rectified
    assert client.get("/api/v1/hazards", headers=bearer("street_b")).json["total"] == 1
    assert client.get("/api/v1/hazards?state=wrong", headers=bearer("district")).status_code == 400


def test_page_action_with_htmx_swaps_the_panel(login, rectified):
    client = login("street_a")
    html = client.get(f"/hazards/{rectified}").get_data(as_text=True)
    assert "复查通过，销号" in html and 'id="hazard-panel-' in html
    resp = client.post(
        f"/hazards/{rectified}/act",
        data={"action": "verify", "version": "1", "event_uuid": str(uuid.uuid4())},
        headers={"HX-Request": "true"},
    )
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200 and body.lstrip().startswith(
        f'<section class="hazard-panel-main" id="hazard-panel-{rectified}"'
    )
    assert (
        "已复查通过，销号" in body
        and "已销号" in body
        and resp.headers["HX-Trigger"] == "hazard-changed"
    )


def test_page_action_conflict_shows_the_fresh_state(login, rectified):
    client = login("street_a")
    client.post(f"/hazards/{rectified}/act", data={"action": "verify", "version": "1"})
    late = client.post(
        f"/hazards/{rectified}/act",
        data={"action": "reject", "version": "1", "note": "不合格"},
        headers={"HX-Request": "true"},
    )
    assert late.status_code == 409 and "已被他人更新" in late.get_data(as_text=True)


def test_owner_submits_rectification_with_a_photo_without_javascript(app, world, login):
    with app.app_context():
        h = make_hazard(world.ents["a1"])
        db.session.commit()
        hid = h.uuid
    client = login("owner_a1")
    photo = images.jpeg(seed=62)
    resp = client.post(
        f"/hazards/{hid}/act",
        data={
            "action": "submit_rectification",
            "version": "1",
            "note": "已更换",
            "photo": (io.BytesIO(photo), "after.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert resp.status_code == 303
    with app.app_context():
        h = db.session.get(Hazard, hid)
        assert (
            h.state == "rectified"
            and h.after_photos == [images.sha(photo)]
            and h.submitted_by == world.users["owner_a1"]
        )


def test_a_bad_photo_is_refused_with_a_message_and_nothing_changes(app, world, login):
    with app.app_context():
        h = make_hazard(world.ents["a1"])
        db.session.commit()
        hid = h.uuid
    client = login("owner_a1")
    resp = client.post(
        f"/hazards/{hid}/act",
        data={
            "action": "submit_rectification",
            "version": "1",
            "note": "已更换",
            "photo": (io.BytesIO(b"<?php ?>"), "x.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert resp.status_code == 415 and "不是支持的图片格式" in resp.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Hazard, hid).state == "open"


def test_queue_lists_rectifications_with_before_and_after(login, rectified):
    html = login("street_a").get("/hazards/queue").get_data(as_text=True)
    assert "待复查的整改（1）" in html and "通过，销号" in html and "退回整改" in html
    assert (
        login("street_b").get("/hazards/queue").get_data(as_text=True).count('class="queue-item"')
        == 0
    )


def test_queue_verify_in_one_tap(login, rectified):
    client = login("district")
    resp = client.post(
        f"/hazards/{rectified}/act",
        headers={"HX-Request": "true"},
        data={
            "action": "verify",
            "version": "1",
            "panel": "hazards/_queue_item.html",
            "event_uuid": str(uuid.uuid4()),
        },
    )
    assert resp.get_data(as_text=True).lstrip().startswith(
        '<li class="queue-item"'
    ) and "已销号" in resp.get_data(as_text=True)


@pytest.mark.parametrize(
    "kind,title",
    [("inspection", "隐患排查清单"), ("rectification", "整改清单"), ("closure", "销号清单")],
)
def test_three_lists_pages(login, rectified, kind, title):
    resp = login("street_a").get(f"/lists/{kind}")
    assert resp.status_code == 200 and title in resp.get_data(as_text=True)


def test_lists_follow_a_closure_and_export_neutralized(app, world, login, rectified):
    client = login("street_a")
    client.post(f"/hazards/{rectified}/act", data={"action": "verify", "version": "1"})
    with app.app_context():
        h = db.session.get(Hazard, rectified)
        h.measure = '=HYPERLINK("http://x")'
        db.session.commit()
    assert "已销号" in client.get("/lists/rectification").get_data(as_text=True)
    assert "已销号" in client.get("/lists/closure").get_data(as_text=True)
    csv_resp = client.get("/lists/rectification?format=csv")
    assert csv_resp.headers["Content-Disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(csv_resp.get_data().decode("utf-8-sig"))))
    assert rows[0][:3] == ["单位", "隐患", "情况说明"] and rows[1][4].startswith("'=HYPERLINK")
    xlsx = load_workbook(io.BytesIO(client.get("/lists/closure?format=xlsx").get_data())).active
    assert xlsx["A1"].value == "单位" and xlsx["B2"].value == "灭火器压力正常、在有效期内"
    assert (
        client.get("/lists/rectification?state=unclosed").get_data(as_text=True).count('id="row-')
        == 0
    )


def test_lists_are_scoped(app, world, login, rectified):
    with app.app_context():
        make_hazard(world.ents["b1"], item_text="乙街道的隐患")
        db.session.commit()
    assert "乙街道的隐患" not in login("street_a").get("/lists/rectification").get_data(
        as_text=True
    )
    assert "乙街道的隐患" in login("district").get("/lists/rectification").get_data(as_text=True)


def test_audit_page_shows_the_head_and_verifies(login, world, rectified):
    client = login("district")
    client.post(f"/hazards/{rectified}/act", data={"action": "verify", "version": "1"})
    html = client.get("/audit").get_data(as_text=True)
    assert "链头校验值" in html and "记录条数" in html
    assert "审计链完整：共 1 条" in client.get("/audit/verify").get_data(as_text=True)
    assert login("street_a").get("/audit").status_code == 403


def test_long_lists_are_paged_and_keep_their_filters_while_exports_carry_everything(
    app, world, login
):
    with app.app_context():
        for n in range(105):
            make_hazard(world.ents["a1"], item_text=f"批量隐患{n:03d}", level="general")
        make_hazard(world.ents["a1"], item_text="重大隐患一条", level="major")
        db.session.commit()
    client = login("street_a")
    first = client.get("/lists/rectification?level=general").get_data(as_text=True)
    assert first.count('id="row-') == 100 and "共 105 条" in first and "第 1/2 页" in first
    assert 'href="/lists/rectification?page=2&amp;level=general" rel="next"' in first
    second = client.get("/lists/rectification?level=general&page=2").get_data(as_text=True)
    assert second.count('id="row-') == 5 and 'rel="prev"' in second and 'rel="next"' not in second
    shown = {m for page in (first, second) for m in re.findall(r"批量隐患\d{3}", page)}
    assert len(shown) == 105  # every row on exactly one of the two pages
    assert (
        client.get("/lists/rectification?level=general&page=99")
        .get_data(as_text=True)
        .count('id="row-')
        == 5
    )
    assert client.get("/lists/rectification?page=abc").status_code == 200
    rows = list(
        csv.reader(
            io.StringIO(
                client.get("/lists/rectification?format=csv&level=general&page=2")
                .get_data()
                .decode("utf-8-sig")
            )
        )
    )
    assert len(rows) == 1 + 105


def test_older_major_hazards_do_not_hide_an_inspectors_queue(app, world, login):
    """The queue's limit applied before the inspector's filter: 200 older majors left nothing to see."""
    from datetime import timedelta

    from fieldapp.clock import utcnow

    with app.app_context():
        early = utcnow() - timedelta(days=3)
        for n in range(201):
            make_hazard(
                world.ents["a1"],
                state="rectified",
                level="major",
                submitted_by=world.users["owner_a1"],
                submitted_at=early + timedelta(seconds=n),
            )
        mine = make_hazard(
            world.ents["a1"], state="rectified", submitted_by=world.users["owner_a1"]
        )
        db.session.commit()
        mine = mine.uuid
    html = login("inspector_a1").get("/hazards/queue").get_data(as_text=True)
    assert mine in html
    assert html.count('class="queue-item"') == 1


def test_the_queue_reads_its_submissions_in_one_query(app, world, login):
    """The reviewer sees who submitted what, read in one query, not one per hazard."""
    from sqlalchemy import event

    from fieldapp import hazards
    from fieldapp.clock import utcnow
    from fieldapp.models import User

    client = login("street_a")
    made, counts = 0, []
    for total in (2, 12):
        with app.app_context():
            db.session.get(User, world.users["owner_a1"]).display_name = "王店主"
            owner = db.session.get(User, world.users["owner_a1"])
            for _ in range(total - made):
                h = make_hazard(world.ents["a1"])
                shot = store_photo(images.jpeg(seed=700 + made), uploader_id=owner.id)
                hazards.transition(
                    h.uuid,
                    "submit_rectification",
                    actor=owner,
                    now=utcnow(),
                    version=h.version,
                    note=f"已整改{made}",
                    photos=[shot],
                )
                made += 1
            db.session.commit()
            engine = db.engine
        seen = []

        def count(conn, cursor, statement, *args):
            if "audit_events" in statement:
                seen.append(statement)

        event.listen(engine, "before_cursor_execute", count)
        try:
            html = client.get("/hazards/queue").get_data(as_text=True)
        finally:
            event.remove(engine, "before_cursor_execute", count)
        assert html.count("王店主（企业） 于") == total and "owner_a1" not in html
        counts.append(len(seen))
    assert counts[0] == counts[1], counts  # as many audit queries for 12 hazards as for 2
