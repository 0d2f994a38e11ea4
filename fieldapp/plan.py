"""The plan's calendar as data: phases, the filings each requires, and each filer's status.

A year's plan is rows the district edits (seeded from `plan_seed/<year>.toml`, the
2025 plan as written). Filers are the streets and the supervising departments (one per
industry with an active department account). A filer's status for a requirement is
computed from its earliest filing and the due date, never stored:
按时报送 (filed on or before the due day, Asia/Shanghai), 逾期报送 (filed after it),
逾期未报 (nothing filed and the day has passed), 待报送 (nothing yet, not yet due).
"""

from __future__ import annotations

import tomllib
import uuid as uuidlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from werkzeug.exceptions import NotFound

from . import audit, scope, vocab
from .clock import local_today
from .errors import DomainError
from .extensions import db
from .models import PlanFiling, PlanPhase, PlanRequirement, Street, User
from .roles import Role

SEED_DIR = Path(__file__).resolve().parent / "plan_seed"
FORMS = {"document": "上传文件", "note": "填写说明", "table": "季报表快照"}
FILERS = {"both": "各街道、各有关部门", "street": "各街道", "department": "各有关部门"}
STATUS = {"on_time": "按时报送", "late": "逾期报送", "missing": "逾期未报", "due": "待报送"}
SOON_DAYS = 14


class PlanError(DomainError):
    """A plan edit or filing refused, with a Chinese reason."""


@dataclass(frozen=True)
class Filer:
    """A street or a department that files: `key` is street:<id> or department:<industry>."""

    key: str
    kind: str  # street / department
    name: str
    street_id: int | None = None
    industry: str | None = None


def street_filer(street: Street) -> Filer:
    return Filer(f"street:{street.id}", "street", street.name, street_id=street.id)


def department_filer(industry: str) -> Filer:
    return Filer(
        f"department:{industry}", "department", f"{industry}行业主管部门", industry=industry
    )


def filers() -> list[Filer]:
    """Every street, then every industry that has an active department account (in the vocabulary's order)."""
    streets = [street_filer(s) for s in db.session.scalars(select(Street).order_by(Street.id))]
    industries = set(
        db.session.scalars(
            select(User.industry)
            .where(User.role == Role.DEPARTMENT, User.active.is_(True), User.industry.is_not(None))
            .distinct()
        )
    )
    order = {name: i for i, name in enumerate(vocab.INDUSTRIES)}
    return streets + [
        department_filer(i) for i in sorted(industries, key=lambda i: (order.get(i, 999), i))
    ]


def filer_of(actor) -> Filer | None:
    """The filer an actor files for (scope.filer_key): its street or its industry's department; None for other roles."""
    key = scope.filer_key(actor)
    if key is None:
        return None
    if actor.role == Role.STREET:
        street = db.session.get(Street, actor.street_id)
        return street_filer(street) if street else None
    return department_filer(actor.industry)


def filer_by_key(key: str) -> Filer | None:
    return next((f for f in filers() if f.key == key), None)


def applies(req: PlanRequirement, filer: Filer) -> bool:
    return req.filers in ("both", filer.kind)


def status(req: PlanRequirement, first_filed_at: datetime | None, today: date) -> str:
    """The filer's status for a requirement, from its earliest filing (None: nothing filed) and today."""
    return status_on(req.due_on, first_filed_at, today)


def status_on(due_on: date, first_filed_at: datetime | None, today: date) -> str:
    """按时报送 / 逾期报送 / 逾期未报 / 待报送 for anything due on a day ("……前": on or before it, Asia/Shanghai)."""
    if first_filed_at is not None:
        return "on_time" if local_today(first_filed_at) <= due_on else "late"
    return "missing" if today > due_on else "due"


# --- reading ----------------------------------------------------------------------------


def years() -> list[int]:
    return sorted(
        set(db.session.scalars(select(PlanRequirement.year).distinct()))
        | set(db.session.scalars(select(PlanPhase.year).distinct()))
    )


def phases(year: int) -> list[PlanPhase]:
    return list(
        db.session.scalars(
            select(PlanPhase)
            .where(PlanPhase.year == year)
            .order_by(PlanPhase.position, PlanPhase.ends_on, PlanPhase.id)
        )
    )


def requirements(year: int | None = None) -> list[PlanRequirement]:
    stmt = select(PlanRequirement).order_by(
        PlanRequirement.due_on, PlanRequirement.position, PlanRequirement.id
    )
    if year is not None:
        stmt = stmt.where(PlanRequirement.year == year)
    return list(db.session.scalars(stmt))


def requirement(req_id: int) -> PlanRequirement:
    """One required filing by id; 404 when there is none."""
    req = db.session.get(PlanRequirement, req_id)
    if req is None:
        raise NotFound()
    return req


def requirement_by_key(year: int, key: str) -> PlanRequirement:
    """One required filing of a year's plan by its key; 404 when there is none."""
    req = db.session.scalar(
        select(PlanRequirement).where(PlanRequirement.year == year, PlanRequirement.key == key)
    )
    if req is None:
        raise NotFound()
    return req


def first_filings(req_ids: list[int]) -> dict[tuple[int, str], tuple[datetime, int]]:
    """(requirement, filer) → (earliest filing time, number of filings)."""
    if not req_ids:
        return {}
    rows = db.session.execute(
        select(
            PlanFiling.requirement_id, PlanFiling.filer, func.min(PlanFiling.filed_at), func.count()
        )
        .where(PlanFiling.requirement_id.in_(req_ids))
        .group_by(PlanFiling.requirement_id, PlanFiling.filer)
    )
    return {(rid, filer): (first, n) for rid, filer, first, n in rows}


@dataclass
class Cell:
    req: PlanRequirement
    filer: Filer
    status: str
    first_at: datetime | None
    count: int


@dataclass
class Board:
    """A year's requirements against the filers asked: each cell a status."""

    year: int
    phases: list[PlanPhase]
    requirements: list[PlanRequirement]
    filers: list[Filer]
    cells: dict[tuple[int, str], Cell] = field(default_factory=dict)

    def cell(self, req: PlanRequirement, filer: Filer) -> Cell | None:
        return self.cells.get((req.id, filer.key))

    def counts(self, req: PlanRequirement) -> dict[str, int]:
        out = dict.fromkeys(STATUS, 0)
        for f in self.filers:
            c = self.cells.get((req.id, f.key))
            if c:
                out[c.status] += 1
        return out


def board(year: int, today: date, only: Filer | None = None) -> Board:
    """Statuses of every filer asked (or one filer) for every requirement of a year."""
    reqs = requirements(year)
    who = [only] if only else filers()
    firsts = first_filings([r.id for r in reqs])
    b = Board(year, phases(year), reqs, who)
    for r in reqs:
        for f in who:
            if applies(r, f):
                first, n = firsts.get((r.id, f.key), (None, 0))
                b.cells[(r.id, f.key)] = Cell(r, f, status(r, first, today), first, n)
    return b


@dataclass
class Due:
    """One line of the dashboard: a requirement due soon or missing, for one filer or (district) how many filers."""

    req: PlanRequirement
    status: str
    filers: list[Filer]


def attention(actor, today: date, days: int = SOON_DAYS, limit: int = 20) -> dict[str, list[Due]]:
    """What is due in the next `days` days and not filed yet, and what is past due and missing.

    A filer sees its own; the district sees every requirement with the filers concerned.
    """
    me = filer_of(actor)
    if me is None and actor.role != Role.DISTRICT:
        return {"soon": [], "late": []}
    soon_reqs = list(
        db.session.scalars(
            select(PlanRequirement)
            .where(
                PlanRequirement.due_on >= today,
                PlanRequirement.due_on <= today + timedelta(days=days),
            )
            .order_by(PlanRequirement.due_on, PlanRequirement.id)
        )
    )
    late_reqs = list(
        db.session.scalars(
            select(PlanRequirement)
            .where(PlanRequirement.due_on < today)
            .order_by(PlanRequirement.due_on.desc(), PlanRequirement.id)
        )
    )
    who = [me] if me else filers()
    firsts = first_filings([r.id for r in soon_reqs + late_reqs])
    out: dict[str, list[Due]] = {"soon": [], "late": []}
    for name, reqs, wanted in (("soon", soon_reqs, "due"), ("late", late_reqs, "missing")):
        for r in reqs:
            concerned = [f for f in who if applies(r, f) and (r.id, f.key) not in firsts]
            if concerned and status(r, None, today) == wanted:
                out[name].append(Due(r, wanted, concerned))
        out[name] = out[name][:limit]
    return out


# --- editing (district) ----------------------------------------------------------------


def _audit(action: str, object_id: str, payload: dict, *, actor, now: datetime) -> None:
    audit.append(
        uuid=str(uuidlib.uuid4()),
        object_type="plan",
        object_id=object_id,
        enterprise_id=None,
        action=action,
        actor_id=actor.id,
        actor_label=actor.username,
        at=now,
        payload=payload,
    )


def _text(value, label: str, limit: int, *, required: bool = True) -> str:
    value = (value or "").strip() if isinstance(value, str) else ""
    if required and not value:
        raise PlanError(f"请填写{label}")
    if len(value) > limit:
        raise PlanError(f"{label}不能超过 {limit} 个字")
    return value


def _check_year(year: int) -> int:
    if not isinstance(year, int) or not 2020 <= year <= 2100:
        raise PlanError("年度无效")
    return year


def _requirement_values(data: dict, year: int) -> dict:
    forms = [f for f in data.get("forms") or [] if f in FORMS]
    if not forms:
        raise PlanError("请至少选择一种报送方式（上传文件、填写说明或季报表快照）")
    filers_ = data.get("filers") or "both"
    if filers_ not in FILERS:
        raise PlanError("请选择报送单位（各街道、各有关部门）")
    due = data.get("due_on")
    if not isinstance(due, date):
        raise PlanError("请填写截止日期")
    if not year - 1 <= due.year <= year + 1:
        raise PlanError(f"截止日期应在 {year} 年前后")
    return {
        "title": _text(data.get("title"), "报送事项名称", 80),
        "due_on": due,
        "filers": filers_,
        "forms": forms,
        "sealed": bool(data.get("sealed")),
        "period": _text(data.get("period"), "所属期间", 10, required=False),
        "basis": _text(data.get("basis"), "依据", 1000, required=False),
    }


def _phase_values(data: dict, year: int) -> dict:
    ends, starts = data.get("ends_on"), data.get("starts_on")
    if not isinstance(ends, date):
        raise PlanError("请填写阶段截止日期")
    if starts is not None and (not isinstance(starts, date) or starts > ends):
        raise PlanError("阶段开始日期不能晚于截止日期")
    return {
        "title": _text(data.get("title"), "阶段名称", 60),
        "starts_on": starts,
        "ends_on": ends,
        "basis": _text(data.get("basis"), "依据", 1000, required=False),
    }


def save_phase(year: int, key: str | None, data: dict, *, actor, now: datetime) -> PlanPhase:
    """Create or change a phase of a year's plan (dates and title)."""
    _check_year(year)
    values = _phase_values(data, year)
    row = (
        db.session.scalar(select(PlanPhase).where(PlanPhase.year == year, PlanPhase.key == key))
        if key
        else None
    )
    if row is None:
        count = len(phases(year))
        row = PlanPhase(year=year, key=key or f"phase{count + 1}", position=count + 1, **values)
        db.session.add(row)
    else:
        for k, v in values.items():
            setattr(row, k, v)
    db.session.flush()
    _audit(
        "plan_phase_saved",
        f"{year}/{row.key}",
        {
            "year": year,
            "key": row.key,
            "title": row.title,
            "starts_on": row.starts_on.isoformat() if row.starts_on else None,
            "ends_on": row.ends_on.isoformat(),
        },
        actor=actor,
        now=now,
    )
    return row


def save_requirement(
    year: int, key: str | None, data: dict, *, actor, now: datetime
) -> PlanRequirement:
    """Create or change a required filing of a year's plan."""
    _check_year(year)
    values = _requirement_values(data, year)
    phase_key = data.get("phase") or None
    phase = (
        db.session.scalar(
            select(PlanPhase).where(PlanPhase.year == year, PlanPhase.key == phase_key)
        )
        if phase_key
        else None
    )
    if phase_key and phase is None:
        raise PlanError("所属阶段不存在")
    row = (
        db.session.scalar(
            select(PlanRequirement).where(PlanRequirement.year == year, PlanRequirement.key == key)
        )
        if key
        else None
    )
    if row is None:
        n = (
            db.session.scalar(
                select(func.count())
                .select_from(PlanRequirement)
                .where(PlanRequirement.year == year)
            )
            or 0
        )
        new_key = key or f"item{n + 1}"
        while db.session.scalar(
            select(PlanRequirement.id).where(
                PlanRequirement.year == year, PlanRequirement.key == new_key
            )
        ):
            n += 1
            new_key = f"item{n + 1}"
        row = PlanRequirement(
            year=year, key=new_key, position=n + 1, phase_id=phase.id if phase else None, **values
        )
        db.session.add(row)
    else:
        row.phase_id = phase.id if phase else None
        for k, v in values.items():
            setattr(row, k, v)
    db.session.flush()
    _audit(
        "plan_requirement_saved",
        f"{year}/{row.key}",
        {
            "year": year,
            "key": row.key,
            "title": row.title,
            "due_on": row.due_on.isoformat(),
            "filers": row.filers,
            "forms": row.forms,
            "phase": phase.key if phase else None,
        },
        actor=actor,
        now=now,
    )
    return row


def delete_requirement(req: PlanRequirement, *, actor, now: datetime) -> None:
    """Remove a required filing nobody has filed for yet (a filed one stays: its receipts refer to it)."""
    if db.session.scalar(select(PlanFiling.id).where(PlanFiling.requirement_id == req.id).limit(1)):
        raise PlanError("已有单位报送了此项，不能删除；可修改名称或截止日期。")
    _audit(
        "plan_requirement_deleted",
        f"{req.year}/{req.key}",
        {"year": req.year, "key": req.key, "title": req.title},
        actor=actor,
        now=now,
    )
    db.session.delete(req)


def _from_toml(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise PlanError(f"无法读取计划文件 {path.name}：{exc}") from None


def seed_path(year: int) -> Path:
    return SEED_DIR / f"{year}.toml"


def load(data: dict, *, actor, now: datetime) -> int:
    """Enter a year's plan from data (the seed file's shape): phases, then requirements. Refused when the year has one."""
    year = _check_year(data.get("year"))
    if year in years():
        raise PlanError(f"{year} 年的计划已存在，请在页面上修改。")
    keys = set()
    for n, p in enumerate(data.get("phases") or [], 1):
        row = PlanPhase(
            year=year, key=_text(p.get("key"), "阶段代码", 30), position=n, **_phase_values(p, year)
        )
        db.session.add(row)
        keys.add(row.key)
    db.session.flush()
    by_key = {p.key: p for p in phases(year)}
    for n, r in enumerate(data.get("requirements") or [], 1):
        if r.get("phase") and r["phase"] not in by_key:
            raise PlanError(f"报送事项 {r.get('key')} 的阶段 {r['phase']} 不存在")
        db.session.add(
            PlanRequirement(
                year=year,
                key=_text(r.get("key"), "事项代码", 30),
                position=n,
                phase_id=by_key[r["phase"]].id if r.get("phase") else None,
                **_requirement_values(r, year),
            )
        )
    db.session.flush()
    count = len(requirements(year))
    _audit(
        "plan_loaded",
        str(year),
        {
            "year": year,
            "phases": len(by_key),
            "requirements": count,
            "source": str(data.get("source") or ""),
        },
        actor=actor,
        now=now,
    )
    return count


def load_seed(year: int, *, actor, now: datetime) -> int:
    """Enter the plan as written for a year from `plan_seed/<year>.toml`."""
    path = seed_path(year)
    if not path.is_file():
        raise PlanError(f"没有 {year} 年的计划数据文件，请在页面上逐项录入，或以上一年为模板新建。")
    return load(_from_toml(path), actor=actor, now=now)


def _next_year(d: date | None) -> date | None:
    if d is None:
        return None
    try:
        return d.replace(year=d.year + 1)
    except ValueError:  # 29 February
        return d.replace(year=d.year + 1, day=28)


def copy_year(year: int, *, actor, now: datetime) -> int:
    """Start next year's plan from this one's, every date a year later, to be edited."""
    src_phases, src_reqs = phases(year), requirements(year)
    if not src_reqs and not src_phases:
        raise PlanError(f"{year} 年没有计划可作模板")
    data = {
        "year": year + 1,
        "source": f"以 {year} 年计划为模板",
        "phases": [
            {
                "key": p.key,
                "title": p.title,
                "starts_on": _next_year(p.starts_on),
                "ends_on": _next_year(p.ends_on),
                "basis": p.basis,
            }
            for p in src_phases
        ],
        "requirements": [
            {
                "key": r.key,
                "phase": r.phase.key if r.phase else None,
                "title": r.title,
                "due_on": _next_year(r.due_on),
                "filers": r.filers,
                "forms": list(r.forms),
                "sealed": r.sealed,
                "period": r.period.replace(str(year), str(year + 1), 1),
                "basis": r.basis,
            }
            for r in src_reqs
        ],
    }
    return load(data, actor=actor, now=now)


def grouped(b: Board) -> list[tuple[PlanPhase | None, list[PlanRequirement]]]:
    """Requirements under their phase, in the phases' order; standing duties (no phase) last."""
    per: dict[int | None, list[PlanRequirement]] = defaultdict(list)
    for r in b.requirements:
        per[r.phase_id].append(r)
    out: list[tuple[PlanPhase | None, list[PlanRequirement]]] = [
        (p, per.get(p.id, [])) for p in b.phases
    ]
    if per.get(None):
        out.append((None, per[None]))
    return out
