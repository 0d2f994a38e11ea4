"""What a client sends to /api/v1: bodies, query parameters and capture metadata.

Adding an optional field is one line in its model; the OpenAPI document, the shape
check and the Chinese refusals follow from it. Domain rules (which checklist items
exist, deadlines, reasons) run after this check, in `visits.validate` and `hazards`.
"""

from typing import Annotated, Literal

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from .. import hazard_major, hazards, vocab
from .pages import EnterpriseFilters
from .rules import LIMITS
from .types import (
    Accuracy,
    Body,
    Day,
    Id,
    Instant,
    Key,
    Lat,
    Lng,
    Page,
    PerPage,
    Query,
    Sha256,
    Text,
    Uuid,
    Version,
    blank,
    photo_list,
)

RESULTS = {"pass": "符合", "fail": "不符合", "na": "不适用"}
LOCATION_STATUS = ("ok", "denied", "unavailable", "timeout", "none")
ACTIONS = tuple(a for a in hazards.TRANSITIONS if a not in hazards.VISIT_ONLY)

Result = Literal[tuple(RESULTS)]  # type: ignore[valid-type]
Level = Literal[tuple(hazards.LEVELS)]  # type: ignore[valid-type]
LocationStatus = Literal[LOCATION_STATUS]  # type: ignore[valid-type]
Action = Literal[ACTIONS]  # type: ignore[valid-type]
Photos = photo_list(LIMITS.photos_per_answer)


class ChecklistRef(Body):
    id: Key = Field(description="检查清单编号")
    version: Version = Field(description="手机上所答的清单版本")


class Location(Body):
    lat: Lat
    lng: Lng
    accuracy_m: Accuracy | None = None


class HazardIn(Body):
    """A hazard raised by a failed answer; absent fields take the item's defaults."""

    uuid: Uuid = Field(description="客户端生成的隐患编号")
    description: Text(LIMITS.text) | None = ""
    level: Level | None = Field(None, description="缺省为检查项的默认等级")
    level_reason: Text(LIMITS.reason) | None = ""
    deadline: Day | None = Field(None, description="整改期限；缺省为检查日加检查项的默认天数")
    deadline_reason: Text(LIMITS.reason) | None = ""
    fixed_on_spot: bool = False
    after_photos: Photos | None = None
    measure: Text(LIMITS.text) | None = Field(
        "", description="整改措施（缺省为检查项的标准整改措施）"
    )
    owner: Text(LIMITS.owner) | None = Field("", description="整改责任人（默认为主要负责人）")
    defect: Text(LIMITS.defect) | None = Field(
        None, description="隐患表述（缺省为检查项的 defect，网格员可修改）"
    )


class AnswerIn(Body):
    checklist: Key
    item: Key
    result: Result
    note: Text(LIMITS.text) | None = ""
    photos: Photos | None = None
    hazard: HazardIn | None = None


class FireCombinedHazardIn(Body):
    uuid: Uuid | None = Field(None, description="客户端生成的综合判定隐患编号")
    deadline: Day | None = Field(None, description="整改期限；缺省为检查日加 30 天")
    defect: Text(LIMITS.text) | None = Field(None, description="隐患表述；缺省列出计入的各项")


class FireCombinedIn(Body):
    """The inspector's answer to a GB 35181 combined-judgement proposal (fieldapp/fire_combined.py)."""

    decision: Literal["confirm", "decline"] = Field(
        description="confirm 确认综合判定为重大火灾隐患；decline 不予认定"
    )
    venue_kind: Literal["crowded", "flammable", "important", "other"] | None = Field(
        None, description="场所类别；缺省按场所登记推定"
    )
    reason: Text(LIMITS.reason) | None = Field("", description="不予认定时必填")
    hazard: FireCombinedHazardIn | None = Field(None, description="仅确认时可填")


class UncheckedIn(Body):
    """An item of the visit's checklists left unanswered on purpose (未检查), with the reason."""

    checklist: Key
    item: Key
    reason: Text(LIMITS.reason, min_length=1) = Field(description="未检查的原因（必填）")


class SignOffIn(Body):
    """The premises' responsible person signs the visit on the phone, or refuses (with a reason)."""

    status: Literal["signed", "refused"] = Field(
        description="signed 已签名；refused 拒绝签名或无法签名"
    )
    signature: Sha256 | None = Field(
        None,
        description="签名图片（PNG）的 SHA-256，照片一样上传（PUT /api/v1/photos）；签名时必填",
    )
    signer: Text(LIMITS.owner) | None = Field("", description="签名人姓名（可选）")
    reason: Text(LIMITS.reason) | None = Field(
        "", description="拒绝签名或无法签名的原因；refused 时必填"
    )
    signed_at: Instant | None = Field(None, description="手机上签名或记录拒签的时间（仅供参考）")


class SupervisionIn(Body):
    """A 督导帮扶 visit's team (plan 四(三)): counted apart from routine visits."""

    participants: Annotated[list[Text(40, min_length=1)], Field(min_length=1, max_length=20)] = (
        Field(description="小分队成员姓名（含提交人以外的成员）")
    )
    experts: Text(500) | None = Field("", description="参加的专家（姓名、单位，照写）")


class VisitIn(Body):
    """PUT /api/v1/visits/{uuid}: one finished visit."""

    enterprise_id: Id | None = Field(
        None, description="场所编号；检查新发现、尚未入册的单位时不填，改填 unit"
    )
    unit: Uuid | None = Field(
        None,
        description="新发现单位的编号（PUT /units/{uuid}）：检查先行保存，单位入册后记入该单位；"
        "回执另有 unit、status（held/attached/unit_rejected）和 enterprise_id",
    )
    supervision: SupervisionIn | None = Field(
        None, description="督导帮扶检查：可查本街道任一场所，与日常检查分开统计"
    )
    checklists: Annotated[
        list[ChecklistRef], Field(min_length=1, max_length=LIMITS.checklists_per_visit)
    ]
    started_at: Instant
    finished_at: Instant
    location: Location | None = None
    location_status: LocationStatus | None = Field(
        None, description="定位结果；拒绝提供位置如实记录"
    )
    answers: Annotated[list[AnswerIn], Field(max_length=LIMITS.answers_per_visit)]
    fire_combined: FireCombinedIn | None = Field(
        None, description="GB 35181 多项要素综合判定：对系统提议的确认或不予认定"
    )
    amends: Uuid | None = Field(
        None,
        description="本次检查更正的原检查编号（同一网格员、同一场所，原检查须已同步）；"
        "答案中沿用原检查隐患编号的，保留原隐患，不重复生成",
    )
    unchecked: Annotated[list[UncheckedIn], Field(max_length=LIMITS.answers_per_visit)] | None = (
        Field(
            None,
            description="未检查的检查项及原因（不在 answers 中）；未列出也未作答的项记为“未检查（未说明原因）”",
        )
    )
    sign_off: SignOffIn | None = Field(
        None, description="被检查单位负责人在手机上签名，或拒签及原因"
    )

    @model_validator(mode="after")
    def _one_premises(self):
        if (self.enterprise_id is None) == (self.unit is None):
            raise PydanticCustomError("premises", "enterprise_id 与 unit 须且只须填一个")
        return self


IndustryName = Literal[tuple(vocab.INDUSTRIES)]  # type: ignore[valid-type]
VenueTypeCode = Literal[tuple(vocab.VENUE_TYPES)]  # type: ignore[valid-type]
SizeClass = Literal[tuple(vocab.SIZE_CLASSES)]  # type: ignore[valid-type]


class UnitIn(Body):
    """PUT /api/v1/units/{uuid}: a unit found in the field (排查摸底), for the street office to approve."""

    name: Text(200, min_length=1) = Field(description="单位名称（门头或营业执照所写）")
    credit_code: Text(18) | None = Field(
        None, description="统一社会信用代码（18 位）；尚未办照时不填，并置 no_licence"
    )
    no_licence: bool = Field(False, description="尚未办照")
    venue_type: VenueTypeCode | None = Field(None, description="九小场所类型；不是九小场所时不填")
    industry: IndustryName = Field(description="行业领域")
    size_class: SizeClass | None = Field(None, description="企业规模（网格员估计，街道审核时确定）")
    address: Text(300) = ""
    grid: Text(20) | None = Field(None, description="网格编码；网格员只有一个网格时可不填")
    location: Location | None = None
    location_status: LocationStatus | None = Field(
        None, description="定位结果；拒绝提供位置如实记录"
    )
    photos: photo_list(LIMITS.photos_per_answer) = Field(
        [], description="门头照片（SHA-256，照片另行上传）"
    )
    note: Text(LIMITS.text) = ""
    found_at: Instant = Field(description="手机上记录的时间")

    @model_validator(mode="after")
    def _code_or_no_licence(self):
        if bool(self.credit_code) == self.no_licence:
            raise PydanticCustomError(
                "licence", "credit_code 与 no_licence（尚未办照）须且只须填一个"
            )
        return self


PlanText = Text(hazard_major.TEXT_MAX)


class PlanIn(Body):
    """A 治理方案 (原国家安全生产监督管理总局令第16号 Art. 15), with the report's Art. 14 contents."""

    goal: PlanText = Field(description="目标任务")
    method: PlanText = Field(description="方法措施")
    funds: PlanText = Field(description="经费物资")
    organization: PlanText = Field(description="机构人员")
    timeline: PlanText = Field(description="时限要求")
    safety_measures: PlanText = Field(description="安全措施")
    emergency_plan: PlanText = Field(description="应急预案")
    status_and_cause: PlanText | None = Field("", description="隐患的现状及其产生原因")
    harm_analysis: PlanText | None = Field("", description="隐患的危害程度和整改难易程度分析")


class HazardEventIn(Body):
    """POST /api/v1/hazards/{uuid}/events: one step of the closed loop."""

    uuid: Uuid | None = Field(None, description="客户端生成；重放同一 uuid 得到同样的答复")
    action: Action
    version: Version = Field(description="客户端所见的隐患版本；过期答复 409")
    note: Text(LIMITS.text) | None = ""
    photos: Photos | None = None
    deadline: Day | None = Field(None, description="申请延期的新期限")
    plan: PlanIn | None = Field(None, description="submit_plan：治理方案")
    supervision_level: Literal[tuple(hazard_major.SUPERVISION_LEVELS)] | None = Field(  # type: ignore[valid-type]
        None, description="supervise：督办级别（street 街道，district 区）"
    )
    supervisor: Text(60) | None = Field(None, description="supervise：督办人")
    accepted_by: Text(200) | None = Field(None, description="record_acceptance：验收人员")
    accepted_on: Day | None = Field(None, description="record_acceptance：验收日期")
    attachments: Annotated[list[Sha256], Field(max_length=10)] | None = Field(
        None, description="已上传的附件（SHA-256），如验收报告"
    )


# What the phone asks and reports besides visits (fieldapp/reconcile.py, fieldapp/alerts.py).
HELD_MAX = 200
QUEUE_MAX = 500
RecordType = Literal["visit", "event", "alert"]


class HeldIn(Body):
    """POST /api/v1/held: which of these records does the server hold? (at most 200 in all)"""

    visits: Annotated[list[Uuid], Field(max_length=HELD_MAX)] = []
    events: Annotated[
        list[Uuid], Field(max_length=HELD_MAX, description="隐患操作（事件）编号")
    ] = []
    alerts: Annotated[list[Uuid], Field(max_length=HELD_MAX, description="报告编号")] = []
    units: Annotated[
        list[Uuid], Field(max_length=HELD_MAX, description="新发现单位编号（回执带审核状态）")
    ] = []


class QueuedRecord(Body):
    uuid: Uuid
    type: RecordType
    enterprise_id: Id


class QueueIn(Body):
    """POST /api/v1/queue: what this phone still holds unsynced, and what its user discarded since."""

    items: Annotated[list[QueuedRecord], Field(max_length=QUEUE_MAX)]
    discarded: Annotated[
        list[Uuid],
        Field(max_length=QUEUE_MAX, description="用户在手机上主动放弃的记录（不算丢失）"),
    ] = []


class AlertIn(Body):
    """PUT /api/v1/alerts/{uuid}: a report to the street office from the phone."""

    kind: Literal["major_hazard", "sync_conflict"] = Field(
        description="major_hazard：重大隐患当日报告；sync_conflict：服务器拒收（409）的记录"
    )
    enterprise_id: Id
    hazard_uuid: Uuid | None = Field(None, description="重大隐患报告必填：检查中该隐患的编号")
    record_uuid: Uuid | None = Field(
        None, description="同步冲突必填：被拒收记录的编号；重大隐患报告：所在检查的编号"
    )
    subject: Text(200, min_length=1) = Field(description="检查项或记录名称")
    note: Text(LIMITS.text) | None = ""
    occurred_at: Instant = Field(description="手机上的时间（仅供参考）")
    payload: dict | None = Field(
        None, description="同步冲突：手机上的记录原文，作为证据（至多 64000 字符）"
    )


class TokenIn(Body):
    """POST /api/v1/auth/token."""

    username: Text(64)
    password: Text(256)


class PageQuery(Query):
    page: Page = 1
    per_page: blank(PerPage) = Field(None, description="每页条数，缺省 50；大于 200 时按 200")


class EnterpriseQuery(PageQuery, EnterpriseFilters):
    """GET /api/v1/enterprises: the register page's filters, paged like every list."""


class HazardQuery(PageQuery):
    enterprise: blank(Id) = None
    state: blank(Literal["open", "rectified", "closed", "overdue"]) = None
    level: blank(Level) = None


class PhotoMeta(Query):
    """Capture metadata on PUT /api/v1/photos/{sha256} (and the rectification form)."""

    captured_at: blank(Instant) = Field(None, description="拍摄时间（ISO 8601，带时区）")
    lat: blank(Lat) = None
    lng: blank(Lng) = None
    accuracy_m: blank(Accuracy) = None
