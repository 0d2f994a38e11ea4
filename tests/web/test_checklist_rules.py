"""Visits against the checklist rules of issues 17 and 18: editions by date, defects, combined fire judgement."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, select

from fieldapp import audit, checklist_versions, checklists, visits
from fieldapp.clock import LOCAL_TZ, utcnow
from fieldapp.extensions import db
from fieldapp.models import AuditEvent, ChecklistVersion, Hazard, User

from ..clock import local_iso
from ..factories import visit_body

EDITION = """id = "{id}"
version = 1
title = "重大火灾隐患直接判定（GB 35181-{year}）"
order = 15
edition = "GB 35181-{year}"
{validity}

[[sections]]
key = "direct"
title = "直接判定"

[[sections.items]]
key = "flammables_in_crowded"
text = "人员密集场所内不违规使用、储存、销售易燃易爆危险品"
defect = "人员密集场所内违规储存、销售易燃易爆危险品"
measure = "清出易燃易爆危险品。"
guidance = "看：店内。判：发现即不符合。"
category = "fire"
basis = "《消防法》第二十三条"
major = true
major_basis = "GB 35181-{year} 第6.8条"
deadline_days = 30
photo_required = false
"""
# Three more crowded-venue elements on the general list (the test data tags only two).
ELEMENTS = """
[[sections.items]]
key = "{key}"
text = "{text}"
defect = "{defect}"
measure = "{measure}"
guidance = "看：现场。判：不符合即记录。"
category = "fire"
basis = "《消防法》第二十八条"
fire_element = "{element}"
major = false
major_basis = ""
deadline_days = 7
photo_required = false
"""
EXTRA = [
    ("lights", "应急照明完好", "应急照明灯不亮", "更换应急照明灯。", "7.3.6"),
    ("gas_room", "燃气使用符合规定", "在地下室使用液化气", "搬出液化气钢瓶。", "7.9.3"),
    ("fitout", "不用可燃材料装修", "使用泡沫板装修", "拆除泡沫板。", "7.9.5"),
]


def install(app, *texts: str) -> None:
    """Start as if the test lists plus the given checklist files had been there from the first day."""
    extra = [checklists.parse(t, f"x{n}.toml") for n, t in enumerate(texts)]
    base = [c for c in app.extensions["checklists"].all if c.id not in {e.id for e in extra}]
    app.extensions["checklists"] = checklists.Registry(base + extra)
    with app.app_context():
        # Nothing was walked yet: forget what start-up pinned for the replaced files, pin these.
        db.session.execute(
            delete(ChecklistVersion).where(ChecklistVersion.checklist_id.in_([e.id for e in extra]))
        )
        checklist_versions.pin(base + extra, utcnow())


def general_with_elements(app) -> str:
    text = (Path(app.config["CHECKLISTS_DIR"]) / "general.toml").read_text(encoding="utf-8")
    return text + "".join(
        ELEMENTS.format(key=k, text=t, defect=d, measure=m, element=e) for k, t, d, m, e in EXTRA
    )


SHOTS = {
    "extinguishers": ["a" * 64],
    "gas_alarm": ["b" * 64],
}  # referenced only: the receipt lists them as missing


def actor(world):
    return db.session.get(User, world.users["inspector_a1"])


# --- the fire rules by edition in force --------------------------------------

BOUNDARY = [
    # visit day (local), edition answered, accepted?
    ("2025-10-31", "2017", True),
    ("2025-10-31", "2025", False),
    ("2025-11-01", "2025", True),
    ("2025-11-01", "2017", False),
]


@pytest.mark.parametrize("visit_day,year,accepted", BOUNDARY)
def test_a_visit_is_judged_by_the_fire_edition_in_force_on_its_day(
    app, ctx, world, visit_day, year, accepted
):
    install(
        app,
        EDITION.format(id="fire_2017", year="2017", validity="valid_until = 2025-10-31"),
        EDITION.format(id="fire_2025", year="2025", validity="valid_from = 2025-11-01"),
    )
    finished = datetime.fromisoformat(f"{visit_day}T10:00:00").replace(tzinfo=LOCAL_TZ)
    now = finished + timedelta(
        hours=2
    )  # the boundary is the subject: the test passes its own clock
    body = visit_body(world.ents["a1"], photos=SHOTS, finished=local_iso(finished))
    body["checklists"].append({"id": f"fire_{year}", "version": 1})
    body["answers"].append(
        {
            "checklist": f"fire_{year}",
            "item": "flammables_in_crowded",
            "result": "pass",
            "note": "",
            "photos": [],
            "hazard": None,
        }
    )
    if accepted:
        try:
            assert visits.receive(str(uuid.uuid4()), body, actor=actor(world), now=now).created
        except visits.VisitError as exc:
            pytest.fail(f"refused: {exc.errors}")
        return
    with pytest.raises(visits.VisitError) as info:
        visits.receive(str(uuid.uuid4()), body, actor=actor(world), now=now)
    assert info.value.status == 422
    assert any(f"GB 35181-{year}" in e and "不在其施行期内" in e for e in info.value.errors), (
        info.value.errors
    )


@pytest.mark.parametrize(
    "today,offered",
    [
        ("2025-10-10", {"fire_2017"}),
        ("2025-10-25", {"fire_2017", "fire_2025"}),
        ("2025-11-01", {"fire_2025"}),
    ],
)
def test_bootstrap_offers_the_editions_of_the_offline_window(app, ctx, world, today, offered):
    from fieldapp.bundle import offered as offered_lists

    install(
        app,
        EDITION.format(id="fire_2017", year="2017", validity="valid_until = 2025-10-31"),
        EDITION.format(id="fire_2025", year="2025", validity="valid_from = 2025-11-01"),
    )
    from fieldapp.models import Enterprise

    ent = db.session.get(Enterprise, world.ents["a1"])
    ids = {
        c.id
        for c in offered_lists(
            app.extensions["checklists"], ent, datetime.fromisoformat(today).date()
        )
    }
    assert ids - {"general", "catering"} == offered


def test_bootstrap_ships_defect_measure_flags_and_rules(app, world, login):
    install(app, EDITION.format(id="fire_2025", year="2025", validity="valid_from = 2025-11-01"))
    body = login("inspector_a1").get("/api/v1/bootstrap").json
    lists = {c["id"]: c for c in body["checklists"]}
    item = next(i for i in lists["general"]["items"] if i["key"] == "exits_clear")
    assert item["defect"] == "安全出口上锁或被杂物堵塞" and item["measure"].startswith("清走杂物")
    assert (
        item["needs_expert"] is False
        and item["unverified"] is False
        and item["fire_element"] == "7.3.3"
    )
    fire = lists["fire_2025"]
    assert (
        fire["edition"] == "GB 35181-2025"
        and fire["valid_from"] == "2025-11-01"
        and fire["valid_until"] is None
    )
    assert (
        fire["items"][0]["edition"] == "GB 35181-2025"
        and fire["items"][0]["valid_from"] == "2025-11-01"
    )
    premises = body["enterprises"][0]
    assert premises["checklist_items"]["general"] == [
        "exits_clear",
        "extinguishers",
        "no_ad_hoc_wiring",
    ]
    assert premises["fire_venue_kind"] == "crowded"
    assert [r["threshold"] for r in body["fire_judgement"]["rules"]] == [3, 3, 4, 6]


# --- hazards worded as defects -------------------------------------------


def test_the_hazard_takes_the_items_defect_and_measure_or_the_inspectors_edit(
    app, client, world, login
):
    body = visit_body(world.ents["a1"], photos=SHOTS)
    body["answers"][1]["hazard"]["defect"] = "后厨两具灭火器压力表指针在红区"
    inspector = login("inspector_a1")
    resp = inspector.put(f"/api/v1/visits/{uuid.uuid4()}", json=body)
    assert resp.status_code == 201, resp.json
    with app.app_context():
        by_item = {h.item_key: h for h in db.session.scalars(select(Hazard))}
        assert by_item["extinguishers"].defect == "后厨两具灭火器压力表指针在红区"  # edited on site
        assert (
            by_item["gas_alarm"].defect == "厨房未安装可燃气体报警器或报警器失效"
        )  # the item's defect
        assert (
            by_item["gas_alarm"].measure == "安装可燃气体报警器并定期测试。"
        )  # not "按检查要求整改：…"
        assert by_item["gas_alarm"].finding == by_item["gas_alarm"].defect


@pytest.mark.parametrize(
    "defect,status,message",
    [
        ("", 422, "defect 应为非空文字"),
        ("  ", 422, "defect 应为非空文字"),
        (7, 400, "answers[1].hazard.defect：应为文字"),  # the contract: not the shape asked for
        ("隐" * 201, 422, "answers[1].hazard.defect：不能超过 200 个字"),
    ],
)
def test_a_bad_defect_is_refused_in_chinese(world, login, defect, status, message):
    body = visit_body(world.ents["a1"], photos=SHOTS)
    body["answers"][1]["hazard"]["defect"] = defect
    inspector = login("inspector_a1")
    resp = inspector.put(f"/api/v1/visits/{uuid.uuid4()}", json=body)
    assert resp.status_code == status and any(message in e for e in resp.json["errors"]), resp.json


# --- combined judgement --------------------------------------------------


def failing_elements_body(world, **combined):
    """A visit to the catering premises a1 failing four tagged general items (three crowded-venue core elements)."""
    body = visit_body(world.ents["a1"], photos=SHOTS)
    body["answers"][0].update(result="fail", hazard=None, photos=["c" * 64])  # exits_clear: 7.3.3
    for key, *_ in EXTRA:
        body["answers"].append(
            {
                "checklist": "general",
                "item": key,
                "result": "fail",
                "note": "",
                "photos": [],
                "hazard": None,
            }
        )
    if combined:
        body["fire_combined"] = combined
    return body


def put(login, body):
    inspector = login("inspector_a1")
    return inspector.put(f"/api/v1/visits/{uuid.uuid4()}", json=body)


COMBINED = [
    # case, fire_combined, status, error expected, major combined hazard raised?
    ("no answer: stored, proposal recorded", None, 201, None, False),
    ("confirmed", {"decision": "confirm"}, 201, None, True),
    (
        "confirmed with edited wording and deadline",
        {"decision": "confirm", "hazard": {"deadline": "DEADLINE", "defect": "多项消防问题并存"}},
        201,
        None,
        True,
    ),
    (
        "declined with a reason",
        {"decision": "decline", "reason": "应急照明已当场修复，出口仅临时堆放"},
        201,
        None,
        False,
    ),
    (
        "declined without a reason",
        {"decision": "decline"},
        422,
        "须在 fire_combined.reason 中说明理由",
        False,
    ),
    (
        "unknown decision",
        {"decision": "maybe"},
        422,
        "fire_combined.decision：应为 confirm、decline 之一",
        False,
    ),
    (
        "unknown venue kind",
        {"decision": "confirm", "venue_kind": "stadium"},
        422,
        "fire_combined.venue_kind：应为",
        False,
    ),
    (
        "other premises need six elements",
        {"decision": "confirm", "venue_kind": "other"},
        422,
        "没有可确认的综合判定提议",
        False,
    ),
    (
        "hazard on a refusal",
        {"decision": "decline", "reason": "理由", "hazard": {}},
        422,
        "只有确认综合判定时",
        False,
    ),
    (
        "unknown field",
        {"decision": "confirm", "votes": 3},
        400,
        "fire_combined.votes：不是可接受的字段",
        False,
    ),
    ("not an object", "yes", 400, "fire_combined：应为对象", False),
]


@pytest.mark.parametrize(
    "case,combined,status,error,raised", COMBINED, ids=[c[0] for c in COMBINED]
)
def test_combined_judgement_table(app, world, login, case, combined, status, error, raised):
    install(app, general_with_elements(app))
    body = failing_elements_body(world)
    if combined is not None:
        if isinstance(combined, dict) and "hazard" in combined and "deadline" in combined["hazard"]:
            finished = datetime.fromisoformat(body["finished_at"]).date()
            combined = {
                **combined,
                "hazard": {
                    **combined["hazard"],
                    "deadline": (finished + timedelta(days=20)).isoformat(),
                },
            }
        body["fire_combined"] = combined
    resp = put(login, body)
    assert resp.status_code == status, resp.json
    if error:
        assert any(error in e for e in resp.json["errors"]), resp.json["errors"]
        return
    with app.app_context():
        combined_hz = db.session.scalars(
            select(Hazard).where(Hazard.item_key == "fire_combined")
        ).all()
        assert bool(combined_hz) == raised
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "visit_received"))
        recorded = audit.payload(event)["fire_combined"]
        assert (
            recorded["proposal"]["rule"].startswith("第5.3.2条a）")
            and recorded["venue_kind"] == "crowded"
        )
        assert {c["item"] for c in recorded["proposal"]["counted"]} == {
            "exits_clear",
            "lights",
            "gas_room",
        }
        assert recorded["decision"] == (combined or {}).get("decision")
        if raised:
            h = combined_hz[0]
            assert h.level == "major" and h.state == "open" and h.uuid in resp.json["hazards"]
            assert (
                "exits_clear" in h.description
                and "lights" in h.description
                and "gas_room" in h.description
            )
            expected_defect = (combined.get("hazard") or {}).get("defect")
            assert (
                h.defect == expected_defect
                if expected_defect
                else ("综合判定为重大火灾隐患" in h.defect and "应急照明灯不亮" in h.defect)
            )
        if combined and combined.get("decision") == "decline":
            assert recorded["reason"] == combined["reason"]


def test_a_confirmed_combined_hazard_is_idempotent_on_replay(app, world, login):
    install(app, general_with_elements(app))
    body = failing_elements_body(world, decision="confirm")
    inspector = login("inspector_a1")
    vid = str(uuid.uuid4())
    first = inspector.put(f"/api/v1/visits/{vid}", json=body)
    again = inspector.put(f"/api/v1/visits/{vid}", json=body)
    assert (first.status_code, again.status_code) == (201, 200) and first.json == again.json
    with app.app_context():
        assert (
            len(db.session.scalars(select(Hazard).where(Hazard.item_key == "fire_combined")).all())
            == 1
        )


def test_an_amendment_keeps_the_combined_hazard_its_visit_confirmed(app, world, login):
    """Correcting a visit that confirmed GB 35181's combined judgement re-sends its hazard's uuid: kept, not refused."""
    install(app, general_with_elements(app))
    hid = str(uuid.uuid4())
    body = failing_elements_body(world, decision="confirm", hazard={"uuid": hid})
    inspector = login("inspector_a1")
    vid = str(uuid.uuid4())
    assert inspector.put(f"/api/v1/visits/{vid}", json=body).status_code == 201
    fix = inspector.put(f"/api/v1/visits/{uuid.uuid4()}", json={**body, "amends": vid})
    assert fix.status_code == 201, fix.json
    with app.app_context():
        combined = db.session.scalars(
            select(Hazard).where(Hazard.item_key == "fire_combined")
        ).all()
        assert [(h.uuid, h.visit_uuid) for h in combined] == [(hid, vid)]
    # Another visit may not take that uuid over.
    other = inspector.put(f"/api/v1/visits/{uuid.uuid4()}", json=body)
    assert other.status_code == 409


# --- every place that names a hazard uses its defect -------------------------

DEFECT = "后厨两具灭火器压力表指针在红区"
LEGACY = "安全出口畅通（旧记录）"


@pytest.fixture
def worded(app, world, login):
    """A visit whose hazard carries an edited defect, and a hazard recorded before defects existed."""
    from fieldapp.models import Enterprise

    from ..factories import make_hazard

    body = visit_body(world.ents["a1"], photos=SHOTS)
    body["answers"][1]["hazard"].update(
        defect=DEFECT, level="major"
    )  # majors are listed on the dashboard
    vid = str(uuid.uuid4())
    assert login("inspector_a1").put(f"/api/v1/visits/{vid}", json=body).status_code == 201
    with app.app_context():
        legacy = make_hazard(
            world.ents["a1"], item_text=LEGACY, raised_by=world.users["inspector_a1"]
        ).uuid
        token = db.session.get(Enterprise, world.ents["a1"]).public_token
        hid = db.session.scalar(select(Hazard.uuid).where(Hazard.defect == DEFECT))
        db.session.commit()
    return {"visit": vid, "hazard": hid, "legacy": legacy, "token": token}


@pytest.mark.parametrize(
    "username,path",
    [
        ("inspector_a1", "/visits/{visit}/notice"),  # 整改通知书
        ("street_a", "/lists/inspection"),  # 三张清单
        ("street_a", "/lists/rectification"),
        ("street_a", "/hazards/{hazard}"),  # hazard page
        ("street_a", "/dashboard"),
        ("street_a", "/enterprises/{ent}"),
        ("street_a", "/enterprises/{ent}/archive"),  # 一企一档
        (None, "/q/{token}"),  # public placard page
    ],
)
def test_pages_name_the_hazard_by_its_defect(app, client, world, login, worded, username, path):
    url = path.format(ent=world.ents["a1"], **worded)
    with (login(username) if username else client).get(
        url
    ) as page:  # the archive streams: close it
        assert page.status_code == 200, url
        html = page.get_data(as_text=True)
    assert DEFECT in html, url
    if "archive" not in path:  # the archive's answer table rightly lists the items answered
        assert "灭火器压力正常、在有效期内" not in html, (
            url
        )  # the compliant-state item text never names a hazard
    if path not in (
        "/visits/{visit}/notice",
        "/hazards/{hazard}",
        "/lists/inspection",
        "/dashboard",
    ):
        assert LEGACY in html, url  # hazards recorded before defects fall back to their item text


def test_the_api_and_csv_lists_carry_the_defect(app, world, login, worded):
    client = login("street_a")
    item = client.get(f"/api/v1/hazards/{worded['hazard']}").json
    assert item["defect"] == DEFECT and item["item_text"] == "灭火器压力正常、在有效期内"
    assert client.get(f"/api/v1/hazards/{worded['legacy']}").json["defect"] == LEGACY
    csv = client.get("/lists/rectification?format=csv").get_data(as_text=True)
    assert DEFECT in csv


@pytest.mark.parametrize(
    "combined,shown",
    [
        (None, "网格员未作确认，请街道安办核实"),
        ({"decision": "confirm"}, "网格员已确认"),
        ({"decision": "decline", "reason": "出口堆物已当场清走"}, "不予认定：出口堆物已当场清走"),
    ],
)
def test_the_visit_page_shows_the_proposal_and_the_answer(app, world, login, combined, shown):
    install(app, general_with_elements(app))
    body = failing_elements_body(world, **(combined or {}))
    vid = str(uuid.uuid4())
    assert login("inspector_a1").put(f"/api/v1/visits/{vid}", json=body).status_code == 201
    html = login("street_a").get(f"/visits/{vid}").get_data(as_text=True)
    assert (
        'id="fire-combined"' in html
        and "第5.3.2条a）" in html
        and shown in html
        and "应急照明灯不亮（要素 7.3.6）" in html
    )
