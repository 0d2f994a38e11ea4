"""Visit pages, the printable notice, photo serving in scope, the due list and the offline bundle."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from fieldapp import checklists
from fieldapp.clock import local_today, utcnow
from fieldapp.extensions import db
from fieldapp.models import Enterprise, Hazard, Visit

from .. import images
from ..clock import VISIT_DAY, day
from ..factories import visit_body


@pytest.fixture
def visit(app, client, world):
    """A stored visit to a1 by inspector_a1, with its two photos uploaded."""
    token = client.post(
        "/api/v1/auth/token", json={"username": "inspector_a1", "password": "password123"}
    ).json["token"]
    headers = {"Authorization": f"Bearer {token}"}
    a, b = images.jpeg(seed=51), images.png(seed=52)
    for data in (a, b):
        client.put(f"/api/v1/photos/{images.sha(data)}", data=data, headers=headers)
    vid = str(uuid.uuid4())
    body = visit_body(
        world.ents["a1"], photos={"extinguishers": [images.sha(a)], "gas_alarm": [images.sha(b)]}
    )
    resp = client.put(f"/api/v1/visits/{vid}", json=body, headers=headers)
    assert resp.status_code == 201
    return {"uuid": vid, "photos": (images.sha(a), images.sha(b)), "hazards": resp.json["hazards"]}


def test_visit_page_shows_answers_unanswered_and_hazards(world, login, visit):
    html = login("inspector_a1").get(f"/visits/{visit['uuid']}").get_data(as_text=True)
    assert "共 5 项，已检查 4 项（未检查 1 项）" in html and "不符合 2 项" in html
    assert "未检查" in html and "无私拉乱接电线" in html  # the unanswered item is listed as such
    assert html.count('class="hazard-row') == 2 and "压力表在红区" in html


def test_old_visit_shows_the_texts_that_were_answered(app, world, login, visit):
    registry = app.extensions["checklists"]
    source = app.config["CHECKLISTS_DIR"] + "/general.toml"
    from pathlib import Path

    v2 = checklists.parse(
        Path(source)
        .read_text(encoding="utf-8")
        .replace("version = 1", "version = 2")
        .replace("安全出口畅通", "安全出口和疏散楼梯畅通"),
        "general.toml",
    )
    app.extensions["checklists"] = checklists.Registry(
        [v2 if c.id == "general" else c for c in registry.all]
    )
    html = login("street_a").get(f"/visits/{visit['uuid']}").get_data(as_text=True)
    assert "安全出口畅通" in html and "安全出口和疏散楼梯畅通" not in html


def test_a_visit_walked_offline_on_an_old_version_syncs_after_the_file_moved_on(
    app, client, world, login
):
    assert (
        login("inspector_a1").get("/api/v1/bootstrap").status_code == 200
    )  # the phone takes version 1
    registry = app.extensions["checklists"]
    source = Path(app.config["CHECKLISTS_DIR"]) / "general.toml"
    v2 = checklists.parse(
        source.read_text(encoding="utf-8").replace("version = 1", "version = 2"), "general.toml"
    )
    app.extensions["checklists"] = checklists.Registry(
        [v2 if c.id == "general" else c for c in registry.all]
    )
    token = client.post(
        "/api/v1/auth/token", json={"username": "inspector_a1", "password": "password123"}
    ).json["token"]
    headers = {"Authorization": f"Bearer {token}"}
    a, b = images.jpeg(seed=61), images.jpeg(seed=62)
    for data in (a, b):
        client.put(f"/api/v1/photos/{images.sha(data)}", data=data, headers=headers)
    body = visit_body(
        world.ents["a1"], photos={"extinguishers": [images.sha(a)], "gas_alarm": [images.sha(b)]}
    )
    resp = client.put(f"/api/v1/visits/{uuid.uuid4()}", json=body, headers=headers)
    assert resp.status_code == 201, resp.json  # the body still names general version 1


def test_the_bundle_is_a_get_that_writes_nothing_and_refuses_an_unpinned_version(app, world, login):
    from fieldapp.models import ChecklistVersion

    def pinned():
        with app.app_context():
            return {
                (r.checklist_id, r.version) for r in db.session.scalars(select(ChecklistVersion))
            }

    at_start = pinned()
    assert ("general", 1) in at_start  # start-up pinned what the app loaded
    phone = login("inspector_a1")
    assert phone.get("/api/v1/bootstrap").status_code == 200 and pinned() == at_start
    # A version the process never pinned (a file swapped under a running server) is not
    # handed out, and not recorded by the GET either.
    registry = app.extensions["checklists"]
    source = Path(app.config["CHECKLISTS_DIR"]) / "general.toml"
    v2 = checklists.parse(
        source.read_text(encoding="utf-8").replace("version = 1", "version = 2"), "general.toml"
    )
    app.extensions["checklists"] = checklists.Registry(
        [v2 if c.id == "general" else c for c in registry.all]
    )
    resp = phone.get("/api/v1/bootstrap")
    assert (
        resp.status_code == 503 and "general 第 2 版" in resp.json["error"] and pinned() == at_start
    )


def test_a_file_edited_without_a_new_version_stops_the_app_and_never_reaches_a_phone(
    app, world, login, tmp_path
):
    import shutil

    from fieldapp import create_app

    assert (
        login("inspector_a1").get("/api/v1/bootstrap").status_code == 200
    )  # general v1 is now on a phone
    edited = tmp_path / "edited"
    shutil.copytree(app.config["CHECKLISTS_DIR"], edited)
    general = edited / "general.toml"
    general.write_text(
        general.read_text(encoding="utf-8").replace("安全出口畅通", "安全出口畅通无阻"),
        encoding="utf-8",
    )
    config = {k: v for k, v in app.config.items() if k.isupper()}
    config["CHECKLISTS_DIR"] = str(edited)
    with pytest.raises(checklists.ChecklistError, match="version 加 1"):
        create_app(config)
    # Had it been running already (the lenient maintenance app), the bundle answers 409, not 500.
    lenient = create_app(config, strict_checklists=False)
    lenient.test_client_class = type(app.test_client())
    client = lenient.test_client()
    assert client.login("inspector_a1").status_code == 303
    resp = client.get("/api/v1/bootstrap")
    with lenient.app_context():
        db.engine.dispose()
    assert resp.status_code == 409 and "未更新版本号" in resp.json["error"]


def test_notice_lists_hazards_and_deadlines(world, login, visit):
    html = login("inspector_a1").get(f"/visits/{visit['uuid']}/notice").get_data(as_text=True)
    assert "隐患整改通知书" in html and "甲一小吃店" in html
    due = day(7, base=VISIT_DAY)
    assert html.count("<tr><td>") == 2 and f"<td>{due.year}年{due.month}月{due.day}日</td>" in html
    assert "请联系<span data-street>甲街道</span>安办" in html


def test_notice_carries_the_placard_link_and_its_qr(app, world, login, visit):
    html = login("inspector_a1").get(f"/visits/{visit['uuid']}/notice").get_data(as_text=True)
    with app.app_context():
        url = f"{app.config['BASE_URL']}/q/{db.session.get(Enterprise, world.ents['a1']).public_token}"
    assert 'id="notice-qr"' in html and url in html and "<svg" in html


@pytest.mark.parametrize(
    "username,status",
    [
        ("inspector_a1", 200),
        ("street_a", 200),
        ("district", 200),
        ("owner_a1", 200),
        ("inspector_b1", 404),
        ("street_b", 404),
    ],
)
def test_visit_page_scope(world, login, visit, username, status):
    assert login(username).get(f"/visits/{visit['uuid']}").status_code == status


@pytest.mark.parametrize(
    "username,status",
    [
        ("inspector_a1", 200),
        ("street_a", 200),
        ("owner_a1", 200),
        ("dept_catering", 200),
        ("inspector_b1", 404),
        ("street_b", 404),
    ],
)
def test_photos_are_served_only_within_scope(world, login, visit, username, status):
    resp = login(username).get(f"/photos/{visit['photos'][0]}/display.jpg")
    assert resp.status_code == status
    if status == 200:
        assert (
            resp.mimetype == "image/jpeg" and resp.headers["Cache-Control"] == "private, no-cache"
        )
        assert resp.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    "username,status",
    [("street_a", 200), ("district", 200), ("inspector_a1", 404), ("owner_a1", 404)],
)
def test_originals_only_to_office_users_and_as_attachments(world, login, visit, username, status):
    resp = login(username).get(f"/photos/{visit['photos'][0]}/original")
    assert resp.status_code == status
    if status == 200:
        assert resp.headers["Content-Disposition"].startswith("attachment;")
        assert images.sha(resp.get_data()) == visit["photos"][0]


def test_photo_revalidation_answers_304(world, login, visit):
    client = login("street_a")
    first = client.get(f"/photos/{visit['photos'][1]}/thumb.jpg")
    again = client.get(
        f"/photos/{visit['photos'][1]}/thumb.jpg", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304


def test_due_list_puts_the_most_urgent_first(app, world, login, visit):
    from fieldapp.models import Grid, Street

    from ..factories import make_enterprise

    with app.app_context():
        street = db.session.get(Street, world.streets["A"])
        grid = db.session.get(Grid, world.grids["a1"])
        make_enterprise(street, grid, name="甲一新开店")  # never visited
        # One of a1's hazards is past its deadline.
        db.session.execute(
            update(Hazard)
            .where(Hazard.uuid == visit["hazards"][0])
            .values(deadline=(utcnow() - timedelta(days=3)).date())
        )
        db.session.commit()
    html = login("inspector_a1").get("/inspect").get_data(as_text=True)
    assert html.index("甲一小吃店") < html.index("甲一新开店")
    assert "整改逾期 1 项" in html and "从未检查" in html


def test_due_list_puts_never_visited_before_the_longest_since_a_visit(app, world, login, visit):
    from fieldapp.models import Grid, Street

    from ..factories import make_enterprise

    with app.app_context():
        street = db.session.get(Street, world.streets["A"])
        make_enterprise(street, db.session.get(Grid, world.grids["a1"]), name="甲一新开店")
        long_ago = utcnow() - timedelta(days=400)
        db.session.execute(
            update(Visit)
            .where(Visit.uuid == visit["uuid"])
            .values(started_at=long_ago, finished_at=long_ago)
        )
        db.session.commit()
    html = login("inspector_a1").get("/inspect").get_data(as_text=True)
    assert html.index("甲一新开店") < html.index("甲一小吃店")


def test_due_list_search_and_htmx_fragment(world, login):
    client = login("inspector_a1")
    frag = client.get("/inspect?q=小吃", headers={"HX-Request": "true"})
    assert frag.get_data(as_text=True).lstrip().startswith('<ul class="due-list" id="due-list">')
    assert "甲一小吃店" in frag.get_data(as_text=True)
    assert "没有找到" in client.get("/inspect?q=火星").get_data(as_text=True)


def test_inspector_home_redirects_to_the_due_list(world, login):
    assert login("inspector_a1").get("/").headers["Location"] == "/inspect"


@pytest.mark.parametrize(
    "username,status", [("inspector_a1", 200), ("dept_catering", 403), ("owner_a1", 403)]
)
@pytest.mark.parametrize("path", ["/inspect/walk?enterprise=1", "/inspect/notice?visit=x"])
def test_walk_shell_roles(world, login, username, status, path):
    assert login(username).get(path).status_code == status


def test_scan_finds_a_premises_by_credit_code_in_scope(app, world, login):
    with app.app_context():
        from fieldapp.models import Enterprise

        code_a1 = db.session.get(Enterprise, world.ents["a1"]).credit_code
        code_b1 = db.session.get(Enterprise, world.ents["b1"]).credit_code
    client = login("inspector_a1")
    assert (
        client.post("/inspect/scan", data={"code": code_a1.lower()}).headers["Location"]
        == f"/enterprises/{world.ents['a1']}"
    )
    miss = client.post("/inspect/scan", data={"code": code_b1})
    assert miss.status_code == 404 and "不在您的网格内" in miss.get_data(as_text=True)


def test_bootstrap_bundle_holds_the_inspectors_day(world, login, visit):
    body = login("inspector_a1").get("/api/v1/bootstrap").json
    assert [e["id"] for e in body["enterprises"]] == [world.ents["a1"]]
    premises = body["enterprises"][0]
    assert premises["checklists"] == [
        {"id": "general", "version": 1},
        {"id": "catering", "version": 1},
    ]
    assert premises["open_hazards"] == 2 and premises["last_visit_at"]
    # The world's premises are yellow (3-month interval): the next visit is due ~90 days after this one.
    due = date.fromisoformat(premises["next_visit_due"])
    assert 85 <= (due - local_today(utcnow())).days <= 95
    lists = {c["id"]: c for c in body["checklists"]}
    assert set(lists) == {"general", "catering"} and all(
        "key" in i for i in lists["general"]["items"]
    )
    assert len(body["hazards"]) == 2 and {h["state"] for h in body["hazards"]} == {"open"}


def test_session_endpoint_gives_user_and_fresh_csrf(world, login, client):
    anon = client.get("/api/v1/session").json
    assert anon["user"] is None and anon["csrf_token"]
    me = login("inspector_a1").get("/api/v1/session").json
    assert me["user"]["username"] == "inspector_a1" and me["user"]["role"] == "inspector"


def test_enterprise_page_shows_hazards_and_visits(world, login, visit):
    html = login("street_a").get(f"/enterprises/{world.ents['a1']}").get_data(as_text=True)
    assert "2 项未销号" in html and f"/visits/{visit['uuid']}" in html and "不符合 2 项" in html


def test_hazard_page_shows_before_photo_and_history(world, login, visit):
    html = login("street_a").get(f"/hazards/{visit['hazards'][0]}").get_data(as_text=True)
    assert sum(sha in html for sha in visit["photos"]) == 1 and "发现隐患" in html
    assert login("street_b").get(f"/hazards/{visit['hazards'][0]}").status_code == 404
