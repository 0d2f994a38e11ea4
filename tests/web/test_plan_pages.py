"""The plan's pages: filing with a receipt, refusals in Chinese, who sees what, the district's board and editing, the dashboard."""

from __future__ import annotations

import hashlib
import re

import pytest
from sqlalchemy import select

from fieldapp import plan
from fieldapp.extensions import db
from fieldapp.models import PlanFiling, PlanRequirement, User

from .. import documents as docs
from ..clock import NOW, day


@pytest.fixture
def seeded(app, world):
    with app.app_context():
        plan.load_seed(2025, actor=db.session.get(User, world.users["district"]), now=NOW)
        db.session.commit()
    return world


def req_id(app, key: str, year: int = 2025) -> int:
    with app.app_context():
        return db.session.scalar(
            select(PlanRequirement.id).where(
                PlanRequirement.year == year, PlanRequirement.key == key
            )
        )


def upload(client, rid: int, data: bytes, name: str, kind: str = "document", note: str = ""):
    """POST the form as a browser does (the body built here: the test client would spool a large one to a file it never closes)."""
    from io import BytesIO

    from werkzeug.datastructures import FileStorage, MultiDict
    from werkzeug.test import encode_multipart

    boundary, body = encode_multipart(
        MultiDict(
            {
                "kind": kind,
                "note": note,
                "file": FileStorage(BytesIO(data), filename=name, content_type="application/pdf"),
            }
        )
    )
    return client.post(
        f"/plan/requirements/{rid}/file",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def test_a_street_files_a_document_and_gets_a_receipt_whose_hash_matches_the_download(
    app, seeded, login
):
    client = login("street_a")
    data = docs.pdf()
    resp = upload(client, req_id(app, "plan"), data, "甲街道方案.pdf")
    assert resp.status_code == 303
    receipt_url = resp.headers["Location"]
    html = client.get(receipt_url).get_data(as_text=True)
    sha = hashlib.sha256(data).hexdigest()
    assert (
        f'<code id="receipt-sha256">{sha}</code>' in html
        and "甲街道" in html
        and "street_a" in html
    )
    fid = int(re.search(r"/plan/filings/(\d+)", receipt_url).group(1))
    got = client.get(f"/plan/filings/{fid}/file")
    assert got.status_code == 200 and hashlib.sha256(got.data).hexdigest() == sha
    assert got.headers["Content-Type"] == "application/pdf" and got.headers[
        "Content-Disposition"
    ].startswith("attachment;")
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    # Its own page now shows it filed; the district sees it too.
    assert f"回执 #{fid}" in client.get("/plan?year=2025").get_data(as_text=True)
    assert login("district").get(f"/plan/filings/{fid}/file").status_code == 200


@pytest.mark.parametrize("other", ["street_b", "dept_catering"])
def test_another_filers_receipt_and_file_are_404(app, seeded, login, other):
    upload(login("street_a"), req_id(app, "plan"), docs.pdf(), "方案.pdf")
    with app.app_context():
        fid = db.session.scalar(select(PlanFiling.id))
    client = login(other)
    assert client.get(f"/plan/filings/{fid}").status_code == 404
    assert client.get(f"/plan/filings/{fid}/file").status_code == 404


@pytest.mark.parametrize(
    "data,name,status,words",
    [
        (docs.exe(), "评估报告.pdf", 415, "可执行程序"),
        (b"", "评估报告.pdf", 400, "文件为空"),
        (b"%PDF-1.4\n" + b"0" * (3 * 1024 * 1024), "评估报告.pdf", 413, "文件过大（3.0 MB）"),
    ],
)
def test_bad_uploads_are_refused_in_chinese_and_nothing_is_kept(
    app, seeded, login, data, name, status, words
):
    app.config["FILING_MAX_BYTES"] = 2 * 1024 * 1024
    resp = upload(login("dept_catering"), req_id(app, "evaluation"), data, name)
    assert resp.status_code == status
    html = resp.get_data(as_text=True)
    assert words in html and 'id="plan-error"' in html
    with app.app_context():
        assert db.session.scalars(select(PlanFiling)).all() == []
    assert not (
        app.config["DATA_DIR"]
        and list((__import__("pathlib").Path(app.config["DATA_DIR"]) / "filings").rglob("*.*"))
    )


@pytest.mark.parametrize(
    "username,status", [("inspector_a1", 403), ("owner_a1", 403), ("district", 403)]
)
def test_only_streets_and_departments_file_from_the_page(app, seeded, login, username, status):
    assert upload(login(username), req_id(app, "plan"), docs.pdf(), "a.pdf").status_code == status


@pytest.mark.parametrize(
    "username,status",
    [
        ("street_a", 200),
        ("dept_catering", 200),
        ("district", 200),
        ("inspector_a1", 403),
        ("owner_a1", 403),
    ],
)
def test_who_sees_the_plan_page(seeded, login, username, status):
    assert login(username).get("/plan?year=2025").status_code == status


def test_a_filer_sees_its_own_statuses_and_the_district_sees_every_filer(app, seeded, login):
    upload(login("street_a"), req_id(app, "plan"), docs.pdf(), "方案.pdf")
    mine = login("street_b").get("/plan?year=2025").get_data(as_text=True)
    assert (
        "乙街道" in mine
        and "plan-missing" in mine
        and "甲街道" not in mine
        and 'id="plan-board"' not in mine
    )
    board = login("district").get("/plan?year=2025").get_data(as_text=True)
    assert (
        'id="plan-board"' in board
        and "甲街道" in board
        and "乙街道" in board
        and "餐饮行业主管部门" in board
    )
    detail = (
        login("district").get(f"/plan/requirements/{req_id(app, 'plan')}").get_data(as_text=True)
    )
    assert detail.count("plan-missing") == 2 and "方案.pdf" in detail
    assert login("street_a").get(f"/plan/requirements/{req_id(app, 'plan')}").status_code == 403


def test_the_district_enters_and_edits_a_years_calendar(app, world, login):
    client = login("district")
    assert "载入方案规定的 2025 年日程" in client.get("/plan/edit?year=2025").get_data(as_text=True)
    assert client.post("/plan/edit?year=2025", data={"what": "load"}).status_code == 200
    rid = req_id(app, "evaluation")
    ok = client.post(
        "/plan/edit?year=2025",
        data={
            "what": "requirement",
            "key": "evaluation",
            "title": "评估报告（签字盖章）",
            "due_on": "2025-04-03",
            "filers": "both",
            "forms": ["document"],
            "phase": "self_check",
            "sealed": "on",
        },
    )
    assert ok.status_code == 200 and "报送事项已保存" in ok.get_data(as_text=True)
    bad = client.post(
        "/plan/edit?year=2025",
        data={
            "what": "requirement",
            "key": "evaluation",
            "title": "评估报告",
            "due_on": "2025-04-03",
            "filers": "both",
        },
    )
    assert bad.status_code == 422 and "请至少选择一种报送方式" in bad.get_data(as_text=True)
    assert (
        client.post(
            "/plan/edit?year=2025",
            data={
                "what": "phase",
                "key": "supervise",
                "title": "督导帮扶",
                "ends_on": "2025-10-15",
            },
        ).status_code
        == 200
    )
    # Next year from this one, then the street's filing keeps a requirement from being deleted.
    assert client.post("/plan/edit?year=2026", data={"what": "copy"}).status_code == 200
    upload(login("street_a"), rid, docs.pdf(), "评估报告.pdf")
    refused = client.post("/plan/edit?year=2025", data={"what": "delete", "key": "evaluation"})
    assert refused.status_code == 422 and "不能删除" in refused.get_data(as_text=True)
    assert (
        client.post(
            "/plan/edit?year=2026", data={"what": "delete", "key": "evaluation"}
        ).status_code
        == 200
    )
    with app.app_context():
        r = db.session.get(PlanRequirement, rid)
        assert (r.title, r.due_on.isoformat()) == ("评估报告（签字盖章）", "2025-04-03")
        assert plan.phases(2025)[2].ends_on.isoformat() == "2025-10-15"
        assert {x.key for x in plan.requirements(2026)} == {
            x.key for x in plan.requirements(2025)
        } - {"evaluation"}
    assert login("street_a").get("/plan/edit?year=2025").status_code == 403


def test_the_dashboard_shows_what_is_due_in_14_days_and_what_is_late(app, world, login):
    """Two filings this year, relative to today: one due in 5 days, one 3 days past due."""
    year = day(0).year
    with app.app_context():
        district = db.session.get(User, world.users["district"])
        plan.save_requirement(
            year,
            None,
            {"title": "近期到期的方案", "due_on": day(5), "forms": ["document"]},
            actor=district,
            now=NOW,
        )
        plan.save_requirement(
            year,
            None,
            {"title": "已过期的评估报告", "due_on": day(-3), "forms": ["document"]},
            actor=district,
            now=NOW,
        )
        plan.save_requirement(
            year,
            None,
            {"title": "远期的年度总结", "due_on": day(40), "forms": ["document"]},
            actor=district,
            now=NOW,
        )
        db.session.commit()
    for name in ("street_a", "dept_catering", "district"):
        html = login(name).get("/dashboard").get_data(as_text=True)
        soon = html[html.index('id="plan-soon"') :]
        late = html[html.index('id="plan-late"') : html.index('id="plan-soon"')]
        assert "近期到期的方案" in soon and "还有 5 天" in soon and "远期的年度总结" not in html
        assert "已过期的评估报告" in late
    assert "3 个单位未报" in login("district").get("/dashboard").get_data(as_text=True)
