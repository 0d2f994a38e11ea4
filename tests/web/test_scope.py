"""Every role sees exactly its scope, on pages and in the API; outside it is a 404."""

from __future__ import annotations

import pytest

ALL = {"a1", "a2", "b1", "b2"}
SCOPES = {
    "district": ALL,
    "street_a": {"a1", "a2"},
    "street_b": {"b1", "b2"},
    "inspector_a1": {"a1"},
    "inspector_b1": {"b1"},
    "dept_catering": {"a1"},
    "owner_a1": {"a1"},
}


@pytest.mark.parametrize("username", sorted(SCOPES))
def test_enterprise_pages_answer_404_outside_scope(world, login, username):
    client = login(username)
    for key, ent_id in world.ents.items():
        resp = client.get(f"/enterprises/{ent_id}")
        expected = 200 if key in SCOPES[username] else 404
        assert resp.status_code == expected, (username, key)


@pytest.mark.parametrize("username", sorted(SCOPES))
def test_api_detail_answers_404_outside_scope(world, login, username):
    client = login(username)
    for key, ent_id in world.ents.items():
        resp = client.get(f"/api/v1/enterprises/{ent_id}")
        assert resp.status_code == (200 if key in SCOPES[username] else 404), (username, key)
        if resp.status_code == 404:
            assert resp.json["status"] == 404


@pytest.mark.parametrize("username", sorted(SCOPES))
def test_api_list_holds_exactly_the_scope(world, login, username):
    client = login(username)
    resp = client.get("/api/v1/enterprises?per_page=200")
    assert resp.status_code == 200
    names = {item["id"] for item in resp.json["items"]}
    assert names == {world.ents[k] for k in SCOPES[username]}
    assert resp.json["total"] == len(SCOPES[username])


@pytest.mark.parametrize("username", ["district", "street_a", "inspector_a1", "dept_catering"])
def test_list_page_holds_exactly_the_scope(world, login, username):
    client = login(username)
    html = client.get("/enterprises").get_data(as_text=True)
    for key, ent_id in world.ents.items():
        assert (f'href="/enterprises/{ent_id}"' in html) == (key in SCOPES[username]), (
            username,
            key,
        )


def test_enterprise_user_has_no_register_list(world, login):
    assert login("owner_a1").get("/enterprises").status_code == 403


def test_landlord_sees_its_tenants(app, world, login):
    from fieldapp.extensions import db
    from fieldapp.models import Enterprise

    with app.app_context():
        landlord = db.session.get(Enterprise, world.ents["a1"])
        landlord.hosts_tenants = True
        db.session.get(Enterprise, world.ents["a2"]).landlord_id = landlord.id
        db.session.commit()
    client = login("owner_a1")
    assert client.get(f"/api/v1/enterprises/{world.ents['a2']}").status_code == 200
    assert client.get(f"/api/v1/enterprises/{world.ents['b1']}").status_code == 404


def test_disabled_user_sees_nothing_even_with_a_token(app, world, client):
    from fieldapp import auth
    from fieldapp.extensions import db
    from fieldapp.models import User

    token = client.post(
        "/api/v1/auth/token", json={"username": "district", "password": "password123"}
    ).json["token"]
    with app.app_context():
        auth.set_active(db.session.get(User, world.users["district"]), False)
    resp = client.get("/api/v1/enterprises", headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 401


def test_a_landlord_sees_its_tenants_open_hazards_on_its_own_page(app, world, login):
    from fieldapp.extensions import db
    from fieldapp.models import Enterprise, Street

    from ..factories import make_enterprise, make_hazard

    with app.app_context():
        landlord = db.session.get(Enterprise, world.ents["a1"])
        landlord.hosts_tenants = True
        tenant = make_enterprise(
            db.session.get(Street, world.streets["A"]), landlord_id=landlord.id, name="租户五金店"
        )
        make_hazard(tenant.id, item_text="配电箱未加锁")
        make_hazard(tenant.id, item_text="早已整改的隐患", state="closed")
        make_hazard(world.ents["a2"], item_text="别家的隐患")  # not a tenant
        db.session.commit()
    for username in ("owner_a1", "street_a"):
        html = login(username).get(f"/enterprises/{world.ents['a1']}").get_data(as_text=True)
        listed = html[html.index('id="tenant-hazards"') :]
        listed = listed[: listed.index("</ul>")]
        assert "租户五金店" in listed and "配电箱未加锁" in listed
        assert "早已整改的隐患" not in listed and "别家的隐患" not in listed


def test_a_landlord_sees_but_cannot_act_on_a_tenants_hazard(app, world, login):
    from fieldapp.extensions import db
    from fieldapp.models import Enterprise, Hazard, Street

    from ..factories import make_enterprise, make_hazard

    with app.app_context():
        landlord = db.session.get(Enterprise, world.ents["a1"])
        landlord.hosts_tenants = True
        tenant = make_enterprise(
            db.session.get(Street, world.streets["A"]), landlord_id=landlord.id, name="租户五金店"
        )
        uid = make_hazard(tenant.id, item_text="配电箱未加锁").uuid
        db.session.commit()
    client = login("owner_a1")
    page = client.get(f"/hazards/{uid}").get_data(as_text=True)
    assert "配电箱未加锁" in page and "提交整改" not in page and "申请延期" not in page
    resp = client.post(
        f"/hazards/{uid}/act",
        data={
            "action": "request_extension",
            "version": "1",
            "note": "代为申请",
            "deadline": "2027-01-31",
        },
    )
    assert resp.status_code == 403 and "须由承租单位自己提交" in resp.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Hazard, uid).extension_requested_to is None
