"""Departments propose changes to their industry's checklists; the district accepts or refuses them.

A proposal names a checklist and lists item changes: add (a new item in a section),
change (new values for some fields of an item) or remove, with a reason. Every change
is tried at once on the checklist file and the result checked by the same parser that
loads the files at start-up, so a proposal that would not load cannot be submitted.

Accepting one produces the checklist's next version as a file: the file in force is
edited in place with tomlkit (comments and layout kept, so the difference between the
two files is exactly the proposal), its version raised by one, parsed and compared
with what the changes should give. The file's text, its sha256 and the checklist's
content hash are kept with the decision and written into the audit chain.

The running servers do not rewrite their own checklists folder: the folder is part of
each deployment (often a git checkout) and several workers or servers each hold a
registry loaded at start-up, so a file written by one request would be in force on one
process only. The accepted file is installed with `fieldapp checklists install
PROPOSAL_ID` (or downloaded and committed), which checks that the file in place is
still the one the proposal was made from; the next start loads it, and the existing
versioning records the new version the first time a visit uses it. A proposal shows
as 已生效 once the version in force has exactly its content.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import uuid as uuidlib
from datetime import datetime
from pathlib import Path

import tomlkit
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from . import audit, checklists, scope
from .errors import DomainError
from .extensions import db
from .models import ChecklistProposal, Enterprise
from .roles import Role

ACTIONS = {"add": "新增检查项", "change": "修改检查项", "remove": "删除检查项"}
# Item fields a proposal may set, in the order a new item is written; only those the checklist format knows are used.
FIELDS = (
    "text",
    "defect",
    "measure",
    "guidance",
    "category",
    "basis",
    "major",
    "major_basis",
    "deadline_days",
    "photo_required",
)
FIELD_LABELS = {
    "text": "检查内容",
    "defect": "隐患表述",
    "measure": "整改措施",
    "guidance": "检查指引",
    "category": "类别",
    "basis": "依据",
    "major": "重大隐患",
    "major_basis": "重大隐患判定依据",
    "deadline_days": "整改期限（天）",
    "photo_required": "须拍照",
}
STATES = {"draft": "草稿", "pending": "待区安委办审议", "accepted": "已采纳", "refused": "未采纳"}
INSTALL_STATES = {
    "awaiting": "已采纳，待安装",
    "in_force": "已生效",
    "superseded": "已被更新的版本取代",
    "conflict": "现行同版本内容与采纳的不同，请核对",
}
MAX_CHANGES = 50


class ProposalError(DomainError):
    """A proposal or decision refused, with a Chinese reason."""


def fields() -> tuple[str, ...]:
    """The proposable fields the checklist format in use knows."""
    known = set(checklists.ITEM_FIELDS)
    return tuple(f for f in FIELDS if f in known)


# --- scope ----------------------------------------------------------------------------


def industry_checklists(industry: str, registry: checklists.Registry) -> list[checklists.Checklist]:
    """The checklists its industry's premises are inspected with (any kind of premises registered), or that name it."""
    kinds = db.session.execute(
        select(Enterprise.venue_type, Enterprise.size_class, Enterprise.hosts_tenants)
        .where(Enterprise.industry == industry, Enterprise.active.is_(True))
        .distinct()
    ).all()
    out = []
    for c in registry.all:
        named = any(a.industries is not None and industry in a.industries for a in c.applies)
        if named or any(c.applies_to(v, industry, s, bool(h)) for v, s, h in kinds):
            out.append(c)
    return out


def proposable(actor, registry: checklists.Registry, checklist_id: str) -> checklists.Checklist:
    """The checklist, if the actor may propose changes to it (a department, for its industry); else 404."""
    c = registry.get(checklist_id)
    if (
        c is None
        or actor.role != Role.DEPARTMENT
        or not actor.industry
        or c not in industry_checklists(actor.industry, registry)
    ):
        raise NotFound()
    return c


def get(proposal_id: int, actor) -> ChecklistProposal:
    """A proposal the actor may see (fieldapp.scope): the district any, a department its industry's; else 404."""
    return scope.get_proposal(actor, proposal_id)


def listing(actor) -> list[ChecklistProposal]:
    stmt = select(ChecklistProposal).order_by(ChecklistProposal.id.desc())
    if actor.role != Role.DISTRICT:
        stmt = stmt.where(ChecklistProposal.industry == (actor.industry or ""))
    if actor.role == Role.DISTRICT:
        stmt = stmt.where(ChecklistProposal.state != "draft")
    return list(db.session.scalars(stmt))


# --- the file --------------------------------------------------------------------------


def source_path(folder: str | Path, c: checklists.Checklist) -> Path:
    return Path(folder) / c.source


def render(text: str, changes: list[dict], version: int) -> str:
    """Apply the changes to a checklist file's text (comments and layout kept) and set its version."""
    doc = tomlkit.parse(text)
    doc["version"] = version
    sections = doc.get("sections") or []
    for ch in changes:
        where = _locate(sections, ch["key"])
        if ch["action"] == "remove":
            if where is None:
                raise ProposalError(f"检查项 {ch['key']} 已不在现行清单中")
            section, n = where
            del section["items"][n]
        elif ch["action"] == "change":
            if where is None:
                raise ProposalError(f"检查项 {ch['key']} 已不在现行清单中")
            section, n = where
            item = section["items"][n]
            for name, value in ch["fields"].items():
                item[name] = value
        elif ch["action"] == "add":
            if where is not None:
                raise ProposalError(f"检查项 {ch['key']} 已存在，请换一个编号")
            section = next((s for s in sections if s.get("key") == ch["section"]), None)
            if section is None:
                raise ProposalError(f"分节 {ch['section']} 不存在")
            item = tomlkit.table()
            item.add("key", ch["key"])
            for name in FIELDS:
                if name in ch["fields"]:
                    item.add(name, ch["fields"][name])
            section["items"].append(item)
    return tomlkit.dumps(doc)


def _locate(sections, key: str):
    for s in sections:
        for n, item in enumerate(s.get("items") or []):
            if item.get("key") == key:
                return s, n
    return None


def expected(snapshot: dict, changes: list[dict], version: int) -> dict:
    """What the checklist's content must be after the changes: checked against the parsed file."""
    import copy

    snap = copy.deepcopy(snapshot)
    snap["version"] = version
    for ch in changes:
        for s in snap["sections"]:
            items = s["items"]
            for n, item in enumerate(items):
                if item["key"] == ch["key"]:
                    if ch["action"] == "remove":
                        del items[n]
                    elif ch["action"] == "change":
                        item.update(ch["fields"])
                    break
        if ch["action"] == "add":
            s = next(s for s in snap["sections"] if s["key"] == ch["section"])
            s["items"].append({"key": ch["key"], **ch["fields"]})
    return snap


def produce(
    c: checklists.Checklist, folder: str | Path, changes: list[dict]
) -> tuple[str, checklists.Checklist]:
    """The next version's file text and its parsed checklist; refused with every problem the parser finds."""
    path = source_path(folder, c)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        raise ProposalError(f"找不到检查清单文件 {c.source}") from None
    on_disk = checklists.parse(text, c.source)
    if on_disk.content_hash != c.content_hash:
        raise ProposalError(
            "检查清单文件在服务启动后已被修改：请重启服务，使现行版本与文件一致后再处理。",
            status=409,
        )
    new_text = render(text, changes, c.version + 1)
    try:
        new = checklists.parse(new_text, c.source)
    except checklists.ChecklistError as exc:
        raise ProposalError(
            "按此建议修改后，清单无法通过校验：",
            errors=[f"{w}：{r}" if w else r for _f, w, r in exc.problems],
        ) from None
    if not _matches(expected(c.snapshot(), changes, c.version + 1), new.snapshot()):
        raise ProposalError(
            "生成的清单文件与建议内容不一致，未采纳：请联系系统管理员。", status=500
        )
    return new_text, new


def _matches(want: dict, got: dict) -> bool:
    """Same sections and items in the same order, each field the changes name (and every old one) as wanted."""
    if want["version"] != got["version"] or [s["key"] for s in want["sections"]] != [
        s["key"] for s in got["sections"]
    ]:
        return False
    for ws, gs in zip(want["sections"], got["sections"], strict=True):
        if [i["key"] for i in ws["items"]] != [i["key"] for i in gs["items"]]:
            return False
        for wi, gi in zip(ws["items"], gs["items"], strict=True):
            if any(gi.get(k) != v for k, v in wi.items()):
                return False
    return True


# --- the proposal's life --------------------------------------------------------------


def _audit(p: ChecklistProposal, action: str, payload: dict, *, actor, now: datetime) -> None:
    audit.append(
        uuid=str(uuidlib.uuid4()),
        object_type="checklist_proposal",
        object_id=str(p.id),
        enterprise_id=None,
        action=action,
        actor_id=actor.id,
        actor_label=actor.username,
        at=now,
        payload={"checklist": p.checklist_id, "base_version": p.base_version, **payload},
    )


def start(c: checklists.Checklist, *, reason: str, actor, now: datetime) -> ChecklistProposal:
    """Open a draft proposal on a checklist of the department's industry."""
    p = ChecklistProposal(
        checklist_id=c.id,
        base_version=c.version,
        industry=actor.industry,
        state="draft",
        reason=(reason or "").strip()[:2000],
        changes=[],
        proposed_by=actor.id,
        created_at=now,
    )
    db.session.add(p)
    db.session.flush()
    return p


def _own_draft(p: ChecklistProposal, actor) -> None:
    if actor.role != Role.DEPARTMENT or p.industry != actor.industry:
        raise ProposalError("只有提出建议的行业主管部门可以修改建议。", status=403)
    if p.state != "draft":
        raise ProposalError("建议已提交，不能再修改。", status=409)


def clean_change(c: checklists.Checklist, raw: dict) -> dict:
    """One change from form values: the action, the item's key, the section (new items), the fields it sets."""
    action = raw.get("action")
    if action not in ACTIONS:
        raise ProposalError("请选择新增、修改或删除")
    key = (raw.get("key") or "").strip()
    if not checklists.ID_RE.match(key):
        raise ProposalError("检查项编号应为小写字母开头的字母、数字或下划线（2–40 个字符）")
    item = c.item(key)
    if action in ("change", "remove") and item is None:
        raise ProposalError(f"现行清单中没有检查项 {key}")
    if action == "add" and item is not None:
        raise ProposalError(f"检查项 {key} 已存在，请换一个编号")
    out: dict = {
        "action": action,
        "key": key,
        "section": "",
        "fields": {},
        "note": (raw.get("note") or "").strip()[:500],
    }
    if action == "add":
        out["section"] = (raw.get("section") or "").strip()
        if out["section"] not in {s.key for s in c.sections}:
            raise ProposalError("请选择新检查项所在的分节")
    if action == "remove":
        return out
    for name in fields():
        if name not in raw:
            continue
        value = _field_value(name, raw[name])
        if action == "add" or value != getattr(item, name, None):
            out["fields"][name] = value
    if action == "change" and not out["fields"]:
        raise ProposalError("没有任何内容与现行清单不同")
    return out


def _field_value(name: str, raw):
    if name in ("major", "photo_required"):
        return raw in (True, "on", "true", "1", "yes")
    if name == "deadline_days":
        text = str(raw).strip()
        if not text.isascii() or not text.isdigit() or len(text) > 3:
            raise ProposalError("整改期限应为 0 至 180 的整数天")
        return int(text)
    return str(raw or "").strip()


def add_change(
    p: ChecklistProposal, change: dict, *, c: checklists.Checklist, folder, actor
) -> None:
    """Add one change to a draft; the whole proposal must still give a checklist that loads."""
    _own_draft(p, actor)
    if any(ch["key"] == change["key"] for ch in p.changes):
        raise ProposalError(f"本建议已包含对 {change['key']} 的修改，请先删除那一条")
    if len(p.changes) >= MAX_CHANGES:
        raise ProposalError(f"一份建议最多 {MAX_CHANGES} 条修改")
    produce(c, folder, [*p.changes, change])
    p.changes = [*p.changes, change]


def drop_change(p: ChecklistProposal, index: int, *, actor) -> None:
    _own_draft(p, actor)
    if not 0 <= index < len(p.changes):
        raise NotFound()
    p.changes = [ch for n, ch in enumerate(p.changes) if n != index]


def submit(
    p: ChecklistProposal, *, reason: str, c: checklists.Checklist, folder, actor, now: datetime
) -> None:
    """Send a draft to the district, with the reason for the whole proposal."""
    _own_draft(p, actor)
    p.reason = (reason or p.reason or "").strip()[:2000]
    if not p.reason:
        raise ProposalError("请说明提出修改的理由")
    if not p.changes:
        raise ProposalError("建议中还没有任何修改")
    produce(c, folder, p.changes)
    p.state, p.submitted_at = "pending", now
    _audit(
        p, "proposal_submitted", {"changes": p.changes, "reason": p.reason}, actor=actor, now=now
    )


def install_state(p: ChecklistProposal, registry: checklists.Registry) -> str | None:
    """Where an accepted proposal stands against the checklists in force (None before acceptance)."""
    if p.state != "accepted":
        return None
    c = registry.get(p.checklist_id)
    if c is None or c.version < p.new_version:
        return "awaiting"
    if c.version > p.new_version:
        return "superseded"
    return "in_force" if c.content_hash == p.content_hash else "conflict"


def decide(
    p: ChecklistProposal,
    *,
    accept: bool,
    reason: str,
    registry: checklists.Registry,
    folder,
    actor,
    now: datetime,
) -> None:
    """The district accepts (producing the next version's file) or refuses a submitted proposal, with a reason."""
    if actor.role != Role.DISTRICT:
        raise ProposalError("只有区安委办可以审议修改建议。", status=403)
    if p.state != "pending":
        raise ProposalError("此建议不在待审议状态。", status=409)
    reason = (reason or "").strip()
    if not reason:
        raise ProposalError("请写明采纳或不采纳的理由")
    p.decided_by, p.decided_at, p.decision_reason = actor.id, now, reason[:2000]
    if not accept:
        p.state = "refused"
        _audit(p, "proposal_refused", {"reason": p.decision_reason}, actor=actor, now=now)
        return
    c = registry.get(p.checklist_id)
    if c is None:
        raise ProposalError("该检查清单已不在现行清单中。", status=409)
    waiting = [
        o.id
        for o in db.session.scalars(
            select(ChecklistProposal).where(
                ChecklistProposal.checklist_id == p.checklist_id,
                ChecklistProposal.state == "accepted",
                ChecklistProposal.id != p.id,
            )
        )
        if install_state(o, registry) == "awaiting"
    ]
    if waiting:
        raise ProposalError(
            f"本清单已有采纳的建议 #{waiting[0]} 尚未安装：请先安装并重启服务，再审议此建议。",
            status=409,
        )
    text, new = produce(c, folder, p.changes)
    p.state, p.new_version, p.toml_text = "accepted", new.version, text
    p.toml_sha256, p.content_hash = hashlib.sha256(text.encode()).hexdigest(), new.content_hash
    _audit(
        p,
        "proposal_accepted",
        {
            "reason": p.decision_reason,
            "new_version": new.version,
            "toml_sha256": p.toml_sha256,
            "content_hash": p.content_hash,
        },
        actor=actor,
        now=now,
    )


def install(p: ChecklistProposal, folder: str | Path, *, actor, now: datetime) -> Path:
    """Write an accepted proposal's file over the checklist it was made from, if that file is still the base."""
    if p.state != "accepted" or not p.toml_text:
        raise ProposalError("只有已采纳的建议可以安装。", status=409)
    loaded = {c.id: c for c in checklists.load_dir(folder)}
    current = loaded.get(p.checklist_id)
    if current is None:
        raise ProposalError(f"目录中没有检查清单 {p.checklist_id}")
    if current.version == p.new_version and current.content_hash == p.content_hash:
        raise ProposalError(f"第 {p.new_version} 版已经安装。", status=409)
    if current.version != p.new_version - 1:
        raise ProposalError(
            f"目录中的 {p.checklist_id} 是第 {current.version} 版，而此建议基于第 {p.new_version - 1} 版："
            "请重新提出建议。",
            status=409,
        )
    path = source_path(folder, current)
    checklists.parse(
        p.toml_text, current.source
    )  # once more, with the parser of the code installing it
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".proposal-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(p.toml_text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _audit(
        p,
        "proposal_installed",
        {"new_version": p.new_version, "toml_sha256": p.toml_sha256, "file": current.source},
        actor=actor,
        now=now,
    )
    return path
