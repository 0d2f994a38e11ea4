"""GB 35181 combined judgement (多项要素综合判定) of a 重大火灾隐患 from a visit's failed items.

GB 35181-2017 §5.3.2 declares a major fire hazard when the combined-judgement elements
of its chapter 7 that a premises fails reach a count that depends on the kind of venue:

a) 人员密集场所: 3 or more of 7.3.1–7.3.9, 7.5 and 7.9.3;
b) 易燃易爆危险品场所: 3 or more of 7.1.1–7.1.3, 7.4.5 and 7.4.6;
c) 人员密集场所、易燃易爆危险品场所、重要场所: 4 or more of any chapter 7 element;
d) other premises: 6 or more of any chapter 7 element.

Checklist items carry the element they count as (`fire_element`). Each element counts
once however many items name it. The inspector confirms or declines the proposal on
site (fieldapp.visits validates that part of the visit body); a confirmation raises one
major hazard listing the counted items.

GB 35181-2025 (in force 2025-11-01) revised the combined elements and thresholds, but its
chapter 6 wording could not be checked here: from that date a proposal is still made on
the 2017 elements and is marked unverified, for an engineer to confirm.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

EDITION_2017 = "GB 35181-2017"
EDITION_2025 = "GB 35181-2025"
EDITION_2025_FROM = date(2025, 11, 1)

# Where the 2017 element numbers and the thresholds were checked (recorded per element below).
SOURCE_2017 = (
    "GB 35181-2017 第7章条文，见建标库 jianbiaoku.com/webarbs/book/109784/3234348.shtml；"
    "第5.3.2条判定条件，见消防工程师考试资料 ntxkf.cn/xfgcs/2296807.html"
)


@dataclass(frozen=True)
class Element:
    code: str
    label: str
    verified: bool  # number and wording checked against a public copy of the 2017 text


ELEMENTS: dict[str, Element] = {
    e.code: e
    for e in (
        Element("7.1.1", "未按规定设置消防车道或消防车道被堵塞、占用", True),
        Element("7.1.2", "建筑之间的既有防火间距被占用或小于规定值的80%", True),
        Element(
            "7.1.3",
            "在厂房、库房、商场中设置员工宿舍，或在居住等民用建筑中从事生产、储存、经营，且不符合GA 703",
            True,
        ),
        Element("7.1.4", "地下车站的站厅、站台及疏散通道内设置商业经营场所", True),
        Element("7.2.1", "原有防火分区被改变，实际防火分区面积大于规定值的50%", True),
        Element("7.2.2", "防火门、防火卷帘等防火分隔设施损坏数量大于该防火分区总数的50%", True),
        Element("7.2.3", "丙、丁、戊类厂房内有火灾或爆炸危险的部位未采取防火分隔等措施", True),
        Element("7.3.1", "避难走道、避难间、避难层设置不符合规定或被占用", True),
        Element("7.3.2", "人员密集场所内疏散楼梯间的设置形式不符合规定", True),
        Element("7.3.3", "安全出口数量或宽度不符合规定，或既有安全出口被封堵", True),
        Element("7.3.4", "应设置独立的安全出口或疏散楼梯而未设置", True),
        Element("7.3.5", "商店营业厅内的疏散距离大于规定值的125%", True),
        Element(
            "7.3.6",
            "未按规定设置疏散指示标志、应急照明，或损坏率超过30%（高层、地下）/50%（其他）",
            True,
        ),
        Element("7.3.7", "封闭楼梯间、防烟楼梯间的门损坏率超过规定", True),
        Element(
            "7.3.8", "人员密集场所疏散走道、楼梯间、前室的室内装修材料燃烧性能不符合GB 50222", False
        ),
        Element("7.3.9", "人员密集场所的疏散走道、楼梯间、疏散门或安全出口设置栅栏、卷帘门", False),
        Element("7.3.10", "人员密集场所的外窗被封堵或被广告牌等遮挡", False),
        Element("7.4.3", "未按规定设置室内消火栓系统，或已设置但不能正常使用", False),
        Element("7.4.4", "其他场所未按规定设置自动喷水灭火系统", False),
        Element("7.4.5", "未按规定设置除自动喷水灭火系统外的其他固定灭火设施", False),
        Element("7.4.6", "已设置的自动喷水灭火系统或其他固定灭火设施不能正常使用或运行", False),
        Element(
            "7.5",
            "人员密集场所、高层建筑和地下建筑未按规定设置防烟、排烟设施，或不能正常使用",
            False,
        ),
        Element("7.6.2", "消防用电设备未按规定采用专用的供电回路", False),
        Element("7.7.1", "其他场所未按规定设置火灾自动报警系统", False),
        Element("7.7.2", "火灾自动报警系统不能正常运行", False),
        Element(
            "7.9.2", "易燃易爆或粉尘爆炸危险场所未按规定设置防爆电气设备和泄压设施，或已失效", False
        ),
        Element(
            "7.9.3",
            "违反规定使用燃油、燃气设备，或燃油、燃气管道敷设和紧急切断装置不符合规定",
            False,
        ),
        Element(
            "7.9.4", "在可燃材料或可燃构件上直接敷设电气线路或安装电气设备，或采用不合格线缆", False
        ),
        Element("7.9.5", "违反规定在人员密集场所使用易燃、可燃材料装修、装饰", False),
    )
}

VENUE_KINDS = {
    "crowded": "人员密集场所",
    "flammable": "易燃易爆危险品场所",
    "important": "重要场所",
    "other": "其他场所",
}
# 九小场所 that are public gathering places; 消防法 第七十三条 also counts the production
# workshops and staff dormitories of labour-intensive enterprises as 人员密集场所.
CROWDED_VENUES = frozenset(
    {
        "hotel",
        "entertainment",
        "internet_cafe",
        "beauty_bath",
        "shop",
        "catering",
        "clinic",
        "school",
    }
)
LABOUR_INTENSIVE_INDUSTRIES = frozenset({"轻工", "纺织"})
LABOUR_INTENSIVE_MIN_STAFF = (
    30  # 同一时间生产作业人员30人以上 (common local definition; not checked against a text)
)


def _crowded_core(code: str) -> bool:
    parts = code.split(".")
    return (
        (parts[:2] == ["7", "3"] and int(parts[2]) <= 9)
        or code.startswith("7.5")
        or code == "7.9.3"
    )


FLAMMABLE_CORE = frozenset({"7.1.1", "7.1.2", "7.1.3", "7.4.5", "7.4.6"})


@dataclass(frozen=True)
class Failed:
    """One failed item of a visit that counts as an element."""

    checklist: str
    item: str
    element: str
    defect: str


@dataclass
class Proposal:
    edition: str
    venue_kind: str
    rule: str  # the clause of the rule that is met, in Chinese
    threshold: int
    counted: list[Failed] = field(default_factory=list)
    unverified: bool = False

    @property
    def elements(self) -> list[str]:
        return sorted({f.element for f in self.counted}, key=_sort_key)

    def as_data(self) -> dict:
        return {
            "edition": self.edition,
            "venue_kind": self.venue_kind,
            "venue_kind_label": VENUE_KINDS[self.venue_kind],
            "rule": self.rule,
            "threshold": self.threshold,
            "elements": self.elements,
            "unverified": self.unverified,
            "counted": [
                {"checklist": f.checklist, "item": f.item, "element": f.element, "defect": f.defect}
                for f in self.counted
            ],
        }

    def defect(self) -> str:
        """The combined hazard worded as a defect, naming what was counted."""
        listed = "；".join(f"{f.defect}（要素{f.element}）" for f in self.counted)
        return f"多项消防安全问题并存，综合判定为重大火灾隐患：{listed}"[:2000]

    def basis(self) -> str:
        note = "（2025版综合判定条款待核实，按2017版要素提出）" if self.unverified else ""
        return f"{self.edition} {self.rule}{note}"


def _sort_key(code: str) -> tuple[int, ...]:
    return tuple(int(p) for p in code.split("."))


def edition_on(day: date) -> str:
    """The GB 35181 edition in force on a day."""
    return EDITION_2025 if day >= EDITION_2025_FROM else EDITION_2017


def venue_kind_for(venue_type: str | None, industry: str, employees: int | None) -> str:
    """The default venue kind of a premises; the inspector may judge otherwise on site."""
    if venue_type in CROWDED_VENUES:
        return "crowded"
    if industry == "危险化学品":
        return "flammable"
    if (
        industry in LABOUR_INTENSIVE_INDUSTRIES
        and venue_type in (None, "small_manufacturing")
        and (employees or 0) >= LABOUR_INTENSIVE_MIN_STAFF
    ):
        return "crowded"
    return "other"


def propose(failed: Iterable[Failed], venue_kind: str, day: date) -> Proposal | None:
    """Propose a combined 重大火灾隐患 when the failed elements reach the threshold; else None."""
    if venue_kind not in VENUE_KINDS:
        raise ValueError(venue_kind)
    rows = [f for f in failed if f.element in ELEMENTS]
    edition = edition_on(day)
    unverified = edition != EDITION_2017

    def distinct(pred) -> list[Failed]:
        return [f for f in rows if pred(f.element)]

    def count(listed: list[Failed]) -> int:
        return len({f.element for f in listed})

    candidates: list[tuple[str, int, list[Failed]]] = []
    if venue_kind == "crowded":
        candidates.append(
            (
                "第5.3.2条a）人员密集场所存在7.3.1～7.3.9、7.5、7.9.3规定的要素3条以上",
                3,
                distinct(_crowded_core),
            )
        )
    if venue_kind == "flammable":
        candidates.append(
            (
                "第5.3.2条b）易燃易爆危险品场所存在7.1.1～7.1.3、7.4.5、7.4.6规定的要素3条以上",
                3,
                distinct(FLAMMABLE_CORE.__contains__),
            )
        )
    if venue_kind in ("crowded", "flammable", "important"):
        candidates.append(
            ("第5.3.2条c）人员密集场所、易燃易爆危险品场所、重要场所存在第7章要素4条以上", 4, rows)
        )
    else:
        candidates.append(("第5.3.2条d）其他场所存在第7章要素6条以上", 6, rows))
    for rule, threshold, listed in candidates:
        if count(listed) >= threshold:
            ordered = sorted(listed, key=lambda f: (_sort_key(f.element), f.checklist, f.item))
            return Proposal(edition, venue_kind, rule, threshold, ordered, unverified)
    return None


def rules() -> dict:
    """The combined-judgement rules as data, so the phone proposes what the server will accept."""
    crowded = sorted((c for c in ELEMENTS if _crowded_core(c)), key=_sort_key)
    return {
        "editions": [
            {
                "edition": EDITION_2017,
                "valid_from": None,
                "valid_until": date.fromordinal(EDITION_2025_FROM.toordinal() - 1).isoformat(),
                "unverified": False,
            },
            {
                "edition": EDITION_2025,
                "valid_from": EDITION_2025_FROM.isoformat(),
                "valid_until": None,
                "unverified": True,
            },
        ],
        "venue_kinds": VENUE_KINDS,
        "elements": {e.code: {"label": e.label, "verified": e.verified} for e in ELEMENTS.values()},
        # Tried in order for the venue kind; the first met is proposed. Each element counts once.
        "rules": [
            {
                "venue_kinds": ["crowded"],
                "elements": crowded,
                "threshold": 3,
                "rule": "第5.3.2条a）人员密集场所存在7.3.1～7.3.9、7.5、7.9.3规定的要素3条以上",
            },
            {
                "venue_kinds": ["flammable"],
                "elements": sorted(FLAMMABLE_CORE, key=_sort_key),
                "threshold": 3,
                "rule": "第5.3.2条b）易燃易爆危险品场所存在7.1.1～7.1.3、7.4.5、7.4.6规定的要素3条以上",
            },
            {
                "venue_kinds": ["crowded", "flammable", "important"],
                "elements": None,
                "threshold": 4,
                "rule": "第5.3.2条c）人员密集场所、易燃易爆危险品场所、重要场所存在第7章要素4条以上",
            },
            {
                "venue_kinds": ["other"],
                "elements": None,
                "threshold": 6,
                "rule": "第5.3.2条d）其他场所存在第7章要素6条以上",
            },
        ],
        "source": SOURCE_2017,
    }
