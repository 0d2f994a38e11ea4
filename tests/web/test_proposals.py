"""Departments propose changes to their industry's checklists; the district accepts (a new version, used by new visits) or refuses."""

from __future__ import annotations

import hashlib
import shutil
import uuid

import pytest
from sqlalchemy import select

from fieldapp import create_app
from fieldapp.extensions import db
from fieldapp.models import AuditEvent, ChecklistProposal, ChecklistVersion, VisitChecklist

from ..clock import VISIT_FINISHED, VISIT_STARTED, local_iso
from ..conftest import REPO, Client, base_config
from ..factories import build_world, make_user

NEW_ITEM = {
    "action": "add",
    "key": "fire_blanket",
    "section": "gas",
    "text": "厨房配备灭火毯",
    "defect": "厨房未配备灭火毯",
    "measure": "在灶台旁配备灭火毯并培训使用。",
    "guidance": "看：灶台旁。判：没有即不符合。",
    "category": "fire",
    "basis": "《餐饮场所燃气安全管理规范》",
    "deadline_days": "3",
    "has_major": "1",
    "has_photo_required": "1",
    "photo_required": "on",
}
CHANGE = {
    "action": "change",
    "key": "gas_alarm",
    "text": "安装可燃气体报警器并与切断阀联动",
    "defect": "可燃气体报警器未与紧急切断阀联动",
    "measure": "加装紧急切断阀并与报警器联动，每月测试。",
    "guidance": "看：报警器与切断阀。判：未联动即不符合。",
    "basis": "GB 55009-2021",
    "deadline_days": "7",
    "category": "gas",
    "has_major": "1",
    "has_photo_required": "1",
    "photo_required": "on",
}


@pytest.fixture
def folder(tmp_path):
    """A writable copy of the test checklists: accepting and installing write the next version here."""
    target = tmp_path / "checklists"
    shutil.copytree(REPO / "tests" / "data" / "checklists", target)
    return target


def make_app(database_url: str, tmp_path, folder):
    app = create_app({**base_config(database_url, tmp_path), "CHECKLISTS_DIR": str(folder)})
    app.test_client_class = Client
    return app


@pytest.fixture
def papp(database, tmp_path, folder):
    url = database.fresh(tmp_path)
    app = make_app(url, tmp_path, folder)
    app.config["TEST_URL"] = url
    with app.app_context():
        w = build_world()
        make_user("dept_machinery", "department", industry="机械")
        db.session.commit()
    app.config["WORLD"] = w
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def signin(app, username: str) -> Client:
    client = app.test_client()
    assert client.login(username).status_code == 303
    return client


def draft(app, username="dept_catering", checklist="catering", changes=(CHANGE, NEW_ITEM)) -> int:
    client = signin(app, username)
    resp = client.post("/checklist-proposals", data={"checklist": checklist, "reason": ""})
    assert resp.status_code == 303, resp.get_data(as_text=True)
    pid = int(resp.headers["Location"].rsplit("/", 1)[1])
    for ch in changes:
        added = client.post(f"/checklist-proposals/{pid}/changes", data=ch)
        assert added.status_code == 200, added.get_data(as_text=True)
    return pid


def submitted(app, **kw) -> int:
    pid = draft(app, **kw)
    resp = signin(app, kw.get("username", "dept_catering")).post(
        f"/checklist-proposals/{pid}/submit", data={"reason": "燃气事故多发，报警器须联动切断"}
    )
    assert resp.status_code == 200 and "已提交区安委办审议" in resp.get_data(as_text=True)
    return pid


@pytest.mark.parametrize(
    "username,checklist,status",
    [
        ("dept_catering", "catering", 303),
        ("dept_catering", "general", 303),  # inspected on its premises too
        ("dept_catering", "major_hazards_gongmao", 404),  # not its industry's
        ("dept_machinery", "major_hazards_gongmao", 303),
        ("dept_machinery", "catering", 404),
        ("street_a", "catering", 403),
        ("district", "catering", 403),
        ("inspector_a1", "catering", 403),
        ("owner_a1", "catering", 403),
    ],
)
def test_a_department_proposes_for_its_industrys_checklists_only(papp, username, checklist, status):
    assert (
        signin(papp, username)
        .post("/checklist-proposals", data={"checklist": checklist})
        .status_code
        == status
    )


def test_accepted_proposal_becomes_the_next_version_used_by_a_new_visit(papp, tmp_path, folder):
    pid = submitted(papp)
    district = signin(papp, "district")
    page = district.get(f"/checklist-proposals/{pid}").get_data(as_text=True)
    assert (
        "安装可燃气体报警器并与切断阀联动" in page
        and "厨房配备灭火毯" in page
        and 'id="decide-form"' in page
    )
    assert "可燃气体报警器未与紧急切断阀联动" in page and "加装紧急切断阀并与报警器联动" in page
    no_reason = district.post(
        f"/checklist-proposals/{pid}/decide", data={"decision": "accept", "reason": ""}
    )
    assert no_reason.status_code == 422 and "理由" in no_reason.get_data(as_text=True)
    ok = district.post(
        f"/checklist-proposals/{pid}/decide",
        data={"decision": "accept", "reason": "采纳，与新规范一致"},
    )
    assert ok.status_code == 200 and "已采纳，待安装" in ok.get_data(as_text=True)
    toml = district.get(f"/checklist-proposals/{pid}/checklist.toml")
    with papp.app_context():
        p = db.session.get(ChecklistProposal, pid)
        assert (p.state, p.new_version, p.toml_sha256) == (
            "accepted",
            2,
            hashlib.sha256(toml.data).hexdigest(),
        )
        assert [
            e.action
            for e in db.session.scalars(
                select(AuditEvent)
                .where(AuditEvent.object_type == "checklist_proposal")
                .order_by(AuditEvent.seq)
            )
        ] == ["proposal_submitted", "proposal_accepted"]
    # The running server keeps version 1 until the file is installed and the service restarts.
    assert "version = 1" in (folder / "catering.toml").read_text()
    result = papp.test_cli_runner().invoke(args=["checklists", "install", str(pid)])
    assert result.exit_code == 0, result.output
    assert (folder / "catering.toml").read_text(encoding="utf-8") == toml.data.decode()
    again = papp.test_cli_runner().invoke(args=["checklists", "install", str(pid)])
    assert again.exit_code == 1 and "已经安装" in again.output

    restarted = make_app(papp.config["TEST_URL"], tmp_path, folder)
    client = restarted.test_client()
    token = client.post(
        "/api/v1/auth/token", json={"username": "inspector_a1", "password": "password123"}
    ).json["token"]
    headers = {"Authorization": f"Bearer {token}"}
    boot = client.get("/api/v1/bootstrap", headers=headers).json
    catering = next(c for c in boot["checklists"] if c["id"] == "catering")
    assert catering["version"] == 2 and "fire_blanket" in [i["key"] for i in catering["items"]]
    alarm = next(i for i in catering["items"] if i["key"] == "gas_alarm")
    assert (alarm["defect"], alarm["measure"]) == (
        "可燃气体报警器未与紧急切断阀联动",
        "加装紧急切断阀并与报警器联动，每月测试。",
    )
    w = papp.config["WORLD"]
    body = {
        "enterprise_id": w.ents["a1"],
        "checklists": [{"id": "general", "version": 1}, {"id": "catering", "version": 2}],
        "started_at": local_iso(VISIT_STARTED),
        "finished_at": local_iso(VISIT_FINISHED),
        "location": None,
        "answers": [
            {
                "checklist": "catering",
                "item": "fire_blanket",
                "result": "pass",
                "note": "",
                "photos": [],
                "hazard": None,
            },
            {
                "checklist": "catering",
                "item": "gas_alarm",
                "result": "pass",
                "note": "",
                "photos": [],
                "hazard": None,
            },
        ],
    }
    vid = str(uuid.uuid4())
    put = client.put(f"/api/v1/visits/{vid}", json=body, headers=headers)
    assert put.status_code == 201, put.get_data(as_text=True)
    with restarted.app_context():
        assert (
            db.session.scalar(
                select(VisitChecklist.version).where(
                    VisitChecklist.visit_uuid == vid, VisitChecklist.checklist_id == "catering"
                )
            )
            == 2
        )
        recorded = db.session.scalar(
            select(ChecklistVersion).where(
                ChecklistVersion.checklist_id == "catering", ChecklistVersion.version == 2
            )
        )
        assert recorded.content_hash == db.session.get(ChecklistProposal, pid).content_hash
    shown = (
        signin(restarted, "dept_catering").get(f"/checklist-proposals/{pid}").get_data(as_text=True)
    )
    assert '<strong id="install-state">已生效</strong>' in shown
    with restarted.app_context():
        db.session.remove()
        db.engine.dispose()


def test_a_refusal_gives_its_reason_to_the_department(papp):
    pid = submitted(papp)
    resp = signin(papp, "district").post(
        f"/checklist-proposals/{pid}/decide",
        data={"decision": "refuse", "reason": "联动切断阀不适用于瓶装液化气"},
    )
    assert resp.status_code == 200
    page = signin(papp, "dept_catering").get(f"/checklist-proposals/{pid}").get_data(as_text=True)
    assert "未采纳" in page and "联动切断阀不适用于瓶装液化气" in page
    with papp.app_context():
        p = db.session.get(ChecklistProposal, pid)
        assert (p.state, p.toml_text, p.new_version) == ("refused", None, None)
    # Decided: no second decision.
    assert (
        signin(papp, "district")
        .post(f"/checklist-proposals/{pid}/decide", data={"decision": "accept", "reason": "x"})
        .status_code
        == 409
    )


@pytest.mark.parametrize(
    "username,status", [("dept_machinery", 404), ("street_a", 403), ("inspector_a1", 403)]
)
def test_others_cannot_see_or_decide_a_proposal(papp, username, status):
    pid = submitted(papp)
    client = signin(papp, username)
    assert client.get(f"/checklist-proposals/{pid}").status_code == status
    assert client.post(
        f"/checklist-proposals/{pid}/decide", data={"decision": "accept", "reason": "x"}
    ).status_code == (403 if status == 404 else status)


def test_a_change_that_would_not_load_is_refused_with_the_parsers_reasons(papp):
    pid = draft(papp, changes=())
    client = signin(papp, "dept_catering")
    bad = client.post(
        f"/checklist-proposals/{pid}/changes", data={**NEW_ITEM, "key": "no_basis", "basis": ""}
    )
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert "按此建议修改后，清单无法通过校验" in html and "缺少“basis”" in html
    no_defect = client.post(
        f"/checklist-proposals/{pid}/changes", data={**NEW_ITEM, "key": "no_defect", "defect": ""}
    )
    assert no_defect.status_code == 422 and "缺少“defect”" in no_defect.get_data(as_text=True)
    same = client.post(
        f"/checklist-proposals/{pid}/changes",
        data={
            **CHANGE,
            "text": "安装可燃气体报警器并有效",
            "defect": "厨房未安装可燃气体报警器或报警器失效",
            "measure": "安装可燃气体报警器并定期测试。",
            "guidance": "看：报警器。判：未装或不报警即不符合。",
            "basis": "闽建城〔2022〕3号",
        },
    )
    assert same.status_code == 422 and "没有任何内容与现行清单不同" in same.get_data(as_text=True)
    empty = client.post(f"/checklist-proposals/{pid}/submit", data={"reason": "x"})
    assert empty.status_code == 422 and "还没有任何修改" in empty.get_data(as_text=True)


def test_a_second_accepted_proposal_waits_for_the_first_to_be_installed(papp):
    first = submitted(papp)
    second = submitted(papp, changes=({"action": "remove", "key": "lpg_not_in_dining"},))
    district = signin(papp, "district")
    assert (
        district.post(
            f"/checklist-proposals/{first}/decide", data={"decision": "accept", "reason": "采纳"}
        ).status_code
        == 200
    )
    waits = district.post(
        f"/checklist-proposals/{second}/decide", data={"decision": "accept", "reason": "采纳"}
    )
    assert waits.status_code == 409 and f"#{first} 尚未安装" in waits.get_data(as_text=True)
