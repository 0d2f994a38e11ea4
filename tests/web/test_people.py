"""People by name (issue 17.7): histories say 洪晓东（网格员）, 甲街道安办, 企业（扫码登录）, never an account id."""

from __future__ import annotations

import re
import uuid

import pytest

from fieldapp import people, placards
from fieldapp.clock import utcnow
from fieldapp.extensions import db
from fieldapp.models import Enterprise, User

from .. import images
from ..factories import make_user, visit_body


@pytest.mark.parametrize(
    "role,extra,display,expected",
    [
        ("inspector", {}, "洪晓东", "洪晓东（网格员）"),
        ("inspector", {}, None, "网格员"),  # no name on the account: what it acts as, not its id
        ("street", {"street": "A"}, None, "甲街道安办"),
        ("street", {"street": "A"}, "李娜", "李娜（甲街道安办）"),
        ("district", {}, None, "区安委办"),
        ("department", {"industry": "餐饮"}, None, "餐饮行业主管部门"),
        ("enterprise", {"enterprise": "a1"}, "王店主", "王店主（企业）"),
    ],
)
def test_a_person_is_named_by_name_and_office(app, world, role, extra, display, expected):
    with app.app_context():
        kw = {"street_id": world.streets[extra["street"]]} if "street" in extra else {}
        kw |= {"industry": extra["industry"]} if "industry" in extra else {}
        kw |= {"enterprise_id": world.ents[extra["enterprise"]]} if "enterprise" in extra else {}
        account = f"acct-{role}-x9"
        user = make_user(account, role, display_name=display or account, **kw)
        assert people.label(user) == expected and account not in people.label(user)


def test_a_placard_pin_and_no_one(app, world):
    with app.app_context():
        ent = db.session.get(Enterprise, world.ents["a1"])
        placards.set_pin(ent, actor=db.session.get(User, world.users["street_a"]), now=utcnow())
        pin_user = db.session.query(User).filter_by(username=placards.pin_username(ent.id)).one()
        assert people.label(pin_user) == "企业（扫码登录）"
        assert people.label(None) == people.NOBODY


def test_the_hazard_history_names_people_not_accounts(app, world, client, login):
    with app.app_context():
        db.session.get(User, world.users["inspector_a1"]).display_name = "洪晓东"
        db.session.commit()
    token = client.post(
        "/api/v1/auth/token", json={"username": "inspector_a1", "password": "password123"}
    ).json["token"]
    shots = {
        "extinguishers": [images.sha(images.jpeg(seed=61))],
        "gas_alarm": [images.sha(images.jpeg(seed=62))],
    }
    resp = client.put(
        f"/api/v1/visits/{uuid.uuid4()}",
        json=visit_body(world.ents["a1"], photos=shots),
        headers={"Authorization": f"Bearer {token}"},
    )
    hazard = resp.json["hazards"][0]
    for username in ("owner_a1", "street_a", "inspector_a1"):
        html = login(username).get(f"/hazards/{hazard}").get_data(as_text=True)
        history = re.search(r'<section aria-labelledby="hist-h".*?</section>', html, re.S).group(0)
        assert "洪晓东（网格员）" in history, username
        assert "inspector_a1" not in history, username
