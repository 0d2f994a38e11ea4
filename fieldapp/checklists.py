"""Inspection checklists (检查导则): versioned TOML files, validated and selected per premises and date.

A file holds one checklist (field reference: checklists/README.md):

    id = "catering"            # stable, [a-z0-9_]
    version = 3                # raise it whenever an item's text or rule changes
    title = "小餐饮"
    order = 20                 # where it comes in a visit (smaller first); not content
    edition = "GB 35181-2017"  # optional: the edition of the standard its items apply
    valid_from = 2017-...      # optional: first day in force (local date)
    valid_until = 2025-10-31   # optional: last day in force
    [[applies]]                # OR of blocks; inside a block, AND of the keys given
    venue_types = ["catering"] # "none" matches premises that are not 九小场所
    [[sections]]
    key = "gas"
    title = "燃气安全"
    [[sections.items]]
    key = "gas_alarm"
    text = "..."               # the check, as the inspector reads it (the compliant state)
    defect = "..."             # the finding worded as a defect: what a hazard is called
    measure = "..."            # the standard corrective action
    guidance = "..."           # what to look at and how to judge
    category = "gas"
    basis = "..."              # the regulation it comes from
    major = false              # failing it is a 重大事故隐患
    major_basis = ""           # article and item of the criterion, required when major = true
    deadline_days = 7          # default rectification deadline; 0 = on the spot
    photo_required = true      # a photo is required when the item fails
    needs_expert = false       # an engineer must judge it: the walk says 请专业人员核实
    unverified = false         # the clause could not be checked against the text: 待核实
    source = ""                # where the basis was checked
    fire_element = ""          # GB 35181 combined-judgement element it counts as (fieldapp.fire_judgement)
    optional = false           # the walk may be finished without it; a required item needs an answer or 未检查 with a reason
    applies = [{industries = ["机械"]}]  # narrows the checklist's applies for this item
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

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
    "molten_metal": "熔融金属与冶炼铸造",
    "gas_fuel": "煤气与燃气窑炉",
    "refrigeration": "液氨制冷",
}


class ChecklistError(ValueError):
    """Every problem found in the checklist files, each as (file, where, reason)."""

    def __init__(self, problems: list[tuple[str, str, str]]):
        self.problems = problems
        super().__init__("\n".join(f"{f}: {w}: {r}" if w else f"{f}: {r}" for f, w, r in problems))


@dataclass(frozen=True)
class Applicability:
    venue_types: frozenset[str] | None = None
    industries: frozenset[str] | None = None
    size_classes: frozenset[str] | None = None
    landlords: bool | None = None

    def matches(
        self, venue_type: str | None, industry: str, size_class: str, hosts_tenants: bool
    ) -> bool:
        if self.venue_types is not None and (venue_type or "none") not in self.venue_types:
            return False
        if self.industries is not None and industry not in self.industries:
            return False
        if self.size_classes is not None and size_class not in self.size_classes:
            return False
        if self.landlords is not None and bool(hosts_tenants) != self.landlords:
            return False
        return True

    @classmethod
    def from_data(cls, data: dict) -> Applicability:
        """Read back `as_data` (a recorded snapshot's item scope)."""
        return cls(**{k: frozenset(v) if isinstance(v, list) else v for k, v in data.items()})

    def as_data(self) -> dict:
        return {
            k: sorted(v) if isinstance(v, frozenset) else v
            for k, v in (
                ("venue_types", self.venue_types),
                ("industries", self.industries),
                ("size_classes", self.size_classes),
                ("landlords", self.landlords),
            )
            if v is not None
        }


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
    defect: str = ""
    measure: str = ""
    needs_expert: bool = False
    unverified: bool = False
    source: str = ""
    fire_element: str = ""
    applies: tuple[Applicability, ...] = ()  # empty: every premises the checklist applies to
    optional: bool = (
        False  # may be left unanswered without a reason (the walk requires every other item)
    )

    @property
    def category_label(self) -> str:
        return CATEGORIES[self.category]

    def applies_to(
        self, venue_type: str | None, industry: str, size_class: str, hosts_tenants: bool
    ) -> bool:
        return not self.applies or any(
            a.matches(venue_type, industry, size_class, hosts_tenants) for a in self.applies
        )

    def as_data(self) -> dict:
        """Plain data (JSON-safe): what snapshots, hashes and the bundle carry."""
        data = {
            "key": self.key,
            "text": self.text,
            "defect": self.defect,
            "measure": self.measure,
            "guidance": self.guidance,
            "category": self.category,
            "basis": self.basis,
            "major": self.major,
            "major_basis": self.major_basis,
            "deadline_days": self.deadline_days,
            "photo_required": self.photo_required,
            "needs_expert": self.needs_expert,
            "unverified": self.unverified,
            "source": self.source,
            "fire_element": self.fire_element,
        }
        if self.applies:
            data["applies"] = [a.as_data() for a in self.applies]
        if self.optional:
            # Only when set: the content hash of every version recorded before the field existed stays the same.
            data["optional"] = True
        return data


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    items: tuple[Item, ...]


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
    edition: str = ""
    valid_from: date | None = None
    valid_until: date | None = None

    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(item for section in self.sections for item in section.items)

    def item(self, key: str) -> Item | None:
        return next((i for i in self.items if i.key == key), None)

    def applies_to(
        self, venue_type: str | None, industry: str, size_class: str, hosts_tenants: bool
    ) -> bool:
        return any(a.matches(venue_type, industry, size_class, hosts_tenants) for a in self.applies)

    def in_force(self, day: date) -> bool:
        """Whether the checklist's edition is in force on a (local) day."""
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_until is None or day <= self.valid_until
        )

    def items_for(
        self, venue_type: str | None, industry: str, size_class: str, hosts_tenants: bool
    ) -> tuple[Item, ...]:
        """The items that apply to a premises (an item may narrow its checklist's scope)."""
        return tuple(
            i for i in self.items if i.applies_to(venue_type, industry, size_class, hosts_tenants)
        )

    def validity(self) -> str:
        """Say in Chinese when this edition is in force."""
        if self.valid_from is None and self.valid_until is None:
            return ""
        start = (
            f"{self.valid_from.year}年{self.valid_from.month}月{self.valid_from.day}日起"
            if self.valid_from
            else ""
        )
        end = (
            f"至{self.valid_until.year}年{self.valid_until.month}月{self.valid_until.day}日"
            if self.valid_until
            else "施行"
        )
        return f"{start}{end}" if start else f"施行{end}"

    def snapshot(self) -> dict:
        """Return the content as plain data: what a visit answered, forever."""
        snap = {
            "id": self.id,
            "version": self.version,
            "title": self.title,
            "description": self.description,
            "sections": [
                {"key": s.key, "title": s.title, "items": [i.as_data() for i in s.items]}
                for s in self.sections
            ],
        }
        if self.edition or self.valid_from or self.valid_until:
            snap.update(
                edition=self.edition,
                valid_from=self.valid_from.isoformat() if self.valid_from else None,
                valid_until=self.valid_until.isoformat() if self.valid_until else None,
            )
        return snap


def content_hash(data: dict) -> str:
    """SHA-256 over a canonical JSON form of the checklist content."""
    canonical = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def with_hash(c: Checklist) -> Checklist:
    snap = c.snapshot()
    snap["applies"] = [a.as_data() for a in c.applies]
    return Checklist(
        c.id,
        c.version,
        c.title,
        c.description,
        c.applies,
        c.sections,
        content_hash(snap),
        c.source,
        c.order,
        c.edition,
        c.valid_from,
        c.valid_until,
    )


def item_applies(item: dict, ent) -> bool:
    """Whether an item, as plain data (`Item.as_data` or a snapshot's), applies to a premises."""
    blocks = [Applicability.from_data(a) for a in item.get("applies") or []]
    return not blocks or any(
        a.matches(ent.venue_type, ent.industry, ent.size_class, ent.hosts_tenants) for a in blocks
    )


class Registry:
    """The checklists in force, as loaded at start-up."""

    def __init__(self, checklists: Iterable[Checklist]):
        self.all: tuple[Checklist, ...] = tuple(sorted(checklists, key=lambda c: (c.order, c.id)))
        self._by_id = {c.id: c for c in self.all}

    def get(self, checklist_id: str) -> Checklist | None:
        return self._by_id.get(checklist_id)

    def for_premises(
        self,
        venue_type: str | None,
        industry: str,
        size_class: str,
        hosts_tenants: bool,
        on: date | None = None,
    ) -> list[Checklist]:
        """Return the checklists that apply to a premises on a day (None: any day), in visit order.

        A checklist applies when its own scope matches, its edition is in force that day
        and at least one of its items applies to the premises.
        """
        return [
            c
            for c in self.all
            if c.applies_to(venue_type, industry, size_class, hosts_tenants)
            and (on is None or c.in_force(on))
            and c.items_for(venue_type, industry, size_class, hosts_tenants)
        ]

    def for_enterprise(self, ent, on: date | None = None) -> list[Checklist]:
        return self.for_premises(
            ent.venue_type, ent.industry, ent.size_class, ent.hosts_tenants, on
        )

    def items_for_enterprise(self, c: Checklist, ent) -> tuple[Item, ...]:
        return c.items_for(ent.venue_type, ent.industry, ent.size_class, ent.hosts_tenants)


ITEM_DIFF_FIELDS = (
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
    "fire_element",
    "applies",
    "optional",
)


def diff(old: dict, new: dict) -> dict:
    """Compare two snapshots item by item: added, removed and changed fields."""

    def index(snap: dict) -> dict[str, tuple[str, dict]]:
        return {i["key"]: (s["title"], i) for s in snap["sections"] for i in s["items"]}

    a, b = index(old), index(new)
    changed = []
    for key in b:
        if key in a:
            # Snapshots recorded before a field existed lack it: compare against its default.
            fields_changed = {
                f: (a[key][1].get(f), b[key][1].get(f))
                for f in ITEM_DIFF_FIELDS
                if (a[key][1].get(f) or None) != (b[key][1].get(f) or None)
            }
            if a[key][0] != b[key][0]:
                fields_changed["section"] = (a[key][0], b[key][0])
            if fields_changed:
                changed.append({"key": key, "text": b[key][1]["text"], "fields": fields_changed})
    return {
        "added": [dict(item, section=title) for key, (title, item) in b.items() if key not in a],
        "removed": [dict(item, section=title) for key, (title, item) in a.items() if key not in b],
        "changed": changed,
        "title": (old.get("title"), new.get("title"))
        if old.get("title") != new.get("title")
        else None,
    }


def describe_applies(blocks: Iterable[Applicability]) -> str:
    """Say in Chinese which premises a set of applies blocks matches."""
    parts = []
    for a in blocks:
        bits = []
        if a.venue_types is not None:
            names = [
                vocab.VENUE_TYPES.get(v, "非九小场所企业") if v != "none" else "非九小场所企业"
                for v in sorted(a.venue_types)
            ]
            bits.append("、".join(names))
        if a.industries is not None:
            bits.append("行业：" + "、".join(sorted(a.industries)))
        if a.size_classes is not None:
            bits.append("规模：" + "、".join(vocab.SIZE_CLASSES[s] for s in sorted(a.size_classes)))
        if a.landlords is not None:
            bits.append("一企多租出租方" if a.landlords else "非出租方")
        parts.append("，".join(bits) if bits else "所有场所")
    return "；或 ".join(parts)


def describe(c: Checklist) -> str:
    """Say in Chinese which premises (and when) a checklist applies to."""
    text = describe_applies(c.applies)
    return f"{text}（{c.edition}，{c.validity()}）" if c.edition else text


# The parser lives in its own module; it builds the classes above.
from .checklist_parse import ID_RE, ITEM_FIELDS, MAX_DEADLINE_DAYS, load_dir, parse  # noqa: E402

__all__ = [
    "CATEGORIES",
    "ID_RE",
    "ITEM_FIELDS",
    "MAX_DEADLINE_DAYS",
    "Applicability",
    "Checklist",
    "ChecklistError",
    "Item",
    "Registry",
    "Section",
    "content_hash",
    "describe",
    "describe_applies",
    "diff",
    "load_dir",
    "parse",
    "with_hash",
]
