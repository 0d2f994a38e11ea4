"""The quarterly tables of annexes 4, 5 and 7, as the plan's forms word them (PRODUCT.md §9, §11).

This module holds the forms themselves: titles, column headers with their units, row
labels and the numbered notes, verbatim from `seed/district-plan-2025.txt` (the
punctuation made full-width), and what each column counts (its 口径, shown under the
table). `quarterly_facts` computes every figure with the rows behind it; a filer's own
table is `for_unit`; the district's roll-up of filed tables is `fieldapp.filings.rollup`.

Annex 6 is named in the plan's list of quarterly tables (五(五) and the annex list), but
the plan's text carries no table for it, so none is invented here (ANNEX6_NOTE).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal

from sqlalchemy import ColumnElement, select, true

from . import vocab
from .clock import LOCAL_TZ
from .extensions import db
from .models import Enterprise, Street, User

PLAN_YEAR = 2025  # the year the plan's forms and notes name; a report for another year says its own
KIND_LABELS = {"department": "区安委会成员单位", "street": "街道"}
LEVELS = {"city": "市级", "district": "区级", "street": "街道级"}
# Annex 7's rows: the plan's wording (小生产加工企业), in the plan's order.
VENUE_ROWS = {**vocab.VENUE_TYPES, "small_manufacturing": "小生产加工企业"}
VENUE_ROWS = {code: VENUE_ROWS[code] for code in vocab.VENUE_TYPES}
ANNEX6_NOTE = (
    "方案“五、工作要求（五）”和附件目录列出了附件6《鲤城区安全生产标准化提升专项行动2025年持续深化进展情况季报表（三）》，"
    "但方案文本中没有该表的表样，本系统不自行设计；待区安委办下发表样后再增加。"
)


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    groups: tuple[str, ...] = ()
    source: str = "premises"  # what the ids behind a figure are: premises / hazards / visits / cases / figures
    legend: str = ""  # what the column counts (口径), shown under the table
    manual: bool = False  # entered by the filer for each quarter (quarter_figures)
    decimal: bool = False  # 万元, two decimals
    level: bool = (
        False  # annex 5: the 层级 column inside a case group (the level's name, not a figure)
    )
    by_level: bool = (
        False  # annex 5: counted per level row; other columns span the filer's three level rows
    )


@dataclass
class Period:
    year: int
    quarter: int
    start: datetime  # the quarter's first instant (aware, Asia/Shanghai midnight)
    end: datetime  # exclusive
    year_start: datetime

    @property
    def label(self) -> str:
        return f"{self.year} 年第 {self.quarter} 季度"

    @property
    def end_day(self) -> date:
        """The day after the quarter, as a local date (exclusive bound for date columns)."""
        return self.end.astimezone(LOCAL_TZ).date()


def period(year: int, quarter: int) -> Period:
    if quarter not in (1, 2, 3, 4) or not 2000 <= year <= 2100:
        raise ValueError("季度应为 1–4，年份应为四位数")
    start = datetime.combine(date(year, 3 * quarter - 2, 1), time(), LOCAL_TZ)
    end = datetime.combine(
        date(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1), time(), LOCAL_TZ
    )
    return Period(year, quarter, start, end, datetime.combine(date(year, 1, 1), time(), LOCAL_TZ))


# The notes' rolling starts (annex 4 notes 7, 9, 10; annex 7 notes 3, 4).
ROLLING_2021 = datetime(2021, 8, 1, tzinfo=LOCAL_TZ)
ROLLING_2024_02 = datetime(2024, 2, 1, tzinfo=LOCAL_TZ)
STARS_SINCE = datetime(2024, 4, 1, tzinfo=LOCAL_TZ)

DUTY = "落实全员安全生产责任制数量"
THREE = (DUTY, "健全三张清单")
YEAR_SO_FAR = "本年1月1日至季末"

ANNEX4 = [
    *(
        Column(f"base_{k}", v, ("企业基数（家）",), legend=f"季末登记在册的{v}（含九小场所）")
        for k, v in (
            ("small_micro", "小微企业"),
            ("medium", "中等企业"),
            ("above_scale", "规上企业"),
        )
    ),
    Column("base_total", "总数", ("企业基数（家）",), legend="季末登记在册的生产经营单位总数"),
    Column(
        "org",
        "依法依规设置安全生产管理机构（家）",
        (DUTY,),
        legend="最近一次检查“设置了安全生产管理机构”项为“符合”的单位",
    ),
    Column(
        "responsibility",
        "建立全员责任制及其考核清单（家）",
        (DUTY,),
        legend="最近一次检查“全员安全生产责任制”项为“符合”的单位",
    ),
    Column(
        "full_time",
        "依法依规配备专职安全生产管理人员",
        (DUTY,),
        legend="最近一次检查“配备了专职安全生产管理人员”项为“符合”的单位（只有兼职人员的不计；是否符合《安全生产法》第二十四条另项判定）",
    ),
    Column(
        "three_lists",
        "企业数量（家）",
        THREE,
        legend="在本系统自查登记隐患且季末没有逾期未整改的自查隐患的单位，或最近一次检查“自查隐患逐条登记，整改后有验收销号”项为“符合”的单位",
    ),
    Column(
        "self_found",
        "自查隐患数量（条）",
        THREE,
        source="hazards",
        legend=f"企业自查登记的隐患，{YEAR_SO_FAR}发现",
    ),
    Column(
        "self_rectified",
        "整改隐患数量（条）",
        THREE,
        source="hazards",
        legend=f"企业自查登记的隐患，{YEAR_SO_FAR}整改销号",
    ),
    Column(
        "four_color",
        "四色安全风险分级管控",
        (DUTY,),
        legend="有四色风险等级评定记录的单位（未评定的不计，另列）",
    ),
    Column(
        "five_s",
        "强化5S现场管理（家）",
        (DUTY,),
        legend="最近一次检查5S各项均为“符合”或“不适用”、且至少一项“符合”的单位",
    ),
    Column(
        "six_signage",
        "完善六有可视化警示标识（家）",
        (DUTY,),
        legend="最近一次检查“六有”各项均为“符合”或“不适用”、且至少一项“符合”的单位",
    ),
    Column(
        "rescue_team",
        "依法依规建立专兼职应急救援队伍",
        (DUTY,),
        legend="最近一次检查“应急救援队伍（人员）”项为“符合”的单位",
    ),
    Column(
        "std_type",
        "达标类型",
        ("创建提升数量（家）",),
        legend="季末持有有效定级（一、二、三级）的单位",
    ),
    Column(
        "std_review",
        "达标评审",
        ("创建提升数量（家）",),
        legend="季末持有有效小微企业达标（不定级）评审结果的单位",
    ),
    Column(
        "std_self",
        "自评企业",
        ("创建提升数量（家）",),
        legend="未经定级（达标）评审、近12个月内完成内部自评的单位",
    ),
    Column("std_total", "总数", ("创建提升数量（家）",), legend="前三栏之和"),
    *(
        Column(
            f"stars_{n}",
            f"{'五四三二一'[5 - n]}星企业",
            ("实施星级管理数量（家）",),
            legend=f"季末星级为{n}星的单位",
        )
        for n in (5, 4, 3, 2, 1)
    ),
]

_SIZES = (("above_scale", "规上企业"), ("medium", "中等企业"), ("small_micro", "小微企业"))
ANNEX5 = [
    Column("sample_street_level", "层级", ("十佳乡镇（街道、园区）案例",), level=True),
    Column(
        "sample_street",
        "数量（个）",
        ("十佳乡镇（街道、园区）案例",),
        source="cases",
        by_level=True,
        legend="本年登记的样板街道案例，按认定层级",
    ),
    Column("benchmark_level", "层级", ("百优企业案例（个）",), level=True),
    *(
        Column(
            f"benchmark_{k}",
            v,
            ("百优企业案例（个）",),
            source="cases",
            by_level=True,
            legend=f"本年登记的标杆企业案例（{v}），按认定层级",
        )
        for k, v in _SIZES
    ),
    Column("reviewed_level", "层级", ("千企达标评审（家）",), level=True),
    *(
        Column(
            f"reviewed_{k}",
            v,
            ("千企达标评审（家）",),
            by_level=True,
            legend=f"本年通过定级（达标）评审的{v}，按组织评审的层级（省级、国家级组织的计入市级）",
        )
        for k, v in _SIZES
    ),
    *(
        Column(
            k,
            v,
            ("万岗达标（个）",),
            source="figures",
            manual=True,
            legend="填报单位逐季填报，本年累计",
        )
        for k, v in (
            ("post_party", "党员模范岗（个）"),
            ("post_worker", "工人先锋岗（个）"),
            ("post_youth", "青年突击手（个）"),
            ("post_women", "巾帼能手（个）"),
        )
    ),
    Column("notices", "函告企业数（家）", ("宣传发动",), legend="本年送达告知书（附件2）的单位"),
    Column(
        "commitments",
        "签订承诺书企业数（家）",
        ("宣传发动",),
        legend="本年签订承诺书（附件3）的单位",
    ),
    Column(
        "training_sessions",
        "场次",
        ("宣传发动",),
        source="figures",
        manual=True,
        legend="专题培训场次，逐季填报，本年累计",
    ),
    Column(
        "training_units",
        "参训企业（家次）",
        ("宣传发动",),
        source="figures",
        manual=True,
        legend="逐季填报，本年累计",
    ),
    Column(
        "training_people",
        "参训人数（人次）",
        ("宣传发动",),
        source="figures",
        manual=True,
        legend="逐季填报，本年累计",
    ),
    Column(
        "observe_sessions",
        "场次",
        ("宣传发动",),
        source="figures",
        manual=True,
        legend="现场观摩场次，逐季填报，本年累计",
    ),
    Column(
        "observe_units",
        "参加企业（家次）",
        ("宣传发动",),
        source="figures",
        manual=True,
        legend="逐季填报，本年累计",
    ),
    Column(
        "observe_people",
        "参加人数（人次）",
        ("宣传发动",),
        source="figures",
        manual=True,
        legend="逐季填报，本年累计",
    ),
]

ENFORCE = ("执法激励约束",)
_MANUAL = "逐季填报，本年累计"
_RECORDS = "{}，由执法记录统计（作废的不计）；系统使用前的季度为手工填报数"
ANNEX7 = [
    Column("base", "“九小场所”底数（家）", legend="季末登记在册的九小场所"),
    Column("three_lists", "九小场所数量（家）", THREE, legend=ANNEX4[7].legend),
    Column("self_found", "自查隐患数量（条）", THREE, source="hazards", legend=ANNEX4[8].legend),
    Column(
        "self_rectified", "整改隐患数量（条）", THREE, source="hazards", legend=ANNEX4[9].legend
    ),
    Column(
        "color_assessed",
        "九小场所数量（家）",
        (DUTY, "四级安全风险分级管控"),
        legend="2024年2月以来有四色风险等级评定记录的九小场所（未评定的不计，另列）",
    ),
    *(
        Column(
            f"color_{c}",
            f"{t}色风险数量（家）",
            (DUTY, "四级安全风险分级管控"),
            legend=f"最近一次评定为{t}色的九小场所",
        )
        for c, t in (("red", "红"), ("orange", "橙"), ("yellow", "黄"), ("blue", "蓝"))
    ),
    Column("five_s", "强化5S现场管理（家）", (DUTY,), legend=ANNEX4[11].legend),
    Column("six_signage", "完善六有可视化警示标识（家）", (DUTY,), legend=ANNEX4[12].legend),
    Column(
        "reviewed",
        "评审达标（不分级）九小场所数量（家）",
        ("创建标准化",),
        legend="季末持有有效评审达标结果的九小场所（各等级合计，不分级）",
    ),
    Column(
        "self_assessed",
        "自评达标九小场所数量（家）",
        ("创建标准化",),
        legend="本年完成自评并达标的九小场所",
    ),
    Column(
        "excellent",
        "九小场所优秀案例（家次）",
        ("创建标准化",),
        source="cases",
        legend="本年登记的九小场所优秀案例",
    ),
    Column(
        "inspected",
        "检查场所（家次）",
        ENFORCE,
        source="visits",
        legend="本年网格员检查次数（督导帮扶检查另计）",
    ),
    Column(
        "found",
        "发现隐患（条）",
        ENFORCE,
        source="hazards",
        legend="本年检查发现的隐患（企业自查的不计）",
    ),
    Column(
        "urged",
        "督促整改隐患（条）",
        ENFORCE,
        source="hazards",
        legend="检查发现、本年整改复查销号的隐患",
    ),
    # Counted from enforcement records (fieldapp.enforcement_counts); `manual` because quarters
    # before the records (setting enforcement_counting.records_from) are still typed in.
    Column(
        "penalty_places",
        "场所数量（家次）",
        ENFORCE,
        source="enforcement",
        manual=True,
        legend=_RECORDS.format("本年行政处罚决定"),
    ),
    Column(
        "penalty_hazards",
        "隐患数量（条）",
        ENFORCE,
        source="hazards",
        manual=True,
        legend=_RECORDS.format("本年行政处罚决定所涉隐患（同一隐患计一次）"),
    ),
    Column(
        "penalty_rectified",
        "隐患整改数量（条）",
        ENFORCE,
        source="hazards",
        manual=True,
        legend=_RECORDS.format("其中季末前已整改销号的隐患"),
    ),
    Column(
        "fine_places",
        "场所数量（家次）",
        ENFORCE + ("罚款",),
        source="enforcement",
        manual=True,
        legend=_RECORDS.format("本年处以罚款的行政处罚决定"),
    ),
    Column(
        "fine_amount",
        "金额（万元）",
        ENFORCE + ("罚款",),
        source="enforcement",
        manual=True,
        decimal=True,
        legend=_RECORDS.format("这些决定的罚款金额（一案双罚含对责任人的罚款）"),
    ),
    *(
        Column(k, v, ENFORCE, source="enforcement", manual=True, legend=_RECORDS.format(what))
        for k, v, what in (
            ("suspended", "责令停产停业整顿（家次）", "本年责令停产停业整顿的处罚决定"),
            ("licence", "暂扣或吊销证照（家次）", "本年暂扣或吊销证照的处罚决定"),
            ("closed_down", "取缔关闭（家次）", "本年取缔关闭的处罚决定"),
            ("judicial", "移送司法机关（人次）", "本年移送司法机关的人数"),
            ("exposed", "曝光典型案例（家次）", "本年曝光典型案例记录"),
            ("interviewed", "约谈警示（家次）", "本年约谈警示记录"),
            ("incentive", "激励（家次）", "本年激励记录"),
            ("restraint", "约束（家次）", "本年约束记录"),
        )
    ),
    Column("notices", "函告场所数（家）", ("宣传发动",), legend="本年送达告知书的九小场所"),
    Column(
        "commitments", "签订承诺书场所数（家）", ("宣传发动",), legend="本年签订承诺书的九小场所"
    ),
    Column(
        "training_units",
        "参训九小场所（家次）",
        ("宣传发动", "专题培训"),
        source="figures",
        manual=True,
        legend=_MANUAL,
    ),
    Column(
        "training_people",
        "参训人数（人次）",
        ("宣传发动", "专题培训"),
        source="figures",
        manual=True,
        legend=_MANUAL,
    ),
    Column(
        "observe_units",
        "参加九小场所（家次）",
        ("宣传发动", "现场观摩"),
        source="figures",
        manual=True,
        legend=_MANUAL,
    ),
    Column(
        "observe_people",
        "参加人数（人次）",
        ("宣传发动", "现场观摩"),
        source="figures",
        manual=True,
        legend=_MANUAL,
    ),
]

TITLES = {
    4: "鲤城区安全生产标准化提升专项行动2025年持续深化进展情况季报表（一）",
    5: "鲤城区安全生产标准化提升专项行动2025年持续深化进展情况季报表（二）",
    7: "鲤城区“九小场所”安全生产标准化提升专项行动2025年持续深化进展情况季报表（四）",
}
COLUMNS = {4: ANNEX4, 5: ANNEX5, 7: ANNEX7}
ANNEXES = {a: (TITLES[a], COLUMNS[a]) for a in (4, 5, 7)}
FILL_IN = (
    "填报单位（盖章）：{unit}　　填表人：＿＿＿＿　　联系电话：＿＿＿＿　　＿＿＿＿年＿＿月＿＿日"
)
ROW_HEADER = "填报单位类型"
# The numbered notes under each form, verbatim (full-width punctuation, the plan's own wording).
NOTES = {
    4: [
        "各填报单位按照各自所属的单位类型进行填报；",
        "各街道填报的数据应包含本辖区各行业领域所有企业的数据；",
        "自评企业指未经定级（达标）评审，只完成内部自评的企业；",
        "地标指的是泉州市安全生产标准化智慧管理平台企业达标统计；",
        "事业务单位规模参照泉州市“三类企业”进行划分，具体由市级行业主管（监管）部门确定；",
        "企业基数一栏以泉州市安全生产标准化智慧管理平台企业达标统计为基础，按不分级达标统计；",
        "落实全员安全生产责任制数量一栏当中除自查隐患数量以及整改隐患数量填报2025年1月1日以来累计数外，其余各项数据从2021年8月份开始累计滚动更新填报；",
        "四色安全风险分级动态监管指的是对企业安全生产状况进行整体评估，按照“红、橙、黄、蓝”确定企业整体安全风险等级；",
        "创建提升数量一栏达标评审从2021年8月份开始累计滚动更新填报；",
        "实施星级管理数量一栏从2024年4月份开始累计滚动更新填报；",
        "表格不应有空白处，若无则应填写0；",
        "每季度首月1日前上报上一个季度工作开展情况。",
    ],
    5: [
        "各填报单位按照各自所属的单位类型进行填报；",
        "各街道填报的数据应包含本辖区各行业领域所有企业的数据；",
        "本表各项数据均填写2025年1月以来累计数；",
        "表格不应有空白处，若无则应填写0；",
        "每季度首月1日前上报上一个季度工作进展情况。",
    ],
    7: [
        "各街道填报的数据应包含本辖区各行业的数量；",
        "“九小场所”底数为基数为基础数据实补漏填报；",
        "落实全员安全生产责任制数量一栏当中除自查隐患数量以及整改隐患数量填报2025年1月以来累计数外，其余各项数据从2024年2月份开始滚动更新填报；",
        "创建标准化一栏中，评审达标数量从2024年2月份开始滚动更新填报，其余两栏从2025年1月以来累计填报；",
        "本表执法激励约束、宣传发动数据均填写2025年1月以来累计数；",
        "表格不应有空白处，若无则应填写0；",
        "每季度首月1日前上报上一个季度工作进展情况。",
    ],
}


def for_year(text: str, year: int) -> str:
    """The plan's text for a report year: its own year where the plan names 2025 as the campaign's."""
    return text.replace(f"{PLAN_YEAR}年", f"{year}年")


# --- who files -------------------------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    """A filer (填报单位): a street, a supervising department for its industry, or the district."""

    kind: str  # street / department / district
    key: str = ""  # the street's id, the department's industry
    name: str = ""

    @property
    def code(self) -> str:
        return f"{self.kind}:{self.key}" if self.kind != "district" else "district"

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, "区安委办")

    @property
    def street_id(self) -> int | None:
        return int(self.key) if self.kind == "street" else None

    @property
    def industry(self) -> str | None:
        return self.key if self.kind == "department" else None

    def clause(self) -> ColumnElement[bool]:
        """The premises this filer reports on (annex 4 note 2: a street, every industry in it)."""
        if self.kind == "street":
            return Enterprise.street_id == int(self.key)
        if self.kind == "department":
            return Enterprise.industry == self.key
        return true()


def street_unit(street: Street) -> Unit:
    return Unit("street", str(street.id), street.name)


def department_unit(industry: str) -> Unit:
    return Unit("department", industry, department_name(industry))


def department_name(industry: str) -> str:
    return f"{industry}行业主管部门"


DISTRICT = Unit("district", "", "鲤城区（全区）")


def streets() -> list[Unit]:
    return [street_unit(s) for s in db.session.scalars(select(Street).order_by(Street.id))]


def departments() -> list[Unit]:
    """The departments that file: one per industry that has an active department account."""
    industries = db.session.scalars(
        select(User.industry)
        .where(User.role == "department", User.active.is_(True), User.industry.is_not(None))
        .distinct()
    ).all()
    return [
        department_unit(i)
        for i in sorted(
            industries,
            key=lambda i: (vocab.INDUSTRIES.index(i) if i in vocab.INDUSTRIES else 99, i),
        )
    ]


def unit_from_code(code: str) -> Unit | None:
    """The filer a code names, or None when it names none."""
    if code == "district":
        return DISTRICT
    kind, _, key = code.partition(":")
    if kind == "street" and key.isdigit():
        street = db.session.get(Street, int(key))
        return street_unit(street) if street else None
    if kind == "department" and key:
        return next((u for u in departments() if u.key == key), None)
    return None


def unit_of(user) -> Unit | None:
    """The filer a signed-in office user files for."""
    if user.role == "street" and user.street_id:
        street = db.session.get(Street, user.street_id)
        return street_unit(street) if street else None
    if user.role == "department" and user.industry:
        return department_unit(user.industry)
    if user.role == "district":
        return DISTRICT
    return None


# --- the tables ------------------------------------------------------------------------


@dataclass
class Row:
    key: str  # stable within a table: "" (a filer's annex 4 row), "city" (annex 5), a venue type, "total" …
    kind: str = ""  # 填报单位类型: 区安委会成员单位 / 街道
    unit: str = (
        ""  # the filer's name in a roll-up ("合计" for a block's total); "" in a filer's own table
    )
    label: str = ""  # annex 5: the level; annex 7: the venue type
    values: dict[str, int | Decimal | None] = field(default_factory=dict)
    ids: dict[str, list] = field(default_factory=dict)  # the rows behind each figure
    via: dict[str, dict] = field(
        default_factory=dict
    )  # per figure: id → the record that qualifies it
    source: int | None = None  # roll-up: the filing the row was read from
    sources: list[int] = field(default_factory=list)  # roll-up totals: the filings summed


@dataclass
class Extra:
    """A figure shown beside a table that is no column of the form (never-assessed premises)."""

    key: str
    label: str
    value: int
    ids: list = field(default_factory=list)


@dataclass
class Table:
    annex: int
    title: str
    columns: list[Column]
    rows: list[Row]
    period: Period
    unit: Unit
    notes: list[str]
    rollup: bool = False  # the district's: rows by 填报单位类型 and filer, with totals
    extras: list[Extra] = field(default_factory=list)
    missing: list[str] = field(
        default_factory=list
    )  # roll-up: filers with no filing for the quarter

    @property
    def fill_in(self) -> str:
        return FILL_IN.format(unit=self.unit.name)

    def row(self, key: str) -> Row | None:
        return next((r for r in self.rows if r.key == key), None)

    def column(self, key: str) -> Column | None:
        return next((c for c in self.columns if c.key == key), None)


def new_table(annex: int, unit: Unit, p: Period, rows: list[Row], *, rollup: bool = False) -> Table:
    return Table(
        annex,
        for_year(TITLES[annex], p.year),
        COLUMNS[annex],
        rows,
        p,
        unit,
        [for_year(n, p.year) for n in NOTES[annex]],
        rollup=rollup,
    )


def for_unit(annex: int, unit: Unit, p: Period) -> Table:
    """One filer's table as the data says now: its row(s) under its 填报单位类型."""
    from .quarterly_rows import unit_table  # imports this module: loaded on first use

    return unit_table(annex, unit, p)


def build(annex: int, street_list: list[Street], p: Period, *, unit: str = "") -> Table:
    """One street's table, or (several streets) every street's and department's rows as the data says now."""
    if len(street_list) == 1:
        return for_unit(annex, street_unit(street_list[0]), p)
    from .quarterly_rows import live_rollup

    return live_rollup(annex, p, [street_unit(s) for s in street_list], departments())


def fmt(value, column: Column) -> str:
    """Zero-filled display: 表格不应有空白处."""
    if value is None:
        return ""
    if column.level:
        return str(value)
    if column.decimal:
        return f"{Decimal(value):.2f}"
    return str(int(value))
