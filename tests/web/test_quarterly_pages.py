"""Quarterly tables on screen: who sees and files which rows, the district's roll-up, the rows behind a figure, filed snapshots."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from fieldapp import filings, quarterly
from fieldapp.extensions import db
from fieldapp.models import Enterprise, QuarterFigure, QuarterFiling

from ..clock import TODAY
from ..factories import make_hazard


def previous_quarter() -> quarterly.Period:
    """The quarter before today's: it has always ended, so it may be filed."""
    q = (TODAY.month - 1) // 3
    return quarterly.period(TODAY.year - (q == 0), q or 4)


P = previous_quarter()
Q = f"year={P.year}&quarter={P.quarter}"


def typed_in_until_after(app, p: quarterly.Period) -> None:
    """Annex 7's enforcement columns are typed in only for quarters before the records (issue 20): make `p` one."""
    from fieldapp import settings
    from fieldapp.clock import utcnow
    from fieldapp.models import User

    with app.app_context():
        settings.put(
            "enforcement_counting",
            {"records_from": f"{p.year + 1}-01-01"},
            actor=db.session.scalar(select(User).where(User.role == "district")),
            now=utcnow(),
        )
        db.session.commit()


@pytest.fixture
def found(app, world):
    """In the previous quarter: a1 (餐饮, street A) found two hazards itself and an inspector found one."""
    with app.app_context():
        for ent in db.session.scalars(select(Enterprise)):
            ent.created_at = P.start - timedelta(days=365)  # registered before the quarter
        when = P.start + timedelta(days=5)
        for _ in range(2):
            make_hazard(
                world.ents["a1"], raised_at=when, source="self", raised_by=world.users["owner_a1"]
            )
        make_hazard(world.ents["a1"], raised_at=when, raised_by=world.users["inspector_a1"])
        db.session.commit()


@pytest.mark.parametrize(
    "username, status, filing",
    [
        ("street_a", 200, 303),
        ("dept_catering", 200, 303),
        ("district", 200, 409),  # the district files the roll-up of what was filed: nothing yet
        ("inspector_a1", 403, 403),
        ("owner_a1", 403, 403),
    ],
)
def test_who_sees_and_files_the_quarterly_tables(world, login, username, status, filing):
    client = login(username)
    for path in (
        "/quarterly",
        f"/quarterly?{Q}&annex=7",
        "/quarterly/filings",
        f"/quarterly/figures?{Q}",
    ):
        assert client.get(path).status_code == status, path
    assert client.post(f"/quarterly/file?{Q}").status_code == filing


@pytest.mark.parametrize(
    "username, opens",
    [
        ("street_a", {"A": 200, "B": 404, "dept": 404, "district": 404}),
        ("dept_catering", {"A": 404, "B": 404, "dept": 200, "district": 404}),
        ("district", {"A": 200, "B": 200, "dept": 200, "district": 404}),
    ],
)
def test_whose_table_a_filer_may_open(world, login, username, opens):
    """One rule (scope.quarter_unit) for the table, its cells and the figures form."""
    codes = {
        "A": f"street:{world.streets['A']}",
        "B": f"street:{world.streets['B']}",
        "dept": "department:餐饮",
        "district": "district",
    }
    client = login(username)
    for key, status in opens.items():
        for path in ("/quarterly", "/quarterly/cell"):
            resp = client.get(f"{path}?{Q}&unit={codes[key]}&row=&col=self_found")
            assert resp.status_code == status, (path, key)


def test_a_department_sees_and_files_its_industrys_rows(app, world, login, found):
    client = login("dept_catering")
    html = client.get(f"/quarterly?{Q}&annex=4").get_data(as_text=True)
    assert "区安委会成员单位" in html and "餐饮行业主管部门" in html and "填报单位类型" in html
    resp = client.post(f"/quarterly/file?{Q}")
    assert resp.status_code == 303
    with app.app_context():
        f = db.session.scalar(select(QuarterFiling))
        assert (f.unit, f.version) == ("department:餐饮", 1)
        row = filings.tables_of(f)[0].row("")
        assert (row.kind, row.values["self_found"], row.values["base_total"]) == (
            "区安委会成员单位",
            2,
            1,
        )
    # The district's roll-up shows the department beside the streets (and who has not filed).
    district = login("district").get(f"/quarterly?{Q}&annex=4").get_data(as_text=True)
    assert "餐饮行业主管部门" in district and "未报送：甲街道、乙街道" in district


def test_filing_again_needs_a_reason_and_makes_a_new_version(app, world, login, found):
    client = login("street_a")
    first = client.post(f"/quarterly/file?{Q}")
    assert first.status_code == 303
    refused = client.post(f"/quarterly/file?{Q}")
    assert refused.status_code == 422 and "原因" in refused.get_data(as_text=True)
    assert client.post(f"/quarterly/file?{Q}", data={"reason": "补录自查隐患"}).status_code == 303
    with app.app_context():
        assert [
            f.version for f in db.session.scalars(select(QuarterFiling).order_by(QuarterFiling.id))
        ] == [1, 2]


def test_the_current_quarter_cannot_be_filed(world, login):
    current = quarterly.period(TODAY.year, (TODAY.month - 1) // 3 + 1)
    resp = login("street_a").post(f"/quarterly/file?year={current.year}&quarter={current.quarter}")
    assert resp.status_code == 409 and "尚未结束" in resp.get_data(as_text=True)


def test_filings_are_seen_within_scope_only(app, world, login, found):
    login("street_a").post(f"/quarterly/file?{Q}")
    with app.app_context():
        fid = db.session.scalar(select(QuarterFiling.id))
    assert login("street_a").get(f"/quarterly/filings/{fid}").status_code == 200
    assert login("district").get(f"/quarterly/filings/{fid}").status_code == 200
    assert login("street_b").get(f"/quarterly/filings/{fid}").status_code == 404
    assert login("dept_catering").get(f"/quarterly/filings/{fid}").status_code == 404
    assert login("inspector_a1").get(f"/quarterly/filings/{fid}").status_code == 403
    assert login("street_b").get(f"/quarterly/filings/{fid}/diff").status_code == 404


def test_every_figure_links_to_the_rows_behind_it(app, world, login, found):
    client = login("street_a")
    html = client.get(f"/quarterly?{Q}&annex=7").get_data(as_text=True)
    links = re.findall(r'href="(/quarterly/cell\?[^"]+)"', html)
    assert links and len(links) == html.count("data-cell=")
    self_found = next(
        link for link in links if "row=catering" in link and "col=self_found" in link
    ).replace("&amp;", "&")
    page = client.get(self_found).get_data(as_text=True)
    assert "该数字对应 2 条隐患" in page and page.count("企业自查") >= 2
    found_link = next(
        link for link in links if "row=catering" in link and "col=found" in link
    ).replace("&amp;", "&")
    assert "该数字对应 1 条隐患" in client.get(found_link).get_data(as_text=True)
    assert client.get(f"/quarterly/cell?{Q}&annex=7&row=catering&col=nope").status_code == 404
    assert client.get(f"/quarterly/cell?{Q}&annex=7&row=catering&col=catering").status_code == 404


def test_a_filed_snapshot_its_rows_and_its_differences_from_today(app, world, login, found):
    client = login("street_a")
    location = client.post(f"/quarterly/file?{Q}").headers["Location"]
    page = client.get(location + "?annex=7").get_data(as_text=True)
    assert "报送时冻结的数字" in page and "报送内容与封存码一致" in page
    cell = re.search(
        r'href="(/quarterly/filings/\d+/cell\?[^"]*row=catering[^"]*col=self_found[^"]*)"', page
    ).group(1)
    assert "该数字对应 2 条隐患" in client.get(cell.replace("&amp;", "&")).get_data(as_text=True)
    assert 'id="no-differences"' in client.get(location + "/diff").get_data(as_text=True)
    with app.app_context():
        make_hazard(world.ents["a1"], raised_at=P.start + timedelta(days=6), source="self")
        db.session.commit()
    diff = client.get(location + "/diff").get_data(as_text=True)
    assert "自查隐患数量（条）" in diff and 'id="differences"' in diff
    # The workbook of the filing carries its number and seal, and verifies.
    xlsx = client.get(location + "?format=xlsx")
    with app.app_context():
        result = filings.verify_file(xlsx.get_data())
        assert result.ok, result.lines + result.differences
    wb = load_workbook(io.BytesIO(xlsx.get_data()))
    assert any("封存码" in str(c.value) for row in wb["附件4"].iter_rows() for c in row)


def test_the_district_files_the_rollup_of_the_filed_versions(app, world, login, found):
    login("street_a").post(f"/quarterly/file?{Q}")
    district = login("district")
    page = district.get(f"/quarterly?{Q}&annex=4").get_data(as_text=True)
    assert "甲街道" in page and "第 1 版" in page
    assert district.post(f"/quarterly/file?{Q}").status_code == 303
    with app.app_context():
        f = db.session.scalar(select(QuarterFiling).where(QuarterFiling.unit == "district"))
        four = filings.tables_of(f)[0]
        assert [r.unit for r in four.rows] == ["甲街道", "合计"] and "乙街道" in four.missing
    cell = re.search(
        r'href="(/quarterly/filings/\d+/cell\?[^"]*col=base_total[^"]*)"',
        district.get(f"/quarterly/filings/{f.id}").get_data(as_text=True),
    ).group(1)
    assert "该数字对应 2 家单位" in district.get(cell.replace("&amp;", "&")).get_data(as_text=True)


def test_a_department_enters_its_own_figures(app, world, login):
    typed_in_until_after(app, P)
    client = login("dept_catering")
    page = client.get(f"/quarterly/figures?{Q}").get_data(as_text=True)
    assert "餐饮行业主管部门" in page and "专题培训 场次" in page
    resp = client.post(
        f"/quarterly/figures?{Q}",
        data={"7.catering.fine_amount": "0.25", "5..training_sessions": "2"},
    )
    assert resp.status_code == 200 and "已保存（更新 2 项）" in resp.get_data(as_text=True)
    assert (
        client.post(f"/quarterly/figures?{Q}", data={"7.catering.fine_amount": "0.255"}).status_code
        == 422
    )
    with app.app_context():
        rows = db.session.scalars(select(QuarterFigure)).all()
        assert {(f.street_id, f.industry, f.column_key) for f in rows} == {
            (None, "餐饮", "fine_amount"),
            (None, "餐饮", "training_sessions"),
        }
    html = client.get(f"/quarterly?{Q}&annex=7").get_data(as_text=True)
    assert ">0.25<" in html
    # The district reads any filer's figures; a street cannot name another filer.
    assert login("district").get(f"/quarterly/figures?{Q}&unit=department:餐饮").status_code == 200
    assert login("street_a").get(f"/quarterly?{Q}&unit=department:餐饮").status_code == 404


def test_annex6_is_explained_not_invented(world, login):
    html = login("district").get(f"/quarterly?{Q}").get_data(as_text=True)
    assert 'id="annex6-note"' in html and "没有该表的表样" in html
    assert login("district").get(f"/quarterly?{Q}&annex=6").status_code == 404
