"""Examples of issue 20 for the demo, made through the domain functions (as people would make them).

`populate(now=...)` works on a built district: in the first street that has a street
user and an inspector, it records three units found in the field (one approved with a
first visit held until then, one merged with a registered duplicate, one rejected),
enforcement records of every kind (a 行政处罚 with 一案双罚 deciding a referral case, a
second case left open), a major hazard governed from the inspector's proposal to its
销号 (confirmation, 治理方案, 挂牌督办, acceptance), a 督导帮扶 visit and 包保 cadres.
Every step writes its audit event, as it would from the pages or the API.
"""

from __future__ import annotations

import hashlib
import io
import random
import uuid as uuidlib
from datetime import datetime, timedelta

from flask import current_app
from PIL import Image, ImageDraw
from sqlalchemy import select

from . import cadres, demo, enforcement, hazards, photos, placards, units, visits
from .clock import local_today
from .extensions import db
from .models import Enterprise, Grid, User, user_grids
from .roles import Role

PLAN = {
    "goal": "30 日内消除燃气管道老化隐患，恢复安全使用条件",
    "method": "更换全部老化软管为金属波纹管，加装可燃气体报警器并与切断阀联动",
    "funds": "企业自筹 2.6 万元，材料已采购到位",
    "organization": "店长为第一责任人，委托有资质的燃气工程公司施工，街道安办跟踪",
    "timeline": "施工 7 日，自检 3 日，申请验收",
    "safety_measures": "施工期间停用燃气，设置警戒区，严禁明火",
    "emergency_plan": "现场配备灭火器和防毒面具；发生泄漏立即关阀、疏散、报警",
    "status_and_cause": "后厨燃气软管老化开裂，长期未更换",
    "harm_analysis": "可能引发燃气泄漏爆炸，危害大；整改难度一般，需停业施工",
}


def _photo(seed: int, actor, now: datetime) -> str:
    """A small generated picture, put through the real photo pipeline."""
    rng = random.Random(seed)
    im = Image.new("RGB", (480, 360), tuple(rng.randrange(60, 200) for _ in range(3)))
    draw = ImageDraw.Draw(im)
    for _ in range(12):
        x, y = rng.randrange(440), rng.randrange(320)
        draw.rectangle(
            (x, y, x + rng.randrange(10, 60), y + rng.randrange(10, 60)),
            fill=tuple(rng.randrange(256) for _ in range(3)),
        )
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=80)
    data = buf.getvalue()
    sha = hashlib.sha256(data).hexdigest()
    photos.ingest(sha, data, photos.Meta(captured_at=now), actor=actor, now=now)
    return sha


def _visit_body(
    ent, *, day, finished: datetime, shots: list[str], fail: bool, major: bool = False
) -> dict:
    """A short visit by the checklist in force: the first items answered, one failing when asked."""
    registry = current_app.extensions["checklists"]
    checklist = registry.for_enterprise(ent, day)[0]
    items = registry.items_for_enterprise(checklist, ent)[:4]
    answers = []
    for n, item in enumerate(items):
        failed = fail and n == 0
        answers.append(
            {
                "checklist": checklist.id,
                "item": item.key,
                "result": "fail" if failed else "pass",
                "note": "现场发现" if failed else "",
                "photos": shots if failed else [],
                "hazard": (
                    {"uuid": str(uuidlib.uuid4()), "level": "major" if major else None}
                    if failed
                    else None
                ),
            }
        )
    for a in answers:
        if a["hazard"] and a["hazard"]["level"] is None:
            del a["hazard"]["level"]
    return {
        "checklists": [{"id": checklist.id, "version": checklist.version}],
        "started_at": (finished - timedelta(minutes=25)).isoformat(),
        "finished_at": finished.isoformat(),
        "location": None,
        "answers": answers,
    }


def _people():
    """A street with a street user and an inspector there; the district user; a department user."""
    for street_user in db.session.scalars(
        select(User).where(User.role == Role.STREET, User.active.is_(True)).order_by(User.id)
    ):
        # The history can close a small street's only premises (demo_campaign); the examples
        # need open premises in the inspector's grid, so such a street is passed over.
        open_here = (
            select(Enterprise.id)
            .where(Enterprise.grid_id == Grid.id, Enterprise.active.is_(True))
            .exists()
        )
        inspector = db.session.scalar(
            select(User)
            .join(user_grids, user_grids.c.user_id == User.id)
            .join(Grid, Grid.id == user_grids.c.grid_id)
            .where(
                User.role == Role.INSPECTOR,
                User.active.is_(True),
                Grid.street_id == street_user.street_id,
                open_here,
            )
            .order_by(User.id)
            .limit(1)
        )
        if inspector is not None:
            district = db.session.scalar(
                select(User).where(User.role == Role.DISTRICT).order_by(User.id).limit(1)
            )
            return street_user, inspector, district
    raise LookupError("没有同时有街道用户和网格员的街道")


def populate(*, now: datetime, seed: int = 2025) -> dict[str, int]:
    """Make one example of each new thing of issue 20 (see the module docstring); the caller commits."""
    rng = random.Random(seed)
    street, inspector, district = _people()
    ents = list(
        db.session.scalars(
            select(Enterprise)
            .where(Enterprise.street_id == street.street_id, Enterprise.active.is_(True))
            .order_by(Enterprise.id)
        )
    )
    open_grids = {e.grid_id for e in ents}
    grid = next(g for g in inspector.grids if g.id in open_grids)
    venues = [e for e in ents if e.venue_type] or ents
    base = now - timedelta(days=20)
    counts = {"units": 0, "records": 0, "cadres": 0}

    def at(hours: float) -> datetime:
        return base + timedelta(hours=hours)

    # 1. Units found in the field: approved (with a first visit held until then), merged, rejected.
    target = next((e for e in ents if e.grid_id == grid.id and e.lat is not None), ents[0])
    proposals = [
        (
            "approve",
            {
                "name": f"{grid.name[:2]}新开{rng.choice(['小吃店', '便利店', '五金店'])}",
                "no_licence": True,
                "venue_type": "catering",
                "industry": "餐饮",
                "size_class": "small_micro",
            },
        ),
        (
            "merge",
            {
                "name": target.name,
                "credit_code": target.credit_code,
                "no_licence": not target.credit_code,
                "venue_type": target.venue_type,
                "industry": target.industry,
            },
        ),
        ("reject", {"name": "临街住宅（无经营）", "no_licence": True, "industry": "其他"}),
    ]
    for n, (decision, fields) in enumerate(proposals):
        unit_uuid = str(uuidlib.UUID(int=rng.getrandbits(128), version=4))
        front = _photo(seed * 10 + n, inspector, at(n))
        loc = (
            {"lat": target.lat + 0.0001, "lng": target.lng}
            if decision == "merge" and target.lat
            else None
        )
        body = {
            "address": f"{grid.name}内",
            "grid": grid.code,
            "photos": [front],
            "note": "排查摸底时发现",
            "found_at": at(n).isoformat(),
            "location": loc,
            **fields,
        }
        if not body.get("credit_code"):
            body["credit_code"] = None
        units.receive(unit_uuid, body, actor=inspector, now=at(n) + timedelta(minutes=5))
        p = units.get_in_scope(street, unit_uuid)
        if decision == "approve":
            stand_in = type(
                "U",
                (),
                {
                    "venue_type": "catering",
                    "industry": "餐饮",
                    "size_class": "small_micro",
                    "hosts_tenants": False,
                },
            )()
            shot = _photo(seed * 10 + 7, inspector, at(n))
            visit = _visit_body(
                stand_in,
                day=local_today(at(n)),
                finished=at(n) + timedelta(minutes=30),
                shots=[shot],
                fail=True,
            )
            visits.receive(
                str(uuidlib.UUID(int=rng.getrandbits(128), version=4)),
                {**visit, "unit": unit_uuid},
                actor=inspector,
                now=at(n) + timedelta(minutes=40),
            )
            units.approve(
                unit_uuid,
                {**units.form_values(p), "principal_name": "陈老板"},
                actor=street,
                version=p.version,
                now=at(n + 24),
            )
        elif decision == "merge":
            units.merge(
                unit_uuid,
                target.id,
                actor=street,
                version=p.version,
                now=at(n + 24),
                note="与在册单位为同一家",
            )
        else:
            units.reject(
                unit_uuid,
                reason="该处为居民住宅，无经营活动",
                actor=street,
                version=p.version,
                now=at(n + 24),
            )
        counts["units"] += 1

    # 2. A major hazard from the inspector's proposal to its 销号.
    shop = venues[0]
    owner = db.session.scalar(
        select(User).where(User.role == Role.ENTERPRISE, User.enterprise_id == shop.id).limit(1)
    )
    if owner is None:
        placards.set_pin(
            shop, actor=street, now=at(48), pin=demo.pin_for(seed, shop.id)
        )  # printable again
        owner = db.session.scalar(
            select(User).where(User.username == placards.pin_username(shop.id))
        )
    major = hazards.raise_hazard(
        hazards.NewHazard(
            uuid=str(uuidlib.UUID(int=rng.getrandbits(128), version=4)),
            enterprise_id=shop.id,
            item_text="燃气管道完好",
            defect="后厨燃气软管老化开裂",
            level="major",
            deadline=local_today(at(50)) + timedelta(days=30),
            raised_at=at(50),
            level_reason="",
            before_photos=[_photo(seed * 10 + 20, inspector, at(50))],
        ),
        actor=inspector,
        now=at(50),
    )
    department = db.session.scalar(
        select(User).where(User.role == Role.DEPARTMENT, User.industry == shop.industry).limit(1)
    )
    confirmer = department or street
    steps = [
        ("confirm_major", confirmer, {}, "", []),
        ("submit_plan", owner, {"plan": PLAN}, "", []),
        ("accept_plan", street, {}, "方案可行，按期实施", []),
        (
            "supervise",
            street,
            {"supervision_level": "street", "supervisor": "街道办副主任（分管安全）"},
            "",
            [],
        ),
        (
            "submit_rectification",
            owner,
            {},
            "已更换金属波纹管并加装报警器",
            [_photo(seed * 10 + 21, owner, at(60))],
        ),
        (
            "record_acceptance",
            street,
            {"accepted_by": "街道安办、燃气工程专家", "accepted_on": local_today(at(67))},
            "现场验收合格",
            [_photo(seed * 10 + 22, street, at(66))],
        ),
        ("verify", district, {}, "验收合格，同意销号", []),
    ]
    for n, (action, actor, data, note, shots) in enumerate(steps):
        h = db.session.get(type(major), major.uuid)
        hazards.transition(
            h.uuid,
            action,
            actor=actor,
            now=at(52 + 3 * n),
            version=h.version,
            note=note,
            photos=shots,
            data=data,
        )

    # 3. Enforcement records of every kind; a referral decided by a 一案双罚 penalty, another left open.
    referred = hazards.raise_hazard(
        hazards.NewHazard(
            uuid=str(uuidlib.UUID(int=rng.getrandbits(128), version=4)),
            enterprise_id=venues[1 % len(venues)].id,
            item_text="安全出口畅通",
            defect="安全出口被货物堵塞",
            level="general",
            deadline=local_today(at(80)) + timedelta(days=3),
            raised_at=at(80),
        ),
        actor=inspector,
        now=at(80),
    )
    out = hazards.transition(
        referred.uuid,
        "refer",
        actor=street,
        now=at(150),
        version=referred.version,
        note="逾期拒不整改，移交执法",
    )
    decided_on = local_today(at(170))
    kinds = [
        (
            "penalty",
            {
                "measures": ["fine", "suspension"],
                "fine_wan": "1.50",
                "dual_penalty": True,
                "person_name": "林某",
                "person_role": "主要负责人",
                "person_fine_wan": "0.30",
                "hazards": [referred.uuid],
                "case_uuid": out.event.uuid,
            },
        ),
        ("penalty", {"measures": ["licence_suspended"]}),
        ("penalty", {"measures": ["closure"]}),
        ("judicial", {"persons": 1}),
        ("inspection", {}),
        ("interview", {}),
        ("notice", {}),
        ("exposure", {}),
        ("incentive", {}),
        ("restraint", {}),
    ]
    for n, (kind, extra) in enumerate(kinds):
        ent = referred.enterprise_id if extra.get("case_uuid") else venues[(n + 2) % len(venues)].id
        enforcement.record(
            enforcement.NewRecord(
                kind=kind,
                enterprise_id=ent,
                doc_number=f"泉鲤安执〔{decided_on.year}〕{n + 1}号",
                decided_on=decided_on,
                note="示例记录",
                **extra,
            ),
            actor=street,
            now=at(170 + n),
        )
        counts["records"] += 1
    still_open = hazards.raise_hazard(
        hazards.NewHazard(
            uuid=str(uuidlib.UUID(int=rng.getrandbits(128), version=4)),
            enterprise_id=venues[2 % len(venues)].id,
            item_text="消防设施完好",
            defect="灭火器过期未更换",
            level="general",
            deadline=local_today(at(90)) + timedelta(days=7),
            raised_at=at(90),
        ),
        actor=inspector,
        now=at(90),
    )
    hazards.transition(
        still_open.uuid,
        "refer",
        actor=street,
        now=at(200),
        version=still_open.version,
        note="多次督促未整改",
    )

    # 4. A 督导帮扶 visit by a team with an expert, and 包保 cadres for the grid and one premises.
    team_site = next((e for e in ents if e.grid_id != grid.id), ents[-1])
    sup = _visit_body(
        team_site,
        day=local_today(at(210)),
        finished=at(210),
        shots=[_photo(seed * 10 + 30, street, at(210))],
        fail=True,
    )
    visits.receive(
        str(uuidlib.UUID(int=rng.getrandbits(128), version=4)),
        {
            **sup,
            "enterprise_id": team_site.id,
            "supervision": {
                "participants": ["街道安办 黄某", "区应急局 郑某"],
                "experts": "市安全生产专家组 王工",
            },
        },
        actor=street,
        now=at(211),
    )
    cadres.assign(actor=street, now=at(220), name="吴某", title="街道办副主任", grid_id=grid.id)
    cadres.assign(actor=street, now=at(221), name="郭某", title="社区书记", enterprise_id=shop.id)
    counts["cadres"] = 2
    db.session.flush()
    return counts
