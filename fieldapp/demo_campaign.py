"""The campaign's own records in the demo history, on the plan's calendar (2025 plan, 四、实施步骤).

- 动员部署, by 01-25: every premises is handed the 告知书 and signs the 承诺书; the letters
  set the self-assessment deadline at the end of the next phase (03-31); annex 1's targets.
- 自评自纠, by 03-31: premises run their yearly standardization self-assessment; the street
  office enters the grades premises already hold; landlords sign safety agreements.
- 督导帮扶, by 09-30: risk colours decided, stars rated, the first new reviews.
- 执法推动, by 11-30, and 总结完善, by 12-31: more reviews, benchmark and model cases.

Each quarter the street office enters the figures the app cannot count
(`quarter_figures.save`); after it ends every street and department files its tables
(`filings.file_quarter`) and the district its roll-up. The district enters the plan on
its date (`plan.load_seed`, later years `plan.copy_year`) and streets and departments
file for its requirements (`plan_filings.file`): on time, late or not at all. Departments
decide colours for their industry as streets do. Premises with an account inspect
themselves (`selfcheck`), and inspectors confirm what they found. The public report
hazards from placards; some premises get a placard PIN, one closes, one inspector leaves. After the plan's year, only what does not depend on a plan we do
not hold goes on: the yearly self-assessment (GB/T 33000 5.8, in the same weeks),
reviews and renewals, the quarter's figures; no letters or cases for a later year.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from . import (
    auth,
    campaign,
    demo,
    demo_photos,
    enforcement_counts,
    enterprises,
    filings,
    placards,
    plan,
    plan_filings,
    plan_samples,
    public,
    quarter_figures,
    quarterly,
    risk,
    selfcheck,
    standardization,
    targets,
)
from .clock import local_today
from .demo_history import History, Premises, at_local
from .extensions import db
from .models import Enterprise, PlanRequirement, Street, User

# The plan's phases: (month, day) each ends on.
MOBILISE_END = (1, 25)
SELF_ASSESS_END = (3, 31)
SUPPORT_END = (9, 30)
ENFORCE_END = (11, 30)
REPORTS = [
    "店门口堆放杂物堵住了消防通道",
    "后厨煤气罐放在过道里",
    "楼梯间有电动车在充电",
    "安全出口的门被锁住了",
    "灭火器压力表指针在红区",
    "仓库里住了人",
    "电线乱拉乱接",
]


def _ent(p: Premises) -> Enterprise:
    return db.session.get(Enterprise, p.id)


def schedule(sim: History) -> None:
    """Put every campaign record on the simulation's clock."""
    rng = sim.rng
    sim.on_major = recolour
    ps = list(sim.premises.values())
    plan_year = sim.start.year
    sim.at(at_local(date(plan_year, 1, 15), 9.5), _targets, plan_year)
    _letters(sim, ps, plan_year)
    _cases(sim, ps, plan_year)
    for year in range(plan_year, local_today(sim.end).year + 1):
        # GB/T 33000 5.8: a self-assessment every year; reviews go on.
        _self_assessments(sim, ps, year)
        _new_reviews(sim, ps, year)
        for quarter in range(1, 5):
            end = date(year + quarter // 4, quarter % 4 * 3 + 1, 1)
            for street_id in sorted(sim.street_user):
                sim.at(
                    sim.working_time(end - timedelta(days=rng.randrange(2, 9))),
                    _figures,
                    sim,
                    street_id,
                    year,
                    quarter,
                )
    first = date(sim.start.year, 1, 1)
    for p in ps:
        if p.standardization in risk.STANDARDIZED:
            # The grade held before the campaign, entered during mobilisation (certificate in hand).
            sim.at(
                sim.working_time(first + timedelta(days=rng.randrange(19, 58))),
                _existing_review,
                sim,
                p,
            )
        if rng.random() < 0.65:
            sim.at(
                sim.working_time(date(first.year, 3, 1) + timedelta(days=rng.randrange(0, 120))),
                _decide_colour,
                sim,
                p,
                True,
            )
        sim.at(
            sim.working_time(date(first.year, 4, 1) + timedelta(days=rng.randrange(0, 29))),
            _rate,
            sim,
            p,
        )
        if p.hosts_tenants:
            for tenant in sorted(t.id for t in sim.premises.values() if t.landlord_id == p.id):
                sim.at(
                    sim.working_time(
                        date(first.year, 2, 15) + timedelta(days=rng.randrange(0, 74))
                    ),
                    _agreement,
                    sim,
                    p,
                    tenant,
                )
    _placards(sim, ps)
    _reports(sim, ps)
    _endings(sim, ps)
    _plan(sim)
    for year in range(plan_year, local_today(sim.end).year + 1):
        for quarter in range(1, 5):
            after = date(year + quarter // 4, quarter % 4 * 3 + 1, 1)
            for unit, actor in _filers(sim):
                sim.at(
                    sim.working_time(after + timedelta(days=rng.randrange(1, 9))),
                    _file_quarter,
                    sim,
                    unit,
                    actor,
                    year,
                    quarter,
                )
            sim.at(
                sim.working_time(after + timedelta(days=rng.randrange(12, 20))),
                _file_quarter,
                sim,
                quarterly.DISTRICT,
                sim.district,
                year,
                quarter,
            )
    owner = next(
        iter(sim.owner.items()), None
    )  # the owner account's premises inspects itself from the start
    if owner is not None and owner[0] in sim.premises:
        _self_inspections(
            sim, sim.premises[owner[0]], sim.start + timedelta(days=rng.uniform(20, 60))
        )


def _targets(now: datetime, year: int) -> None:
    targets.seed_annex1(year, now)


# --- 动员部署 and 自评自纠 -----------------------------------------------------------------------


def _letters(sim: History, ps: list[Premises], year: int) -> None:
    rng = sim.rng
    end = date(year, *MOBILISE_END)
    for p in ps:
        if rng.random() >= 0.96:
            continue  # not reached yet: the 'missing letters' list shows it
        handed = end - timedelta(days=rng.randrange(0, 10))
        # Entered by the street office the same afternoon or evening.
        sim.at(at_local(handed, rng.uniform(16, 20)), _letter, sim, p, "notice", year, handed)
        if rng.random() < 0.9:
            signed = handed + timedelta(days=rng.randrange(0, (end - handed).days + 1))
            sim.at(
                at_local(signed, rng.uniform(16, 20.5)), _letter, sim, p, "commitment", year, signed
            )


def _letter(now: datetime, sim: History, p: Premises, kind: str, year: int, on: date) -> None:
    photo = (
        demo_photos.picture(sim.rng) if sim.rng.random() < 0.03 else None
    )  # a photo of the signed page
    campaign.record_letter(
        _ent(p),
        kind=kind,
        year=year,
        done_on=on,
        deadline=date(year, *SELF_ASSESS_END),
        signer=p.principal_name or "负责人",
        photo=photo,
        note="",
        actor=sim.street(p),
        now=now,
    )
    sim.counts["letters"] += 1


def _self_assessments(sim: History, ps: list[Premises], year: int) -> None:
    rng = sim.rng
    chance = {"self_assessed": 0.95, "none": 0.3 if year == sim.start.year else 0.45}
    for p in ps:
        if rng.random() < chance.get(p.standardization, 0.6):
            on = date(year, 2, 10) + timedelta(days=rng.randrange(0, 50))
            sim.at(
                sim.working_time(on + timedelta(days=rng.randrange(0, 3))),
                _self_assessment,
                sim,
                p,
                on,
                "pass" if rng.random() < 0.93 else "fail",
            )


def _self_assessment(now: datetime, sim: History, p: Premises, on: date, result: str) -> None:
    standardization.record(
        _ent(p),
        kind="self_assessment",
        level=None,
        result=result,
        on=min(on, local_today(now)),
        valid_until=None,
        organizer=None,
        note="",
        actor=sim.street(p),
        now=now,
    )
    sim.counts["reviews"] += 1


def _existing_review(now: datetime, sim: History, p: Premises) -> None:
    """A grade awarded before the campaign (rolling since 2021-08), renewed before its three years run out."""
    on = local_today(now) - timedelta(days=sim.rng.randrange(60, 1000))
    _review(
        now,
        sim,
        p,
        p.standardization,
        on,
        sim.rng.choice(standardization.ORGANIZERS_BY_LEVEL[p.standardization]),
    )


def _review(
    now: datetime, sim: History, p: Premises, level: str, on: date, organizer: str, note: str = ""
) -> None:
    row = standardization.record(
        _ent(p),
        kind="review",
        level=level,
        result="pass",
        on=on,
        valid_until=None,
        organizer=organizer,
        note=note,
        actor=sim.street(p),
        now=now,
    )
    sim.counts["reviews"] += 1
    renew = row.valid_until - timedelta(days=sim.rng.randrange(10, 60))
    sim.at(sim.working_time(renew), _renew, sim, p, level, organizer)


def _renew(now: datetime, sim: History, p: Premises, level: str, organizer: str) -> None:
    _review(
        now,
        sim,
        p,
        level,
        local_today(now) - timedelta(days=sim.rng.randrange(0, 5)),
        organizer,
        "复审",
    )
    sim.at(now + timedelta(days=sim.rng.uniform(5, 20)), _rate, sim, p)


def _agreement(now: datetime, sim: History, landlord: Premises, tenant_id: int) -> None:
    tenant = db.session.get(Enterprise, tenant_id)
    photo = demo_photos.picture(sim.rng) if sim.rng.random() < 0.3 else None
    campaign.record_agreement(
        _ent(landlord),
        tenant,
        signed_on=local_today(now),
        photo=photo,
        note="",
        actor=sim.street(landlord),
        now=now,
    )
    sim.counts["agreements"] += 1


# --- 督导帮扶, 执法推动, 总结完善 -----------------------------------------------------------------


def _decide_colour(now: datetime, sim: History, p: Premises, registered: bool) -> None:
    """The street office sets the colour: the rule table's, or the registered one with its reason."""
    ent = _ent(p)
    suggested, _ = risk.suggest(ent, now)
    color = p.risk_color if registered and sim.rng.random() < 0.6 else suggested
    # Both decide by default: the industry's department for its premises, about half the time.
    department = sim.department.get(p.industry)
    actor = department if department is not None and sim.rng.random() < 0.5 else sim.street(p)
    risk.decide(
        ent,
        color=color,
        reason="依据企业风险评估报告确定" if color != suggested else "",
        actor=actor,
        now=now,
    )
    sim.counts["assessments"] += 1


def recolour(now: datetime, sim: History, p: Premises) -> None:
    """After a major hazard the street office looks at the colour again."""
    _decide_colour(now, sim, p, False)


def _rate(now: datetime, sim: History, p: Premises) -> None:
    ent = _ent(p)
    suggested = standardization.suggested_stars(ent.standardization)
    stars, reason = suggested, ""
    if sim.rng.random() < 0.1:
        stars = min(5, max(1, suggested + sim.rng.choice([-1, 1])))
        reason = "结合现场管理水平调整" if stars != suggested else ""
    standardization.rate(ent, stars=stars, reason=reason, actor=sim.street(p), now=now)
    sim.counts["stars"] += 1


def _new_reviews(sim: History, ps: list[Premises], year: int) -> None:
    """New grades, about annex 1's guide per street, in the support and enforcement phases."""
    rng = sim.rng
    streets = {s.id: s.name for s in db.session.scalars(select(Street))}
    for street_id, name in sorted(streets.items()):
        wanted = targets.ANNEX1.get(name, (0, 0, 1, 0))[2]
        pool = [
            p
            for p in ps
            if p.street_id == street_id and p.standardization in ("none", "self_assessed")
        ]
        for p in rng.sample(pool, min(len(pool), max(1, round(wanted * rng.uniform(0.7, 1.3))))):
            on = date(year, 4, 1) + timedelta(days=rng.randrange(0, 240))
            small = p.size_class == "small_micro"
            level, organizer = (
                ("micro_pass", rng.choice(["street", "district"]))
                if small
                else ("level3", rng.choice(["district", "city"]))
            )
            sim.at(
                sim.working_time(on + timedelta(days=rng.randrange(1, 6))),
                _new_review,
                sim,
                p,
                level,
                on,
                organizer,
            )


def _new_review(
    now: datetime, sim: History, p: Premises, level: str, on: date, organizer: str
) -> None:
    _review(now, sim, p, level, on, organizer)
    sim.at(now + timedelta(days=sim.rng.uniform(5, 20)), _rate, sim, p)


def _cases(sim: History, ps: list[Premises], year: int) -> None:
    rng = sim.rng
    streets = {s.id: s.name for s in db.session.scalars(select(Street))}
    for street_id, name in sorted(streets.items()):
        sample, benchmarks = targets.ANNEX1.get(name, (0, 1, 0, 0))[:2]
        mine = [p for p in ps if p.street_id == street_id]
        companies = [p for p in mine if p.venue_type is None]
        venues = [p for p in mine if p.venue_type is not None]
        picks = [(p, "benchmark") for p in rng.sample(companies, min(len(companies), benchmarks))]
        picks += [
            (p, "excellent_venue")
            for p in rng.sample(venues, min(len(venues), rng.randrange(1, 4)))
        ]
        for p, kind in picks:
            on = date(year, 7, 1) + timedelta(days=rng.randrange(0, 170))
            sim.at(sim.working_time(on + timedelta(days=1)), _case, sim, street_id, p, kind, on)
        if sample:
            on = date(year, 12, 1) + timedelta(days=rng.randrange(0, 20))
            sim.at(
                sim.working_time(on + timedelta(days=1)),
                _case,
                sim,
                street_id,
                None,
                "sample_street",
                on,
            )


def _case(
    now: datetime, sim: History, street_id: int, p: Premises | None, kind: str, on: date
) -> None:
    campaign.record_case(
        kind=kind,
        street=db.session.get(Street, street_id),
        enterprise=_ent(p) if p else None,
        level=sim.rng.choice(["district", "street", "district", "city"]),
        on=on,
        note="",
        actor=sim.street_user[street_id],
        now=now,
    )
    sim.counts["cases"] += 1


def _figures(now: datetime, sim: History, street_id: int, year: int, quarter: int) -> None:
    """The quarter's own figures (model posts, training, enforcement) entered by the street office."""
    rng = sim.rng
    values = {}
    typed = enforcement_counts.hand_entry_allowed(year, quarter)
    for annex, row_key, c in quarter_figures.cells():
        if annex == 7 and not typed and c.key in enforcement_counts.COLUMNS:
            continue  # counted from the enforcement records: the form no longer takes them
        if annex == 5:  # the street's row: model posts, training sessions and who came
            value = (
                rng.randrange(0, 6)
                if c.key.startswith("post_")
                else rng.randrange(0, 3)
                if "sessions" in c.key
                else rng.randrange(0, 40)
            )
        elif rng.random() < 0.7:
            value = 0  # most venue types have nothing to report in a quarter
        elif c.key.endswith("_people"):
            value = rng.randrange(2, 15)
        elif c.key.endswith("_units"):
            value = rng.randrange(1, 4)
        else:  # an enforcement case now and then
            value = 1 if rng.random() < 0.2 else 0
        values[(annex, row_key, c.key)] = Decimal(value) / (10 if c.decimal else 1)
    quarter_figures.save(
        db.session.get(Street, street_id),
        year,
        quarter,
        values,
        actor=sim.street_user[street_id],
        now=now,
    )
    sim.counts["quarter_figures"] += 1


# --- placards, the public, and endings ------------------------------------------------------


def _placards(sim: History, ps: list[Premises]) -> None:
    """PINs handed to some owners after their first visit; a few placards reissued."""
    rng = sim.rng
    printed = sim.featured
    # Others in other streets: the printed one is then the first premises with a PIN (the CLI prints that).
    chosen = [
        p
        for p in ps
        if p.visit_times
        and p.id not in sim.owner
        and (
            p is printed
            or (rng.random() < 0.01 and printed is not None and p.street_id != printed.street_id)
        )
    ]
    for p in chosen:
        sim.at(p.visit_times[0] + timedelta(days=rng.uniform(1, 3)), _pin, sim, p)
    for p in ps:
        if rng.random() < 0.005:
            sim.at(sim.between(sim.start, sim.end), _rotate, sim, p)


def _pin(now: datetime, sim: History, p: Premises) -> None:
    ent = _ent(p)
    placards.set_pin(
        ent,
        actor=sim.street(p),
        now=now,
        pin=demo.pin_for(sim.seed, ent.id),
        hasher=sim.pin_hasher,
    )
    sim.owner[p.id] = db.session.scalar(
        select(User).where(User.username == placards.pin_username(ent.id))
    )
    sim.counts["pins"] += 1
    _self_inspections(sim, p, now + timedelta(days=sim.rng.uniform(5, 30)))


def _rotate(now: datetime, sim: History, p: Premises) -> None:
    placards.rotate(_ent(p), actor=sim.street(p), now=now)


def _reports(sim: History, ps: list[Premises]) -> None:
    rng = sim.rng
    for p in rng.sample(ps, min(len(ps), max(3, len(ps) // 60))):
        sim.at(sim.between(sim.start + timedelta(days=20), sim.end), _report, sim, p)


def _report(now: datetime, sim: History, p: Premises) -> None:
    rng = sim.rng
    photo = demo_photos.picture(rng) if rng.random() < 0.6 else None
    report = public.submit_report(
        _ent(p),
        description=rng.choice(REPORTS),
        contact=rng.choice(["", "", "附近居民"]),
        photo=photo,
        now=now,
    )
    sim.counts["reports"] += 1
    roll = rng.random()
    if roll < 0.9:
        sim.at(
            now + timedelta(hours=rng.uniform(3, 72)),
            _handle_report,
            sim,
            p,
            report.uuid,
            roll < 0.75,
        )


def _handle_report(
    now: datetime, sim: History, p: Premises, report_uuid: str, confirm: bool
) -> None:
    from .models import PublicReport

    report = db.session.scalar(select(PublicReport).where(PublicReport.uuid == report_uuid))
    inspector = sim.inspector_for(p, now)
    if inspector is None or report.status != "new":
        return
    if not confirm:
        public.dismiss(report, actor=inspector, now=now, reason="现场核实，未发现所述情况。")
        return
    h = public.confirm(
        report, actor=inspector, now=now, item_text=report.description[:30] + "（群众举报，已核实）"
    )
    sim.counts["hazards"] += 1
    sim.plan_hazard(h.uuid, p, h.level, now, h.deadline)


def _endings(sim: History, ps: list[Premises]) -> None:
    """A premises closes down late in the history; the former inspector of a grid leaves."""
    sim.at(sim.start + (sim.end - sim.start) * 0.85, _close_down, sim, sim.featured)
    if sim.former is not None:
        sim.at(sim.former_until, _leave, sim)


def _close_down(now: datetime, sim: History, printed: Premises | None) -> None:
    """The premises with the most hazards so far closes (its record worth keeping); it is not visited again."""
    from sqlalchemy import func

    from .models import Hazard

    counts = db.session.execute(
        select(Hazard.enterprise_id, func.count()).group_by(Hazard.enterprise_id)
    ).all()
    candidates = [
        (n, -eid)
        for eid, n in counts
        if eid in sim.premises
        and sim.premises[eid] is not printed
        and eid not in sim.owner
        and not sim.premises[eid].hosts_tenants
        and sim.premises[eid].landlord_id is None
    ]
    if not candidates:
        return
    p = sim.premises[-max(candidates)[1]]
    ent = _ent(p)
    enterprises.update(
        ent,
        {"active": False, "street_id": ent.street_id, "note": "已停业（演示）"},
        actor=sim.street(p),
        now=now,
    )
    placards.revoke(ent, actor=sim.street(p), now=now)
    p.active_until = now
    sim.counts["closed_down"] += 1


def _leave(now: datetime, sim: History) -> None:
    auth.set_active(sim.former, False)


# --- 企业自查, quarterly filings and the plan's filings ----------------------------------------

SELF_FINDINGS = [
    ("灭火器压力不足", "更换灭火器并每月检查压力"),
    ("配电箱周边堆放纸箱", "清理配电箱周边可燃物"),
    ("疏散指示灯不亮", "更换应急照明和疏散指示灯"),
    ("员工未参加消防培训", "组织全员消防培训并留存记录"),
    ("电动车在楼道充电", "设置集中充电点，禁止楼道充电"),
    ("安全出口堆放杂物", "清理安全出口，专人每日检查"),
]


def _self_inspections(sim: History, p: Premises, first: datetime) -> None:
    """A premises with an account inspects itself every month or two (自评自纠), on its own list."""
    at = first
    while at < sim.end:
        sim.at(sim.working_time(local_today(at)), _self_inspect, sim, p)
        at += timedelta(days=sim.rng.uniform(30, 75))


def _self_inspect(now: datetime, sim: History, p: Premises) -> None:
    owner = sim.owner.get(p.id)
    if owner is None or (p.active_until is not None and now >= p.active_until):
        return
    rng = sim.rng
    for _ in range(rng.choice([0, 1, 1, 2])):
        text, measure = rng.choice(SELF_FINDINGS)
        shot = sim.photo(
            actor=owner,
            now=now - timedelta(seconds=30),
            taken=now - timedelta(minutes=rng.uniform(5, 90)),
            p=p,
        )
        h = selfcheck.record_finding(
            p.id,
            actor=owner,
            now=now,
            text=text,
            level="major" if rng.random() < 0.05 else "general",
            deadline=local_today(now) + timedelta(days=rng.choice([7, 10, 15, 20])),
            measure=measure,
            owner=p.principal_name or "",
            photos=[shot],
            hazard_uuid=sim.uuid(),
        )
        sim.counts["self_found"] += 1
        if rng.random() < 0.85:
            sim.at(now + timedelta(days=rng.uniform(1, 12)), _self_rectify, sim, p, h.uuid)
        if rng.random() < 0.5:  # the inspector sees it at the next round and confirms it
            sim.at(now + timedelta(days=rng.uniform(3, 25)), _confirm_self, sim, p, h.uuid)


def _self_rectify(now: datetime, sim: History, p: Premises, hid: str) -> None:
    h = sim._hazard(hid)
    owner = sim.owner.get(p.id)
    if h.state != "open" or owner is None:
        return
    shot = sim.photo(
        actor=owner,
        now=now - timedelta(seconds=30),
        taken=now - timedelta(hours=sim.rng.uniform(1, 20)),
        p=p,
    )
    selfcheck.record_rectification(
        hid,
        actor=owner,
        now=now,
        version=h.version,
        note="已按措施整改完毕",
        photos=[shot],
        event_uuid=sim.uuid(),
    )
    if h.level == "major":  # submitted for the office to recheck, as any rectification
        sim.at(now + timedelta(days=sim.rng.uniform(2, 10)), sim.review, hid, p, 1)


def _confirm_self(now: datetime, sim: History, p: Premises, hid: str) -> None:
    h = sim._hazard(hid)
    inspector = sim.inspector_for(p, now)
    if h.confirmed_at is None and inspector is not None:
        sim._act(now, h, "confirm_self", inspector, note="现场核实企业自查隐患")


def _filers(sim: History) -> list[tuple[quarterly.Unit, User]]:
    """Each street and each department that files, with the account that files for it."""
    streets = db.session.scalars(select(Street).order_by(Street.id)).all()
    out = [
        (quarterly.street_unit(s), sim.street_user[s.id])
        for s in streets
        if s.id in sim.street_user
    ]
    out += [
        (u, sim.department[u.industry])
        for u in quarterly.departments()
        if u.industry in sim.department
    ]
    return out


def _file_quarter(
    now: datetime, sim: History, unit: quarterly.Unit, actor, year: int, quarter: int
) -> None:
    """A filer files the quarter just ended (its figures frozen, sealed); the district its roll-up."""
    filings.file_quarter(unit, year, quarter, actor=actor, now=now)
    sim.counts["quarter_filings"] += 1


def _plan(sim: History) -> None:
    """The district enters the plan on its date; each later year starts from the year before."""
    sim.at(at_local(date(sim.start.year, 1, 15), 10), _load_plan, sim, sim.start.year)
    for year in range(sim.start.year + 1, local_today(sim.end).year + 1):
        sim.at(at_local(date(year, 1, 2), 9.5), _load_plan, sim, year)


def _load_plan(now: datetime, sim: History, year: int) -> None:
    if year not in plan.years():
        if year == sim.start.year:
            plan.load_seed(year, actor=sim.district, now=now)
        else:
            plan.copy_year(year - 1, actor=sim.district, now=now)
    # Every street and two departments file, each in its own way: on time, late, missing (as plan_samples does).
    rng = sim.rng
    filers = [f for f in plan.filers() if f.kind == "street"] + [
        f for f in plan.filers() if f.kind == "department"
    ][:2]
    for i, filer in enumerate(filers):
        actor = (
            sim.street_user.get(filer.street_id)
            if filer.kind == "street"
            else sim.department.get(filer.industry)
        )
        for n, req in enumerate(plan.requirements(year)):
            mood = (i + n) % 4
            if actor is None or not plan.applies(req, filer) or mood == 2:
                continue  # missing
            when = (
                req.due_on + timedelta(days=rng.randint(1, 12))
                if mood == 1
                else req.due_on - timedelta(days=rng.randint(0, 10))
            )
            sim.at(
                max(at_local(when, rng.randint(9, 17)), now + timedelta(hours=1)),
                _file_plan,
                sim,
                req.id,
                actor,
                mood,
                n,
            )


def _file_plan(now: datetime, sim: History, req_id: int, actor, mood: int, n: int) -> None:
    req = db.session.get(PlanRequirement, req_id)
    if "note" in req.forms and mood == 3:
        plan_filings.file(
            req,
            kind="note",
            actor=actor,
            now=now,
            note=plan_samples.NOTES[n % len(plan_samples.NOTES)],
        )
    elif "document" in req.forms:
        plan_filings.file(
            req,
            kind="document",
            actor=actor,
            now=now,
            data=plan_samples.scan(sim.rng.randrange(1 << 30)),
            file_name=f"{req.title[:20]}.pdf",
        )
    else:
        return
    sim.counts["plan_filings"] += 1
