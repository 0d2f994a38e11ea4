"""Import and export the enterprise register as CSV or XLSX."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from . import creditcode, enterprises, vocab
from .extensions import db
from .models import Enterprise
from .tabular import read_table, write_table

# Column header (Chinese, as people keep their sheets) → clean() key.
COLUMNS = {
    "名称": "name",
    "统一社会信用代码": "credit_code",
    "街道": "street",
    "网格": "grid",
    "行业领域": "industry",
    "企业规模": "size_class",
    "九小场所类型": "venue_type",
    "标准化状态": "standardization",
    "星级": "stars",
    "风险等级": "risk_color",
    "地址": "address",
    "纬度": "lat",
    "经度": "lng",
    "从业人数": "employees",
    "主要负责人": "principal_name",
    "主要负责人电话": "principal_phone",
    "安全管理员": "safety_officer_name",
    "安全管理员电话": "safety_officer_phone",
    "一企多租出租方": "hosts_tenants",
    "出租方统一社会信用代码": "landlord_credit_code",
    "备注": "note",
}
REQUIRED = ("名称", "街道", "行业领域", "企业规模")


@dataclass
class ImportReport:
    created: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line number, message)
    skipped: int = 0


def _row_dict(headers: list[str], row: list[str]) -> dict[str, str]:
    data = {}
    for i, header in enumerate(headers):
        key = COLUMNS.get(header) or (header if header in COLUMNS.values() else None)
        if key:
            data[key] = row[i] if i < len(row) else ""
    return data


def import_file(
    path: str | Path, *, now: datetime, skip_invalid: bool = False, actor_label: str = "命令行导入"
) -> ImportReport:
    """Import enterprises; with any bad row nothing is imported unless skip_invalid."""
    headers, rows = read_table(path)
    headers = [h.strip() for h in headers]
    known = set(COLUMNS) | set(COLUMNS.values())
    report = ImportReport()
    missing = [h for h in REQUIRED if h not in headers and COLUMNS[h] not in headers]
    if missing:
        report.errors.append((1, f"缺少必填列：{'、'.join(missing)}"))
        return report
    unknown = [h for h in headers if h and h not in known]
    if unknown:
        report.errors.append((1, f"无法识别的列：{'、'.join(unknown)}"))
        return report

    codes_in_file: dict[str, int] = {}
    names_in_file: dict[tuple[str, str], int] = {}
    pending: list[tuple[int, dict, str | None]] = []
    for offset, row in enumerate(rows):
        line = offset + 2  # header is line 1
        raw = _row_dict(headers, row)
        try:
            data = enterprises.clean({**raw, "landlord_id": ""})
        except enterprises.ValidationError as exc:
            report.errors.append((line, str(exc)))
            continue
        code = data["credit_code"]
        if code:
            if code in codes_in_file:
                report.errors.append((line, f"统一社会信用代码与第 {codes_in_file[code]} 行重复"))
                continue
            existing = db.session.scalar(select(Enterprise).where(Enterprise.credit_code == code))
            if existing is not None:
                report.errors.append((line, f"统一社会信用代码已存在：{existing.name}"))
                continue
            codes_in_file[code] = line
        else:
            key = (data["name"], str(data["street_id"]))
            if key in names_in_file:
                report.errors.append((line, f"名称与第 {names_in_file[key]} 行重复（同一街道）"))
                continue
            dup = db.session.scalar(
                select(Enterprise).where(
                    Enterprise.name == data["name"], Enterprise.street_id == data["street_id"]
                )
            )
            if dup is not None:
                report.errors.append((line, f"同一街道已有同名单位：{dup.name}"))
                continue
            names_in_file[key] = line
        landlord_code = creditcode.normalize(raw.get("landlord_credit_code", ""))
        pending.append((line, data, landlord_code or None))

    if report.errors and not skip_invalid:
        return report
    report.skipped = len(report.errors)
    created: dict[str, Enterprise] = {}
    landlord_links = []
    for line, data, landlord_code in pending:
        ent = enterprises.create(data, actor=None, now=now, actor_label=actor_label)
        if ent.credit_code:
            created[ent.credit_code] = ent
        if landlord_code:
            landlord_links.append((line, ent, landlord_code))
        report.created += 1
    for line, ent, landlord_code in landlord_links:
        landlord = created.get(landlord_code) or db.session.scalar(
            select(Enterprise).where(Enterprise.credit_code == landlord_code)
        )
        if (
            landlord is None
            or not landlord.hosts_tenants
            or landlord is ent
            or landlord.street_id != ent.street_id
        ):
            message = (
                f"第 {line} 行：出租方 {landlord_code} 不存在、不在同一街道或未登记为一企多租出租方"
            )
            if not skip_invalid:
                db.session.rollback()
                return ImportReport(errors=[(line, message)])
            report.errors.append((line, message))
            continue
        enterprises.link_landlord(ent, landlord, now=now, actor_label=actor_label)
    db.session.commit()
    return report


def export_file(path: str | Path) -> int:
    """Write every enterprise in the import format; return the row count."""
    headers = list(COLUMNS)
    ents = db.session.scalars(
        select(Enterprise)
        .options(
            joinedload(Enterprise.street),
            joinedload(Enterprise.grid),
            joinedload(Enterprise.landlord),
        )
        .order_by(Enterprise.id)
    ).all()
    rows = []
    for e in ents:
        rows.append(
            [
                e.name,
                e.credit_code or "",
                e.street.name,
                e.grid.code if e.grid else "",
                e.industry,
                vocab.SIZE_CLASSES[e.size_class],
                vocab.label(vocab.VENUE_TYPES, e.venue_type, ""),
                vocab.STANDARDIZATION[e.standardization],
                e.stars or "",
                vocab.RISK_COLOR_SHORT[e.risk_color] + "色",
                e.address,
                e.lat if e.lat is not None else "",
                e.lng if e.lng is not None else "",
                e.employees if e.employees is not None else "",
                e.principal_name or "",
                e.principal_phone or "",
                e.safety_officer_name or "",
                e.safety_officer_phone or "",
                "是" if e.hosts_tenants else "否",
                (e.landlord.credit_code or "") if e.landlord else "",
                e.note,
            ]
        )
    write_table(path, headers, rows, sheet="企业名录")
    return len(rows)
