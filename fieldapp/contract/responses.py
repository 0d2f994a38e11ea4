"""What /api/v1 answers, declared for the OpenAPI document (tests check real answers against it).

Answers may carry more fields than listed (PRODUCT.md §11: fields may grow); the
listed ones exist with these types.
"""

from typing import Literal

from pydantic import BaseModel, Field

from .. import hazards, vocab
from .rules import ItemRules, Limits
from .types import Sha256, Uuid

VenueType = Literal[tuple(vocab.VENUE_TYPES)]  # type: ignore[valid-type]
State = Literal[tuple(hazards.STATES)]  # type: ignore[valid-type]
Level = Literal[tuple(hazards.LEVELS)]  # type: ignore[valid-type]


class Answer(BaseModel):
    """Base of every answer model: documentation only, never used to build a response."""


class Error(Answer):
    error: str = Field(description="中文错误说明")
    status: int
    errors: list[str] = Field([], description="逐项说明（字段位置：问题），如有")
    reason: str | None = Field(
        None, description="csrf：表单校验码（CSRF 令牌）过期，取新令牌后重发"
    )


class ChecklistVersionRef(Answer):
    id: str
    version: int


class EnterpriseItem(Answer):
    id: int
    name: str
    credit_code: str | None = Field(description="统一社会信用代码")
    street: str = Field(description="街道名称")
    grid: str | None = Field(description="网格编码")
    industry: str = ""
    venue_type: VenueType | None
    size_class: Literal[tuple(vocab.SIZE_CLASSES)]  # type: ignore[valid-type]
    standardization: Literal[tuple(vocab.STANDARDIZATION)] = "none"  # type: ignore[valid-type]
    stars: int | None = Field(None, ge=1, le=5)
    risk_color: Literal[tuple(vocab.RISK_COLORS)]  # type: ignore[valid-type]
    address: str = ""
    hosts_tenants: bool = False
    landlord_id: int | None = None
    version: int = 1
    updated_at: str = Field(json_schema_extra={"format": "date-time"})


class Enterprise(EnterpriseItem):
    lat: float | None = None
    lng: float | None = None
    employees: int | None = None
    principal_name: str | None = None
    principal_phone: str | None = None
    safety_officer_name: str | None = None
    safety_officer_phone: str | None = None
    tenants: list[int] = []
    checklists: list[ChecklistVersionRef] = Field([], description="适用的检查清单及现行版本")
    note: str | None = None
    created_at: str = Field(json_schema_extra={"format": "date-time"})
    public_url: str | None = Field(None, description="安全公示码链接（仅街道和区用户可见）")


class EnterprisePage(Answer):
    items: list[EnterpriseItem]
    total: int
    page: int = 1
    per_page: int = 50


class Receipt(Answer):
    uuid: Uuid
    received_at: str = Field(
        description="服务器收到时间（UTC），重放时不变", json_schema_extra={"format": "date-time"}
    )
    hazards: list[Uuid]
    missing_photos: list[Sha256] = Field(description="服务器尚未收到的照片")
    notice_no: str | None = Field(
        None, description="整改通知书编号（街道按年编号）；本次检查无需整改的为 null"
    )


class HeldEvent(Answer):
    uuid: Uuid = Field(description="隐患编号")
    event: Uuid
    action: str
    version: int | None = None


class AlertReceipt(Answer):
    uuid: Uuid
    kind: Literal["major_hazard", "sync_conflict"]
    received_at: str = Field(json_schema_extra={"format": "date-time"})
    acknowledged_at: str | None = Field(
        None, description="街道安办接报时间", json_schema_extra={"format": "date-time"}
    )


class UnitReceipt(Answer):
    """The answer to PUT /api/v1/units/{uuid} (and its replays)."""

    uuid: Uuid
    received_at: str = Field(
        description="服务器收到时间（UTC），重放时不变", json_schema_extra={"format": "date-time"}
    )
    status: Literal["proposed", "approved", "merged", "rejected"] = Field(
        description="proposed 待街道审核；approved 已入册；merged 与已有单位合并；rejected 未予入册"
    )
    enterprise_id: int | None = Field(description="入册（或合并到）的场所编号")
    reason: str = Field("", description="未予入册的理由")
    missing_photos: list[Sha256] = Field(description="服务器尚未收到的照片")
    visits: list[Uuid] = Field([], description="对该单位的检查（已保存，入册后记入）")


class Held(Answer):
    """Each asked uuid: its receipt when the server holds it for the caller, else null."""

    visits: dict[str, Receipt | None] = {}
    events: dict[str, HeldEvent | None] = {}
    alerts: dict[str, AlertReceipt | None] = {}
    units: dict[str, UnitReceipt | None] = {}


class QueueReport(Answer):
    queued: int
    reported_at: str = Field(json_schema_extra={"format": "date-time"})
    lost: int = Field(description="本次发现的可能丢失记录数")


class HazardItem(Answer):
    uuid: Uuid
    enterprise_id: int
    state: State
    level: Level
    deadline: str = Field(json_schema_extra={"format": "date"})
    overdue: bool
    version: int
    days_left: int | None = None
    item_text: str = ""
    defect: str = Field("", description="隐患表述（网格员确认或修改的检查项 defect）")
    checklist: str | None = None
    item: str | None = None
    category: str = ""
    supervised: bool = False
    referred: bool = False
    major_pending: bool = Field(
        False, description="待确认重大隐患：网格员定为重大，尚待街道、区或行业部门确认"
    )
    supervision_level: Literal["street", "district"] | None = Field(
        None, description="挂牌督办级别"
    )
    plan_status: Literal["submitted", "accepted", "returned"] | None = Field(
        None, description="治理方案状态"
    )
    fixed_on_spot: bool = False
    extension_requested_to: str | None = Field(None, json_schema_extra={"format": "date"})
    raised_at: str = Field(json_schema_extra={"format": "date-time"})
    closed_at: str | None = Field(None, json_schema_extra={"format": "date-time"})


class Hazard(HazardItem):
    description: str = ""
    visit: str | None = None
    level_reason: str = ""
    deadline_reason: str = ""
    before_photos: list[Sha256] = []
    after_photos: list[Sha256] = []
    evidence_flags: list[str] = []
    allowed_actions: list[str] = []


class HazardPage(Answer):
    items: list[HazardItem]
    total: int
    page: int = 1
    per_page: int = 50


class EventResult(Answer):
    uuid: Uuid
    event: Uuid
    action: str
    state: State
    version: int
    at: str = Field(json_schema_extra={"format": "date-time"})


class Token(Answer):
    token: str
    token_type: Literal["Bearer"] = "Bearer"
    role: str = ""


class SessionUser(Answer):
    id: int
    username: str
    name: str
    role: str


class Session(Answer):
    user: SessionUser | None
    csrf_token: str


class PhotoStored(Answer):
    sha256: Sha256
    stored: bool


class BootstrapItem(Answer):
    key: str
    section: str
    text: str
    major: bool
    deadline_days: int
    photo_required: bool
    defect: str = Field("", description="不符合时的隐患表述（网格员可修改）")
    measure: str = Field("", description="标准整改措施")
    needs_expert: bool = Field(False, description="须专业人员核实：走查时显示“请专业人员核实”")
    unverified: bool = Field(False, description="依据条款待核实")
    rules: ItemRules = Field(description="手机离线时执行的规则；服务器按同一规则校验")


class BootstrapChecklist(Answer):
    id: str
    version: int
    title: str
    content_hash: str
    edition: str | None = Field(None, description="所依据标准的版本（如 GB 35181-2017）")
    valid_from: str | None = Field(None, json_schema_extra={"format": "date"})
    valid_until: str | None = Field(None, json_schema_extra={"format": "date"})
    items: list[BootstrapItem]


class BootstrapPremises(Answer):
    id: int
    name: str
    checklists: list[ChecklistVersionRef]


class BootstrapUnit(Answer):
    """A unit found in the field, walked like a premises of its kind (its visit names `unit`)."""

    unit: Uuid
    name: str
    checklists: list[ChecklistVersionRef]
    checklist_items: dict[str, list[str]] = Field(
        description="收窄了适用项的清单及其适用项；未列出的清单全部检查项都适用"
    )


class BootstrapDecidedUnit(BootstrapUnit):
    """A unit the office has decided: what it became, for a draft or queued visit to it."""

    status: Literal["approved", "merged", "rejected"]
    enterprise_id: int | None = Field(
        description="入册（或合并到）的场所编号；未予入册为 null。对该单位的检查同步后记入此场所"
    )
    enterprise_name: str | None
    reason: str = Field("", description="未予入册的理由，或合并时的说明")
    decided_at: str = Field(json_schema_extra={"format": "date-time"})


class BootstrapHazard(Answer):
    uuid: Uuid
    enterprise_id: int
    state: State
    level: Level
    deadline: str = Field(json_schema_extra={"format": "date"})
    version: int
    defect: str = ""


class Bootstrap(Answer):
    bundle_version: int
    generated_at: str = Field(json_schema_extra={"format": "date-time"})
    limits: Limits = Field(description="手机端可提交内容的上限；服务器按同一上限校验")
    enterprises: list[BootstrapPremises]
    checklists: list[BootstrapChecklist]
    hazards: list[BootstrapHazard]
    units: list[BootstrapUnit] = Field(
        [], description="用户可见的全部待审核新发现单位（不设上限）：可先行检查"
    )
    decided_units: list[BootstrapDecidedUnit] = Field(
        [],
        description="近 90 天内已审核的新发现单位及其结果：手机上对它的未完成或待同步检查据此改记入所成场所",
    )
    fire_judgement: dict = Field(description="GB 35181 多项要素综合判定的规则、要素和版本")
