"""四色 decided by the industry's department as well as the street (plan 三（五）1), under the district's setting."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import AuditEvent, Enterprise, RiskAssessment

from ..factories import make_hazard


def _decide(client, ent_id: int, color: str, reason: str = "", htmx: bool = True):
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(
        f"/campaign/{ent_id}/risk", data={"color": color, "reason": reason}, headers=headers
    )


@pytest.mark.parametrize(
    "username,role,region",
    [
        ("street_a", "street", 'id="campaign-panel"'),
        ("dept_catering", "department", 'id="risk-panel"'),
        ("district", "district", 'id="campaign-panel"'),
    ],
)
def test_street_department_and_district_decide_with_the_same_rules(
    app, world, login, username, role, region
):
    """An open major hazard suggests red for every decider; confirming it records who decided, as what."""
    with app.app_context():
        make_hazard(world.ents["a1"], level="major")
        db.session.commit()
    resp = _decide(login(username), world.ents["a1"], "red")
    assert resp.status_code == 200, resp.get_data(as_text=True)
    html = resp.get_data(as_text=True)
    assert region in html and "已确定风险等级：红色" in html and "存在未销号的重大隐患" in html
    with app.app_context():
        row = db.session.scalars(
            select(RiskAssessment).where(RiskAssessment.enterprise_id == world.ents["a1"])
        ).one()
        assert (row.suggested, row.color, row.decided_as, row.decided_by) == (
            "red",
            "red",
            role,
            world.users[username],
        )
        assert db.session.get(Enterprise, world.ents["a1"]).risk_color == "red"
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "risk_decided")
        ).one()
        assert event.actor_id == world.users[username] and event.object_id == str(world.ents["a1"])


def test_a_department_overriding_the_suggestion_gives_a_reason(app, world, login):
    client = login("dept_catering")
    refused = _decide(client, world.ents["a1"], "orange")
    assert refused.status_code == 422 and "须说明理由" in refused.get_data(as_text=True)
    assert 'id="risk-panel"' in refused.get_data(as_text=True)
    assert (
        _decide(client, world.ents["a1"], "orange", "燃气用量大，后厨人员流动频繁").status_code
        == 200
    )
    with app.app_context():
        row = db.session.scalars(select(RiskAssessment)).one()
        assert (row.suggested, row.color, row.override_reason) == (
            "blue",
            "orange",
            "燃气用量大，后厨人员流动频繁",
        )


def test_without_javascript_a_department_decision_returns_to_the_premises_page(world, login):
    resp = _decide(login("dept_catering"), world.ents["a1"], "blue", htmx=False)
    assert resp.status_code == 303 and resp.headers["Location"].endswith(
        f"/enterprises/{world.ents['a1']}#risk-panel"
    )


@pytest.mark.parametrize(
    "username,ent,status",
    [
        ("dept_catering", "a2", 404),  # 机械: another industry
        ("dept_catering", "b1", 404),
        ("street_a", "b1", 404),  # another street
        ("inspector_a1", "a1", 403),
        ("owner_a1", "a1", 403),
    ],
)
def test_outside_scope_is_404_and_other_roles_are_refused(app, world, login, username, ent, status):
    assert _decide(login(username), world.ents[ent], "blue").status_code == status
    with app.app_context():
        assert db.session.scalars(select(RiskAssessment)).all() == []


def test_the_department_sees_the_suggestion_and_the_form_on_its_premises_page(world, login):
    html = login("dept_catering").get(f"/enterprises/{world.ents['a1']}").get_data(as_text=True)
    assert (
        'id="risk-panel"' in html
        and "系统建议" in html
        and f"/campaign/{world.ents['a1']}/risk" in html
    )
    # Its page shows no street tools (letters, placards): those stay with the street office.
    assert 'id="campaign-panel"' not in html


@pytest.mark.parametrize(
    "street,department,allowed,refused",
    [
        (True, False, "street_a", "dept_catering"),
        (False, True, "dept_catering", "street_a"),
    ],
)
def test_the_district_setting_says_who_decides(
    app, world, login, street, department, allowed, refused
):
    form = {"deciders.street": "on"} if street else {}
    form |= {"deciders.department": "on"} if department else {}
    assert login("district").post("/campaign/settings", data=form).status_code == 200
    no = _decide(login(refused), world.ents["a1"], "blue", htmx=False)
    assert no.status_code == 403 and "四色风险等级由" in no.get_data(as_text=True)
    assert _decide(login(allowed), world.ents["a1"], "blue").status_code == 200
    assert _decide(login("district"), world.ents["a1"], "blue").status_code == 200
    page = login(refused).get(f"/enterprises/{world.ents['a1']}").get_data(as_text=True)
    assert 'id="risk-not-decider"' in page


def test_by_default_both_streets_and_departments_decide(world, login):
    html = login("district").get("/campaign/settings").get_data(as_text=True)
    assert 'name="deciders.street" checked' in html and 'name="deciders.department" checked' in html
