"""Issue 20's office pages per role: enforcement records and attachments, cases, major hazards, 督导帮扶, 包保."""

from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import select

from fieldapp import audit, supervision
from fieldapp.clock import utcnow
from fieldapp.extensions import db
from fieldapp.models import (
    Attachment,
    CadreAssignment,
    EnforcementCase,
    EnforcementRecord,
    Hazard,
    HazardPlan,
    Visit,
    VisitTeam,
)

from .. import documents
from ..clock import TODAY
from ..factories import make_hazard, visit_body
from ..unit.test_hazards import PLAN


@pytest.fixture
def bearer(client, world):
    def _bearer(username: str) -> dict:
        token = client.post(
            "/api/v1/auth/token", json={"username": username, "password": "password123"}
        ).json["token"]
        return {"Authorization": f"Bearer {token}"}

    return _bearer


def record_form(world, **kw) -> dict:
    form = {
        "enterprise_id": str(world.ents["a1"]),
        "kind": "penalty",
        "doc_number": "泉鲤应急罚〔2025〕7号",
        "decided_on": TODAY.isoformat(),
        "measures": ["fine"],
        "fine_wan": "1.50",
        "uuid": str(uuid.uuid4()),
    }
    form.update(kw)
    return form


# --- enforcement records ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "username,status",
    [
        ("street_a", 200),
        ("district", 200),
        ("dept_catering", 200),
        ("inspector_a1", 403),
        ("owner_a1", 403),
    ],
)
def test_the_enforcement_pages_per_role(world, login, username, status):
    client = login(username)
    assert client.get("/enforcement").status_code == status
    assert client.get("/enforcement/cases").status_code == status
    assert client.get(f"/enforcement/new?enterprise={world.ents['a1']}").status_code == status


def test_a_record_is_filed_with_a_document_and_read_in_scope_only(app, world, login):
    import io

    street = login("street_a")
    pdf = documents.pdf()
    resp = street.post(
        "/enforcement",
        data={
            **record_form(world, dual_penalty="1", person_name="陈某", person_fine_wan="0.20"),
            "attachment": (io.BytesIO(pdf), "处罚决定书.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert resp.status_code == 303, resp.get_data(as_text=True)
    page = street.get(resp.headers["Location"]).get_data(as_text=True)
    assert (
        "行政处罚：罚款 1.50 万元；一案双罚：陈某 罚款 0.20 万元" in page
        and "处罚决定书.pdf" in page
    )
    link = re.search(r'href="(/enforcement/attachments/[0-9a-f]{64})"', page).group(1)
    download = street.get(link)
    assert download.status_code == 200 and download.data == pdf
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert login("street_b").get(link).status_code == 404
    assert login("street_b").get(resp.headers["Location"]).status_code == 404
    assert login("dept_catering").get(link).status_code == 200  # 餐饮: the premises' industry
    detail = street.get(f"/enterprises/{world.ents['a1']}").get_data(as_text=True)
    assert 'id="enforcement-records"' in detail and "泉鲤应急罚〔2025〕7号" in detail


def test_a_program_is_not_a_document_and_nothing_is_stored(app, world, login):
    import io

    resp = login("street_a").post(
        "/enforcement",
        data={
            **record_form(world),
            "attachment": (io.BytesIO(b"MZ\x90\x00" + b"\x00" * 200), "决定书.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert resp.status_code == 415 and "可执行程序" in resp.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(EnforcementRecord.uuid)) is None
        assert db.session.scalar(select(Attachment.sha256)) is None


def test_a_bad_record_is_shown_again_with_every_problem(world, login):
    resp = login("street_a").post(
        "/enforcement", data=record_form(world, fine_wan="1.234", doc_number="")
    )
    text = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "请填写决定书（文书）编号" in text and "最多两位小数" in text
    assert 'value="1.234"' in text  # nothing typed is lost


def test_another_streets_premises_is_404(world, login):
    client = login("street_b")
    assert client.get(f"/enforcement/new?enterprise={world.ents['a1']}").status_code == 404
    assert client.post("/enforcement", data=record_form(world)).status_code == 404


def test_a_referral_becomes_a_case_closed_from_its_page(app, world, login):
    with app.app_context():
        h = make_hazard(world.ents["a1"], item_text="消防通道堵塞")
        db.session.commit()
        hid = h.uuid
    street = login("street_a")
    assert (
        street.post(
            f"/hazards/{hid}/act", data={"action": "refer", "version": "1", "note": "拒不整改"}
        ).status_code
        == 303
    )
    listing = street.get("/enforcement/cases").get_data(as_text=True)
    with app.app_context():
        case = db.session.scalar(select(EnforcementCase))
        cid = case.uuid
    assert f'id="case-{cid}"' in listing and "待处理" in listing
    assert login("street_b").get(f"/enforcement/cases/{cid}").status_code == 404
    page = street.get(f"/enforcement/cases/{cid}").get_data(as_text=True)
    assert f"/enforcement/new?enterprise={world.ents['a1']}&amp;case={cid}" in page
    new = street.get(f"/enforcement/new?enterprise={world.ents['a1']}&case={cid}").get_data(
        as_text=True
    )
    assert f'value="{hid}" checked' in new
    assert street.post(f"/enforcement/cases/{cid}/close", data={"outcome": ""}).status_code == 422
    assert (
        street.post(
            f"/enforcement/cases/{cid}/close", data={"outcome": "已整改，不予处罚"}
        ).status_code
        == 303
    )
    with app.app_context():
        assert db.session.get(EnforcementCase, cid).status == "closed"


# --- major hazards on their pages -------------------------------------------------------------


@pytest.mark.parametrize(
    "username,status",
    [
        ("street_a", 200),
        ("district", 200),
        ("dept_catering", 200),
        ("inspector_a1", 403),
        ("owner_a1", 403),
    ],
)
def test_the_major_hazards_page_per_role(app, world, login, username, status):
    with app.app_context():
        make_hazard(world.ents["a1"], level="major", item_text="液化石油气钢瓶存放于地下室")
        db.session.commit()
    resp = login(username).get("/majors")
    assert resp.status_code == status
    if status == 200:
        assert '<strong id="pending-count">1</strong>' in resp.get_data(as_text=True)


def test_the_enterprise_submits_its_plan_and_the_office_accepts_it_on_the_hazard_page(
    app, world, login
):
    with app.app_context():
        h = make_hazard(world.ents["a1"], level="major", item_text="燃气管道老化")
        db.session.commit()
        hid = h.uuid
    owner = login("owner_a1")
    page = owner.get(f"/hazards/{hid}").get_data(as_text=True)
    assert "待确认重大隐患" in page and 'name="emergency_plan"' in page
    short = owner.post(
        f"/hazards/{hid}/act",
        data={"action": "submit_plan", "version": "1", **{**PLAN, "funds": ""}},
    )
    assert short.status_code == 422 and "请填写经费物资" in short.get_data(as_text=True)
    done = owner.post(f"/hazards/{hid}/act", data={"action": "submit_plan", "version": "1", **PLAN})
    assert done.status_code == 303
    street = login("street_a")
    shown = street.get(f"/hazards/{hid}").get_data(as_text=True)
    assert PLAN["emergency_plan"] in shown and "待审查" in shown
    assert (
        street.post(
            f"/hazards/{hid}/act", data={"action": "accept_plan", "version": "2"}
        ).status_code
        == 303
    )
    with app.app_context():
        assert db.session.scalar(select(HazardPlan.status)) == "accepted"
        assert db.session.get(Hazard, hid).plan_status == "accepted"


def test_the_api_takes_the_major_steps(app, client, world, bearer):
    with app.app_context():
        h = make_hazard(world.ents["a1"], level="major", raised_by=world.users["inspector_a1"])
        db.session.commit()
        hid = h.uuid
    assert (
        client.get(f"/api/v1/hazards/{hid}", headers=bearer("street_a")).json["major_pending"]
        is True
    )
    ok = client.post(
        f"/api/v1/hazards/{hid}/events",
        json={"action": "confirm_major", "version": 1},
        headers=bearer("dept_catering"),
    )
    assert ok.status_code == 200 and ok.json["version"] == 2
    sup = client.post(
        f"/api/v1/hazards/{hid}/events",
        headers=bearer("dept_catering"),
        json={
            "action": "supervise",
            "version": 2,
            "supervision_level": "district",
            "supervisor": "区住建局 赵六",
        },
    )
    assert sup.status_code == 200
    plan = client.post(
        f"/api/v1/hazards/{hid}/events",
        json={"action": "submit_plan", "version": 3, "plan": PLAN},
        headers=bearer("owner_a1"),
    )
    assert plan.status_code == 200
    detail = client.get(f"/api/v1/hazards/{hid}", headers=bearer("street_a")).json
    assert (detail["major_pending"], detail["supervision_level"], detail["plan_status"]) == (
        False,
        "district",
        "submitted",
    )


# --- 督导帮扶 visits ------------------------------------------------------------------------------------


def test_a_supervision_team_visits_any_premises_of_its_street_counted_apart(
    app, client, world, bearer, login
):
    inspector = bearer("inspector_a1")  # grid SA-01 only; a2 is in SA-02 of the same street
    team = {"participants": ["街道安办 林某", "区应急局 黄某"], "experts": "市安全生产专家组 郑工"}
    routine = client.put(
        f"/api/v1/visits/{uuid.uuid4()}", json=visit_body(world.ents["a2"]), headers=inspector
    )
    assert routine.status_code == 404  # outside the inspector's grids for a routine visit
    vid = str(uuid.uuid4())
    body = visit_body(
        world.ents["a2"],
        photos={"extinguishers": ["c" * 64], "gas_alarm": ["d" * 64]},
        supervision=team,
    )
    resp = client.put(f"/api/v1/visits/{vid}", json=body, headers=inspector)
    assert resp.status_code == 201, resp.json
    other_street = client.put(
        f"/api/v1/visits/{uuid.uuid4()}",
        json={**body, "enterprise_id": world.ents["b1"]},
        headers=inspector,
    )
    assert other_street.status_code == 404
    client.put(
        f"/api/v1/visits/{uuid.uuid4()}",
        headers=inspector,
        json=visit_body(
            world.ents["a1"], photos={"extinguishers": ["e" * 64], "gas_alarm": ["f" * 64]}
        ),
    )
    with app.app_context():
        row = db.session.get(VisitTeam, vid)
        assert row.participants == team["participants"] and row.experts == team["experts"]
        assert (
            audit.payload(audit.events_for("visit", vid)[0])["supervision"]["experts"]
            == team["experts"]
        )
        counts = supervision.counts([world.streets["A"]], TODAY.replace(month=1, day=1), utcnow())
        assert counts[world.streets["A"]] == {"supervision": 1, "premises": 1, "routine": 1}
        assert db.session.scalar(select(Visit.uuid).where(supervision.routine_clause())) != vid
    page = login("street_a").get("/supervision").get_data(as_text=True)
    assert "市安全生产专家组 郑工" in page and "区应急局 黄某" in page
    assert login("inspector_a1").get("/supervision").status_code == 403


# --- 包保责任人 ----------------------------------------------------------------------------------------


def test_a_cadre_is_shown_on_the_premises_page_and_on_the_due_list(app, world, login):
    street = login("street_a")
    assert (
        street.post(
            "/cadres",
            data={"grid_id": str(world.grids["a1"]), "name": "吴某", "title": "街道办副主任"},
        ).status_code
        == 303
    )
    due = street.get("/inspect").get_data(as_text=True)
    assert "包保 吴某" in due
    page = street.get(f"/enterprises/{world.ents['a1']}").get_data(as_text=True)
    assert "吴某（街道办副主任）" in page and "所在网格的包保责任人" in page
    # A premises of its own: its cadre comes before the grid's.
    back = f"/enterprises/{world.ents['a1']}"
    assert (
        street.post(
            "/cadres", data={"enterprise_id": str(world.ents["a1"]), "name": "郭某", "back": back}
        ).status_code
        == 303
    )
    assert "郭某" in street.get(back).get_data(as_text=True) and "包保 郭某" in login(
        "inspector_a1"
    ).get("/inspect").get_data(as_text=True)
    with app.app_context():
        assert [
            c.name
            for c in db.session.scalars(
                select(CadreAssignment).where(CadreAssignment.ended_at.is_(None))
            )
        ] == ["吴某", "郭某"]
        assert audit.events_for("cadre", "1")[0].action == "cadre_assigned"


@pytest.mark.parametrize(
    "username,status",
    [("street_a", 200), ("district", 200), ("dept_catering", 403), ("inspector_a1", 403)],
)
def test_the_cadre_page_per_role(world, login, username, status):
    assert login(username).get("/cadres").status_code == status


def test_another_street_cannot_assign_or_relieve(app, world, login):
    assert (
        login("street_b")
        .post("/cadres", data={"grid_id": str(world.grids["a1"]), "name": "某"})
        .status_code
        == 404
    )
    login("street_a").post("/cadres", data={"grid_id": str(world.grids["a1"]), "name": "吴某"})
    assert login("street_b").post("/cadres/1/end").status_code == 404
    assert login("street_a").post("/cadres/1/end").status_code == 303


def test_pages_answer_without_a_5xx_for_every_role(app, world, login):
    with app.app_context():
        make_hazard(world.ents["a1"], level="major")
        db.session.commit()
    for username in ("district", "street_a", "dept_catering", "inspector_a1", "owner_a1"):
        client = login(username)
        for path in (
            "/units",
            "/enforcement",
            "/enforcement/cases",
            "/majors",
            "/supervision",
            "/cadres",
            f"/enterprises/{world.ents['a1']}",
            "/enforcement/new",
        ):
            assert client.get(path).status_code < 500, (username, path)


def test_the_figures_form_no_longer_takes_what_the_records_count(app, world, login):
    from ..web.test_quarterly_pages import P, Q

    street = login("street_a")
    with app.app_context():
        from fieldapp import settings
        from fieldapp.models import User

        settings.put(
            "enforcement_counting",
            {"records_from": f"{P.year}-01-01"},
            actor=db.session.get(User, world.users["district"]),
            now=utcnow(),
        )
        db.session.add(
            EnforcementRecord(
                uuid=str(uuid.uuid4()),
                kind="interview",
                enterprise_id=world.ents["a1"],
                doc_number="约谈〔1〕号",
                decided_on=P.start.date(),
                measures=[],
                attachments=[],
                filer_kind="street",
                filer_street_id=world.streets["A"],
                recorded_by=world.users["street_a"],
                recorded_at=utcnow(),
                void_reason="",
            )
        )
        db.session.commit()
    page = street.get(f"/quarterly/figures?{Q}").get_data(as_text=True)
    assert 'id="counted-note"' in page and re.search(
        r'name="7\.catering\.interviewed"[^>]*\sdisabled', page, re.S
    )
    refused = street.post(f"/quarterly/figures?{Q}", data={"7.catering.interviewed": "3"})
    assert refused.status_code == 422 and "由执法记录统计" in refused.get_data(as_text=True)
    assert (
        street.post(f"/quarterly/figures?{Q}", data={"7.catering.training_units": "3"}).status_code
        == 200
    )
    cell = street.get(f"/quarterly/cell?{Q}&annex=7&row=catering&col=interviewed").get_data(
        as_text=True
    )
    assert "该数字对应 1 条执法记录" in cell and "约谈〔1〕号" in cell


def test_annex7_counts_routine_inspections_and_leaves_supervision_visits_apart(
    app, client, world, bearer
):
    from fieldapp import quarterly

    from ..clock import VISIT_FINISHED

    inspector = bearer("inspector_a1")
    shots = {"photos": {"extinguishers": ["c" * 64], "gas_alarm": ["d" * 64]}}
    client.put(
        f"/api/v1/visits/{uuid.uuid4()}",
        json=visit_body(world.ents["a1"], **shots),
        headers=inspector,
    )
    team = {"participants": ["专家组"], "experts": "王工"}
    client.put(
        f"/api/v1/visits/{uuid.uuid4()}",
        json=visit_body(world.ents["a1"], supervision=team, **shots),
        headers=inspector,
    )
    local = VISIT_FINISHED.astimezone(quarterly.LOCAL_TZ)
    p = quarterly.period(local.year, (local.month - 1) // 3 + 1)
    with app.app_context():
        from fieldapp.models import Street

        unit = quarterly.street_unit(db.session.get(Street, world.streets["A"]))
        assert quarterly.for_unit(7, unit, p).row("catering").values["inspected"] == 1
