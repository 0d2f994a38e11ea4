"""Build a realistic, deterministic demo district (annex 1 of the 2025 plan)."""

from __future__ import annotations

import math
import random
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, insert, select

from . import auth, creditcode, search
from .clock import LOCAL_TZ
from .extensions import db
from .models import Enterprise, EnterpriseChange, Grid, Street, User

# 附件1: the 8 streets and their unit counts (1,091 in all).
STREETS = [
    ("开元街道", "KY", 52),
    ("鲤中街道", "LZ", 39),
    ("海滨街道", "HB", 41),
    ("临江街道", "LJ", 12),
    ("金龙街道", "JL", 239),
    ("江南街道", "JN", 190),
    ("浮桥街道", "FQ", 123),
    ("常泰街道", "CT", 395),
]
DISTRICT_CODE = "350502"  # 鲤城区
CENTER = (24.9087, 118.5861)

ROADS = [
    "中山路",
    "新华路",
    "温陵路",
    "江滨路",
    "金山路",
    "常泰路",
    "庄府巷",
    "打锡巷",
    "涂门街",
    "南俊路",
    "聚宝街",
    "浮桥街",
    "江南大街",
    "紫华路",
    "笋江路",
    "金浦路",
    "高速连线",
    "西环路",
    "环城路",
    "九一路",
]
BRANDS = [
    "鑫源",
    "华宏",
    "恒达",
    "金峰",
    "永利",
    "鸿兴",
    "泉丰",
    "晋德",
    "闽泰",
    "瑞祥",
    "宏发",
    "盛达",
    "顺昌",
    "佳美",
    "新华",
    "联兴",
    "东升",
    "大成",
    "福利",
    "源盛",
    "协和",
    "荣兴",
    "惠丰",
    "正大",
    "天成",
    "嘉禾",
    "长荣",
    "和顺",
    "丰泽",
    "聚福",
    "通达",
    "海丝",
    "刺桐",
    "温陵",
    "清源",
    "紫云",
    "金鹰",
    "安泰",
    "百川",
    "隆昌",
    "富源",
    "兴旺",
    "明辉",
    "景泰",
    "万家",
    "同福",
    "永春",
    "德盛",
    "润发",
    "德和",
]
OWNER_NICK = [
    "阿华",
    "阿明",
    "老陈",
    "阿珍",
    "小林",
    "阿强",
    "老黄",
    "阿芳",
    "小吴",
    "阿伟",
    "老蔡",
    "阿玲",
    "小王",
    "阿辉",
    "老郑",
    "阿娇",
    "小许",
    "阿水",
    "老洪",
    "阿彬",
]
SURNAMES = list("陈林黄张吴王李蔡郑许洪刘杨苏庄施曾谢何傅")
GIVEN = [
    "志强",
    "伟",
    "秀英",
    "建华",
    "丽娟",
    "国平",
    "海燕",
    "文斌",
    "明辉",
    "雅婷",
    "俊杰",
    "美玲",
    "家豪",
    "淑芬",
    "振华",
    "晓东",
    "惠敏",
    "荣发",
    "宝珠",
    "清水",
]

# Venue type → (name endings, industry)
VENUES = {
    "catering": (["小吃店", "面线糊店", "牛肉店", "餐厅", "快餐店", "烧烤店", "茶餐厅"], "餐饮"),
    "shop": (["便利店", "五金店", "超市", "日杂店", "电动车行", "建材店"], "商贸"),
    "hotel": (["旅馆", "宾馆", "公寓酒店", "客栈"], "住宿"),
    "beauty_bath": (["美发店", "足浴店", "美容院", "养生馆"], "商贸"),
    "internet_cafe": (["网吧", "网咖"], "文化娱乐"),
    "entertainment": (["KTV", "歌舞厅", "量贩式KTV"], "文化娱乐"),
    "clinic": (["诊所", "口腔诊所", "中医诊所"], "卫生"),
    "school": (["幼儿园", "培训中心", "艺术培训学校"], "教育"),
    "small_manufacturing": (
        ["服装加工厂", "鞋材加工点", "五金加工厂", "食品加工坊", "印刷厂"],
        None,
    ),
}
VENUE_WEIGHTS = {
    "catering": 30,
    "shop": 28,
    "hotel": 8,
    "beauty_bath": 10,
    "internet_cafe": 3,
    "entertainment": 3,
    "clinic": 5,
    "school": 5,
    "small_manufacturing": 14,
}
COMPANY_TRADES = {
    "机械": ["机械", "五金制品", "精密铸造", "阀门"],
    "轻工": ["鞋业", "食品", "包装材料", "工艺品", "伞业", "纸制品"],
    "纺织": ["纺织", "服装", "织造"],
    "建材": ["石材", "建材", "陶瓷"],
    "商贸": ["贸易", "商贸", "物流"],
}
STANDARDIZATION_BY_SIZE = {
    "above_scale": [("level2", 3), ("level3", 5), ("self_assessed", 2)],
    "medium": [("level3", 3), ("self_assessed", 4), ("none", 3)],
    "small_micro": [("micro_pass", 3), ("self_assessed", 4), ("none", 5)],
}
# The assumed star ladder (domain facts §5.1, UNVERIFIED; configurable later).
STARS = {"level1": 5, "level2": 5, "level3": 4, "micro_pass": 3, "self_assessed": 2, "none": 1}
COLORS = [("red", 3), ("orange", 12), ("yellow", 45), ("blue", 40)]
DEPARTMENTS = [("dept-catering", "餐饮"), ("dept-machinery", "机械"), ("dept-lodging", "住宿")]
PLAN_START = date(2025, 1, 1)  # the 2025 plan's year: the demo's history starts here
# An inspector who worked the first grid before leaving; disabled part-way through the history, never printed.
FORMER_INSPECTOR = "inspector-former"
VISITS_PER_UNIT = (
    2  # over the history, more often where the risk is higher: keeps `make run` quick (README)
)


def default_visits(units: int) -> int:
    """How many visits the demo's history holds by default."""
    return units * VISITS_PER_UNIT


def history_start(now: datetime) -> datetime:
    """Where the demo's history begins: 1 January of the plan's year (a year back when that is under a month ago)."""
    start = datetime.combine(PLAN_START, time(), LOCAL_TZ)
    return start if now - start >= timedelta(days=30) else now - timedelta(days=365)


def pin_for(seed: int, enterprise_id: int) -> str:
    """The placard PIN the demo gives a premises: fixed by the seed, so it can be printed again."""
    return f"{random.Random(f'{seed}-pin-{enterprise_id}').randrange(10**6):06d}"


@dataclass
class DemoLogin:
    username: str
    password: str
    role: str
    scope: str


def _pick(rng: random.Random, weighted: list[tuple[str, int]]) -> str:
    return rng.choices([k for k, _ in weighted], weights=[w for _, w in weighted])[0]


def _credit_code(rng: random.Random, kind: str) -> str:
    body = (
        kind
        + DISTRICT_CODE
        + "".join(rng.choice(creditcode.CHARSET[:10] + "ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
    )
    return body + creditcode.check_char(body)


def _person(rng: random.Random) -> tuple[str, str]:
    return rng.choice(SURNAMES) + rng.choice(GIVEN), "1" + rng.choice("3589") + "".join(
        rng.choice("0123456789") for _ in range(9)
    )


def street_counts(total: int) -> list[int]:
    """Split `total` units over the streets in annex 1's proportions."""
    base = sum(c for _, _, c in STREETS)
    if total == base:
        return [c for _, _, c in STREETS]
    counts = [max(1, c * total // base) for _, _, c in STREETS]
    counts[-1] += total - sum(counts)
    return counts


def is_empty() -> bool:
    return not db.session.scalar(select(func.count()).select_from(Street))


def build(
    *, enterprises: int = 1091, seed: int = 2025, now: datetime, password_hasher=auth.hash_password
) -> list[DemoLogin]:
    """Create streets, grids, enterprises and one user per role and scope."""
    rng = random.Random(seed)
    start = history_start(now)
    counts = street_counts(enterprises)
    streets: list[Street] = []
    grids_by_street: dict[int, list[Grid]] = {}
    for (name, code, _), count in zip(STREETS, counts, strict=True):
        street = Street(
            name=name, code=code, office_phone=f"0595-2{rng.randrange(2000000, 2999999)}"
        )
        db.session.add(street)
        db.session.flush()
        streets.append(street)
        n_grids = grid_count(count)
        grids_by_street[street.id] = []
        for i in range(1, n_grids + 1):
            grid = Grid(street_id=street.id, code=f"{code}-{i:02d}", name=f"{name[:2]}第{i}网格")
            db.session.add(grid)
            grids_by_street[street.id].append(grid)
    db.session.flush()

    used_names: set[str] = set()
    rows: list[dict] = []
    for street, count in zip(streets, counts, strict=True):
        grids = grids_by_street[street.id]
        for i in range(count):
            rows.append(
                _enterprise_row(rng, street, grids[i * len(grids) // count], used_names, start)
            )
    db.session.execute(insert(Enterprise), rows)
    ents = db.session.execute(
        select(
            Enterprise.id, Enterprise.street_id, Enterprise.venue_type, Enterprise.size_class
        ).order_by(Enterprise.id)
    ).all()
    search.refresh(db.session.connection(), [e.id for e in ents])  # Core insert: no session hook
    _link_tenants(rng, ents)
    created = dict(db.session.execute(select(Enterprise.id, Enterprise.created_at)).all())
    db.session.execute(
        insert(EnterpriseChange),
        [
            {
                "enterprise_id": e.id,
                "actor_id": None,
                "actor_label": "演示数据",
                "at": created[e.id],
                "action": "create",
                "changes": {"source": [None, "fieldapp demo"]},
            }
            for e in ents
        ],
    )
    logins = _users(
        rng,
        streets,
        grids_by_street,
        ents,
        start - timedelta(days=30),
        password_hasher,
        seed,
        enterprises,
    )
    db.session.commit()
    return logins


def _enterprise_row(
    rng: random.Random, street: Street, grid: Grid, used: set[str], start: datetime
) -> dict:
    venue = (
        rng.choices(list(VENUE_WEIGHTS), weights=list(VENUE_WEIGHTS.values()))[0]
        if rng.random() < 0.55
        else None
    )
    if venue:
        endings, industry = VENUES[venue]
        industry = industry or rng.choice(["轻工", "纺织", "机械"])
        name = f"{rng.choice(OWNER_NICK + BRANDS)}{rng.choice(endings)}"
        size = "small_micro"
        kind = "92"  # 个体工商户
    else:
        industry = rng.choice(list(COMPANY_TRADES))
        name = f"泉州市{rng.choice(BRANDS)}{rng.choice(COMPANY_TRADES[industry])}有限公司"
        size = _pick(rng, [("above_scale", 10), ("medium", 25), ("small_micro", 65)])
        kind = "91"
    base, n = name, 2
    while name in used:
        name = (
            base.replace("有限公司", f"（{street.name[:2]}{n}）有限公司")
            if "有限公司" in base
            else f"{base}（{n}店）"
        )
        n += 1
    used.add(name)
    std = _pick(rng, STANDARDIZATION_BY_SIZE[size])
    principal, p_phone = _person(rng)
    officer, o_phone = _person(rng) if size != "small_micro" else (None, None)
    return {
        "name": name,
        "credit_code": _credit_code(rng, kind),
        "street_id": street.id,
        "grid_id": grid.id,
        "industry": industry,
        "size_class": size,
        "venue_type": venue,
        "standardization": std,
        "stars": STARS[std],
        "risk_color": _pick(rng, COLORS),
        "address": f"泉州市鲤城区{street.name}{rng.choice(ROADS)}{rng.randrange(1, 400)}号",
        "lat": round(CENTER[0] + rng.uniform(-0.025, 0.025), 6),
        "lng": round(CENTER[1] + rng.uniform(-0.025, 0.025), 6),
        "employees": rng.randrange(2, 12) if size == "small_micro" else rng.randrange(20, 600),
        "principal_name": principal,
        "principal_phone": p_phone,
        "safety_officer_name": officer,
        "safety_officer_phone": o_phone,
        "hosts_tenants": False,
        "landlord_id": None,
        "note": "",
        "active": True,
        "public_token": secrets.token_urlsafe(24),  # placards are random, not derived from the seed
        # Registered in the years before the campaign, so quarterly bases count them.
        "created_at": (
            created := start
            - timedelta(days=rng.randrange(40, 2500), minutes=rng.randrange(0, 600))
        ),
        "public_token_at": created,
        "updated_at": created,
        "version": 1,
    }


def _link_tenants(rng: random.Random, ents) -> None:
    """Make a few 一企多租 micro-parks: a landlord and some small tenants per street."""
    by_street: dict[int, list] = {}
    for e in ents:
        by_street.setdefault(e.street_id, []).append(e)
    for members in by_street.values():
        companies = [e for e in members if e.venue_type is None]
        small = [
            e
            for e in members
            if e.venue_type == "small_manufacturing"
            or (e.venue_type is None and e.size_class == "small_micro")
        ]
        for _ in range(max(0, len(members) // 120)):
            if not companies or len(small) < 3:
                break
            landlord = rng.choice(companies)
            companies.remove(landlord)
            tenants = [
                t
                for t in rng.sample(small, min(len(small), rng.randrange(3, 8)))
                if t.id != landlord.id
            ]
            db.session.get(Enterprise, landlord.id).hosts_tenants = True
            for t in tenants:
                db.session.get(Enterprise, t.id).landlord_id = landlord.id
                small.remove(t)
    db.session.flush()


def plan_logins(*, enterprises: int, seed: int) -> list[DemoLogin]:
    """Return the demo accounts and passwords; they depend only on the size and seed."""
    rng = random.Random(f"{seed}-logins")
    counts = street_counts(enterprises)
    logins: list[DemoLogin] = []

    def add(username: str, role: str, scope_label: str) -> None:
        password = "".join(rng.choice("abcdefghjkmnpqrstuvwxyz23456789") for _ in range(10))
        logins.append(DemoLogin(username, password, role, scope_label))

    add("district", "district", "全区")
    for username, industry in DEPARTMENTS:
        add(username, "department", industry)
    for name, code, _ in STREETS:
        add(f"street-{code.lower()}", "street", name)
    for (name, code, _), count in zip(STREETS, counts, strict=True):
        for i in range(1, grid_count(count) + 1):
            add(f"inspector-{code.lower()}-{i:02d}", "inspector", f"{name} {code}-{i:02d}")
    add("enterprise-demo", "enterprise", "一家小餐饮")
    return logins


def grid_count(units: int) -> int:
    """About 40 premises per grid, at least two grids per street."""
    return max(2, math.ceil(units / 40))


def _users(rng, streets, grids_by_street, ents, now, hasher, seed, total) -> list[DemoLogin]:
    logins = plan_logins(enterprises=total, seed=seed)
    streets_by_code = {s.code.lower(): s for s in streets}
    grids_by_code = {g.code.lower(): g for gs in grids_by_street.values() for g in gs}
    owner = next(e for e in ents if e.venue_type == "catering")
    for login in logins:
        user = User(
            username=login.username,
            password_hash=hasher(login.password),
            role=login.role,
            created_at=now,
            active=True,
        )
        if login.role == "district":
            user.display_name = "区安委办 管理员"
        elif login.role == "department":
            user.industry = login.scope
            user.display_name = f"{login.scope}主管部门"
        elif login.role == "street":
            street = streets_by_code[login.username.removeprefix("street-")]
            user.street_id = street.id
            user.display_name = f"{street.name}安办"
        elif login.role == "inspector":
            user.grids = [grids_by_code[login.username.removeprefix("inspector-")]]
            user.display_name = f"{rng.choice(SURNAMES)}{rng.choice(GIVEN)}"
        elif login.role == "enterprise":
            user.enterprise_id = owner.id
            user.display_name = "企业负责人"
        db.session.add(user)
    # No usable password ("!" matches no hash): the account is only a name on the visits it made.
    first_grid = min((g for gs in grids_by_street.values() for g in gs), key=lambda g: g.code)
    db.session.add(
        User(
            username=FORMER_INSPECTOR,
            password_hash="!",
            role="inspector",
            created_at=now,
            active=True,
            display_name=f"{rng.choice(SURNAMES)}{rng.choice(GIVEN)}（已调离）",
            grids=[first_grid],
        )
    )
    return logins
