"""Importing and exporting the enterprise register (CSV and XLSX)."""

from __future__ import annotations

import csv

import pytest
from openpyxl import Workbook, load_workbook

from fieldapp import registry_io
from fieldapp.clock import utcnow
from fieldapp.extensions import db
from fieldapp.models import Enterprise, EnterpriseChange, User
from fieldapp.tabular import TableError

from ..factories import credit_code

HEADERS = [
    "名称",
    "统一社会信用代码",
    "街道",
    "网格",
    "行业领域",
    "企业规模",
    "九小场所类型",
    "风险等级",
    "主要负责人电话",
]


def write_csv(path, rows, headers=HEADERS, encoding="utf-8-sig"):
    with open(path, "w", newline="", encoding=encoding) as fh:
        writer = csv.writer(fh)
        writer.writerow(headers)
        writer.writerows(rows)
    return path


def good_row(n, name=None, street="甲街道", grid="SA-01"):
    return [
        name or f"导入企业{n}",
        credit_code(9000 + n),
        street,
        grid,
        "餐饮",
        "小微企业",
        "小餐饮",
        "红色",
        "13800001111",
    ]


def count():
    return db.session.scalar(db.select(db.func.count()).select_from(Enterprise))


def test_csv_import_creates_rows_with_history(ctx, world, tmp_path):
    path = write_csv(tmp_path / "in.csv", [good_row(1), good_row(2)])
    report = registry_io.import_file(path, now=utcnow())
    assert report.errors == [] and report.created == 2
    ent = db.session.scalar(db.select(Enterprise).where(Enterprise.name == "导入企业1"))
    assert (ent.venue_type, ent.size_class, ent.risk_color, ent.grid.code) == (
        "catering",
        "small_micro",
        "red",
        "SA-01",
    )
    assert (
        db.session.scalar(
            db.select(EnterpriseChange).where(EnterpriseChange.enterprise_id == ent.id)
        ).action
        == "create"
    )


def test_gb18030_csv_from_excel_is_read(ctx, world, tmp_path):
    path = write_csv(tmp_path / "gbk.csv", [good_row(3)], encoding="gb18030")
    assert registry_io.import_file(path, now=utcnow()).created == 1


def test_xlsx_import(ctx, world, tmp_path):
    wb = Workbook()
    wb.active.append(HEADERS)
    wb.active.append(good_row(4))
    wb.save(tmp_path / "in.xlsx")
    assert registry_io.import_file(tmp_path / "in.xlsx", now=utcnow()).created == 1


def test_bad_rows_are_reported_and_nothing_is_imported(ctx, world, tmp_path):
    before = count()
    bad_code = good_row(6)
    bad_code[1] = bad_code[1][:-1] + ("0" if bad_code[1][-1] != "0" else "1")
    rows = [
        good_row(5),
        bad_code,
        good_row(7, street="丙街道"),
        good_row(8, grid="SB-01"),
        good_row(5, name="同码企业"),
    ]
    report = registry_io.import_file(write_csv(tmp_path / "bad.csv", rows), now=utcnow())
    messages = dict(report.errors)
    assert "校验位不正确" in messages[3]
    assert "未知的街道：丙街道" in messages[4]
    assert "不属于甲街道" in messages[5]
    assert "与第 2 行重复" in messages[6]
    assert report.created == 0 and count() == before


def test_skip_invalid_imports_the_good_rows(ctx, world, tmp_path):
    rows = [good_row(10), good_row(11, street="丙街道")]
    report = registry_io.import_file(
        write_csv(tmp_path / "mix.csv", rows), now=utcnow(), skip_invalid=True
    )
    assert report.created == 1 and len(report.errors) == 1


def test_duplicate_of_an_existing_enterprise_is_refused(ctx, world, tmp_path):
    existing = db.session.get(Enterprise, world.ents["a1"]).credit_code
    row = good_row(12)
    row[1] = existing
    report = registry_io.import_file(write_csv(tmp_path / "dup.csv", [row]), now=utcnow())
    assert "已存在：甲一小吃店" in report.errors[0][1]


@pytest.mark.parametrize(
    "headers,message",
    [
        (["名称", "街道"], "缺少必填列"),
        (HEADERS + ["颜色"], "无法识别的列：颜色"),
    ],
)
def test_header_problems(ctx, world, tmp_path, headers, message):
    path = write_csv(tmp_path / "h.csv", [], headers=headers)
    assert message in registry_io.import_file(path, now=utcnow()).errors[0][1]


def test_unsupported_file_type(ctx, tmp_path):
    (tmp_path / "x.txt").write_text("hi")
    with pytest.raises(TableError):
        registry_io.import_file(tmp_path / "x.txt", now=utcnow())


def test_landlord_link_by_credit_code(ctx, world, tmp_path):
    headers = HEADERS + ["一企多租出租方", "出租方统一社会信用代码"]
    landlord = good_row(20, name="园区业主") + ["是", ""]
    tenant = good_row(21, name="园区租户") + ["否", credit_code(9020)]
    report = registry_io.import_file(
        write_csv(tmp_path / "t.csv", [tenant, landlord], headers), now=utcnow()
    )
    assert report.errors == []
    tenant_row = db.session.scalar(db.select(Enterprise).where(Enterprise.name == "园区租户"))
    assert tenant_row.landlord.name == "园区业主"
    from fieldapp.models import EnterpriseChange

    actions = [
        (c.action, c.changes.get("landlord_id"))
        for c in db.session.scalars(
            db.select(EnterpriseChange)
            .where(EnterpriseChange.enterprise_id == tenant_row.id)
            .order_by(EnterpriseChange.id)
        )
    ]
    assert actions == [
        ("create", None),
        ("update", [None, tenant_row.landlord_id]),
    ]  # the link is in the history too


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_export_round_trips_and_neutralizes_formulas(ctx, world, tmp_path, suffix):
    ent = db.session.get(Enterprise, world.ents["a1"])
    ent.name = '=HYPERLINK("http://evil")'
    db.session.commit()
    path = tmp_path / f"out.{suffix}"
    assert registry_io.export_file(path) == 4
    if suffix == "csv":
        text = path.read_text(encoding="utf-8-sig")
        assert "'=HYPERLINK" in text
    else:
        ws = load_workbook(path).active
        names = [row[0].value for row in ws.iter_rows(min_row=2)]
        assert '\'=HYPERLINK("http://evil")' in names
    # The exported file imports into an empty register unchanged.
    db.session.execute(db.update(User).values(enterprise_id=None))
    db.session.execute(db.delete(EnterpriseChange))
    db.session.execute(db.delete(Enterprise))
    db.session.commit()
    assert registry_io.import_file(path, now=utcnow()).created == 4
    assert (
        db.session.get(Enterprise, db.session.scalar(db.select(db.func.min(Enterprise.id))))
        is not None
    )
    assert (
        db.session.scalar(db.select(Enterprise).where(Enterprise.name.like("=HYPERLINK%")))
        is not None
    )
