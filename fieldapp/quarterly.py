"""The quarterly tables of annexes 4, 5 and 7, computed from the data (PRODUCT.md §9).

Each column says where its number comes from and over which period, following the
notes under each annex: some count rolling since 2021-08 (annex 4) or 2024-02
(annex 7), some since January of the report's year, stars since 2024-04; all are
as of the quarter's end in Asia/Shanghai, and every empty cell is 0. Figures the
app does not capture (enforcement, training, model posts …) come from QuarterFigure
rows the street office enters, summed from January to the quarter.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple
from datetime import date, datetime, time
from decimal import Decimal

from sqlalchemy import Text, and_, case, cast, func, select

from . import vocab
from .clock import LOCAL_TZ
from .extensions import db
from .models import (CampaignCase, CampaignLetter, Enterprise, Hazard, QuarterFigure, RiskAssessment,
                     StandardizationRecord, StarRating, Street, Visit, VisitChecklist)

LEVEL_ROWS = {"city": "市级", "district": "区级", "street": "街道级"}
GRADED = ("level1", "level2", "level3")
# Campaign measures read from inspections: (checklist, items that must all pass in the latest answer).
MEASURES = {
    "org": ("enterprise_gbt33000", ["safety_officer"]),
    "responsibility": ("enterprise_gbt33000", ["responsibility_system"]),
    "full_time": ("enterprise_gbt33000", ["safety_officer"]),
    "rescue_team": ("enterprise_gbt33000", ["emergency_team"]),
    "five_s": ("site_5s_signage", ["sort_unneeded", "set_in_order", "shine_clean", "standardize_5s", "sustain_discipline"]),
    "six_signage": ("site_5s_signage", ["risk_notice_board", "hazard_area_signs", "major_hazard_signs", "post_safety_points",
                                         "penalty_results_published", "notices_updated_archived"]),
}


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    groups: tuple[str, ...] = ()
    manual: bool = False  # entered by the street office for each quarter
    decimal: bool = False


@dataclass
class Period:
    year: int
    quarter: int
    start: datetime  # the quarter's first instant (UTC-aware, Asia/Shanghai midnight)
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
    end = datetime.combine(date(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1), time(), LOCAL_TZ)
    return Period(year, quarter, start, end, datetime.combine(date(year, 1, 1), time(), LOCAL_TZ))


ROLLING_2021 = datetime(2021, 8, 1, tzinfo=LOCAL_TZ)
ROLLING_2024_02 = datetime(2024, 2, 1, tzinfo=LOCAL_TZ)
STARS_SINCE = datetime(2024, 4, 1, tzinfo=LOCAL_TZ)

ANNEX4 = [
    *(Column(f"base_{k}", v, ("企业基数（家）",)) for k, v in (("small_micro", "小微企业"), ("medium", "中等企业"), ("above_scale", "规上企业"))),
    Column("base_total", "总数", ("企业基数（家）",)),
    Column("org", "依法依规设置安全生产管理机构（家）", ("落实全员安全生产责任制数量",)),
    Column("responsibility", "建立全员责任制及其考核清单（家）", ("落实全员安全生产责任制数量",)),
    Column("full_time", "依法依规配备专职安全生产管理人员（家）", ("落实全员安全生产责任制数量",)),
    Column("three_lists", "企业数（家）", ("落实全员安全生产责任制数量", "健全三张清单")),
    Column("self_found", "自查隐患数量（条）", ("落实全员安全生产责任制数量", "健全三张清单")),
    Column("rectified", "整改隐患数量（条）", ("落实全员安全生产责任制数量", "健全三张清单")),
    Column("four_color", "四色安全风险分级管控（家）", ("落实全员安全生产责任制数量",)),
    Column("five_s", "强化5S现场管理（家）", ("落实全员安全生产责任制数量",)),
    Column("six_signage", "完善六有可视化警示标识（家）", ("落实全员安全生产责任制数量",)),
    Column("rescue_team", "依法依规建立专兼职应急救援队伍（家）", ("落实全员安全生产责任制数量",)),
    Column("std_graded", "达标评审（定级）", ("创建提升数量（家）",)),
    Column("std_micro", "达标评审（小微不定级）", ("创建提升数量（家）",)),
    Column("std_self", "自评企业", ("创建提升数量（家）",)),
    Column("std_total", "总数", ("创建提升数量（家）",)),
    *(Column(f"stars_{n}", f"{'五四三二一'[5 - n]}星企业", ("实施星级管理数量（家）",)) for n in (5, 4, 3, 2, 1)),
]
ANNEX5 = [
    Column("sample_street", "数量（个）", ("十佳乡镇（街道、园区）案例",)),
    *(Column(f"benchmark_{k}", v, ("百优企业案例（个）",)) for k, v in (("above_scale", "规上企业"), ("medium", "中等企业"), ("small_micro", "小微企业"))),
    *(Column(f"reviewed_{k}", v, ("千企达标评审（家）",)) for k, v in (("above_scale", "规上企业"), ("medium", "中等企业"), ("small_micro", "小微企业"))),
    *(Column(k, v, ("万岗达标（个）",), manual=True) for k, v in (("post_party", "党员模范岗"), ("post_worker", "工人先锋岗"),
                                                              ("post_youth", "青年突击手"), ("post_women", "巾帼能手"))),
    Column("notices", "函告企业数（家）", ("宣传发动",)),
    Column("commitments", "签订承诺书企业数（家）", ("宣传发动",)),
    Column("training_sessions", "场次", ("宣传发动", "专题培训"), manual=True),
    Column("training_units", "参训企业（家次）", ("宣传发动", "专题培训"), manual=True),
    Column("training_people", "参训人数（人次）", ("宣传发动", "专题培训"), manual=True),
    Column("observe_sessions", "场次", ("宣传发动", "现场观摩"), manual=True),
    Column("observe_units", "参加企业（家次）", ("宣传发动", "现场观摩"), manual=True),
    Column("observe_people", "参加人数（人次）", ("宣传发动", "现场观摩"), manual=True),
]
# Annex 5 columns counted per level (市级/区级/街道级); the rest span the three level rows.
ANNEX5_BY_LEVEL = {"sample_street", *(f"benchmark_{k}" for k in vocab.SIZE_CLASSES), *(f"reviewed_{k}" for k in vocab.SIZE_CLASSES)}
ENFORCE = ("执法激励约束",)
ANNEX7 = [
    Column("base", "“九小场所”底数（家）"),
    Column("three_lists", "九小场所数量（家）", ("落实全员安全生产责任制数量", "健全三张清单")),
    Column("self_found", "自查隐患数量（条）", ("落实全员安全生产责任制数量", "健全三张清单")),
    Column("rectified", "整改隐患数量（条）", ("落实全员安全生产责任制数量", "健全三张清单")),
    *(Column(f"color_{c}", f"{t}色风险数量（家）", ("落实全员安全生产责任制数量", "四级安全风险分级管控"))
      for c, t in (("red", "红"), ("orange", "橙"), ("yellow", "黄"), ("blue", "蓝"))),
    Column("five_s", "强化5S现场管理（家）", ("落实全员安全生产责任制数量",)),
    Column("six_signage", "完善六有可视化警示标识（家）", ("落实全员安全生产责任制数量",)),
    Column("reviewed_micro", "评审达标（不分级）九小场所数量（家）", ("创建标准化",)),
    Column("self_assessed", "自评达标九小场所数量（家）", ("创建标准化",)),
    Column("excellent", "九小场所优秀案例（家次）", ("创建标准化",)),
    Column("inspected", "检查场所（家次）", ENFORCE),
    Column("found", "发现隐患（条）", ENFORCE),
    Column("urged", "督促整改隐患（条）", ENFORCE),
    Column("penalty_places", "场所数量（家次）", ENFORCE + ("行政处罚",), manual=True),
    Column("penalty_hazards", "隐患数量（条）", ENFORCE + ("行政处罚",), manual=True),
    Column("penalty_rectified", "隐患整改数量（条）", ENFORCE + ("行政处罚",), manual=True),
    Column("fine_places", "场所数量（家次）", ENFORCE + ("罚款",), manual=True),
    Column("fine_amount", "金额（万元）", ENFORCE + ("罚款",), manual=True, decimal=True),
    *(Column(k, v, ENFORCE, manual=True) for k, v in (
        ("suspended", "责令停产停业整顿（家次）"), ("licence", "暂扣或吊销证照（家次）"), ("closed_down", "取缔关闭（家次）"),
        ("judicial", "移送司法机关（人次）"), ("exposed", "曝光典型案例（家次）"), ("interviewed", "约谈警示（家次）"),
        ("incentive", "激励（家次）"), ("restraint", "约束（家次）"))),
    Column("notices", "函告场所数（家）", ("宣传发动",)),
    Column("commitments", "签订承诺书场所数（家）", ("宣传发动",)),
    Column("training_units", "参训九小场所（家次）", ("宣传发动", "专题培训"), manual=True),
    Column("training_people", "参训人数（人次）", ("宣传发动", "专题培训"), manual=True),
    Column("observe_units", "参加九小场所（家次）", ("宣传发动", "现场观摩"), manual=True),
    Column("observe_people", "参加人数（人次）", ("宣传发动", "现场观摩"), manual=True),
]
# Titles as on the forms; {year} is the report's year (the 2025 plan's forms say 2025年).
ANNEXES = {
    4: ("鲤城区安全生产标准化提升专项行动{year}年持续深化进展情况季报表（一）", ANNEX4),
    5: ("鲤城区安全生产标准化提升专项行动{year}年持续深化进展情况季报表（二）", ANNEX5),
    7: ("鲤城区“九小场所”安全生产标准化提升专项行动{year}年持续深化进展情况季报表（四）", ANNEX7),
}
NOTES = {
    4: "企业基数、落实全员责任制各项（自查、整改隐患数量除外）和达标评审自 2021 年 8 月起累计滚动更新；自查、整改隐患数量为本年 1 月起累计；星级自 2024 年 4 月起累计；均截至季末。表格不应有空白处，若无则填 0。",
    5: "本表各项数据均为本年 1 月起截至季末的累计数。表格不应有空白处，若无则填 0。",
    7: "落实全员责任制各项（自查、整改隐患数量除外）和评审达标自 2024 年 2 月起累计滚动更新；自查、整改隐患数量、自评达标、优秀案例、执法激励约束和宣传发动为本年 1 月起累计；均截至季末。表格不应有空白处，若无则填 0。",
}


@dataclass
class Row:
    label: str
    values: dict[str, Decimal | int] = field(default_factory=dict)
    group: str = ""  # annex 5: the reporting unit the level row belongs to


@dataclass
class Table:
    annex: int
    title: str
    columns: list[Column]
    rows: list[Row]
    period: Period
    unit: str
    note: str
    row_header: str = "填报单位"


# --- counting -------------------------------------------------------------------------
#
# A table counts premises (or their hazards and visits) per street or per venue type.
# At district scale (50,000 units, a million hazards) one pass per column is too slow,
# so each fact is read once per table as a set of enterprise ids or a count per
# enterprise, and tallied in Python against the premises' group key.


class _Counts:
    """The facts one table reads, fetched once: `key` groups premises (street id or venue type)."""

    def __init__(self, p: Period, street_ids: list[int], key: str, *, since: datetime, venues: bool = False):
        self.p = p
        # The table's rolling start (annex notes): inspections and reviews before it do not count.
        self.since = since
        group = getattr(Enterprise, key)
        self.in_streets = in_streets = Enterprise.street_id.in_(street_ids)
        # The premises a table counts: every kind, or the 九小场所 only (annex 7).
        self.counted = and_(in_streets, Enterprise.venue_type.is_not(None)) if venues else in_streets
        registered = and_(*_registered(p), Enterprise.venue_type.is_not(None)) if venues else and_(*_registered(p))
        rows = _rows(select(Enterprise.id, group, Enterprise.size_class, case((registered, 1), else_=0), Enterprise.standardization,
                            Enterprise.stars, Enterprise.risk_color).where(in_streets))
        # Every enterprise's group, for counting hazards and visits (also of premises since closed);
        # the registered premises (active, created before the quarter's end) for counting premises,
        # with their standardization, stars and colour as of the quarter's end.
        self.group_of = {eid: key for eid, key, *_ in rows}
        self.units = [Unit(eid, key, size, std, star, col) for eid, key, size, counted, std, star, col in rows if counted]
        self._by: dict[str, Counter] = {}

    def units_by(self, attr: str) -> Counter:
        """Registered premises per (group, value of `attr` at the quarter's end)."""
        if attr not in self._by:
            if attr == "size_class":
                self._by[attr] = Counter((u.key, u.size_class) for u in self.units)
            else:  # the register's value unless the records say otherwise
                as_of = {"status": lambda p: _status_at(p, self.since), "stars": _stars_at, "color": _color_at}[attr](self.p)
                self._by[attr] = Counter((u.key, as_of.get(u.id, getattr(u, attr))) for u in self.units)
        return self._by[attr]

    def units_with(self, attr: str, *values) -> dict:
        """Registered premises per group whose `attr` is one of `values`."""
        out: dict = defaultdict(int)
        for (key, value), n in self.units_by(attr).items():
            if value in values:
                out[key] += n
        return out

    def units_all(self) -> dict:
        return Counter(u.key for u in self.units)

    def units_in(self, ids: set[int]) -> dict:
        return Counter(u.key for u in self.units if u.id in ids)

    def ids(self, stmt, *, distinct: bool = False) -> set[int]:
        """Enterprise ids a SELECT of one column yields (any street: only the table's premises are tallied).

        Without `distinct` the database may follow the WHERE clause's index, not one
        that yields the ids in order: better when the rows matching are few.
        """
        return {eid for (eid,) in _rows(stmt.distinct() if distinct else stmt)}

    def per_enterprise(self, eid_col, *where) -> dict:
        """Count rows per group through their enterprise: hazards or visits matching `where`.

        The whole district's rows are counted per premises from an index range and
        tallied here: filtering one street in SQL would mean a probe per premises.
        """
        stmt = select(eid_col, func.count()).where(*where).group_by(eid_col)
        out: dict = defaultdict(int)
        for eid, n in _rows(stmt):
            if eid in self.group_of:
                out[self.group_of[eid]] += n
        return out

    def measures(self) -> dict[str, set[int]]:
        """Premises meeting each campaign measure, as the latest inspection with its checklist found them.

        The latest inspection before the quarter's end that walked the measure's checklist
        must have passed every item of the measure; an item it left unanswered is not met.
        Each premises' latest one is a single seek on ix_visit_checklists_latest, and its
        passed items are kept on that row (few distinct lists: decoded once each).
        """
        checklists = sorted({cid for cid, _ in MEASURES.values()})
        vc = VisitChecklist

        def latest(cid):
            return (select(cast(vc.passed, Text)).where(vc.checklist_id == cid, vc.enterprise_id == Enterprise.id,
                                                       vc.finished_at >= self.since, vc.finished_at < self.p.end)
                    .order_by(vc.finished_at.desc(), vc.visit_uuid.desc()).limit(1).scalar_subquery())

        decoded: dict[str, frozenset] = {}
        out: dict[str, set[int]] = {m: set() for m in MEASURES}
        needs = [(m, checklists.index(cid), frozenset(keys)) for m, (cid, keys) in MEASURES.items()]
        for eid, *raws in _rows(select(Enterprise.id, *(latest(c) for c in checklists)).where(self.counted)):
            passed = []
            for raw in raws:
                if raw is not None and raw not in decoded:
                    decoded[raw] = frozenset(json.loads(raw))
                passed.append(decoded.get(raw) if raw is not None else frozenset())
            for m, i, need in needs:
                if need <= passed[i]:
                    out[m].add(eid)
        return out

    def three_lists(self) -> dict:
        """Premises with a 隐患排查清单 (visited) whose 整改清单 holds nothing overdue at the quarter's end."""
        p = self.p
        visited = self.ids(select(Visit.enterprise_id).where(Visit.finished_at >= self.since, Visit.finished_at < p.end),
                           distinct=True)
        # Not closed by the end: still open now, or closed after it. Two index ranges, not a scan of every hazard.
        past_deadline = (Hazard.deadline < p.end_day, Hazard.raised_at < p.end)
        overdue = (self.ids(select(Hazard.enterprise_id).where(Hazard.state.in_(("open", "rectified")), *past_deadline))
                   | self.ids(select(Hazard.enterprise_id).where(Hazard.closed_at >= p.end, *past_deadline)))
        return self.units_in(visited - overdue)

    def hazards_found(self) -> dict:
        p = self.p
        return self.per_enterprise(Hazard.enterprise_id, Hazard.raised_at >= p.year_start, Hazard.raised_at < p.end)

    def hazards_closed(self) -> dict:
        p = self.p
        return self.per_enterprise(Hazard.enterprise_id, Hazard.closed_at >= p.year_start, Hazard.closed_at < p.end)


def _rows(stmt) -> list:
    """Run a SELECT of plain columns through Core: no ORM machinery per row, thousands of rows."""
    return db.session.connection().execute(stmt).all()


def _count(base, key_col, *where, what=None) -> dict:
    """Count rows (or `what`) of a small table by `key_col`, with extra conditions."""
    stmt = select(what if what is not None else func.count()).select_from(base).where(*where)
    return {row[-1]: (row[0] or 0) for row in db.session.execute(stmt.add_columns(key_col).group_by(key_col))}


class Unit(NamedTuple):
    id: int
    key: object  # street id or venue type
    size_class: str
    status: str  # as registered; units_by reads the records for the quarter's end
    stars: int | None
    color: str


def _status_at(p: Period, since: datetime) -> dict[int, str]:
    """Each recorded premises' standardization status at the quarter's end (others keep the registered one).

    From its records: a valid passed review held since the table's rolling start, else a
    passed self-assessment within the last 12 months, else none. Records are few; reading
    them all beats a subquery per premises.
    """
    end_day = p.end_day
    since_day = since.date()
    recent = date(end_day.year - 1, end_day.month, 1)
    recorded: set[int] = set()
    review: dict[int, str] = {}
    self_ok: set[int] = set()
    for eid, kind, level, result, on, valid_until in _rows(
            select(StandardizationRecord.enterprise_id, StandardizationRecord.kind, StandardizationRecord.level,
                   StandardizationRecord.result, StandardizationRecord.on, StandardizationRecord.valid_until)
            .order_by(StandardizationRecord.on.desc(), StandardizationRecord.id.desc())):
        recorded.add(eid)
        if result != "pass" or on >= end_day:
            continue
        if kind == "review" and on >= since_day and (valid_until is None or valid_until >= end_day):
            review.setdefault(eid, level)  # the latest valid review
        elif kind == "self_assessment" and on >= recent:
            self_ok.add(eid)
    return {eid: review.get(eid) or ("self_assessed" if eid in self_ok else "none") for eid in recorded}


def _latest_before(model, value_col, p: Period, since: datetime | None = None) -> dict:
    """Each premises' latest value of `value_col` decided in [since, quarter's end); None if it has records, none there."""
    window = (model.decided_at < p.end, *((model.decided_at >= since,) if since else ()))
    ranked = select(model.enterprise_id, value_col.label("value"), func.row_number().over(
        partition_by=model.enterprise_id, order_by=(model.decided_at.desc(), model.id.desc())).label("rn")).where(
        *window).subquery()
    out: dict = dict(_rows(select(ranked.c.enterprise_id, ranked.c.value).where(ranked.c.rn == 1)))
    for (eid,) in _rows(select(model.enterprise_id).where(~and_(*window)).distinct()):
        out.setdefault(eid, None)
    return out


def _stars_at(p: Period) -> dict[int, int | None]:
    """Each rated premises' stars at the quarter's end, star management counting from 2024-04 (annex 4 note 10)."""
    return _latest_before(StarRating, StarRating.stars, p, STARS_SINCE)


def _color_at(p: Period) -> dict[int, str]:
    """Each assessed premises' colour at the quarter's end; before its first assessment, the registered one."""
    return {eid: c for eid, c in _latest_before(RiskAssessment, RiskAssessment.color, p).items() if c is not None}


def _manual(street_ids: list[int], p: Period, annex: int) -> dict[tuple[str, str], Decimal]:
    """Hand-entered figures summed from January to the quarter: {(row_key, column_key): value}."""
    rows = db.session.execute(
        select(QuarterFigure.row_key, QuarterFigure.column_key, func.sum(QuarterFigure.value))
        .where(QuarterFigure.street_id.in_(street_ids), QuarterFigure.year == p.year, QuarterFigure.quarter <= p.quarter,
               QuarterFigure.annex == annex)
        .group_by(QuarterFigure.row_key, QuarterFigure.column_key)
    ).all()
    return {(r, c): Decimal(v or 0) for r, c, v in rows}


def _registered(p: Period):
    return (Enterprise.created_at < p.end, Enterprise.active.is_(True))


# --- the annexes ----------------------------------------------------------------------

def annex4(streets: list[Street], p: Period) -> list[Row]:
    c = _Counts(p, [s.id for s in streets], "street_id", since=ROLLING_2021)
    measures = c.measures()
    data = {
        **{f"base_{size}": c.units_with("size_class", size) for size in vocab.SIZE_CLASSES},
        "base_total": c.units_all(),
        **{m: c.units_in(measures[m]) for m in ("org", "responsibility", "full_time", "rescue_team", "five_s", "six_signage")},
        "three_lists": c.three_lists(),
        "self_found": c.hazards_found(),
        "rectified": c.hazards_closed(),
        "four_color": c.units_in(c.ids(select(RiskAssessment.enterprise_id).where(
            RiskAssessment.decided_at >= ROLLING_2021, RiskAssessment.decided_at < p.end))),
        "std_graded": c.units_with("status", *GRADED),
        "std_micro": c.units_with("status", "micro_pass"),
        "std_self": c.units_with("status", "self_assessed"),
        **{f"stars_{n}": c.units_with("stars", n) for n in (5, 4, 3, 2, 1)},
    }
    rows = [Row(s.name, {col.key: data.get(col.key, {}).get(s.id, 0) for col in ANNEX4}) for s in streets]
    for r in rows:
        r.values["std_total"] = r.values["std_graded"] + r.values["std_micro"] + r.values["std_self"]
    return rows


def annex5(streets: list[Street], p: Period) -> list[Row]:
    key = Enterprise.street_id
    year = (CampaignCase.on >= p.year_start.date(), CampaignCase.on < p.end_day)
    rows = []
    letters = {kind: _count(CampaignLetter, key, *_letters_where(kind, p), what=func.count(func.distinct(CampaignLetter.enterprise_id)))
               for kind in ("notice", "commitment")}
    for s in streets:
        manual = _manual([s.id], p, 5)
        for level, level_label in LEVEL_ROWS.items():
            values: dict = {}
            values["sample_street"] = db.session.scalar(select(func.count()).select_from(CampaignCase).where(
                CampaignCase.kind == "sample_street", CampaignCase.street_id == s.id, CampaignCase.level == level, *year))
            for size in vocab.SIZE_CLASSES:
                values[f"benchmark_{size}"] = db.session.scalar(select(func.count()).select_from(CampaignCase)
                    .join(Enterprise, Enterprise.id == CampaignCase.enterprise_id).where(
                    CampaignCase.kind == "benchmark", CampaignCase.street_id == s.id, CampaignCase.level == level,
                    Enterprise.size_class == size, *year))
                values[f"reviewed_{size}"] = db.session.scalar(select(func.count(func.distinct(StandardizationRecord.enterprise_id)))
                    .join(Enterprise, Enterprise.id == StandardizationRecord.enterprise_id).where(
                    StandardizationRecord.kind == "review", StandardizationRecord.result == "pass",
                    StandardizationRecord.organizer == level, Enterprise.street_id == s.id, Enterprise.size_class == size,
                    StandardizationRecord.on >= p.year_start.date(), StandardizationRecord.on < p.end_day))
            for c in ANNEX5:
                if c.key in ANNEX5_BY_LEVEL:
                    continue
                # Spanning columns: counted once per unit, shown on its first level row.
                if level != "city":
                    values[c.key] = None
                elif c.manual:
                    values[c.key] = manual.get(("", c.key), Decimal(0))
                else:
                    values[c.key] = letters["notice" if c.key == "notices" else "commitment"].get(s.id, 0)
            rows.append(Row(level_label, {c.key: values.get(c.key, 0) for c in ANNEX5}, group=s.name))
    return rows


def _letters_where(kind: str, p: Period):
    return (CampaignLetter.kind == kind, CampaignLetter.done_on >= p.year_start.date(),
            CampaignLetter.done_on < p.end_day,
            Enterprise.id == CampaignLetter.enterprise_id)


def annex7(streets: list[Street], p: Period) -> list[Row]:
    street_ids = [s.id for s in streets]
    in_streets = (Enterprise.street_id.in_(street_ids),)
    c = _Counts(p, street_ids, "venue_type", since=ROLLING_2024_02, venues=True)
    measures = c.measures()
    year_day = (p.year_start.date(), p.end_day)
    found, closed = c.hazards_found(), c.hazards_closed()
    data = {
        "base": c.units_all(),
        "three_lists": c.three_lists(),
        "self_found": found,
        "rectified": closed,
        **{f"color_{color}": c.units_with("color", color) for color in vocab.RISK_COLORS},
        "five_s": c.units_in(measures["five_s"]),
        "six_signage": c.units_in(measures["six_signage"]),
        "reviewed_micro": c.units_with("status", "micro_pass"),
        "self_assessed": c.units_in(c.ids(select(StandardizationRecord.enterprise_id).where(
            StandardizationRecord.kind == "self_assessment", StandardizationRecord.result == "pass",
            StandardizationRecord.on >= year_day[0], StandardizationRecord.on < year_day[1]))),
        "excellent": _count(CampaignCase, Enterprise.venue_type, CampaignCase.kind == "excellent_venue", CampaignCase.on >= year_day[0],
                            CampaignCase.on < year_day[1], Enterprise.id == CampaignCase.enterprise_id, *in_streets),
        "inspected": c.per_enterprise(Visit.enterprise_id, Visit.finished_at >= p.year_start, Visit.finished_at < p.end),
        "found": found,
        "urged": closed,
        **{name: _count(CampaignLetter, Enterprise.venue_type, *_letters_where(kind, p), *in_streets,
                        what=func.count(func.distinct(CampaignLetter.enterprise_id)))
           for name, kind in (("notices", "notice"), ("commitments", "commitment"))},
    }
    manual = _manual(street_ids, p, 7)
    rows = []
    for code, name in vocab.VENUE_TYPES.items():
        values = {}
        for col in ANNEX7:
            values[col.key] = manual.get((code, col.key), Decimal(0)) if col.manual else data.get(col.key, {}).get(code, 0)
        rows.append(Row(name, values))
    return rows


def build(annex: int, streets: list[Street], p: Period, *, unit: str) -> Table:
    """One annex for these streets: district tables get a row per street and a total row."""
    title, columns = ANNEXES[annex]
    if annex == 4:
        rows = annex4(streets, p)
        if len(streets) > 1:
            rows.append(_total("合计", rows, columns))
    elif annex == 5:
        rows = annex5(streets, p)
        if len(streets) > 1:
            for level_label in LEVEL_ROWS.values():
                mine = [r for r in rows if r.label == level_label]
                total = _total(level_label, mine, columns)
                total.group = "合计"
                rows.append(total)
    else:
        rows = annex7(streets, p)
        rows.append(_total("总数", rows, columns))
    table = Table(annex, title.format(year=p.year), columns, rows, p, unit, NOTES[annex], "九小场所类型" if annex == 7 else "填报单位")
    return table


def _total(label: str, rows: list[Row], columns: list[Column]) -> Row:
    """Sum rows column by column; a column empty in every row (a merged cell) stays empty."""
    total = Row(label)
    for c in columns:
        values = [r.values[c.key] for r in rows if r.values.get(c.key) is not None]
        total.values[c.key] = sum(values, Decimal(0) if c.decimal else 0) if values else None
    return total


def fmt(value, column: Column) -> str:
    """Zero-filled display: 表格不应有空白处."""
    if value is None:
        return ""
    if column.decimal:
        return f"{Decimal(value):.2f}"
    return str(int(value))
