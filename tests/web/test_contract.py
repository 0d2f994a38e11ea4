"""The input contract (issue 16, point 1): every bad input is a 4xx in Chinese, never a 5xx.

Each case below was a 500 on b4f054d (measured by Schemathesis or by hand); the
NUL cases were 500 on PostgreSQL only. The suite runs them on both databases.
"""

from __future__ import annotations

import copy
import json
import uuid

import pytest

from ..factories import visit_body

CJK = range(0x4E00, 0xA000)


def chinese(text: str) -> bool:
    return any(ord(c) in CJK for c in text)


@pytest.fixture
def bearer(client, world):
    def _bearer(username: str) -> dict:
        token = client.post(
            "/api/v1/auth/token", json={"username": username, "password": "password123"}
        ).json["token"]
        return {"Authorization": f"Bearer {token}"}

    return _bearer


def refused(resp, status: int) -> dict:
    """Assert a refusal with this status and a Chinese message naming each problem; return the body."""
    assert resp.status_code == status, (resp.status_code, resp.get_data(as_text=True)[:300])
    body = resp.json
    assert chinese(body["error"]) and body["status"] == status
    assert all(chinese(e) for e in body.get("errors", []))
    return body


# -- the three Schemathesis 500s ------------------------------------------------------------


@pytest.mark.parametrize(
    "url,field",
    [
        ("/api/v1/enterprises?q=a&page=721730170703955806673436672", "page"),
        ("/api/v1/hazards?per_page=161&page=999999999999999999", "page"),
    ],
)
def test_huge_pages_found_by_schemathesis_are_400(client, bearer, url, field):
    body = refused(client.get(url, headers=bearer("district")), 400)
    assert body["errors"][0].startswith(f"{field}：")


def test_a_huge_negative_checklist_version_found_by_schemathesis_is_422(client, bearer, world):
    body = visit_body(world.ents["a1"])
    body["checklists"][0]["version"] = -366529945413150109325066240
    answer = refused(
        client.put(f"/api/v1/visits/{uuid.uuid4()}", json=body, headers=bearer("inspector_a1")), 422
    )
    assert answer["errors"] == ["checklists[0].version：不能小于 1"]


# -- the visit body, by hand -----------------------------------------------------------------


def _with(body: dict, path: tuple, value) -> dict:
    body = copy.deepcopy(body)
    target = body
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return body


WRONG_TYPES = [
    (("location_status",), ["ok"]),
    (("location_status",), {"a": 1}),
    (("started_at",), [1]),
    (("answers", 0, "item"), ["exits_clear"]),
    (("answers", 0, "checklist"), {"id": "general"}),
    (("answers", 0, "note"), ["x"]),
    (("answers", 1, "hazard", "deadline"), {"y": 2026}),
    (("answers", 1, "hazard", "description"), [1, 2]),
    (("checklists", 0, "id"), ["general"]),
    (("enterprise_id",), "1"),
    (("answers",), {"0": {}}),
]


@pytest.mark.parametrize(
    "path,value",
    WRONG_TYPES,
    ids=[".".join(map(str, p)) + f"={type(v).__name__}" for p, v in WRONG_TYPES],
)
def test_lists_or_objects_where_the_visit_has_strings_are_400_naming_the_field(
    client, bearer, world, path, value
):
    body = _with(visit_body(world.ents["a1"]), path, value)
    answer = refused(
        client.put(f"/api/v1/visits/{uuid.uuid4()}", json=body, headers=bearer("inspector_a1")), 400
    )
    where = "".join(
        f"[{p}]" if isinstance(p, int) else (f".{p}" if i else p) for i, p in enumerate(path)
    )
    assert any(e.startswith(where) for e in answer["errors"]), answer["errors"]


@pytest.mark.parametrize(
    "field,status",
    [
        ("enterprise_id", 422),
        ("checklists.0.version", 422),
        ("location.lat", 400),
        ("location.accuracy_m", 400),
    ],
)
def test_400_digit_numbers_are_refused(client, bearer, world, field, status):
    raw = json.dumps(visit_body(world.ents["a1"]))
    marker = 7777777
    body = visit_body(world.ents["a1"])
    target = body
    *parents, last = field.split(".")
    for key in parents:
        target = target[int(key)] if key.isdigit() else target[key]
    target[last] = marker
    raw = json.dumps(body).replace(str(marker), "9" * 400)
    resp = client.put(
        f"/api/v1/visits/{uuid.uuid4()}",
        data=raw,
        content_type="application/json",
        headers=bearer("inspector_a1"),
    )
    refused(resp, status)


@pytest.mark.parametrize("depth", [33, 5_000, 100_000])
def test_deeply_nested_json_is_400(client, bearer, world, depth):
    raw = "[" * depth + "]" * depth
    for url in (f"/api/v1/visits/{uuid.uuid4()}",):
        resp = client.put(
            url, data=raw, content_type="application/json", headers=bearer("inspector_a1")
        )
        assert "嵌套" in refused(resp, 400)["error"]
    resp = client.post("/api/v1/auth/token", data=raw, content_type="application/json")
    refused(resp, 400)


def test_nesting_within_the_limit_reaches_the_contract(client, bearer, world):
    body = visit_body(world.ents["a1"])
    body["answers"][0]["note"] = json.loads("[" * 30 + "]" * 30)
    refused(
        client.put(f"/api/v1/visits/{uuid.uuid4()}", json=body, headers=bearer("inspector_a1")), 400
    )


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_non_finite_numbers_are_400(client, bearer, world, literal):
    raw = json.dumps(visit_body(world.ents["a1"])).replace('"lat": 24.91', f'"lat": {literal}')
    assert literal in raw
    refused(
        client.put(
            f"/api/v1/visits/{uuid.uuid4()}",
            data=raw,
            content_type="application/json",
            headers=bearer("inspector_a1"),
        ),
        400,
    )


@pytest.mark.parametrize("escape", ["\\ud800", "\\udfff", "a\\udc00b", "\\u0000"])
def test_lone_surrogates_and_nul_in_json_are_400_and_nothing_is_stored(
    app, client, bearer, world, escape
):
    from fieldapp.extensions import db
    from fieldapp.models import Visit

    body = visit_body(world.ents["a1"])
    body["answers"][0]["note"] = "MARK"
    raw = json.dumps(body).replace("MARK", escape)
    resp = client.put(
        f"/api/v1/visits/{uuid.uuid4()}",
        data=raw,
        content_type="application/json",
        headers=bearer("inspector_a1"),
    )
    refused(resp, 400)
    with app.app_context():
        assert db.session.query(Visit).count() == 0


@pytest.mark.parametrize("field", ["finished_at", "started_at"])
@pytest.mark.parametrize(
    "when", ["9999-12-31T23:59:59+08:00", "0001-01-01T00:00:00+00:00", "2101-01-01T00:00:00Z"]
)
def test_visit_times_outside_2000_2100_are_422(client, bearer, world, field, when):
    body = visit_body(world.ents["a1"], **{field: when})
    answer = refused(
        client.put(f"/api/v1/visits/{uuid.uuid4()}", json=body, headers=bearer("inspector_a1")), 422
    )
    assert any(e.startswith(f"{field}：") and "2000" in e for e in answer["errors"])


def test_a_deadline_in_year_9999_is_422(client, bearer, world):
    body = _with(visit_body(world.ents["a1"]), ("answers", 1, "hazard", "deadline"), "9999-12-31")
    refused(
        client.put(f"/api/v1/visits/{uuid.uuid4()}", json=body, headers=bearer("inspector_a1")), 422
    )


def test_an_unknown_field_is_400(client, bearer, world):
    body = visit_body(world.ents["a1"], surprise=True)
    answer = refused(
        client.put(f"/api/v1/visits/{uuid.uuid4()}", json=body, headers=bearer("inspector_a1")), 400
    )
    assert answer["errors"] == ["surprise：不是可接受的字段"]


def test_a_json_body_past_its_limit_is_413(app, client, bearer, world):
    app.config["MAX_JSON_BYTES"] = 10_000
    body = visit_body(world.ents["a1"])
    body["answers"][0]["note"] = "x" * 20_000
    assert (
        client.put(
            f"/api/v1/visits/{uuid.uuid4()}", json=body, headers=bearer("inspector_a1")
        ).status_code
        == 413
    )


# -- hazard events, the token, photo metadata ------------------------------------------------


@pytest.mark.parametrize(
    "body,status",
    [
        ({"action": "verify", "version": 10**30}, 422),
        ({"action": "verify", "version": "1"}, 400),
        ({"action": ["verify"], "version": 1}, 400),
        ({"action": "request_extension", "version": 1, "deadline": "9999-12-31"}, 422),
        ({"action": "reject", "version": 1, "note": {"x": 1}}, 400),
        ({"action": "verify", "version": 1, "photos": ["a" * 64] * 11}, 422),
    ],
)
def test_bad_hazard_events_are_refused_by_shape(client, bearer, world, body, status):
    refused(
        client.post(
            f"/api/v1/hazards/{uuid.uuid4()}/events", json=body, headers=bearer("street_a")
        ),
        status,
    )


@pytest.mark.parametrize(
    "body,status",
    [
        ({"username": ["district"], "password": "x"}, 400),
        ({"username": "district", "password": "x", "extra": 1}, 400),
        ({"username": "d" * 65, "password": "x"}, 422),
    ],
)
def test_bad_token_requests(client, world, body, status):
    refused(client.post("/api/v1/auth/token", json=body), status)


@pytest.mark.parametrize(
    "query", ["lat=1e999", "captured_at=9999-12-31T00:00:00Z", "accuracy_m=" + "9" * 400, "lng=nan"]
)
def test_bad_capture_metadata_is_400(client, bearer, query):
    from .. import images

    data = images.jpeg()
    resp = client.put(
        f"/api/v1/photos/{images.sha(data)}?{query}",
        data=data,
        headers={**bearer("inspector_a1"), "Content-Type": "image/jpeg"},
    )
    refused(resp, 400)


# -- pages --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url,status",
    [
        ("/enterprises/99999999999999999999999", 404),
        ("/enterprises/2147483648", 404),
        ("/dashboard/targets?year=9999", 400),
        ("/dashboard/targets?year=-5", 400),
        ("/dashboard/targets?year=" + "9" * 30, 400),
        ("/dashboard?start=0001-01-01", 400),
        ("/dashboard?end=9999-12-31", 400),
        ("/lists/inspection?enterprise=" + "9" * 30, 400),
        ("/lists/rectification?by=" + "9" * 30, 400),
        ("/campaign/letters?year=" + "9" * 30, 400),
        ("/campaign/letters/print?year=" + "9" * 30, 400),
        ("/quarterly?year=9999&quarter=4", 400),
        ("/enterprises?page=" + "9" * 30, 200),
        ("/lists/closure?page=" + "9" * 30, 200),
        ("/campaign/letters?page=" + "9" * 30, 200),
    ],
)
def test_pages_bound_the_numbers_and_dates_they_read(world, login, url, status):
    resp = login("district").get(url)
    assert resp.status_code == status
    if status == 400:
        assert "查询参数" in resp.get_data(as_text=True)


@pytest.mark.parametrize("landlord_id", ["9" * 30, "²", "-3", "1.5", "0"])
def test_a_bad_landlord_id_is_a_form_error(app, world, login, landlord_id):
    client = login("district")
    form = {
        "version": "1",
        "name": "甲一小吃店",
        "street": "甲街道",
        "industry": "餐饮",
        "size_class": "small_micro",
        "landlord_id": landlord_id,
    }
    resp = client.post(f"/enterprises/{world.ents['a1']}/edit", data=form)
    assert resp.status_code == 422 and "找不到该出租方" in resp.get_data(as_text=True)


@pytest.mark.parametrize("tenant_id", ["9" * 30, "²", "x", ""])
def test_a_bad_tenant_id_is_a_form_error(world, login, tenant_id):
    resp = login("district").post(
        f"/campaign/{world.ents['a1']}/agreement",
        data={"tenant_id": tenant_id, "signed_on": "2025-01-02"},
    )
    assert resp.status_code == 422


# -- NUL, lone surrogates and invalid UTF-8 on every path ------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/enterprises?q=a%00b",
        "/enterprises?q=%00",
        "/inspect?q=a%00",
        "/lists/inspection?street=a%00",
        "/placards/sheet?street=%00",
        "/enterprises?q=%ED%A0%80",
        "/enterprises?q=%FF",
        "/api/v1/hazards/%00",
        "/api/v1/enterprises?%00=1",
    ],
)
def test_nul_surrogates_and_bad_utf8_in_urls_are_400(world, login, url):
    resp = login("district").get(url)
    text = resp.json["error"] if resp.is_json else resp.get_data(as_text=True)
    assert resp.status_code == 400 and "不允许的字符" in text


@pytest.mark.parametrize(
    "path", ["/enterprises/%ED%A0%80", "/enterprises/%00", "/api/v1/hazards/%FF", "/q/%C0%80"]
)
def test_bad_bytes_in_a_path_segment_are_400_over_real_http(app, world, path):
    """Real servers pass the raw bytes on (the test client would have replaced them)."""
    import http.client
    from urllib.parse import urlsplit

    from ..live import serve

    with serve(app) as base:
        conn = http.client.HTTPConnection(urlsplit(base).netloc, timeout=10)
        conn.request("GET", path)
        resp = conn.getresponse()
        status = resp.status
        resp.read()
        conn.close()
    assert status == 400  # the public page answers one fixed body, whatever the cause


def test_nul_in_the_login_username_is_400(app, world):
    resp = app.test_client().post("/login", data={"username": "dis\x00trict", "password": "x"})
    assert resp.status_code == 400


def test_nul_in_a_form_field_is_400(world, login):
    client = login("district")
    resp = client.post(
        f"/enterprises/{world.ents['a1']}/edit", data={"version": "1", "name": "a\x00b"}
    )
    assert resp.status_code == 400


def test_nul_in_a_header_used_as_data_is_400(client, bearer):
    headers = bearer("district")
    assert (
        client.get("/api/v1/enterprises", headers={**headers, "HX-Target": "a\x00b"}).status_code
        == 400
    )
    assert (
        client.get("/api/v1/enterprises", headers={"Authorization": "Bearer \x00"}).status_code
        == 400
    )


def test_nul_in_a_json_key_is_400(client):
    refused(
        client.post(
            "/api/v1/auth/token",
            data='{"user\\u0000name": "a", "password": "b"}',
            content_type="application/json",
        ),
        400,
    )
