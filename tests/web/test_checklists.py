"""Checklist pages and the checklists that apply to each premises."""

from __future__ import annotations

import pytest

from fieldapp import checklist_versions, checklists
from fieldapp.clock import utcnow
from fieldapp.extensions import db


@pytest.mark.parametrize(
    "username,status",
    [
        ("inspector_a1", 200),
        ("street_a", 200),
        ("dept_catering", 200),
        ("district", 200),
        ("owner_a1", 403),
    ],
)
def test_who_may_browse_checklists(world, login, username, status):
    assert login(username).get("/checklists").status_code == status


def test_checklist_page_shows_items_major_marks_and_basis(world, login):
    client = login("inspector_a1")
    html = client.get("/checklists/major_hazards_gongmao").get_data(as_text=True)
    assert (
        "粉尘清扫制度落实" in html and "重大隐患" in html and "应急管理部令第10号第十一条" in html
    )
    assert client.get("/checklists/nope").status_code == 404


def test_district_sees_versions_and_the_diff(app, world, login):
    with app.app_context():
        current = app.extensions["checklists"].get("general")
        old_snapshot = current.snapshot()
        old_snapshot["version"] = 0
        old_snapshot["sections"][0]["items"][0]["text"] = "出口不堵"
        from fieldapp.models import ChecklistVersion

        db.session.add(
            ChecklistVersion(
                checklist_id="general",
                version=0,
                content_hash="x" * 64,
                title=current.title,
                snapshot=old_snapshot,
                first_seen_at=utcnow(),
            )
        )
        checklist_versions.ensure(current, utcnow())
        db.session.commit()
    client = login("district")
    page = client.get("/checklists/general").get_data(as_text=True)
    assert "已使用的版本" in page and "第 0 版" in page
    old = client.get("/checklists/general?version=0").get_data(as_text=True)
    assert "出口不堵" in old and "历史版本" in old
    diff = client.get("/checklists/general/diff?from=0&to=1").get_data(as_text=True)
    assert "修改 1 项" in diff and "<del>出口不堵</del>" in diff
    assert login("street_a").get("/checklists/general/diff?from=0&to=1").status_code == 403
    assert client.get("/checklists/general/diff?from=9&to=1").status_code == 404


def test_enterprise_api_lists_the_applicable_checklists(world, login):
    client = login("district")
    a1 = client.get(f"/api/v1/enterprises/{world.ents['a1']}").json
    assert a1["checklists"] == [{"id": "general", "version": 1}, {"id": "catering", "version": 1}]
    a2 = client.get(f"/api/v1/enterprises/{world.ents['a2']}").json
    assert {c["id"] for c in a2["checklists"]} == {"general", "major_hazards_gongmao"}


def test_enterprise_page_links_its_checklists(world, login):
    html = login("inspector_a1").get(f"/enterprises/{world.ents['a1']}").get_data(as_text=True)
    assert 'href="/checklists/catering"' in html and 'href="/checklists/general"' in html


def test_describe_applicability_in_chinese():
    registry = checklists.Registry(checklists.load_dir("tests/data/checklists"))
    assert checklists.describe(registry.get("general")) == "所有场所"
    assert "小生产加工" in checklists.describe(registry.get("major_hazards_gongmao"))
    assert checklists.describe(registry.get("landlord")) == "一企多租出租方"
