"""Read and check checklist files: every problem is reported at once, as (file, where, reason)."""

from __future__ import annotations

import re
import tomllib
from datetime import date, datetime
from pathlib import Path

from . import fire_judgement, vocab
from .checklists import (
    CATEGORIES,
    Applicability,
    Checklist,
    ChecklistError,
    Item,
    Section,
    with_hash,
)

ID_RE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
CHECKLIST_FIELDS = {
    "id",
    "version",
    "title",
    "description",
    "order",
    "applies",
    "sections",
    "edition",
    "valid_from",
    "valid_until",
}
APPLIES_FIELDS = {"venue_types", "industries", "size_classes", "landlords"}
SECTION_FIELDS = {"key", "title", "items"}
ITEM_FIELDS = {
    "key",
    "text",
    "defect",
    "measure",
    "guidance",
    "category",
    "basis",
    "major",
    "major_basis",
    "deadline_days",
    "photo_required",
    "needs_expert",
    "unverified",
    "source",
    "fire_element",
    "applies",
    "optional",
}
MAX_DEADLINE_DAYS = 180
# A major item must name the article and the item (or clause) of its criterion.
ARTICLE_RE = re.compile(r"第[一二三四五六七八九十百]+条|\d+\.\d+")
ITEM_NUMBER_RE = re.compile(r"第（[一二三四五六七八九十]+）项|\d+\.\d+|第十四条")
FIRE_STANDARD = "GB 35181"


class _Checker:
    """Collect every problem in one file instead of stopping at the first."""

    def __init__(self, source: str):
        self.source = source
        self.problems: list[tuple[str, str, str]] = []

    def err(self, where: str, reason: str) -> None:
        self.problems.append((self.source, where, reason))

    def unknown(self, where: str, data: dict, allowed: set[str]) -> None:
        for name in sorted(set(data) - allowed):
            self.err(where, f"未知字段“{name}”")

    def text(
        self, where: str, data: dict, name: str, *, required: bool = True, limit: int = 500
    ) -> str:
        value = data.get(name, "")
        if not isinstance(value, str):
            self.err(where, f"“{name}”应为文字")
            return ""
        value = value.strip()
        if required and not value:
            self.err(where, f"缺少“{name}”")
        elif len(value) > limit:
            self.err(where, f"“{name}”超过 {limit} 个字")
        return value

    def flag(self, where: str, data: dict, name: str, default: bool) -> bool:
        value = data.get(name, default)
        if not isinstance(value, bool):
            self.err(where, f"“{name}”应为 true 或 false")
            return default
        return value

    def day(self, where: str, data: dict, name: str) -> date | None:
        value = data.get(name)
        if value is None:
            return None
        if isinstance(value, datetime) or not isinstance(value, date):
            self.err(where, f"“{name}”应为日期，如 2025-11-01（不加引号）")
            return None
        return value


def _parse_applies(chk: _Checker, raw, where_prefix: str = "applies") -> tuple[Applicability, ...]:
    if raw is None:
        return (Applicability(),)
    if not isinstance(raw, list) or not raw:
        chk.err(where_prefix, "“applies”应为一个或多个 {…} 适用条件")
        return ()
    blocks = []
    allowed = {
        "venue_types": set(vocab.VENUE_TYPES) | {"none"},
        "industries": set(vocab.INDUSTRIES),
        "size_classes": set(vocab.SIZE_CLASSES),
    }
    for n, block in enumerate(raw, 1):
        where = f"{where_prefix}[{n}]"
        if not isinstance(block, dict):
            chk.err(where, "应为表")
            continue
        chk.unknown(where, block, APPLIES_FIELDS)
        values: dict = {}
        for name, valid in allowed.items():
            if name not in block:
                continue
            listed = block[name]
            if (
                not isinstance(listed, list)
                or not listed
                or not all(isinstance(v, str) for v in listed)
            ):
                chk.err(where, f"“{name}”应为非空的文字列表")
                continue
            for bad in sorted(set(listed) - valid):
                chk.err(where, f"“{name}”中有未知的值“{bad}”")
            values[name] = frozenset(listed)
        if "landlords" in block:
            values["landlords"] = chk.flag(where, block, "landlords", False)
        blocks.append(Applicability(**values))
    return tuple(blocks)


def _parse_item(chk: _Checker, where: str, raw, edition: str) -> Item | None:
    if not isinstance(raw, dict):
        chk.err(where, "检查项应为表")
        return None
    key = raw.get("key")
    if not isinstance(key, str) or not ID_RE.match(key):
        chk.err(where, "检查项 key 应为小写字母开头的字母、数字或下划线（2–40 个字符）")
        key = str(key)
    # Name the item by its key (not its position) once the key is known.
    where = f"{where.rsplit('.', 1)[0]}.{key}" if isinstance(raw.get("key"), str) else where
    chk.unknown(where, raw, ITEM_FIELDS)
    text = chk.text(where, raw, "text", limit=120)
    defect = chk.text(where, raw, "defect", limit=120)
    measure = chk.text(where, raw, "measure", limit=300)
    guidance = chk.text(where, raw, "guidance", limit=600)
    basis = chk.text(where, raw, "basis", limit=200)
    source = chk.text(where, raw, "source", required=False, limit=300)
    if defect and defect == text:
        chk.err(where, "“defect”应写成隐患（存在的问题），不能照抄检查内容“text”")
    if measure and text and measure in (f"按检查要求整改：{text}", text):
        chk.err(where, "“measure”应写明整改措施，不能照抄检查内容")
    category = raw.get("category")
    if category not in CATEGORIES:
        chk.err(where, f"未知的类别“{category}”" if category else "缺少“category”")
    major = chk.flag(where, raw, "major", False)
    major_basis = chk.text(where, raw, "major_basis", required=major, limit=200)
    if major_basis and not major:
        chk.err(where, "非重大隐患项不应填写“major_basis”")
    unverified = chk.flag(where, raw, "unverified", False)
    # A clause that could not be checked may say 待核实 instead of its number, and must be marked so.
    if (
        major
        and major_basis
        and not unverified
        and not (ARTICLE_RE.search(major_basis) and ITEM_NUMBER_RE.search(major_basis))
    ):
        chk.err(
            where,
            "“major_basis”须写明条和项（如“应急管理部令第10号第三条第（一）项”“GB 35181-2017 第6.5条”）；"
            "无法核实条款号的须标 unverified = true",
        )
    if major and FIRE_STANDARD in major_basis and FIRE_STANDARD not in edition:
        chk.err(
            where, f"引用 {FIRE_STANDARD} 的重大隐患项须放在注明版本（edition）和施行日期的清单中"
        )
    if major and FIRE_STANDARD in major_basis and edition and edition not in major_basis:
        chk.err(where, f"“major_basis”引用的版本应与清单的 edition（{edition}）一致")
    deadline = raw.get("deadline_days")
    if (
        isinstance(deadline, bool)
        or not isinstance(deadline, int)
        or not 0 <= deadline <= MAX_DEADLINE_DAYS
    ):
        chk.err(
            where, f"整改期限“deadline_days”应为 0–{MAX_DEADLINE_DAYS} 的整数天（0 为当场整改）"
        )
        deadline = 0
    photo = chk.flag(where, raw, "photo_required", True)
    needs_expert = chk.flag(where, raw, "needs_expert", False)
    optional = chk.flag(where, raw, "optional", False)
    if optional and major:
        chk.err(where, "重大隐患项须逐项检查，不能标为选答（optional）")
    element = raw.get("fire_element", "")
    if not isinstance(element, str) or (element and element not in fire_judgement.ELEMENTS):
        chk.err(
            where,
            f"“fire_element”应为 GB 35181-2017 第7章的综合判定要素编号（如“7.3.3”），不认识“{element}”",
        )
        element = ""
    applies: tuple[Applicability, ...] = ()
    if "applies" in raw:
        applies = _parse_applies(chk, raw["applies"], f"{where}.applies")
    return Item(
        key,
        text,
        guidance,
        str(category),
        basis,
        major,
        major_basis,
        deadline,
        photo,
        defect,
        measure,
        needs_expert,
        unverified,
        source,
        element,
        applies,
        optional,
    )


def parse(text: str, source: str) -> Checklist:
    """Parse one checklist file's text; raise ChecklistError with every problem."""
    chk = _Checker(source)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ChecklistError([(source, "", f"TOML 格式错误：{exc}")]) from None
    chk.unknown("", data, CHECKLIST_FIELDS)
    cid = data.get("id")
    if not isinstance(cid, str) or not ID_RE.match(cid):
        chk.err("id", "清单 id 应为小写字母开头的字母、数字或下划线")
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        chk.err("version", "版本号“version”应为正整数")
    title = chk.text("title", data, "title", limit=60)
    description = chk.text("description", data, "description", required=False, limit=500)
    edition = chk.text("edition", data, "edition", required=False, limit=40)
    valid_from, valid_until = (
        chk.day("valid_from", data, "valid_from"),
        chk.day("valid_until", data, "valid_until"),
    )
    if valid_from and valid_until and valid_until < valid_from:
        chk.err("valid_until", "“valid_until”早于“valid_from”")
    if edition and not (valid_from or valid_until):
        chk.err(
            "edition",
            "注明了版本（edition）的清单须写施行日期“valid_from”或废止前最后一天“valid_until”",
        )
    applies = _parse_applies(chk, data.get("applies"))
    sections = []
    section_keys: set[str] = set()
    item_keys: set[str] = set()
    raw_sections = data.get("sections")
    if not isinstance(raw_sections, list) or not raw_sections:
        chk.err("sections", "至少需要一个 [[sections]]")
        raw_sections = []
    for n, raw in enumerate(raw_sections, 1):
        where = f"sections[{n}]"
        if not isinstance(raw, dict):
            chk.err(where, "应为表")
            continue
        chk.unknown(where, raw, SECTION_FIELDS)
        skey = raw.get("key")
        if not isinstance(skey, str) or not ID_RE.match(skey):
            chk.err(where, "分节 key 应为小写字母开头的字母、数字或下划线")
        elif skey in section_keys:
            chk.err(where, f"分节 key 重复：{skey}")
        section_keys.add(str(skey))
        where = f"sections.{skey}"
        stitle = chk.text(where, raw, "title", limit=40)
        items = []
        raw_items = raw.get("items")
        if not isinstance(raw_items, list) or not raw_items:
            chk.err(where, "分节中没有检查项")
            raw_items = []
        for m, raw_item in enumerate(raw_items, 1):
            item = _parse_item(chk, f"{where}.items[{m}]", raw_item, edition)
            if item is None:
                continue
            if item.key in item_keys:
                chk.err(f"{where}.{item.key}", f"检查项 key 重复：{item.key}")
            item_keys.add(item.key)
            items.append(item)
        sections.append(Section(str(skey), stitle, tuple(items)))
    order = data.get("order", 100)
    if isinstance(order, bool) or not isinstance(order, int) or not 0 <= order <= 1000:
        chk.err("order", "顺序“order”应为 0–1000 的整数")
    if chk.problems:
        raise ChecklistError(chk.problems)
    checklist = Checklist(
        cid,
        version,
        title,
        description,
        applies,
        tuple(sections),
        "",
        source,
        order,
        edition,
        valid_from,
        valid_until,
    )
    return with_hash(checklist)


def load_dir(path: str | Path) -> list[Checklist]:
    """Load and check every *.toml in a folder; raise ChecklistError listing all problems."""
    folder = Path(path)
    if not folder.is_dir():
        raise ChecklistError([(str(folder), "", "检查清单目录不存在")])
    problems: list[tuple[str, str, str]] = []
    loaded: list[Checklist] = []
    for file in sorted(folder.glob("*.toml")):
        try:
            loaded.append(parse(file.read_text(encoding="utf-8"), file.name))
        except ChecklistError as exc:
            problems.extend(exc.problems)
        except UnicodeDecodeError:
            problems.append((file.name, "", "文件不是 UTF-8 编码"))
    seen: dict[str, str] = {}
    for c in loaded:
        if c.id in seen:
            problems.append((c.source, "id", f"清单 id “{c.id}”与 {seen[c.id]} 重复"))
        seen[c.id] = c.source
    if not loaded and not problems:
        problems.append((str(folder), "", "目录中没有检查清单（*.toml）"))
    if problems:
        raise ChecklistError(problems)
    return loaded
