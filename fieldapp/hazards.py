"""The closed loop (PRODUCT.md §4): one function changes a hazard's state and writes its event.

States: open 待整改 → rectified 待复查 → closed 已销号; `reject` sends a rectified
hazard back to open, `reopen` a closed one. Overdue is derived, never stored.
Flags: supervised 挂牌督办, referred 移交执法; a pending 申请延期 is a date awaiting a decision.

Evidence that looks wrong (fieldapp.evidence flags) is closed only with a written
reason, and a major hazard with flagged evidence needs two office users: the
first `verify` leaves it 待复查 awaiting `confirm_closure` by another one.

Major hazards follow their own steps through the same function (fieldapp.hazard_major):
confirmation or a downgrade with a reason, the enterprise's 治理方案 accepted or returned
by the office, 挂牌督办 with its level and supervisor, and a 销号 acceptance record
without which a major hazard does not close. A referral (移交执法) opens an enforcement
case (fieldapp.enforcement) in the same transaction.
"""

from __future__ import annotations

import re
import uuid as uuidlib
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import and_, case, func, literal_column, or_, select, update

from . import audit, hazard_major, scope
from . import photos as photo_rules
from .clock import local_today
from .errors import DomainError
from .extensions import db
from .models import AuditEvent, Enterprise, Hazard, Photo, PhotoRef
from .roles import FIELD, OFFICE, OVERSIGHT, Role

STATES = {"open": "待整改", "rectified": "待复查", "closed": "已销号"}
_UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
LEVELS = {"general": "一般隐患", "major": "重大隐患"}
level_label = hazard_major.level_label  # 待确认重大隐患 until confirmed


@dataclass(frozen=True)
class Rule:
    from_states: frozenset[str]
    to_state: str | None  # None: the state stays, a flag or date changes
    roles: frozenset[str]
    label: str


TRANSITIONS: dict[str, Rule] = {
    "submit_rectification": Rule(
        frozenset({"open"}), "rectified", FIELD | {Role.ENTERPRISE}, "提交整改"
    ),
    "verify": Rule(frozenset({"rectified"}), "closed", FIELD, "复查通过，销号"),
    # A major hazard whose evidence is flagged: the first verification waits for this one.
    "confirm_closure": Rule(frozenset({"rectified"}), "closed", OFFICE, "二次确认，销号"),
    "reject": Rule(frozenset({"rectified"}), "open", FIELD, "复查不通过"),
    "request_extension": Rule(
        frozenset({"open"}), None, frozenset({Role.ENTERPRISE, Role.INSPECTOR}), "申请延期"
    ),
    "approve_extension": Rule(frozenset({"open"}), None, OFFICE, "批准延期"),
    "refuse_extension": Rule(frozenset({"open"}), None, OFFICE, "不予延期"),
    "supervise": Rule(frozenset({"open", "rectified"}), None, OVERSIGHT, "挂牌督办"),
    "refer": Rule(frozenset({"open", "rectified"}), None, OFFICE, "移交执法"),
    "reopen": Rule(frozenset({"closed"}), "open", OFFICE, "重新打开"),
    # Major hazards (fieldapp.hazard_major): confirmed by the office or the industry's department,
    # treated to a 治理方案 the office accepts, closed only after a recorded 销号 acceptance.
    "confirm_major": Rule(frozenset({"open", "rectified"}), None, OVERSIGHT, "确认重大隐患"),
    "downgrade_major": Rule(frozenset({"open", "rectified"}), None, OVERSIGHT, "降为一般隐患"),
    "submit_plan": Rule(frozenset({"open"}), None, frozenset({Role.ENTERPRISE}), "提交治理方案"),
    "accept_plan": Rule(frozenset({"open", "rectified"}), None, OFFICE, "治理方案审查通过"),
    "return_plan": Rule(frozenset({"open", "rectified"}), None, OFFICE, "退回治理方案"),
    "record_acceptance": Rule(frozenset({"rectified"}), None, OVERSIGHT, "记录销号验收"),
    # Only while a visit is received: a general hazard closed on before + after photos.
    "fix_on_spot": Rule(frozenset({"open"}), "closed", FIELD, "当场整改"),
    # 企业自查: the enterprise closes a general hazard it found itself, on its own list.
    "self_close": Rule(frozenset({"open"}), "closed", frozenset({Role.ENTERPRISE}), "自查整改销号"),
    # An inspector or office confirms a self-found hazard: from then on the placard page lists it.
    "confirm_self": Rule(
        frozenset({"open", "rectified", "closed"}), None, FIELD, "核实企业自查隐患"
    ),
}
VISIT_ONLY = frozenset({"fix_on_spot"})
ACTION_LABELS = {
    "raise": "发现隐患",
    **{k: r.label for k, r in TRANSITIONS.items()},
    "evidence_checked": "整改照片到达后复核证据",
}


class TransitionError(DomainError):
    """A refused action; `status` is the HTTP status the API answers with."""


@dataclass
class Outcome:
    hazard: Hazard
    event: AuditEvent
    replayed: bool = False
    flags: list[str] = field(default_factory=list)


def needs_second_confirmation(h: Hazard) -> bool:
    """Say whether closing this hazard takes two office users: a major hazard with flagged evidence."""
    return h.level == "major" and bool(h.evidence_flags)


def awaiting_confirmation(h: Hazard) -> bool:
    """Verified once, waiting for a second office user to confirm the closure."""
    return h.state == "rectified" and h.first_verified_by is not None


def is_overdue(h: Hazard, today: date) -> bool:
    """逾期: still 待整改 past its deadline. A 待复查 hazard is never overdue (PRODUCT.md §11)."""
    return h.state == "open" and h.deadline < today


def days_left(h: Hazard, today: date) -> int:
    """Days until the deadline (negative: days overdue)."""
    return (h.deadline - today).days


def overdue_clause(today: date):
    """SQL for 'overdue': still 待整改 past its deadline (served by ix_hazards_state_deadline)."""
    return and_(Hazard.state == "open", Hazard.deadline < today)


def deadline_note(h: Hazard, today: date) -> tuple[str, str]:
    """The words beside a deadline, and their CSS class: overdue only while 待整改."""
    if h.state == "closed":
        return "", ""
    if h.state == "rectified":
        late = h.submitted_at is not None and local_today(h.submitted_at) > h.deadline
        return ("逾期后提交整改，待复查" if late else "已提交整改，待复查"), ""
    d = days_left(h, today)
    if d < 0:
        return f"已逾期 {-d} 天", "danger-text"
    return ("今天到期", "") if d == 0 else (f"剩 {d} 天", "")


def state_word(state: str, deadline, today) -> str:
    """The status word people see: 逾期 for an open hazard past its deadline.

    One rule for the pages (dates) and the archive (ISO strings, which sort as dates).
    """
    if state == "open" and deadline < today:
        return "逾期"
    return STATES.get(state, state)


def display_state(h: Hazard, today: date) -> str:
    """The status word of a hazard today."""
    return state_word(h.state, h.deadline, today)


def state_sort_key():
    """Order open, rectified, closed: the expression ix_hazards_worklist indexes, verbatim."""
    # Literal values, not bound parameters: the SQL text matches the index's expression,
    # and the column stays a column, so an aliased Hazard or a wrapping subquery adapts it.
    return case(
        {
            literal_column("'open'"): literal_column("0"),
            literal_column("'rectified'"): literal_column("1"),
        },
        value=Hazard.state,
        else_=literal_column("2"),
    )


def allowed_actions(h: Hazard, actor: scope.ActorLike) -> list[str]:
    """The actions the actor may take now (for rendering buttons)."""
    out = []
    for action, rule in TRANSITIONS.items():
        if action in VISIT_ONLY or actor.role not in rule.roles or h.state not in rule.from_states:
            continue
        try:
            _check_actor(h, action, actor)
        except TransitionError:
            continue
        out.append(action)
    return out


def review_queue(actor, *, limit: int = 200) -> list[Hazard]:
    """Rectifications awaiting verification in the actor's scope, oldest first.

    An inspector verifies general hazards only: filtered in the query, so older major
    hazards do not use up the limit and hide them.
    """
    stmt = (
        select(Hazard)
        .join(Enterprise, Enterprise.id == Hazard.enterprise_id)
        .where(Hazard.state == "rectified", scope.enterprise_clause(actor))
    )
    if actor.role == Role.INSPECTOR:
        stmt = stmt.where(Hazard.level == "general")
    return list(db.session.scalars(stmt.order_by(Hazard.submitted_at, Hazard.uuid).limit(limit)))


def listing(
    actor,
    *,
    today: date,
    enterprise: int | None = None,
    state: str | None = None,
    level: str | None = None,
    page: int = 1,
    per_page: int = 50,
) -> tuple[int, list[Hazard]]:
    """One page of the hazards in scope, newest first, and how many match ("overdue" is a state here)."""
    stmt = (
        select(Hazard)
        .join(Enterprise, Enterprise.id == Hazard.enterprise_id)
        .where(scope.enterprise_clause(actor))
    )
    if enterprise is not None:
        stmt = stmt.where(Hazard.enterprise_id == enterprise)
    if state == "overdue":
        stmt = stmt.where(overdue_clause(today))
    elif state:
        stmt = stmt.where(Hazard.state == state)
    if level:
        stmt = stmt.where(Hazard.level == level)
    total = db.session.scalar(stmt.with_only_columns(func.count(), maintain_column_froms=True))
    rows = db.session.scalars(
        stmt.order_by(Hazard.raised_at.desc(), Hazard.uuid)
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return total, list(rows)


def latest_submissions(items: list[Hazard]) -> dict[str, dict]:
    """The latest rectification submission of each hazard (note, actor id, time), in one query."""
    out: dict[str, dict] = {}
    if not items:
        return out
    events = db.session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.object_type == "hazard",
            AuditEvent.object_id.in_([h.uuid for h in items]),
            AuditEvent.action == "submit_rectification",
        )
        .order_by(AuditEvent.seq)
    )
    for e in events:
        out[e.object_id] = {
            "note": audit.view(e).get("note", ""),
            "actor_id": e.actor_id,
            "at": e.at,
        }
    return out


def get_in_scope(actor: scope.ActorLike, hazard_uuid: str, *, for_update: bool = False) -> Hazard:
    stmt = (
        select(Hazard)
        .join(Enterprise, Enterprise.id == Hazard.enterprise_id)
        .where(Hazard.uuid == hazard_uuid, scope.enterprise_clause(actor))
    )
    h = db.session.scalar(stmt)
    if h is None:
        raise TransitionError("找不到该隐患，或不在您的管辖范围内。", status=404)
    return h


def _check_actor(h: Hazard, action: str, actor) -> None:
    """Who may act on this hazard now, beyond role and state (403 or 409)."""
    if actor.role == Role.ENTERPRISE and h.enterprise_id != getattr(actor, "enterprise_id", None):
        # A landlord sees its tenants' hazards (scope) but the evidence must come from the tenant itself.
        raise TransitionError(
            "出租方可以查看承租单位的隐患，整改材料和延期申请须由承租单位自己提交。", status=403
        )
    if action in ("verify", "reject") and h.level == "major" and actor.role not in OFFICE:
        raise TransitionError("重大隐患的复查和销号由街道或区安委办负责。", status=403)
    if (
        action in ("verify", "confirm_closure")
        and h.submitted_by is not None
        and h.submitted_by == actor.id
    ):
        raise TransitionError("提交整改的人不能复查自己提交的整改。", status=403)
    if action == "verify" and awaiting_confirmation(h):
        raise TransitionError(
            "已有人复查通过，正等待另一位街道或区安委办人员二次确认。", status=409
        )
    if action == "confirm_closure":
        if not awaiting_confirmation(h):
            raise TransitionError("该隐患尚未复查通过，无需二次确认。", status=409)
        if h.first_verified_by == actor.id:
            raise TransitionError(
                "二次确认须由另一位街道或区安委办人员进行，不能确认自己的复查。", status=403
            )
    if action == "request_extension" and h.extension_requested_to is not None:
        raise TransitionError("已有待审批的延期申请。", status=409)
    if action in ("approve_extension", "refuse_extension") and h.extension_requested_to is None:
        raise TransitionError("没有待审批的延期申请。", status=409)
    if action == "supervise" and (h.level != "major" or h.supervised):
        raise TransitionError("只有尚未督办的重大隐患才能挂牌督办。", status=409)
    if action in hazard_major.ACTIONS or action == "supervise":
        try:
            hazard_major.check_actor(h, action, actor)
        except hazard_major.MajorRuleError as exc:
            raise TransitionError(exc.message, status=exc.status) from None
    if action == "refer" and h.referred:
        raise TransitionError("该隐患已移交执法。", status=409)
    if action == "fix_on_spot" and h.level != "general":
        raise TransitionError("只有一般隐患可以当场整改销号。", status=409)
    if action in ("self_close", "confirm_self") and h.source != "self":
        raise TransitionError("只有企业自查发现的隐患才能这样处理。", status=409)
    if action == "self_close" and h.level != "general":
        raise TransitionError(
            "自查发现的重大隐患须提交整改，由街道或区安委办复查销号。", status=409
        )
    if action == "confirm_self" and h.confirmed_at is not None:
        raise TransitionError("该自查隐患已经核实。", status=409)


NOTE_REQUIRED = {
    "submit_rectification": "提交整改须填写整改说明。",
    "self_close": "自查整改销号须填写整改说明。",
    "reject": "退回整改须说明原因。",
    "request_extension": "延期申请须说明理由。",
    "refuse_extension": "不予延期须说明理由。",
    "reopen": "重新打开须说明原因。",
}


def _check_input(h: Hazard, action: str, *, note: str, photos: list[str], data: dict) -> None:
    """What the action must carry (422)."""
    if action in ("submit_rectification", "fix_on_spot", "self_close") and not photos:
        raise TransitionError("须附整改后照片。", status=422)
    if action in NOTE_REQUIRED and not note:
        raise TransitionError(NOTE_REQUIRED[action], status=422)
    if action == "request_extension":
        wanted = _parse_date(data.get("deadline"))
        if wanted is None or wanted <= h.deadline:
            raise TransitionError("延期申请须填写晚于现期限的新期限（YYYY-MM-DD）。", status=422)
    if action in ("verify", "confirm_closure"):
        _require_after_photo(h)
        if h.evidence_flags and not note:
            from .evidence import FLAGS

            doubts = "；".join(FLAGS.get(f, f) for f in h.evidence_flags)
            raise TransitionError(f"整改证据有疑点（{doubts}），复查通过须写明理由。", status=422)
        try:
            hazard_major.check_closure(h)
        except hazard_major.MajorRuleError as exc:
            raise TransitionError(exc.message, status=exc.status) from None


def _require_after_photo(h: Hazard) -> None:
    """Closing needs an after photo held by the server and received after the hazard was raised.

    Only photos cited for this premises count: one the submitter could not cite
    (fieldapp.photos.citable) is as good as absent.
    """
    if not h.after_photos:
        raise TransitionError("没有整改后照片，不能销号。", status=422)
    cited_here = (
        select(PhotoRef.id)
        .where(PhotoRef.photo_sha256 == Photo.sha256, PhotoRef.enterprise_id == h.enterprise_id)
        .exists()
    )
    received = db.session.scalars(
        select(Photo.received_at).where(Photo.sha256.in_(h.after_photos), cited_here)
    ).all()
    if not received:
        raise TransitionError("整改后照片尚未上传到服务器，暂不能销号。", status=422)
    if not any(r > h.raised_at for r in received):
        raise TransitionError("整改后照片早于隐患发现时间，不能作为整改证据。", status=422)


def _parse_date(value) -> date | None:
    try:
        return date.fromisoformat(str(value))
    except (TypeError, ValueError):
        return None


def _replay(event_uuid: str, hazard_uuid: str, action: str) -> Outcome | None:
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.uuid == event_uuid))
    if event is None:
        return None
    if event.object_type != "hazard" or event.object_id != hazard_uuid or event.action != action:
        raise TransitionError("该事件编号已用于其他操作。", status=409)
    return Outcome(db.session.get(Hazard, hazard_uuid), event, replayed=True)


def transition(
    hazard_uuid: str,
    action: str,
    *,
    actor,
    now: datetime,
    version: int,
    event_uuid: str | None = None,
    note: str = "",
    photos: list[str] | None = None,
    data: dict | None = None,
    within_visit: bool = False,
) -> Outcome:
    """Change a hazard's state or flags — the only writer of them — and append one event.

    Checks, in order: idempotent replay by event uuid, scope (404), the version
    (stale: 409, nothing written), role (403), state (409), the action's own rules.
    The caller commits.
    """
    photos = list(photos or [])
    data = dict(data or {})
    note = (note or "").strip()
    event_uuid = event_uuid or str(uuidlib.uuid4())
    if not _UUID_RE.match(event_uuid):
        raise TransitionError("事件编号应为小写 UUID。", status=422)
    replay = _replay(event_uuid, hazard_uuid, action)
    if replay is not None:
        get_in_scope(actor, hazard_uuid)  # a replay still answers only within scope
        return replay
    h = get_in_scope(actor, hazard_uuid)
    if version != h.version:
        raise TransitionError("该隐患已被他人更新，请刷新后重试。", status=409)
    rule = TRANSITIONS.get(action)
    if rule is None or (action in VISIT_ONLY and not within_visit):
        raise TransitionError(f"不支持的操作：{action}", status=422)
    if actor.role not in rule.roles:
        raise TransitionError("您的角色不能执行此操作。", status=403)
    if h.state not in rule.from_states:
        raise TransitionError(f"隐患当前为“{STATES[h.state]}”，不能{rule.label}。", status=409)
    _check_actor(h, action, actor)
    _check_input(h, action, note=note, photos=photos, data=data)
    # A photo the actor may not cite is treated as absent: no reference, no evidence (fieldapp.photos.citable).
    cited = photo_rules.citable(actor, photos)
    major_clean: dict = {}
    if action in hazard_major.ACTIONS or action == "supervise":
        try:
            major_clean = hazard_major.check_input(
                h, action, actor=actor, note=note, photos=cited, data=data, now=now
            )
        except hazard_major.MajorRuleError as exc:
            raise TransitionError(exc.message, status=exc.status, errors=exc.errors) from None

    changes: dict = {"updated_at": now, "version": h.version + 1}
    to_state = rule.to_state
    event_data: dict = {}
    flags: list[str] = []
    ref_kind = "after" if action == "fix_on_spot" else "event"
    photo_rules.ref(h.enterprise_id, ref_kind, event_uuid, cited, now)
    if action in hazard_major.ACTIONS or action == "supervise":
        more, event_data = hazard_major.apply(
            h, action, actor=actor, now=now, event_uuid=event_uuid, note=note, clean=major_clean
        )
        changes.update(more)
    if action == "submit_rectification":
        # A new round of rectification: an acceptance recorded for the last one no longer holds.
        changes.update(
            submitted_by=actor.id,
            submitted_at=now,
            after_photos=photos,
            first_verified_by=None,
            first_verified_at=None,
            acceptance_uuid=None,
        )
        flags = evidence_flags(h, photos, now)
        changes["evidence_flags"] = flags
    elif action == "verify" and needs_second_confirmation(h):
        # Major, with doubts about the evidence: this verification alone does not close it.
        to_state = None
        changes.update(first_verified_by=actor.id, first_verified_at=now)
        event_data["awaiting_confirmation"] = True
    elif action in ("verify", "confirm_closure"):
        changes.update(closed_by=actor.id, closed_at=now, extension_requested_to=None)
    elif action in ("fix_on_spot", "self_close"):
        changes.update(
            after_photos=photos,
            submitted_by=actor.id,
            submitted_at=now,
            closed_by=actor.id,
            closed_at=now,
        )
        if action == "fix_on_spot":
            changes["fixed_on_spot"] = True
        # Closed without a second pair of eyes: the same checks as a submitted rectification.
        flags = evidence_flags(h, photos, now)
        changes["evidence_flags"] = flags
    elif action == "reject":
        changes.update(
            evidence_flags=[], first_verified_by=None, first_verified_at=None, acceptance_uuid=None
        )
    elif action == "confirm_self":
        changes.update(confirmed_by=actor.id, confirmed_at=now)
    elif action == "request_extension":
        changes["extension_requested_to"] = event_data["requested"] = _parse_date(data["deadline"])
    elif action == "approve_extension":
        event_data.update(old=h.deadline, new=h.extension_requested_to)
        changes.update(
            deadline=h.extension_requested_to,
            extension_requested_to=None,
            deadline_reason=note or h.deadline_reason,
        )
    elif action == "refuse_extension":
        event_data["requested"] = h.extension_requested_to
        changes["extension_requested_to"] = None
    elif action == "supervise":
        changes["supervised"] = True
    elif action == "refer":
        changes["referred"] = True
    elif action == "reopen":
        changes.update(
            closed_by=None,
            closed_at=None,
            submitted_by=None,
            submitted_at=None,
            first_verified_by=None,
            first_verified_at=None,
            acceptance_uuid=None,
        )
    if to_state:
        changes["state"] = to_state

    # Compare-and-set on the version: of two concurrent actions one wins, the other gets 409.
    won = db.session.execute(
        update(Hazard)
        .where(Hazard.uuid == h.uuid, Hazard.version == version)
        .values(**changes)
        .returning(Hazard.version)
        .execution_options(synchronize_session=False)
    ).first()
    if won is None:
        raise TransitionError("该隐患已被他人更新，请刷新后重试。", status=409)
    from_state = h.state
    db.session.refresh(h)
    if action in hazard_major.ACTIONS:
        hazard_major.record(
            h,
            action,
            actor=actor,
            now=now,
            event_uuid=event_uuid,
            note=note,
            photos=cited,
            clean=major_clean,
        )
    elif action == "refer":
        from . import enforcement

        enforcement.open_case(h, actor=actor, now=now, case_uuid=event_uuid, note=note)
    event = _event(
        h,
        action,
        actor,
        now,
        event_uuid,
        from_state=from_state,
        note=note,
        photos=photos,
        data=event_data,
    )
    return Outcome(h, event, flags=flags)


def event_payload(
    h,
    *,
    from_state: str | None,
    note: str = "",
    photos: list[str] | None = None,
    data: dict | None = None,
) -> dict:
    """The payload of a hazard event (its declared shape: fieldapp.audit_shapes), the hazard as it stands after it."""
    return {
        "hazard": h.uuid,
        "from": from_state,
        "to": h.state,
        "version": h.version,
        "note": note,
        "photos": list(photos or []),
        "level": h.level,
        "deadline": h.deadline.isoformat(),
        "supervised": h.supervised,
        "referred": h.referred,
        "data": {k: (v.isoformat() if isinstance(v, date) else v) for k, v in (data or {}).items()},
    }


def _event(
    h: Hazard,
    action: str,
    actor,
    now: datetime,
    event_uuid: str,
    *,
    from_state: str | None,
    note: str = "",
    photos: list[str] | None = None,
    data: dict | None = None,
) -> AuditEvent:
    payload = event_payload(h, from_state=from_state, note=note, photos=photos, data=data)
    return audit.append(
        uuid=event_uuid,
        object_type="hazard",
        object_id=h.uuid,
        enterprise_id=h.enterprise_id,
        action=action,
        actor_id=getattr(actor, "id", None),
        actor_label=getattr(actor, "username", "system"),
        at=now,
        payload=payload,
    )


@dataclass
class NewHazard:
    uuid: str
    enterprise_id: int
    item_text: str
    level: str
    deadline: date
    raised_at: datetime
    visit_uuid: str | None = None
    checklist_id: str | None = None
    item_key: str | None = None
    category: str = ""
    description: str = ""
    level_reason: str = ""
    deadline_reason: str = ""
    before_photos: list[str] = field(default_factory=list)
    fixed_on_spot: bool = False
    after_photos: list[str] = field(default_factory=list)
    measure: str = ""
    owner: str = ""
    defect: str = ""  # the finding worded as a defect; empty only where no checklist item names it
    source: str = "inspection"  # or "self": found by the enterprise itself (企业自查)


# A hazard that no checklist item describes (e.g. a confirmed public report) gets this measure.
GENERIC_MEASURE = "由责任人针对隐患制定措施整改到位，整改后提交整改后照片和说明。"
SOURCES = {"inspection": "检查发现", "self": "企业自查"}


def publicly_listed():
    """SQL: hazards the placard page may show (a self-found one only once confirmed by staff)."""
    return or_(Hazard.source != "self", Hazard.confirmed_at.is_not(None))


def raise_hazard(new: NewHazard, *, actor, now: datetime, event_uuid: str | None = None) -> Hazard:
    """Create a hazard (state open) and its 'raise' event; close it at once if fixed on the spot."""
    h = Hazard(
        uuid=new.uuid,
        enterprise_id=new.enterprise_id,
        visit_uuid=new.visit_uuid,
        checklist_id=new.checklist_id,
        item_key=new.item_key,
        item_text=new.item_text[:200],
        defect=new.defect,
        category=new.category,
        description=new.description,
        measure=new.measure or GENERIC_MEASURE,
        owner=new.owner[:60],
        level=new.level,
        level_reason=new.level_reason,
        deadline=new.deadline,
        deadline_reason=new.deadline_reason,
        state="open",
        supervised=False,
        referred=False,
        fixed_on_spot=False,
        before_photos=list(new.before_photos),
        after_photos=[],
        evidence_flags=[],
        version=1,
        raised_by=actor.id,
        raised_at=new.raised_at,
        updated_at=now,
        source=new.source,
    )
    if hazard_major.confirmed_at_raise(actor, new.level):
        h.major_confirmed_by, h.major_confirmed_at = actor.id, now
    db.session.add(h)
    db.session.flush()
    _event(
        h,
        "raise",
        actor,
        now,
        event_uuid or str(uuidlib.uuid5(uuidlib.NAMESPACE_URL, f"raise:{h.uuid}")),
        from_state=None,
        note=new.description,
        photos=new.before_photos,
        data={
            "item": new.item_key,
            "checklist": new.checklist_id,
            "visit": new.visit_uuid,
            "defect": new.defect,
            **({"source": new.source} if new.source != "inspection" else {}),
            **(
                {"major_confirmed": h.major_confirmed_at is not None}
                if new.level == "major"
                else {}
            ),
        },
    )
    if new.fixed_on_spot:
        transition(
            h.uuid,
            "fix_on_spot",
            actor=actor,
            now=now,
            version=h.version,
            within_visit=True,
            event_uuid=str(uuidlib.uuid5(uuidlib.NAMESPACE_URL, f"fix:{h.uuid}")),
            photos=new.after_photos,
        )
    return h


def evidence_flags(h: Hazard, after: list[str], now: datetime) -> list[str]:
    """Flags for the reviewer (they do not block): see fieldapp.evidence."""
    from .evidence import check

    return check(h, after, now)


def today(now: datetime) -> date:
    return local_today(now)
