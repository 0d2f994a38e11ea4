"""Enterprise list, record page and editing."""

from __future__ import annotations

import pytest

from fieldapp.extensions import db
from fieldapp.models import Enterprise, EnterpriseChange

from ..factories import make_enterprise


def test_list_search_filters_by_name(world, login):
    client = login("district")
    html = client.get("/enterprises?q=乙一").get_data(as_text=True)
    assert "乙一机械厂" in html and "甲一小吃店" not in html
    assert "共 1 家" in html


def test_search_matches_credit_code_prefix(app, world, login):
    with app.app_context():
        code = db.session.get(Enterprise, world.ents["b2"]).credit_code
    html = login("district").get(f"/enterprises?q={code[:14].lower()}").get_data(as_text=True)
    assert "乙二机械厂" in html


def test_search_treats_percent_literally(world, login):
    html = login("district").get("/enterprises?q=%25").get_data(as_text=True)
    assert "共 0 家" in html and "没有符合条件的单位" in html


@pytest.mark.parametrize(
    "query,expected",
    [
        ("street=甲街道", {"甲一小吃店", "甲二机械厂"}),
        ("grid=SB-02", {"乙二机械厂"}),
        ("venue_type=catering", {"甲一小吃店"}),
        ("venue_type=-", {"甲二机械厂", "乙一机械厂", "乙二机械厂"}),
        ("street=甲街道&venue_type=-", {"甲二机械厂"}),
    ],
)
def test_filters(world, login, query, expected):
    html = login("district").get(f"/enterprises?{query}").get_data(as_text=True)
    for name in ("甲一小吃店", "甲二机械厂", "乙一机械厂", "乙二机械厂"):
        assert (name in html) == (name in expected), name


def test_htmx_request_gets_only_the_results_fragment(world, login):
    client = login("district")
    resp = client.get("/enterprises?q=甲", headers={"HX-Request": "true"})
    html = resp.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="enterprise-results"')
    assert "<html" not in html
    assert "HX-Request" in resp.headers["Vary"]
    full = client.get(
        "/enterprises?q=甲", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert "<html" in full.get_data(as_text=True)


def test_pagination(app, world, login):
    with app.app_context():
        from fieldapp.models import Grid, Street

        street = db.session.get(Street, world.streets["A"])
        grid = db.session.get(Grid, world.grids["a1"])
        for i in range(25):
            make_enterprise(street, grid, name=f"分页测试{i:02d}")
        db.session.commit()
    client = login("street_a")
    first = client.get("/enterprises?q=分页测试").get_data(as_text=True)
    assert "共 25 家，第 1/2 页" in first and 'rel="next"' in first
    second = client.get("/enterprises?q=分页测试&page=2").get_data(as_text=True)
    assert second.count('class="ent-name"') == 5
    assert client.get("/enterprises?page=abc").status_code == 200


def test_detail_shows_record_and_contacts_to_staff(world, login):
    html = login("street_a").get(f"/enterprises/{world.ents['a1']}").get_data(as_text=True)
    assert "甲一小吃店" in html and "小餐饮" in html and "张三" in html and "13800000000" in html


@pytest.mark.parametrize(
    "username,status",
    [
        ("inspector_a1", 403),
        ("dept_catering", 403),
        ("owner_a1", 403),
        ("street_a", 200),
        ("district", 200),
        ("street_b", 404),
    ],
)
def test_who_may_open_the_edit_form(world, login, username, status):
    assert login(username).get(f"/enterprises/{world.ents['a1']}/edit").status_code == status


def _form(client, ent_id):
    import re

    html = client.get(f"/enterprises/{ent_id}/edit").get_data(as_text=True)
    values = dict(re.findall(r'name="(\w+)" type="\w+" value="([^"]*)"', html))
    values.update(re.findall(r'name="(version)" value="(\d+)"', html))
    values.update(
        {
            "street": "甲街道",
            "grid": "SA-01",
            "industry": "餐饮",
            "size_class": "small_micro",
            "venue_type": "catering",
            "standardization": "none",
            "risk_color": "yellow",
        }
    )
    return values


def test_edit_saves_and_records_the_change(app, world, login):
    client = login("street_a")
    form = _form(client, world.ents["a1"])
    form.update(name="甲一小吃店（新）", principal_phone="0595-22123456")
    resp = client.post(f"/enterprises/{world.ents['a1']}/edit", data=form)
    assert resp.status_code == 303
    html = client.get(f"/enterprises/{world.ents['a1']}").get_data(as_text=True)
    assert "甲一小吃店（新）" in html and "修改记录" in html
    with app.app_context():
        change = db.session.scalars(
            db.select(EnterpriseChange).where(EnterpriseChange.action == "update")
        ).one()
        assert change.changes["name"] == ["甲一小吃店", "甲一小吃店（新）"]
        assert change.actor_id == world.users["street_a"]
        assert db.session.get(Enterprise, world.ents["a1"]).version == 2


def test_colour_stars_and_standardization_are_not_set_from_the_edit_form(app, world, login):
    """They change only through their records (with reasons) on the campaign panel."""
    client = login("street_a")
    page = client.get(f"/enterprises/{world.ents['a1']}/edit").get_data(as_text=True)
    assert (
        'id="recorded-elsewhere"' in page
        and 'name="risk_color"' not in page
        and 'name="stars"' not in page
    )
    form = _form(client, world.ents["a1"])
    form.update(risk_color="red", stars="5", standardization="level1", note="备注改了")
    assert client.post(f"/enterprises/{world.ents['a1']}/edit", data=form).status_code == 303
    with app.app_context():
        ent = db.session.get(Enterprise, world.ents["a1"])
        assert (ent.risk_color, ent.stars, ent.standardization, ent.note) == (
            "yellow",
            None,
            "none",
            "备注改了",
        )


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("name", "", "请填写名称"),
        ("credit_code", "913505020000000001", "校验位不正确"),
        ("grid", "SB-01", "不属于甲街道"),
        ("principal_phone", "call me", "电话号码格式不正确"),
        ("lat", "north", "纬度应为数字"),
        ("industry", "魔法", "无效的行业领域"),
    ],
)
def test_edit_rejects_bad_input_in_chinese_and_keeps_the_input(world, login, field, value, message):
    client = login("street_a")
    form = _form(client, world.ents["a1"])
    form["address"] = "保留的地址输入"
    form[field] = value
    resp = client.post(f"/enterprises/{world.ents['a1']}/edit", data=form)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert message in html and "保留的地址输入" in html


def test_edit_refuses_a_duplicate_credit_code(app, world, login):
    with app.app_context():
        other = db.session.get(Enterprise, world.ents["a2"]).credit_code
    client = login("street_a")
    form = _form(client, world.ents["a1"])
    form["credit_code"] = other
    resp = client.post(f"/enterprises/{world.ents['a1']}/edit", data=form)
    assert resp.status_code == 422 and "已被“甲二机械厂”使用" in resp.get_data(as_text=True)


def test_street_user_cannot_move_a_premises_out_of_its_street(world, login):
    client = login("street_a")
    form = _form(client, world.ents["a1"])
    form.update(street="乙街道", grid="SB-01")
    resp = client.post(f"/enterprises/{world.ents['a1']}/edit", data=form)
    assert resp.status_code == 422 and "不能把企业移出本街道" in resp.get_data(as_text=True)


def test_stale_edit_is_refused_with_409(world, login):
    first, second = login("street_a"), login("district")
    form1, form2 = _form(first, world.ents["a1"]), _form(second, world.ents["a1"])
    form1["address"] = "先保存的地址"
    assert first.post(f"/enterprises/{world.ents['a1']}/edit", data=form1).status_code == 303
    form2["address"] = "后保存的地址"
    resp = second.post(f"/enterprises/{world.ents['a1']}/edit", data=form2)
    assert resp.status_code == 409
    assert "已被他人修改" in resp.get_data(as_text=True) and "先保存的地址" in resp.get_data(
        as_text=True
    )


def test_a_landlord_must_be_a_landlord_of_the_same_street(app, world, login):
    """A posted landlord id from another street reads as unknown: nothing of that street leaks."""
    from fieldapp.models import Street

    from ..factories import make_enterprise

    with app.app_context():
        other = make_enterprise(
            db.session.get(Street, world.streets["B"]),
            None,
            name="乙街道大楼业主",
            hosts_tenants=True,
        )
        mine = make_enterprise(
            db.session.get(Street, world.streets["A"]),
            None,
            name="甲街道大楼业主",
            hosts_tenants=True,
        )
        db.session.commit()
        other_id, mine_id = other.id, mine.id
    client = login("street_a")
    form = _form(client, world.ents["a1"])
    form["landlord_id"] = str(other_id)
    resp = client.post(f"/enterprises/{world.ents['a1']}/edit", data=form)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "找不到该出租方" in html and "乙街道大楼业主" not in html
    form["landlord_id"] = str(mine_id)
    assert client.post(f"/enterprises/{world.ents['a1']}/edit", data=form).status_code == 303
    with app.app_context():
        assert db.session.get(Enterprise, world.ents["a1"]).landlord_id == mine_id
