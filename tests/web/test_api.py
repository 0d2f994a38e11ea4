"""The JSON API's stable interface (PRODUCT.md §11)."""

from __future__ import annotations

import pytest

LIST_FIELDS = {
    "id",
    "name",
    "credit_code",
    "street",
    "grid",
    "venue_type",
    "size_class",
    "risk_color",
}


@pytest.fixture
def bearer(client, world):
    def _bearer(username: str) -> dict:
        resp = client.post(
            "/api/v1/auth/token", json={"username": username, "password": "password123"}
        )
        assert resp.status_code == 200
        return {"Authorization": f"Bearer {resp.json['token']}"}

    return _bearer


def test_healthz(client):
    assert client.get("/healthz").status_code == 200


def test_token_wrong_password_and_unknown_user_get_the_same_401(client, world):
    a = client.post(
        "/api/v1/auth/token", json={"username": "district", "password": "wrong-password"}
    )
    b = client.post("/api/v1/auth/token", json={"username": "ghost", "password": "wrong-password"})
    assert a.status_code == b.status_code == 401
    assert a.json == b.json


@pytest.mark.parametrize(
    "body", [None, [], {"username": "district"}, {"username": 1, "password": "x"}]
)
def test_token_bad_body_is_400(client, body):
    resp = (
        client.post("/api/v1/auth/token", json=body)
        if body is not None
        else client.post("/api/v1/auth/token", data="not json", content_type="application/json")
    )
    assert resp.status_code == 400 and "error" in resp.json


def test_token_needs_no_csrf_and_works_as_bearer(client, bearer):
    headers = bearer("street_a")
    resp = client.get("/api/v1/enterprises", headers=headers)
    assert resp.status_code == 200 and resp.json["total"] == 2


def test_bad_bearer_is_401(client):
    assert (
        client.get("/api/v1/enterprises", headers={"Authorization": "Bearer nope"}).status_code
        == 401
    )


def test_list_shape_and_filters(client, bearer, world):
    headers = bearer("district")
    body = client.get("/api/v1/enterprises?street=乙街道", headers=headers).json
    assert set(body) >= {"items", "total"} and body["total"] == 2
    assert all(LIST_FIELDS <= set(item) for item in body["items"])
    assert {i["street"] for i in body["items"]} == {"乙街道"}
    assert (
        client.get("/api/v1/enterprises?grid=SA-01", headers=headers).json["items"][0]["grid"]
        == "SA-01"
    )
    assert client.get("/api/v1/enterprises?q=小吃", headers=headers).json["total"] == 1


def test_paging(client, bearer):
    headers = bearer("district")
    body = client.get("/api/v1/enterprises?per_page=3&page=2", headers=headers).json
    assert body["total"] == 4 and len(body["items"]) == 1
    assert client.get("/api/v1/enterprises?per_page=1000", headers=headers).json["per_page"] == 200
    for bad in ("page=0", "page=x", "per_page=-1"):
        assert client.get(f"/api/v1/enterprises?{bad}", headers=headers).status_code == 400


def test_detail_is_a_superset_of_the_list_item(client, bearer, world):
    headers = bearer("district")
    item = next(
        i
        for i in client.get("/api/v1/enterprises", headers=headers).json["items"]
        if i["id"] == world.ents["a1"]
    )
    detail = client.get(f"/api/v1/enterprises/{world.ents['a1']}", headers=headers).json
    assert {k: detail[k] for k in item} == item
    assert detail["principal_name"] == "张三"


def test_session_cookie_api_state_change_needs_csrf(app, world, login):
    """The phone signs in with a cookie: every API state change then needs the CSRF token."""
    from fieldapp.extensions import db

    from ..factories import make_hazard

    with app.app_context():
        uid = make_hazard(world.ents["a1"]).uuid
        db.session.commit()
    client = login("inspector_a1")
    event = {
        "action": "request_extension",
        "version": 1,
        "note": "配件未到",
        "deadline": "2100-01-01",
    }
    refused = client.post(f"/api/v1/hazards/{uid}/events", json=event, csrf=False)
    assert refused.status_code == 400 and refused.json["reason"] == "csrf"
    with app.app_context():
        from fieldapp.models import Hazard

        assert db.session.get(Hazard, uid).extension_requested_to is None  # nothing happened
    accepted = client.post(f"/api/v1/hazards/{uid}/events", json=event)
    assert accepted.status_code == 200, accepted.json


def test_openapi_documents_every_api_route(app, client):
    doc = client.get("/api/v1/openapi.json").json
    assert doc["openapi"].startswith("3.")
    documented = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = rule.rule.removeprefix("/api/v1")
        for arg in rule.arguments:
            name = "id" if arg.endswith("_id") else "uuid" if arg.endswith("_uuid") else arg
            path = path.replace(f"<int:{arg}>", "{" + name + "}").replace(
                f"<{arg}>", "{" + name + "}"
            )
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method.lower()) in documented, (path, method)


def test_the_openapi_document_is_valid_and_generated_from_the_contract(client):
    from openapi_spec_validator import validate

    from fieldapp.contract.api import VisitIn

    doc = client.get("/api/v1/openapi.json").json
    validate(doc)
    visit = doc["components"]["schemas"]["VisitIn"]
    assert (
        set(visit["properties"]) == set(VisitIn.model_fields)
        and visit["additionalProperties"] is False
    )
    page = next(p for p in doc["paths"]["/hazards"]["get"]["parameters"] if p["name"] == "page")
    assert page["schema"]["maximum"] == 1_000_000


def test_real_answers_validate_against_the_document(app, client, bearer, world):
    import uuid

    from jsonschema import Draft202012Validator

    from fieldapp.extensions import db

    from .. import images
    from ..factories import make_hazard, visit_body

    doc = client.get("/api/v1/openapi.json").json

    def check(resp, method: str, path: str):
        entry = doc["paths"][path][method]["responses"][str(resp.status_code)]
        schema = {**entry["content"]["application/json"]["schema"], "components": doc["components"]}
        Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER).validate(
            resp.json
        )

    with app.app_context():
        hid = make_hazard(world.ents["a1"], state="rectified", after_photos=["c" * 64]).uuid
        db.session.commit()
    token = client.post(
        "/api/v1/auth/token", json={"username": "district", "password": "password123"}
    )
    check(token, "post", "/auth/token")
    district, inspector = bearer("district"), bearer("inspector_a1")
    check(client.get("/api/v1/enterprises?per_page=2", headers=district), "get", "/enterprises")
    check(
        client.get(f"/api/v1/enterprises/{world.ents['a1']}", headers=district),
        "get",
        "/enterprises/{id}",
    )
    check(client.get("/api/v1/hazards", headers=district), "get", "/hazards")
    check(client.get(f"/api/v1/hazards/{hid}", headers=district), "get", "/hazards/{uuid}")
    check(client.get("/api/v1/session", headers=district), "get", "/session")
    check(client.get("/api/v1/bootstrap", headers=inspector), "get", "/bootstrap")
    data = images.jpeg(seed=3)
    check(
        client.put(
            f"/api/v1/photos/{images.sha(data)}",
            data=data,
            headers={**inspector, "Content-Type": "image/jpeg"},
        ),
        "put",
        "/photos/{sha256}",
    )
    vid = str(uuid.uuid4())
    receipt = client.put(
        f"/api/v1/visits/{vid}",
        json=visit_body(
            world.ents["a1"],
            photos={"extinguishers": [images.sha(data)], "gas_alarm": [images.sha(data)]},
        ),
        headers=inspector,
    )
    check(receipt, "put", "/visits/{uuid}")
    check(client.get(f"/api/v1/visits/{vid}", headers=inspector), "get", "/visits/{uuid}")
    event = client.post(
        f"/api/v1/hazards/{hid}/events",
        json={"action": "supervise", "version": 1},
        headers=district,
    )
    check(event, "post", "/hazards/{uuid}/events")
    for resp, method, path in [
        (client.get("/api/v1/hazards?page=0", headers=district), "get", "/hazards"),
        (client.get("/api/v1/enterprises"), "get", "/enterprises"),
        (client.get("/api/v1/enterprises/999999", headers=district), "get", "/enterprises/{id}"),
        (
            client.put(f"/api/v1/visits/{uuid.uuid4()}", json={"x": 1}, headers=inspector),
            "put",
            "/visits/{uuid}",
        ),
        (
            client.put(
                f"/api/v1/visits/{uuid.uuid4()}",
                json=visit_body(world.ents["a1"]),
                headers=inspector,
            ),
            "put",
            "/visits/{uuid}",
        ),
    ]:
        assert resp.status_code >= 400
        check(resp, method, path)


def test_bootstrap_ships_the_rules_the_server_validates_with(app, client, bearer, world):
    from fieldapp.contract.rules import LIMITS, ItemRules

    bundle = client.get("/api/v1/bootstrap", headers=bearer("inspector_a1")).json
    assert bundle["limits"] == LIMITS.model_dump(mode="json")
    registry = app.extensions["checklists"]
    for checklist in bundle["checklists"]:
        for item in checklist["items"]:
            assert item["rules"] == ItemRules.of(
                registry.get(checklist["id"]).item(item["key"])
            ).model_dump(mode="json")
    extinguishers = next(
        i for c in bundle["checklists"] for i in c["items"] if i["key"] == "extinguishers"
    )
    assert (
        extinguishers["rules"]["default_deadline_days"] == 7
        and extinguishers["rules"]["photo_required"] is True
    )
