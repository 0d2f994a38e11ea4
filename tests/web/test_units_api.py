"""Units found in the field (issue 20 point 1): PUT /api/v1/units/{uuid}, the held first visit, approve/merge/reject.

The phone records offline, so the API is idempotent like visits: the identical body
again answers 200 with the same receipt, the same uuid with another body 409 and
nothing changes. A visit walked against the proposed unit is held until the street
office decides, then received as a visit of the premises.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from fieldapp import audit, hazard_major, quarterly, units
from fieldapp.clock import utcnow
from fieldapp.extensions import db
from fieldapp.models import (
    AuditEvent,
    Enterprise,
    Hazard,
    Street,
    UnitProposal,
    UnitVisit,
    User,
    Visit,
)

from .. import images
from ..clock import NOW, VISIT_FINISHED, local_iso
from ..factories import credit_code, make_enterprise, visit_body

LAT, LNG = 24.9087, 118.5861


@pytest.fixture
def bearer(client, world):
    def _bearer(username: str) -> dict:
        token = client.post(
            "/api/v1/auth/token", json={"username": username, "password": "password123"}
        ).json["token"]
        return {"Authorization": f"Bearer {token}"}

    return _bearer


def unit_body(**overrides) -> dict:
    body = {
        "name": "甲街道新开小吃店",
        "credit_code": None,
        "no_licence": True,
        "venue_type": "catering",
        "industry": "餐饮",
        "size_class": "small_micro",
        "address": "甲街道新华路 12 号",
        "grid": None,
        "location": {"lat": LAT, "lng": LNG, "accuracy_m": 8.0},
        "photos": [],
        "note": "刚开业，未见营业执照",
        "found_at": local_iso(VISIT_FINISHED - timedelta(minutes=40)),
    }
    body.update(overrides)
    return body


def put_unit(client, headers, body=None, unit_uuid=None):
    unit_uuid = unit_uuid or str(uuid.uuid4())
    return unit_uuid, client.put(
        f"/api/v1/units/{unit_uuid}", json=body or unit_body(), headers=headers
    )


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


# --- the API ---------------------------------------------------------------------------------


def test_a_unit_is_stored_once_and_a_replay_gets_the_same_receipt(client, app, world, bearer):
    inspector = bearer("inspector_a1")
    uid, first = put_unit(client, inspector)
    assert first.status_code == 201
    assert (
        first.json["uuid"] == uid
        and first.json["status"] == "proposed"
        and first.json["enterprise_id"] is None
    )
    again = client.put(f"/api/v1/units/{uid}", json=unit_body(), headers=inspector)
    assert again.status_code == 200 and again.json == first.json
    assert client.get(f"/api/v1/units/{uid}", headers=inspector).json == first.json
    with app.app_context():
        p = db.session.get(UnitProposal, uid)
        assert p.grid_id == world.grids["a1"] and p.street_id == world.streets["A"] and p.no_licence
        assert db.session.scalar(select(func.count()).select_from(UnitProposal)) == 1
        events = audit.events_for("unit", uid)
        assert [e.action for e in events] == ["unit_proposed"] and events[0].enterprise_id is None
        # Not in the register, nor in any count, until approved.
        assert db.session.scalar(select(func.count()).select_from(Enterprise)) == 4


def test_the_same_uuid_with_another_body_is_409_and_changes_nothing(client, app, world, bearer):
    inspector = bearer("inspector_a1")
    uid, _ = put_unit(client, inspector)
    other = client.put(f"/api/v1/units/{uid}", json=unit_body(name="另一家店"), headers=inspector)
    assert other.status_code == 409 and "不同的内容" in other.json["error"]
    # Another inspector's submission under the same uuid says nothing about it.
    theirs = client.put(f"/api/v1/units/{uid}", json=unit_body(), headers=bearer("inspector_b1"))
    assert theirs.status_code == 409 and theirs.json["error"] == "该单位编号已被使用。"
    with app.app_context():
        assert db.session.get(UnitProposal, uid).name == "甲街道新开小吃店"


@pytest.mark.parametrize(
    "overrides,status,words",
    [
        ({"credit_code": credit_code(990), "no_licence": True}, 422, "须且只须填一个"),
        ({"credit_code": None, "no_licence": False}, 422, "须且只须填一个"),
        ({"credit_code": credit_code(991)[:17] + "0", "no_licence": False}, 422, "校验位"),
        ({"grid": "SB-01"}, 422, "不是您负责的网格"),
        ({"industry": "航天"}, 422, "industry"),
        ({"found_at": local_iso(NOW + timedelta(hours=2))}, 422, "晚于服务器时间"),
        ({"photos": ["not-a-sha"]}, 422, "SHA-256"),
        ({"name": ""}, 422, "name"),
        ({"extra": 1}, 400, "extra"),
    ],
)
def test_bad_units_are_refused_in_chinese(client, world, bearer, overrides, status, words):
    _, resp = put_unit(client, bearer("inspector_a1"), unit_body(**overrides))
    assert resp.status_code == status, resp.json
    assert words in resp.json["error"] + " ".join(resp.json.get("errors", []))


def test_an_inspector_with_several_grids_names_the_grid(app, client, world, bearer):
    with app.app_context():
        from fieldapp.models import Grid

        u = user("inspector_a1")
        u.grids = [db.session.get(Grid, world.grids["a1"]), db.session.get(Grid, world.grids["a2"])]
        db.session.commit()
    inspector = bearer("inspector_a1")
    assert put_unit(client, inspector)[1].status_code == 422
    uid, resp = put_unit(client, inspector, unit_body(grid="SA-02"))
    assert resp.status_code == 201
    with app.app_context():
        assert db.session.get(UnitProposal, uid).grid_id == world.grids["a2"]


@pytest.mark.parametrize(
    "username,status",
    [("dept_catering", 403), ("owner_a1", 403), ("street_a", 201), ("district", 422)],
)
def test_who_may_record_a_unit(client, world, bearer, username, status):
    # The district has no street of its own: it names the grid.
    assert put_unit(client, bearer(username))[1].status_code == status


def test_anonymous_is_401(client, world):
    assert client.put(f"/api/v1/units/{uuid.uuid4()}", json=unit_body()).status_code == 401


def test_the_unit_operation_is_in_the_openapi_document(client):
    doc = client.get("/api/v1/openapi.json").json
    put = doc["paths"]["/units/{uuid}"]["put"]
    assert set(put["responses"]) >= {"200", "201", "400", "401", "403", "409", "422"}
    assert (
        put["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        == "#/components/schemas/UnitIn"
    )
    schema = doc["components"]["schemas"]["UnitIn"]
    assert {
        "name",
        "credit_code",
        "no_licence",
        "venue_type",
        "industry",
        "address",
        "location",
        "photos",
        "note",
        "found_at",
    } <= set(schema["properties"]) and schema["additionalProperties"] is False
    assert "unit" in doc["components"]["schemas"]["VisitIn"]["properties"]
    assert "get" in doc["paths"]["/units/{uuid}"]


def test_real_unit_answers_validate_against_the_document(client, world, bearer):
    from jsonschema import Draft202012Validator

    doc = client.get("/api/v1/openapi.json").json
    inspector = bearer("inspector_a1")
    uid, first = put_unit(client, inspector)
    for resp, method in (
        (first, "put"),
        (client.put(f"/api/v1/units/{uid}", json=unit_body(), headers=inspector), "put"),
        (client.get(f"/api/v1/units/{uid}", headers=inspector), "get"),
        (client.put(f"/api/v1/units/{uid}", json=unit_body(name="x"), headers=inspector), "put"),
    ):
        entry = doc["paths"]["/units/{uuid}"][method]["responses"][str(resp.status_code)]
        schema = {**entry["content"]["application/json"]["schema"], "components": doc["components"]}
        Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER).validate(
            resp.json
        )


def test_a_unit_is_seen_by_its_street_office_and_not_by_the_other(client, world, bearer):
    uid, _ = put_unit(client, bearer("inspector_a1"))
    assert client.get(f"/api/v1/units/{uid}", headers=bearer("street_a")).status_code == 200
    assert client.get(f"/api/v1/units/{uid}", headers=bearer("street_b")).status_code == 404
    assert client.get(f"/api/v1/units/{uid}", headers=bearer("inspector_b1")).status_code == 404


# --- the first visit, before approval ------------------------------------------------------------


def unit_visit(unit_uuid: str, **overrides) -> dict:
    # Photos of the failed items: referenced now, uploaded later (the receipt lists them missing).
    body = visit_body(0, photos={"extinguishers": ["a" * 64], "gas_alarm": ["b" * 64]}, **overrides)
    body.pop("enterprise_id")
    body["unit"] = unit_uuid
    return body


def test_a_visit_to_a_proposed_unit_is_held_then_received_when_approved(app, client, world, bearer):
    inspector = bearer("inspector_a1")
    shot = images.jpeg(seed=21)
    client.put(
        f"/api/v1/photos/{images.sha(shot)}",
        data=shot,
        headers={**inspector, "Content-Type": "image/jpeg"},
    )
    uid, _ = put_unit(client, inspector, unit_body(photos=[images.sha(shot)]))
    vid = str(uuid.uuid4())
    body = unit_visit(uid)
    body["answers"][2]["hazard"]["level"] = "major"  # the inspector proposes 重大
    held = client.put(f"/api/v1/visits/{vid}", json=body, headers=inspector)
    assert held.status_code == 201, held.json
    assert (
        held.json["status"] == "held"
        and held.json["unit"] == uid
        and len(held.json["hazards"]) == 2
    )
    assert client.put(f"/api/v1/visits/{vid}", json=body, headers=inspector).json == held.json
    assert client.get(f"/api/v1/units/{uid}", headers=inspector).json["visits"] == [vid]
    with app.app_context():
        assert db.session.get(Visit, vid) is None  # held, not a visit of any premises yet
        street = user("street_a")
        p = db.session.get(UnitProposal, uid)
        approved_at = utcnow()
        ent = units.approve(
            uid,
            {**units.form_values(p), "size_class": "small_micro", "principal_name": "陈老板"},
            actor=street,
            version=p.version,
            now=approved_at,
        )
        db.session.commit()
        ent_id = ent.id
        assert (
            ent.created_at == approved_at
            and ent.new_business
            and not ent.trade
            and ent.credit_code is None
        )
        assert ent.market_categories == ["新办企业", "小微企业", "九小场所"]
        visit = db.session.get(Visit, vid)
        assert visit.enterprise_id == ent_id and visit.inspector_id == world.users["inspector_a1"]
        held_row = db.session.get(UnitVisit, vid)
        assert (
            visit.received_at == held_row.received_at
        )  # received when it first reached the server
        found = db.session.scalars(select(Hazard).where(Hazard.visit_uuid == vid)).all()
        assert {h.uuid for h in found} == set(held.json["hazards"])
        major = next(h for h in found if h.level == "major")
        assert hazard_major.pending(major) and major.owner == "陈老板"
        actions = [e.action for e in audit.events_for("unit", uid)]
        assert actions == ["unit_proposed", "unit_approved"]
        assert audit.payload(audit.events_for("unit", uid)[1])["visits"] == [vid]
        assert audit.verify().ok
    replay = client.put(f"/api/v1/visits/{vid}", json=body, headers=inspector)
    assert (
        replay.status_code == 200
        and replay.json["status"] == "attached"
        and replay.json["enterprise_id"] == ent_id
    )
    assert (
        replay.json["received_at"] == held.json["received_at"]
        and replay.json["hazards"] == held.json["hazards"]
    )
    assert client.get(f"/api/v1/units/{uid}", headers=inspector).json["status"] == "approved"
    # The front photo is now the premises' photo.
    assert (
        client.get(f"/photos/{images.sha(shot)}/thumb.jpg", headers=bearer("street_a")).status_code
        == 200
    )


def test_the_phone_asks_after_its_units_and_held_visits_and_hears_the_decision(
    app, client, world, bearer
):
    """POST /api/v1/held: a held visit is held (not "lost", which would send it again), and a unit carries its status."""
    inspector = bearer("inspector_a1")
    uid, _ = put_unit(client, inspector)
    vid = str(uuid.uuid4())
    assert (
        client.put(f"/api/v1/visits/{vid}", json=unit_visit(uid), headers=inspector).status_code
        == 201
    )
    asked = {"visits": [vid], "units": [uid]}
    before = client.post("/api/v1/held", json=asked, headers=inspector)
    assert before.status_code == 200, before.json
    assert (
        before.json["visits"][vid]["status"] == "held" and before.json["visits"][vid]["unit"] == uid
    )
    assert before.json["units"][uid]["status"] == "proposed" and before.json["units"][uid][
        "visits"
    ] == [vid]
    with app.app_context():
        p = db.session.get(UnitProposal, uid)
        ent = units.approve(
            uid,
            {**units.form_values(p), "size_class": "small_micro"},
            actor=user("street_a"),
            version=p.version,
            now=utcnow(),
        )
        db.session.commit()
        ent_id = ent.id
    after = client.post("/api/v1/held", json=asked, headers=inspector).json
    assert (after["units"][uid]["status"], after["units"][uid]["enterprise_id"]) == (
        "approved",
        ent_id,
    )
    assert (after["visits"][vid]["status"], after["visits"][vid]["enterprise_id"]) == (
        "attached",
        ent_id,
    )
    # Another inspector's phone learns nothing of them.
    other = client.post("/api/v1/held", json=asked, headers=bearer("inspector_b1")).json
    assert other["units"] == {uid: None} and other["visits"] == {vid: None}


def test_a_visit_before_its_unit_is_409_and_the_phone_keeps_it(client, world, bearer):
    inspector = bearer("inspector_a1")
    uid = str(uuid.uuid4())
    early = client.put(f"/api/v1/visits/{uuid.uuid4()}", json=unit_visit(uid), headers=inspector)
    assert early.status_code == 409 and "尚未同步" in early.json["error"]


def test_a_held_visit_is_checked_when_it_arrives(client, world, bearer):
    inspector = bearer("inspector_a1")
    uid, _ = put_unit(client, inspector)
    body = unit_visit(uid)
    body["checklists"] = [{"id": "general", "version": 99}]
    bad = client.put(f"/api/v1/visits/{uuid.uuid4()}", json=body, headers=inspector)
    assert bad.status_code == 422 and any("未知的检查清单版本" in e for e in bad.json["errors"])
    both = unit_visit(uid)
    both["enterprise_id"] = world.ents["a1"]
    assert (
        client.put(f"/api/v1/visits/{uuid.uuid4()}", json=both, headers=inspector).status_code
        == 422
    )


def test_a_visit_after_approval_is_received_at_once(app, client, world, bearer):
    inspector = bearer("inspector_a1")
    uid, _ = put_unit(client, inspector)
    with app.app_context():
        p = db.session.get(UnitProposal, uid)
        ent = units.approve(
            uid,
            {**units.form_values(p), "size_class": "small_micro"},
            actor=user("street_a"),
            version=p.version,
            now=utcnow(),
        )
        db.session.commit()
        ent_id = ent.id
    vid = str(uuid.uuid4())
    resp = client.put(f"/api/v1/visits/{vid}", json=unit_visit(uid), headers=inspector)
    assert (
        resp.status_code == 201
        and resp.json["status"] == "attached"
        and resp.json["enterprise_id"] == ent_id
    )
    with app.app_context():
        assert db.session.get(Visit, vid).enterprise_id == ent_id


# --- the office decides ----------------------------------------------------------------------------


def test_duplicates_are_found_by_credit_code_and_by_a_similar_name_within_50_m(
    app, client, world, bearer
):
    with app.app_context():
        sa = db.session.get(Street, world.streets["A"])
        same_code = make_enterprise(sa, name="鲤城区老王餐饮有限公司", credit_code=credit_code(501))
        near = make_enterprise(
            sa, name="老王小吃店", lat=LAT + 0.0002, lng=LNG, credit_code=None
        )  # ~22 m
        far = make_enterprise(
            sa, name="老王小吃店（分店）", lat=LAT + 0.0008, lng=LNG, credit_code=None
        )  # ~89 m
        other = make_enterprise(
            sa, name="新华五金店", lat=LAT + 0.0001, lng=LNG, credit_code=None
        )  # near, unlike
        db.session.commit()
        ids = {"code": same_code.id, "near": near.id, "far": far.id, "other": other.id}
    uid, _ = put_unit(
        client,
        bearer("inspector_a1"),
        unit_body(name="老王小吃", credit_code=credit_code(501), no_licence=False),
    )
    with app.app_context():
        found = {
            c.enterprise.id: c.reasons for c in units.candidates(db.session.get(UnitProposal, uid))
        }
    assert set(found) == {ids["code"], ids["near"]}
    assert (
        found[ids["code"]] == ["统一社会信用代码相同"] and "相距约 22 米" in found[ids["near"]][0]
    )
    page = client.get(f"/units/{uid}", headers=bearer("street_a")).get_data(as_text=True)
    assert f'id="candidate-{ids["code"]}"' in page and f'id="candidate-{ids["near"]}"' in page
    assert f'id="candidate-{ids["far"]}"' not in page


def test_merging_attaches_the_visit_to_the_registered_unit_and_fills_its_blanks(
    app, client, world, bearer
):
    inspector = bearer("inspector_a1")
    with app.app_context():
        target = db.session.get(Enterprise, world.ents["a1"])
        target.lat = target.lng = None
        db.session.commit()
    uid, _ = put_unit(client, inspector, unit_body(name="甲一小吃店"))
    vid = str(uuid.uuid4())
    assert (
        client.put(f"/api/v1/visits/{vid}", json=unit_visit(uid), headers=inspector).status_code
        == 201
    )
    with app.app_context():
        p = db.session.get(UnitProposal, uid)
        units.merge(
            uid,
            world.ents["a1"],
            actor=user("street_a"),
            version=p.version,
            now=utcnow(),
            note="即甲一小吃店",
        )
        db.session.commit()
        assert db.session.get(Visit, vid).enterprise_id == world.ents["a1"]
        merged = db.session.get(Enterprise, world.ents["a1"])
        assert (merged.lat, merged.lng) == (LAT, LNG)
        assert db.session.scalar(select(func.count()).select_from(Enterprise)) == 4
        event = audit.events_for("unit", uid)[-1]
        assert event.action == "unit_merged" and audit.payload(event)["filled"] == ["lat", "lng"]
    assert (
        client.get(f"/api/v1/units/{uid}", headers=inspector).json["enterprise_id"]
        == world.ents["a1"]
    )


def test_a_rejected_unit_keeps_its_visit_on_file_with_the_reason(app, client, world, bearer):
    inspector = bearer("inspector_a1")
    uid, _ = put_unit(client, inspector)
    vid = str(uuid.uuid4())
    client.put(f"/api/v1/visits/{vid}", json=unit_visit(uid), headers=inspector)
    with app.app_context():
        p = db.session.get(UnitProposal, uid)
        with pytest.raises(units.UnitError) as info:
            units.reject(uid, reason=" ", actor=user("street_a"), version=p.version, now=utcnow())
        assert info.value.status == 422
        units.reject(
            uid,
            reason="该处为居民住宅，非经营场所",
            actor=user("street_a"),
            version=p.version,
            now=utcnow(),
        )
        db.session.commit()
        assert (
            db.session.get(UnitVisit, vid).status == "unit_rejected"
            and db.session.get(Visit, vid) is None
        )
    receipt = client.get(f"/api/v1/units/{uid}", headers=inspector).json
    assert receipt["status"] == "rejected" and receipt["reason"] == "该处为居民住宅，非经营场所"
    later = client.put(f"/api/v1/visits/{uuid.uuid4()}", json=unit_visit(uid), headers=inspector)
    assert later.status_code == 201 and later.json["status"] == "unit_rejected"


def test_two_offices_deciding_at_once_one_wins(app, client, world, bearer):
    uid, _ = put_unit(client, bearer("inspector_a1"))
    with app.app_context():
        p = db.session.get(UnitProposal, uid)
        version = p.version
        units.reject(uid, reason="重复登记", actor=user("district"), version=version, now=utcnow())
        db.session.commit()
        with pytest.raises(units.UnitError) as info:
            units.approve(
                uid,
                {**units.form_values(p), "size_class": "small_micro"},
                actor=user("street_a"),
                version=version,
                now=utcnow(),
            )
        assert info.value.status == 409
        db.session.rollback()


def test_an_approved_unit_counts_in_the_base_from_its_approval(app, client, world, bearer):
    """企业基数 of annex 4 counts the unit from the day it is approved, not from when it was found or received."""
    uid, _ = put_unit(client, bearer("inspector_a1"))  # found and received this quarter
    local = NOW.astimezone(quarterly.LOCAL_TZ)
    this_q = quarterly.period(local.year, (local.month - 1) // 3 + 1)
    next_q = quarterly.period(this_q.year + (this_q.quarter == 4), this_q.quarter % 4 + 1)
    with app.app_context():
        p = db.session.get(UnitProposal, uid)
        units.approve(
            uid,
            {**units.form_values(p), "size_class": "small_micro"},
            actor=user("street_a"),
            version=p.version,
            now=next_q.start + timedelta(days=1),
        )  # approved next quarter
        db.session.commit()
        unit = quarterly.street_unit(db.session.get(Street, world.streets["A"]))
        # Street A's two premises of the world, then those two and the approved unit.
        assert quarterly.for_unit(4, unit, this_q).rows[0].values["base_total"] == 2
        assert quarterly.for_unit(4, unit, next_q).rows[0].values["base_total"] == 3


# --- pages per role ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "username,status",
    [
        ("street_a", 200),
        ("district", 200),
        ("street_b", 404),
        ("inspector_a1", 403),
        ("dept_catering", 403),
        ("owner_a1", 403),
    ],
)
def test_the_review_page_per_role(client, world, bearer, login, username, status):
    uid, _ = put_unit(client, bearer("inspector_a1"))
    assert login(username).get(f"/units/{uid}").status_code == status


@pytest.mark.parametrize(
    "username,status",
    [("street_a", 200), ("district", 200), ("inspector_a1", 403), ("dept_catering", 403)],
)
def test_the_review_list_per_role(client, world, login, username, status):
    assert login(username).get("/units").status_code == status


def test_the_office_approves_from_the_page_with_the_four_categories(
    app, client, world, bearer, login
):
    uid, _ = put_unit(client, bearer("inspector_a1"))
    street = login("street_a")
    page = street.get(f"/units/{uid}").get_data(as_text=True)
    assert "审核通过，入册" in page and 'name="new_business" value="1" checked' in page
    with app.app_context():
        form = units.form_values(db.session.get(UnitProposal, uid))
    form.update(size_class="", trade="1", version="1")
    refused = street.post(
        f"/units/{uid}/approve", data={k: v for k, v in form.items() if v not in (None, False)}
    )
    assert refused.status_code == 422 and "请选择企业规模" in refused.get_data(as_text=True)
    form.update(size_class="small_micro", new_business="1")
    done = street.post(
        f"/units/{uid}/approve", data={k: v for k, v in form.items() if v not in (None, False)}
    )
    assert done.status_code == 303
    detail = street.get(done.headers["Location"]).get_data(as_text=True)
    assert '<dd id="four-categories">新办企业、商贸企业、小微企业、九小场所</dd>' in detail
    again = street.post(f"/units/{uid}/reject", data={"reason": "x", "version": "1"})
    assert again.status_code == 409


def test_street_b_cannot_decide_street_a_units(client, world, bearer, login):
    uid, _ = put_unit(client, bearer("inspector_a1"))
    assert (
        login("street_b")
        .post(f"/units/{uid}/reject", data={"reason": "x", "version": "1"})
        .status_code
        == 404
    )
    assert (
        login("inspector_a1")
        .post(f"/units/{uid}/reject", data={"reason": "x", "version": "1"})
        .status_code
        == 403
    )


def test_audit_chain_holds_every_unit_event(app, client, world, bearer):
    uid, _ = put_unit(client, bearer("inspector_a1"))
    with app.app_context():
        p = db.session.get(UnitProposal, uid)
        units.reject(uid, reason="已注销", actor=user("street_a"), version=p.version, now=utcnow())
        db.session.commit()
        assert [
            e.action
            for e in db.session.scalars(select(AuditEvent).where(AuditEvent.object_id == uid))
        ] == ["unit_proposed", "unit_rejected"]
        assert audit.verify().ok


def test_a_front_photo_known_only_by_its_hash_is_not_cited(app, client, world, bearer):
    """Another inspector's photo, named by its hash, does not become this unit's evidence (fieldapp.photos.citable)."""
    theirs = images.jpeg(seed=31)
    client.put(
        f"/api/v1/photos/{images.sha(theirs)}",
        data=theirs,
        headers={**bearer("inspector_b1"), "Content-Type": "image/jpeg"},
    )
    mine = "e" * 64  # not uploaded yet: it follows from the phone
    uid, resp = put_unit(
        client, bearer("inspector_a1"), unit_body(photos=[images.sha(theirs), mine])
    )
    assert resp.status_code == 201 and resp.json["missing_photos"] == [mine]
    with app.app_context():
        assert db.session.get(UnitProposal, uid).photos == [mine]
