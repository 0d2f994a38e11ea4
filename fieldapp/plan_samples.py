"""Sample filings for the demo: every street and two departments in different states, through the real filing path.

`populate(now=...)` enters the 2025 plan (and each later year up to `now`'s, copied from
the year before), then files for each street and for the first two departments with an
account: documents (small scanned-page PDFs), notes and tables as documents, some on
time, some late, some missing, a few filed early for what is due soon. Each filing goes
through `plan_filings.file` (content check, store, receipt, audit event). The third
department, if any, files nothing: everything past due is missing for it.
"""

from __future__ import annotations

import io
import random
from collections import Counter
from datetime import date, datetime, time, timedelta

from PIL import Image, ImageDraw
from sqlalchemy import select

from . import plan, plan_filings
from .clock import LOCAL_TZ, local_today
from .extensions import db
from .models import PlanFiling, User
from .plan_cli import CommandLine
from .roles import Role

NOTES = [
    "本阶段组织专项督导帮扶，覆盖辖区重点企业，发现问题已建立清单逐项跟踪。",
    "开展联合执法检查，对未开展标准化创建的企业实施重点监管，典型案例已通报。",
    "全面总结本年度工作，梳理共性问题，形成长效机制。",
]


def scan(seed: int) -> bytes:
    """A one-page 'scanned' PDF: ruled lines and a red seal, different for every seed."""
    rng = random.Random(seed)
    page = Image.new("RGB", (420, 594), "white")
    draw = ImageDraw.Draw(page)
    for y in range(60, 520, 18):
        draw.line((40, y, 40 + rng.randint(200, 340), y), fill=(60, 60, 60), width=2)
    cx, cy = rng.randint(260, 340), rng.randint(460, 520)
    draw.ellipse((cx - 45, cy - 45, cx + 45, cy + 45), outline=(200, 20, 20), width=5)
    buf = io.BytesIO()
    page.save(buf, "PDF", resolution=72)
    return buf.getvalue()


def _at(d: date, hour: int) -> datetime:
    return datetime.combine(d, time(hour, 0), LOCAL_TZ)


def _ensure_years(today: date, actor) -> list[int]:
    if 2025 not in plan.years():
        plan.load_seed(2025, actor=actor, now=_at(date(2025, 1, 16), 9))
    for year in range(2026, today.year + 1):
        if year not in plan.years():
            plan.copy_year(year - 1, actor=actor, now=_at(date(year, 1, 2), 9))
    return [y for y in plan.years() if y <= today.year]


def _actor_for(filer: plan.Filer):
    stmt = select(User).where(User.active.is_(True)).order_by(User.id)
    if filer.kind == "street":
        stmt = stmt.where(User.role == Role.STREET, User.street_id == filer.street_id)
    else:
        stmt = stmt.where(User.role == Role.DEPARTMENT, User.industry == filer.industry)
    return db.session.scalars(stmt).first()


def populate(*, now: datetime, seed: int = 2025, departments: int = 2) -> dict[str, Counter]:
    """File samples for every street and the first `departments` departments; return each filer's statuses."""
    today = local_today(now)
    district = (
        db.session.scalars(select(User).where(User.role == Role.DISTRICT).order_by(User.id)).first()
        or CommandLine()
    )
    years = _ensure_years(today, district)
    streets = [f for f in plan.filers() if f.kind == "street"]
    depts = [f for f in plan.filers() if f.kind == "department"][:departments]
    rng = random.Random(f"{seed}-plan")
    for i, filer in enumerate(streets + depts):
        actor = _actor_for(filer)
        if actor is None:
            continue
        if db.session.scalar(select(PlanFiling.id).where(PlanFiling.filer == filer.key).limit(1)):
            continue  # already populated
        for year in years:
            for n, req in enumerate(plan.requirements(year)):
                if not plan.applies(req, filer):
                    continue
                # A per-filer pattern: on time, late, missing, on time … shifted so neighbours differ.
                mood = (i + n) % 4
                if req.due_on >= today:
                    if req.due_on > today + timedelta(days=30) or mood != 0:
                        continue  # not yet due: most wait, a few file early
                    when = today - timedelta(days=rng.randint(0, 2))
                elif mood == 2:
                    continue  # missing
                elif mood == 1:
                    when = req.due_on + timedelta(days=rng.randint(1, 12))
                else:
                    when = req.due_on - timedelta(days=rng.randint(0, 10))
                filed_at = min(_at(when, rng.randint(9, 17)), now - timedelta(minutes=5))
                if "note" in req.forms and mood == 3:
                    plan_filings.file(
                        req, kind="note", actor=actor, now=filed_at, note=NOTES[n % len(NOTES)]
                    )
                elif "document" in req.forms:
                    plan_filings.file(
                        req,
                        kind="document",
                        actor=actor,
                        now=filed_at,
                        data=scan(rng.randrange(1 << 30)),
                        file_name=f"{filer.name}-{req.title[:20]}.pdf",
                    )
        db.session.flush()
    return summary(today)


def summary(today: date) -> dict[str, Counter]:
    """Each filer's statuses over every requirement due so far or soon (for the demo's printout and its test)."""
    out: dict[str, Counter] = {}
    for year in plan.years():
        board = plan.board(year, today)
        for f in board.filers:
            for r in board.requirements:
                c = board.cell(r, f)
                if c is not None:
                    out.setdefault(f.name, Counter())[c.status] += 1
    return out
