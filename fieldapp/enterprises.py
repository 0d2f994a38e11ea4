"""Enterprise records: validation, changes with history, and search."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from functools import lru_cache

from sqlalchemy import Row, Select, bindparam, func, select
from werkzeug.exceptions import Forbidden

from . import contract, creditcode, scope, vocab
from .errors import DomainError
from .extensions import db
from .models import Enterprise, EnterpriseChange, Grid, Street, User
from .placards import new_token
from .search import clause as search_clause

PHONE_RE = re.compile(r"^[0-9+\-() ]{5,20}$")

# Attributes recorded in the change history, in display order.
TRACKED = (
    "name",
    "credit_code",
    "street_id",
    "grid_id",
    "industry",
    "size_class",
    "venue_type",
    "standardization",
    "stars",
    "risk_color",
    "address",
    "lat",
    "lng",
    "employees",
    "principal_name",
    "principal_phone",
    "safety_officer_name",
    "safety_officer_phone",
    "hosts_tenants",
    "landlord_id",
    "note",
    "active",
)

# Set only through their own records (assessment with reasons, review, rating) on the
# campaign panel, so the history, annex 4/7 and the archive agree with the register.
RECORDED_ELSEWHERE = ("standardization", "stars", "risk_color")

FIELD_LABELS = {
    "name": "名称",
    "credit_code": "统一社会信用代码",
    "street": "街道",
    "street_id": "街道",
    "grid": "网格",
    "grid_id": "网格",
    "industry": "行业领域",
    "size_class": "企业规模",
    "venue_type": "九小场所类型",
    "standardization": "标准化状态",
    "stars": "星级",
    "risk_color": "风险等级",
    "address": "地址",
    "lat": "纬度",
    "lng": "经度",
    "employees": "从业人数",
    "principal_name": "主要负责人",
    "principal_phone": "主要负责人电话",
    "safety_officer_name": "安全管理员",
    "safety_officer_phone": "安全管理员电话",
    "hosts_tenants": "一企多租出租方",
    "landlord_id": "出租方",
    "landlord": "出租方",
    "note": "备注",
    "active": "在册",
}


class ValidationError(DomainError):
    """Carries per-field Chinese messages (`fields`: field name → message)."""

    def __init__(self, errors: dict[str, str], *, status: int | None = None):
        lines = [f"{FIELD_LABELS.get(k, k)}：{v}" for k, v in errors.items()]
        super().__init__("; ".join(lines), status=status, errors=lines)
        self.fields = errors


def _enum(
    value: str, mapping: Mapping[str, str], *, required: bool, what: str
) -> tuple[str | None, str | None]:
    """Accept a code or its Chinese label; return (code, error)."""
    value = (value or "").strip()
    if not value:
        return None, (f"请选择{what}" if required else None)
    if value in mapping:
        return value, None
    for code, text in mapping.items():
        if (
            value == text
            or value == vocab.RISK_COLOR_SHORT.get(code)
            or text.startswith(value + "（")
        ):
            return code, None
    return None, f"无效的{what}：{value}"


def _number(
    value: str, kind: type, lo: float, hi: float, what: str
) -> tuple[float | int | None, str | None]:
    value = (value or "").strip()
    if not value:
        return None, None
    try:
        num = kind(value)
    except ValueError:
        return None, f"{what}应为{'整数' if kind is int else '数字'}"
    if not lo <= num <= hi:
        return None, f"{what}应在 {lo:g} 至 {hi:g} 之间"
    return num, None


def _bool(value) -> bool:
    if isinstance(value, bool):
        return value
    return str(value or "").strip().lower() in {"1", "true", "yes", "y", "on", "是", "√"}


def clean(raw: Mapping[str, object]) -> dict[str, object]:
    """Validate raw form or file values; return model attributes or raise ValidationError.

    `street` is a street name, `grid` a grid code, `landlord_id` an id or empty.
    """
    get = lambda k: str(raw.get(k) or "").strip()  # noqa: E731
    out: dict[str, object] = {}
    errors: dict[str, str] = {}

    name = get("name")
    if not name:
        errors["name"] = "请填写名称"
    elif len(name) > 200:
        errors["name"] = "名称不能超过200个字"
    out["name"] = name

    code = creditcode.normalize(get("credit_code"))
    if code and (problem := creditcode.problem(code)):
        errors["credit_code"] = problem
    out["credit_code"] = code or None

    street = (
        db.session.scalar(select(Street).where(Street.name == get("street")))
        if get("street")
        else None
    )
    if street is None:
        errors["street"] = f"未知的街道：{get('street')}" if get("street") else "请选择街道"
    out["street_id"] = street.id if street else None
    grid = None
    if get("grid"):
        grid = db.session.scalar(select(Grid).where(Grid.code == get("grid")))
        if grid is None:
            errors["grid"] = f"未知的网格：{get('grid')}"
        elif street is not None and grid.street_id != street.id:
            errors["grid"] = f"网格 {grid.code} 不属于{street.name}"
    out["grid_id"] = grid.id if grid else None

    industry = get("industry")
    if industry not in vocab.INDUSTRIES:
        errors["industry"] = f"无效的行业领域：{industry}" if industry else "请选择行业领域"
    out["industry"] = industry

    for key, mapping, required, what in (
        ("size_class", vocab.SIZE_CLASSES, True, "企业规模"),
        ("venue_type", vocab.VENUE_TYPES, False, "九小场所类型"),
        ("standardization", vocab.STANDARDIZATION, False, "标准化状态"),
        ("risk_color", vocab.RISK_COLORS, False, "风险等级"),
    ):
        value, err = _enum(get(key), mapping, required=required, what=what)
        if err:
            errors[key] = err
        out[key] = value
    out["standardization"] = out["standardization"] or "none"
    out["risk_color"] = out["risk_color"] or "yellow"

    stars_raw = get("stars").rstrip("星★")
    out["stars"], err = _number(stars_raw, int, 1, 5, "星级")
    if err:
        errors["stars"] = err
    out["lat"], err = _number(get("lat"), float, -90, 90, "纬度")
    if err:
        errors["lat"] = err
    out["lng"], err = _number(get("lng"), float, -180, 180, "经度")
    if err:
        errors["lng"] = err
    out["employees"], err = _number(get("employees"), int, 0, 1_000_000, "从业人数")
    if err:
        errors["employees"] = err

    address = get("address")
    if len(address) > 300:
        errors["address"] = "地址不能超过300个字"
    out["address"] = address
    for key in ("principal_name", "safety_officer_name"):
        out[key] = get(key) or None
        if out[key] and len(out[key]) > 40:
            errors[key] = "姓名不能超过40个字"
    for key in ("principal_phone", "safety_officer_phone"):
        phone = get(key)
        if phone and not PHONE_RE.match(phone):
            errors[key] = "电话号码格式不正确"
        out[key] = phone or None
    out["hosts_tenants"] = _bool(raw.get("hosts_tenants"))
    out["landlord_id"] = None
    try:
        landlord_id = contract.form_id(get("landlord_id"))
    except contract.ContractError:
        landlord_id = 0  # not a possible id: answered like an unknown one
    if landlord_id is not None:
        landlord = db.session.get(Enterprise, landlord_id) if landlord_id else None
        # A landlord's tenants are in its building, so in its street; a premises of another
        # street reads as unknown, so a posted id reveals nothing outside the editor's street.
        if landlord is None or landlord.street_id != out.get("street_id"):
            errors["landlord_id"] = "找不到该出租方（须为同一街道的一企多租出租方）"
        elif not landlord.hosts_tenants:
            errors["landlord_id"] = f"{landlord.name} 未登记为一企多租出租方"
        else:
            out["landlord_id"] = landlord.id
    note = get("note")
    if len(note) > 2000:
        errors["note"] = "备注不能超过2000个字"
    out["note"] = note
    if errors:
        raise ValidationError(errors)
    return out


def _check_unique(data: dict[str, object], current: Enterprise | None) -> None:
    code = data.get("credit_code")
    if not code:
        return
    other = db.session.scalar(select(Enterprise).where(Enterprise.credit_code == code))
    if other is not None and other is not current:
        raise ValidationError({"credit_code": f"该统一社会信用代码已被“{other.name}”使用"})


def _record(
    ent: Enterprise,
    actor: scope.ActorLike | None,
    action: str,
    changes: dict,
    now: datetime,
    label: str,
) -> None:
    db.session.add(
        EnterpriseChange(
            enterprise_id=ent.id,
            actor_id=actor.id if actor else None,
            actor_label=label or (actor.name if actor else ""),
            at=now,
            action=action,
            changes=changes,
        )
    )


def create(
    data: dict[str, object], *, actor: scope.ActorLike | None, now: datetime, actor_label: str = ""
) -> Enterprise:
    """Add an enterprise from cleaned data and record its creation."""
    _check_unique(data, None)
    ent = Enterprise(
        **data,
        created_at=now,
        updated_at=now,
        version=1,
        public_token=new_token(),
        public_token_at=now,
    )
    db.session.add(ent)
    db.session.flush()
    _record(
        ent,
        actor,
        "create",
        {k: [None, getattr(ent, k)] for k in TRACKED if getattr(ent, k) not in (None, "", False)},
        now,
        actor_label,
    )
    return ent


def link_landlord(
    ent: Enterprise, landlord: Enterprise, *, now: datetime, actor_label: str
) -> None:
    """Record an imported premises' landlord (known only once the whole file is in) as a change."""
    ent.landlord_id = landlord.id
    _record(ent, None, "update", {"landlord_id": [None, landlord.id]}, now, actor_label)


STALE_EDIT = "该记录已被他人修改，以下为最新内容，请重新编辑。"


def form_input(ent: Enterprise, form: dict[str, str]) -> dict[str, str]:
    """Return the edit form's values with the fields recorded elsewhere kept as they are."""
    current = form_values(ent)
    return {**form, **{k: current[k] for k in RECORDED_ELSEWHERE}}  # never from this form


def apply_form(
    ent: Enterprise, values: dict[str, str], *, actor: scope.ActorLike, now: datetime
) -> dict[str, list]:
    """Check the form's version against the record's (409 if stale), then clean and apply it."""
    if str(ent.version) != values.get("version"):
        raise ValidationError({"_form": STALE_EDIT}, status=409)
    return update(ent, clean(values), actor=actor, now=now)


def update(
    ent: Enterprise, data: dict[str, object], *, actor: scope.ActorLike, now: datetime
) -> dict[str, list]:
    """Apply cleaned data, record what changed and bump the version."""
    if not scope.can_edit_enterprise(actor, ent):
        raise Forbidden()
    if actor.role == "street" and data.get("street_id") != actor.street_id:
        raise ValidationError({"street": "街道用户不能把企业移出本街道"})
    if data.get("landlord_id") == ent.id:
        raise ValidationError({"landlord_id": "出租方不能是企业自己"})
    _check_unique(data, ent)
    changes = {}
    for key in TRACKED:
        if key in data and getattr(ent, key) != data[key]:
            changes[key] = [getattr(ent, key), data[key]]
            setattr(ent, key, data[key])
    if changes:
        ent.updated_at = now
        ent.version += 1
        _record(ent, actor, "update", changes, now, "")
    return changes


_HISTORY = (
    select(
        EnterpriseChange.at,
        EnterpriseChange.action,
        EnterpriseChange.changes,
        func.coalesce(
            func.nullif(User.display_name, ""), User.username, EnterpriseChange.actor_label
        ).label("actor_name"),
    )
    .outerjoin(User, User.id == EnterpriseChange.actor_id)
    .where(EnterpriseChange.enterprise_id == bindparam("enterprise_id"))
    .order_by(EnterpriseChange.at.desc(), EnterpriseChange.id.desc())
    .limit(bindparam("limit"))
)


def history(enterprise_id: int, limit: int = 20) -> list[Row]:
    """Return the latest change records of an enterprise, newest first."""
    return list(
        db.session.connection().execute(_HISTORY, {"enterprise_id": enterprise_id, "limit": limit})
    )


@dataclass
class Filters:
    """Enterprise list filters; empty strings mean 'any'."""

    q: str = ""
    street: str = ""
    grid: str = ""
    industry: str = ""
    venue_type: str = ""
    size_class: str = ""
    risk_color: str = ""
    standardization: str = ""
    visit: str = ""  # "late": not visited within the colour's interval

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> Filters:
        return cls(**{f.name: (args.get(f.name) or "").strip()[:100] for f in fields(cls)})

    def active(self) -> dict[str, str]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name)}


@dataclass
class Page:
    items: list = field(default_factory=list)
    total: int = 0
    page: int = 1
    per_page: int = 50

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


# One enterprise is an ORM `Enterprise` (`get`); lists of many (search, the phone's
# bootstrap) read Core rows, since the ORM costs ~4x per row there: every enterprise
# column plus its street and grid names, under the names `Enterprise` has as properties.
ROW_COLUMNS = (
    *Enterprise.__table__.c,
    Street.name.label("street_name"),
    Street.office_phone.label("street_phone"),
    Grid.code.label("grid_code"),
    Grid.name.label("grid_name"),
)


def rows(actor: scope.ActorLike) -> Select:
    """Return a Core SELECT of enterprise rows in the actor's scope."""
    return _scoped_rows(scope.key(actor))


@lru_cache(maxsize=4096)
def _scoped_rows(key: scope.ScopeKey) -> Select:
    # Statements are immutable; building one costs more than running it here.
    return (
        select(*ROW_COLUMNS)
        .join(Street, Street.id == Enterprise.street_id)
        .outerjoin(Grid, Grid.id == Enterprise.grid_id)
        .where(scope.enterprise_clause(key))
    )


def get(actor: scope.ActorLike, enterprise_id: int) -> Enterprise:
    """Return one enterprise in scope (with its street and grid), or raise 404."""
    return scope.get_enterprise(actor, enterprise_id)


def related(ent_row: Enterprise) -> dict[str, list[Row] | Row | None]:
    """Return the landlord and tenants of a premises (only queried when it has any)."""
    conn = db.session.connection()
    cols = (Enterprise.id, Enterprise.name)
    landlord = (
        conn.execute(select(*cols).where(Enterprise.id == ent_row.landlord_id)).first()
        if ent_row.landlord_id
        else None
    )
    tenants = (
        list(
            conn.execute(
                select(*cols).where(Enterprise.landlord_id == ent_row.id).order_by(Enterprise.name)
            )
        )
        if ent_row.hosts_tenants
        else []
    )
    return {"landlord": landlord, "tenants": tenants}


def landlord_choices(ent: Enterprise) -> list[Enterprise]:
    """Return the premises of the same street that may be this one's landlord, by name."""
    return list(
        db.session.scalars(
            select(Enterprise)
            .where(
                Enterprise.street_id == ent.street_id,
                Enterprise.hosts_tenants.is_(True),
                Enterprise.id != ent.id,
            )
            .order_by(Enterprise.name)
        )
    )


def tenant_hazards(actor: scope.ActorLike, ent_row: Enterprise, limit: int = 200) -> list:
    """Open hazards of a landlord's tenants that the actor may see, soonest deadline first.

    The landlord answers for coordinating its tenants' safety (Work Safety Law Art. 49),
    so its page gathers what is still open across the micro-park.
    """
    from .models import Hazard

    if not ent_row.hosts_tenants:
        return []
    tenant = Enterprise.__table__.alias("tenant")
    stmt = (
        select(Hazard, tenant.c.name.label("tenant_name"))
        .join(tenant, tenant.c.id == Hazard.enterprise_id)
        .join(Enterprise, Enterprise.id == Hazard.enterprise_id)
        .where(
            Enterprise.landlord_id == ent_row.id,
            Hazard.state != "closed",
            scope.enterprise_clause(actor),
        )
        .order_by(Hazard.deadline, tenant.c.name)
        .limit(limit)
    )
    return list(db.session.execute(stmt))


def search(
    actor: scope.ActorLike,
    filters: Filters,
    *,
    page: int = 1,
    per_page: int = 50,
    now: datetime | None = None,
) -> Page:
    """Return one page of enterprise rows in scope matching the filters."""
    stmt = rows(actor)
    if filters.visit == "late" and now is not None:
        from . import risk

        last = risk.last_visit_subquery()
        stmt = stmt.outerjoin(last, last.c.eid == Enterprise.id).where(
            risk.overdue_visit_clause(last.c.last_visit, now)
        )
    if filters.q:
        stmt = stmt.where(search_clause(filters.q, creditcode.normalize(filters.q)))
    if filters.street:
        stmt = stmt.where(Street.name == filters.street)
    if filters.grid:
        stmt = stmt.where(Grid.code == filters.grid)
    for key in ("industry", "venue_type", "size_class", "risk_color", "standardization"):
        value = getattr(filters, key)
        if value == "-" and key == "venue_type":
            stmt = stmt.where(Enterprise.venue_type.is_(None))
        elif value:
            stmt = stmt.where(getattr(Enterprise, key) == value)
    conn = db.session.connection()
    count = stmt.with_only_columns(func.count(), maintain_column_froms=True)
    total = conn.execute(count).scalar_one()
    items = list(
        conn.execute(
            stmt.order_by(Enterprise.name, Enterprise.id)
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
    )
    return Page(items=items, total=total, page=page, per_page=per_page)


def form_values(ent: Enterprise) -> dict[str, object]:
    """Return the raw form values that clean() turns back into this record."""
    values = {k: getattr(ent, k) for k in TRACKED}
    values["street"] = ent.street.name
    values["grid"] = ent.grid.code if ent.grid else ""
    for k, v in list(values.items()):
        if v is None:
            values[k] = ""
    return values


def set_fields(
    ent: Enterprise, changes: dict[str, object], *, actor, now: datetime, label: str = ""
) -> dict[str, list]:
    """Change a few fields through a campaign action, recorded like an edit."""
    done = {}
    for key, value in changes.items():
        if getattr(ent, key) != value:
            done[key] = [getattr(ent, key), value]
            setattr(ent, key, value)
    if done:
        ent.updated_at = now
        ent.version += 1
        _record(ent, actor, "update", done, now, label)
    return done
