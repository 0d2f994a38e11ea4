"""Inspection checklists (检查导则): versioned TOML files, validated and selected per premises.

A file holds one checklist:

    id = "catering"            # stable, [a-z0-9_]
    version = 3                # raise it whenever an item's text or rule changes
    title = "小餐饮"
    order = 20                 # where it comes in a visit (smaller first); not content
    [[applies]]                # OR of blocks; inside a block, AND of the keys given
    venue_types = ["catering"] # "none" matches premises that are not 九小场所
    [[sections]]
    key = "gas"
    title = "燃气安全"
    [[sections.items]]
    key = "gas_alarm"
    text = "..."               # the check, as the inspector reads it
    guidance = "..."           # what to look at and how to judge
    category = "gas"
    basis = "..."              # the regulation it comes from
    major = false              # failing it is a 重大事故隐患
    major_basis = ""           # the criterion, required when major = true
    deadline_days = 7          # default rectification deadline; 0 = on the spot
    photo_required = true      # a photo is required when the item fails
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from . import vocab

CATEGORIES = {
    # GB/T 33000-2016, the eight first-level elements
    "target_duty": "目标职责",
    "rules": "制度化管理",
    "training": "教育培训",
    "site": "现场管理",
    "risk_hazard": "安全风险管控及隐患排查治理",
    "emergency": "应急管理",
    "accident": "事故管理",
    "improvement": "持续改进",
    # Topics inspectors check on site
    "fire": "消防安全",
    "gas": "燃气安全",
    "electrical": "用电安全",
    "5s": "5S现场管理",
    "six_signage": "六有可视化警示标识",
    "special_equipment": "特种设备",
    "hazardous_work": "危险作业",
    "dust": "粉尘防爆",
    "confined_space": "有限空间",
    "chemicals": "危险化学品",
    "occupational_health": "职业健康",
    "building": "建筑与场所",
    "tenancy": "一企多租",
}
ID_RE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
CHECKLIST_FIELDS = {"id", "version", "title", "description", "order", "applies", "sections"}
APPLIES_FIELDS = {"venue_types", "industries", "size_classes", "landlords"}
SECTION_FIELDS = {"key", "title", "items"}
ITEM_FIELDS = {"key", "text", "guidance", "category", "basis", "major", "major_basis", "deadline_days", "photo_required"}
MAX_DEADLINE_DAYS = 180


class ChecklistError(ValueError):
    """Every problem found in the checklist files, each as (file, where, reason)."""

    def __init__(self, problems: list[tuple[str, str, str]]):
        self.problems = problems
        super().__init__("\n".join(f"{f}: {w}: {r}" if w else f"{f}: {r}" for f, w, r in problems))


@dataclass(frozen=True)
class Item:
    key: str
    text: str
    guidance: str
    category: str
    basis: str
    major: bool
    major_basis: str
    deadline_days: int
    photo_required: bool

    @property
    def category_label(self) -> str:
        return CATEGORIES[self.category]


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Applicability:
    venue_types: frozenset[str] | None = None
    industries: frozenset[str] | None = None
    size_classes: frozenset[str] | None = None
    landlords: bool | None = None

    def matches(self, venue_type: str | None, industry: str, size_class: str, hosts_tenants: bool) -> bool:
        if self.venue_types is not None and (venue_type or "none") not in self.venue_types:
            return False
        if self.industries is not None and industry not in self.industries:
            return False
        if self.size_classes is not None and size_class not in self.size_classes:
            return False
        if self.landlords is not None and bool(hosts_tenants) != self.landlords:
            return False
        return True


@dataclass(frozen=True)
class Checklist:
    id: str
    version: int
    title: str
    description: str
    applies: tuple[Applicability, ...]
    sections: tuple[Section, ...]
    content_hash: str
    source: str
    order: int = 100

    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(item for section in self.sections for item in section.items)

    def item(self, key: str) -> Item | None:
        return next((i for i in self.items if i.key == key), None)

    def applies_to(self, venue_type: str | None, industry: str, size_class: str, hosts_tenants: bool) -> bool:
        return any(a.matches(venue_type, industry, size_class, hosts_tenants) for a in self.applies)

    def snapshot(self) -> dict:
        """Return the content as plain data: what a visit answered, forever."""
        return {
            "id": self.id,
            "version": self.version,
            "title": self.title,
            "description": self.description,
            "sections": [
                {"key": s.key, "title": s.title, "items": [asdict(i) for i in s.items]} for s in self.sections
            ],
        }


def content_hash(data: dict) -> str:
    """SHA-256 over a canonical JSON form of the checklist content."""
    canonical = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


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

    def text(self, where: str, data: dict, name: str, *, required: bool = True, limit: int = 500) -> str:
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


def _parse_applies(chk: _Checker, raw) -> tuple[Applicability, ...]:
    if raw is None:
        return (Applicability(),)
    if not isinstance(raw, list) or not raw:
        chk.err("applies", "“applies”应为一个或多个 [[applies]] 块")
        return ()
    blocks = []
    allowed = {
        "venue_types": set(vocab.VENUE_TYPES) | {"none"},
        "industries": set(vocab.INDUSTRIES),
        "size_classes": set(vocab.SIZE_CLASSES),
    }
    for n, block in enumerate(raw, 1):
        where = f"applies[{n}]"
        if not isinstance(block, dict):
            chk.err(where, "应为表")
            continue
        chk.unknown(where, block, APPLIES_FIELDS)
        values: dict = {}
        for name, valid in allowed.items():
            if name not in block:
                continue
            listed = block[name]
            if not isinstance(listed, list) or not listed or not all(isinstance(v, str) for v in listed):
                chk.err(where, f"“{name}”应为非空的文字列表")
                continue
            for bad in sorted(set(listed) - valid):
                chk.err(where, f"“{name}”中有未知的值“{bad}”")
            values[name] = frozenset(listed)
        if "landlords" in block:
            values["landlords"] = chk.flag(where, block, "landlords", False)
        blocks.append(Applicability(**values))
    return tuple(blocks)


def _parse_item(chk: _Checker, where: str, raw) -> Item | None:
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
    guidance = chk.text(where, raw, "guidance", limit=600)
    basis = chk.text(where, raw, "basis", limit=200)
    category = raw.get("category")
    if category not in CATEGORIES:
        chk.err(where, f"未知的类别“{category}”" if category else "缺少“category”")
    major = chk.flag(where, raw, "major", False)
    major_basis = chk.text(where, raw, "major_basis", required=major, limit=200)
    if major_basis and not major:
        chk.err(where, "非重大隐患项不应填写“major_basis”")
    deadline = raw.get("deadline_days")
    if isinstance(deadline, bool) or not isinstance(deadline, int) or not 0 <= deadline <= MAX_DEADLINE_DAYS:
        chk.err(where, f"整改期限“deadline_days”应为 0–{MAX_DEADLINE_DAYS} 的整数天（0 为当场整改）")
        deadline = 0
    photo = chk.flag(where, raw, "photo_required", True)
    return Item(key, text, guidance, str(category), basis, major, major_basis, deadline, photo)


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
            item = _parse_item(chk, f"{where}.items[{m}]", raw_item)
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
    checklist = Checklist(cid, version, title, description, applies, tuple(sections), "", source, order)
    return _with_hash(checklist)


def _with_hash(c: Checklist) -> Checklist:
    snap = c.snapshot()
    snap["applies"] = [{k: sorted(v) if isinstance(v, frozenset) else v for k, v in asdict(a).items() if v is not None} for a in c.applies]
    return Checklist(c.id, c.version, c.title, c.description, c.applies, c.sections, content_hash(snap), c.source, c.order)


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


class Registry:
    """The checklists in force, as loaded at start-up."""

    def __init__(self, checklists: Iterable[Checklist]):
        self.all: tuple[Checklist, ...] = tuple(sorted(checklists, key=lambda c: (c.order, c.id)))
        self._by_id = {c.id: c for c in self.all}

    def get(self, checklist_id: str) -> Checklist | None:
        return self._by_id.get(checklist_id)

    def for_premises(self, venue_type: str | None, industry: str, size_class: str, hosts_tenants: bool) -> list[Checklist]:
        """Return the checklists that apply to a premises, in visit order."""
        return [c for c in self.all if c.applies_to(venue_type, industry, size_class, hosts_tenants)]

    def for_enterprise(self, ent) -> list[Checklist]:
        return self.for_premises(ent.venue_type, ent.industry, ent.size_class, ent.hosts_tenants)


ITEM_DIFF_FIELDS = ("text", "guidance", "category", "basis", "major", "major_basis", "deadline_days", "photo_required")


def diff(old: dict, new: dict) -> dict:
    """Compare two snapshots item by item: added, removed and changed fields."""

    def index(snap: dict) -> dict[str, tuple[str, dict]]:
        return {i["key"]: (s["title"], i) for s in snap["sections"] for i in s["items"]}

    a, b = index(old), index(new)
    changed = []
    for key in b:
        if key in a:
            fields_changed = {f: (a[key][1].get(f), b[key][1].get(f)) for f in ITEM_DIFF_FIELDS
                              if a[key][1].get(f) != b[key][1].get(f)}
            if a[key][0] != b[key][0]:
                fields_changed["section"] = (a[key][0], b[key][0])
            if fields_changed:
                changed.append({"key": key, "text": b[key][1]["text"], "fields": fields_changed})
    return {
        "added": [dict(item, section=title) for key, (title, item) in b.items() if key not in a],
        "removed": [dict(item, section=title) for key, (title, item) in a.items() if key not in b],
        "changed": changed,
        "title": (old.get("title"), new.get("title")) if old.get("title") != new.get("title") else None,
    }


def describe(c: Checklist) -> str:
    """Say in Chinese which premises a checklist applies to."""
    parts = []
    for a in c.applies:
        bits = []
        if a.venue_types is not None:
            names = [vocab.VENUE_TYPES.get(v, "非九小场所企业") if v != "none" else "非九小场所企业" for v in sorted(a.venue_types)]
            bits.append("、".join(names))
        if a.industries is not None:
            bits.append("行业：" + "、".join(sorted(a.industries)))
        if a.size_classes is not None:
            bits.append("规模：" + "、".join(vocab.SIZE_CLASSES[s] for s in sorted(a.size_classes)))
        if a.landlords is not None:
            bits.append("一企多租出租方" if a.landlords else "非出租方")
        parts.append("，".join(bits) if bits else "所有场所")
    return "；或 ".join(parts)
