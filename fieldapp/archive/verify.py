"""Verify an archive file by itself: data seal, embedded photos, chain values, and their agreement.

Needs no database and no network. Every problem names what it concerns: a
photo (P-number and original SHA-256), an event (its seq) or a JSON field.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from flask import has_app_context

from ..audit import row_hash, sha256
from . import FORMAT, FORMAT_VERSION, body, seal
from .collect import section_data

DATA_URI = "data:image/jpeg;base64,"
READABLE_VERSIONS = (1, FORMAT_VERSION)  # 1: before the readable part was sealed
EVENT_FIELDS = (
    "seq",
    "uuid",
    "object_type",
    "object_id",
    "enterprise_id",
    "action",
    "actor_id",
    "actor_label",
    "at",
    "payload",
    "payload_sha256",
    "prev_hash",
    "hash",
)


class NotAnArchive(ValueError):
    """The file is not a 一企一档 archive (or cannot be read as one)."""


class _Parser(body.Canonical):
    """Pull the embedded data and the photos out of the HTML (the standard library's tolerant parser),
    walking the readable part canonically on the way (fieldapp.archive.body)."""

    def __init__(self):
        super().__init__(keep_texts=True)
        self.found = 0
        self.parts: list[str] = []
        self.images: list[tuple[str | None, str]] = []

    def handle_starttag(self, tag, attrs):
        if tag == "template" and not self.depth and dict(attrs).get("id") == body.DATA_ID:
            self.found += 1
        elif tag == "img" and not self.depth:
            a = dict(attrs)
            self.images.append((a.get("data-photo"), a.get("src") or ""))
        super().handle_starttag(tag, attrs)

    def handle_data(self, data):
        if self.depth:
            self.parts.append(data)
        super().handle_data(data)


@dataclass
class Parsed:
    doc: dict
    images: list[tuple[str | None, str]]
    page: body.Canonical | None = None


def parse(data: bytes) -> Parsed:
    """Return the embedded document and the images of an archive file; raise NotAnArchive."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise NotAnArchive("不是一企一档档案文件：文件不是 UTF-8 编码的 HTML。") from None
    parser = _Parser()
    parser.feed(text)
    parser.close()
    if parser.found != 1:
        raise NotAnArchive(
            '不是一企一档档案文件：没有找到（或找到多个）内嵌数据 <template id="archive-data">。'
        )
    try:
        doc = json.loads("".join(parser.parts))
    except ValueError as exc:
        raise NotAnArchive(
            f"内嵌数据不是有效的 JSON（{exc.msg}，第 {exc.pos} 个字符处）。"
        ) from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise NotAnArchive("不是一企一档档案文件：内嵌数据的格式标记不对。")
    if doc.get("format_version") not in READABLE_VERSIONS:
        raise NotAnArchive(
            f"不支持的档案格式版本：{doc.get('format_version')}（本程序支持第 1 至 {FORMAT_VERSION} 版）。"
        )
    return Parsed(doc, parser.images, parser)


@dataclass
class Report:
    doc: dict
    problems: list[str] = field(default_factory=list)
    photos_checked: int = 0
    events_checked: int = 0
    links_checked: int = 0
    gaps: int = 0
    originals_checked: int = 0
    page: body.Comparison = field(default_factory=body.Comparison)
    displays: dict[str, bytes] = field(
        default_factory=dict, repr=False
    )  # kept only when asked (import)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def chain_head(self) -> dict:
        return (section_data(self.doc, "audit") or {}).get("chain_head") or {}


def verify_file(path: str | Path) -> Report:
    """Verify the archive at a path; raise NotAnArchive when it is not one."""
    return verify_bytes(Path(path).read_bytes())


def verify_bytes(data: bytes, *, keep_photos: bool = False) -> Report:
    """Verify an archive given as bytes; raise NotAnArchive when it is not one.

    With `keep_photos` the report also holds the verified display copies (for import).
    """
    parsed = parse(data)
    doc = parsed.doc
    report = Report(doc)
    data = {k: v for k, v in doc.items() if k != "seal"}
    report.problems += seal.check(data, doc.get("seal"), _field_label(doc))
    if not isinstance(doc.get("sections"), list):
        report.problems.append("内嵌数据缺少 sections")
        return report
    report.page = _readable_part(doc, parsed.page)
    report.problems += report.page.problems
    photos = _photos(report, parsed.images, keep_photos)
    events = _events(report)
    _hazards(report, events)
    for e in events.values():
        for sha in _payload(e).get("photos") or []:
            if sha not in photos:
                report.problems.append(f"事件 seq {e['seq']} 引用的照片 {sha} 不在照片清单中")
    return report


def _readable_part(doc: dict, page: body.Canonical) -> body.Comparison:
    """Hold what a person reads to the seal, and — when this program renders as the exporter did — to the data."""
    out = body.Comparison()
    sealed = (doc.get("seal") or {}).get("body") if isinstance(doc.get("seal"), dict) else None
    if not isinstance(sealed, dict):
        if doc.get("format_version", 1) >= 2:
            out.problems.append("封存中缺少阅读部分的摘要（seal.body）：无法确认页面文字未被改动")
        else:
            out.note = "第 1 版档案的阅读部分未加封存，只核对了内嵌数据；如对页面文字有疑问，以内嵌数据为准"
        return out
    out.digest_checked = True
    if page.digest.hexdigest() != sealed.get("sha256"):
        out.problems.append(
            "阅读部分（页面上的文字、标签或样式）与封存摘要不符：页面在导出后被改动"
        )
    if not has_app_context() or sealed.get("renderer") != body.renderer():
        out.note = (
            "本程序的版式与导出时不同，页面文字只按封存摘要核对，未按内嵌数据逐字重新生成比对"
        )
        return out
    from .render import body_of

    try:
        expected = body_of(doc, keep_texts=True)
    except Exception as exc:  # data that no longer renders is itself a finding, not a crash
        out.problems.append(f"无法按内嵌数据重新生成阅读部分（{exc.__class__.__name__}）")
        return out
    out.rerendered = True
    if expected.digest.hexdigest() != page.digest.hexdigest():
        out.problems.append(
            f"阅读部分与内嵌数据不符：{body.first_difference(page.texts, expected.texts)}"
        )
    return out


def _field_label(doc: dict):
    """Name a JSON pointer by its section key: /sections/2/data/0/state → hazards/0/state."""
    keys = [s.get("key") if isinstance(s, dict) else None for s in doc.get("sections") or []]

    def label(pointer: str) -> str:
        parts = pointer.split("/")
        if len(parts) >= 4 and parts[1] == "sections" and parts[2].isdigit() and parts[3] == "data":
            i = int(parts[2])
            if i < len(keys) and keys[i]:
                return "/".join([keys[i], *parts[4:]])
        return pointer.lstrip("/") or "/"

    return label


def _photos(report: Report, images: list[tuple[str | None, str]], keep: bool) -> dict[str, dict]:
    listed = section_data(report.doc, "photos")
    if not isinstance(listed, list):
        report.problems.append("内嵌数据缺少照片清单（photos 部分）")
        return {}
    by_sha = {p.get("sha256"): p for p in listed if isinstance(p, dict)}
    seen: set[str] = set()
    for n, (sha, src) in enumerate(images, 1):
        p = by_sha.get(sha)
        if p is None:
            report.problems.append(f"文件中第 {n} 张图片（data-photo={sha or '无'}）不在照片清单中")
            continue
        label = f"照片 P{p.get('number')}（原始照片 SHA-256 {sha}）"
        if not src.startswith(DATA_URI):
            report.problems.append(f"{label}：嵌入的不是 JPEG data: 地址")
            continue
        try:
            raw = base64.b64decode(src[len(DATA_URI) :], validate=True)
        except (binascii.Error, ValueError):
            report.problems.append(f"{label}：嵌入的图片数据不是有效的 base64（已损坏）")
            continue
        display = p.get("display") or {}
        actual = hashlib.sha256(raw).hexdigest()
        if actual != display.get("sha256"):
            report.problems.append(
                f"{label}：嵌入的档案内图片 SHA-256 为 {actual}，与记录的 {display.get('sha256')} 不符"
            )
        elif len(raw) != display.get("bytes"):
            report.problems.append(f"{label}：嵌入的档案内图片大小与记录不符")
        elif keep:
            report.displays[sha] = raw
        seen.add(sha)
        report.photos_checked += 1
    for sha, p in by_sha.items():
        if p.get("display") and sha not in seen:
            report.problems.append(
                f"照片 P{p.get('number')}（原始照片 SHA-256 {sha}）：档案内图片没有嵌入文件"
            )
    return by_sha


def _payload(event: dict) -> dict:
    try:
        value = json.loads(event.get("payload") or "")
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def _check_event(e: dict, where: str) -> list[str]:
    """Check one event's own values: its payload hash and its row hash."""
    missing = [k for k in EVENT_FIELDS if k not in e]
    if missing:
        return [f"{where} 缺少字段 {'、'.join(missing)}"]
    out = []
    if sha256(str(e["payload"])) != e["payload_sha256"]:
        out.append(f"{where}：payload 与 payload_sha256 不符（事件内容被改动）")
    try:
        at = datetime.fromisoformat(e["at"])
        expected = row_hash(
            e["prev_hash"],
            seq=e["seq"],
            uuid=e["uuid"],
            object_type=e["object_type"],
            object_id=e["object_id"],
            enterprise_id=e["enterprise_id"],
            action=e["action"],
            actor_id=e["actor_id"],
            actor_label=e["actor_label"],
            at=at,
            payload_sha256=e["payload_sha256"],
        )
    except (TypeError, ValueError):
        return out + [f"{where}：字段格式不对，无法计算哈希"]
    if expected != e["hash"]:
        out.append(
            f"{where}：记录哈希 hash 与按链规则重算的值不符（seq、时间、操作人等字段被改动）"
        )
    return out


def _links(events: list[dict], label) -> tuple[list[str], int, int]:
    """Check prev_hash against the previous hash wherever two events are adjacent in the chain."""
    problems, links, gaps = [], 0, 0
    for before, after in zip(events, events[1:]):
        if after["seq"] == before["seq"] + 1:
            links += 1
            if after["prev_hash"] != before["hash"]:
                problems.append(f"{label(after)} 的 prev_hash 与 {label(before)} 的 hash 不相接")
        else:
            gaps += 1
    return problems, links, gaps


def _events(report: Report) -> dict[int, dict]:
    audit = section_data(report.doc, "audit")
    if not isinstance(audit, dict) or not isinstance(audit.get("events"), list):
        report.problems.append("内嵌数据缺少审计链（audit 部分）")
        return {}
    ent_id = (report.doc.get("enterprise") or {}).get("id")
    events = [e for e in audit["events"] if isinstance(e, dict) and isinstance(e.get("seq"), int)]
    if len(events) != len(audit["events"]):
        report.problems.append("审计链中有缺少 seq 的事件")
    events.sort(key=lambda e: e["seq"])
    originals = []
    for e in events:
        where = f"事件 seq {e['seq']}"
        report.problems += _check_event(e, where)
        if e.get("enterprise_id") != ent_id:
            report.problems.append(f"{where}：enterprise_id 不是本单位（{e.get('enterprise_id')}）")
        report.events_checked += 1
        original = _payload(e).get("imported")
        if isinstance(original, dict):
            originals.append(original)
            report.problems += _check_import(e, original, where)
            report.originals_checked += 1
    problems, report.links_checked, report.gaps = _links(events, lambda e: f"事件 seq {e['seq']}")
    report.problems += problems
    if originals:
        originals = sorted(
            (o for o in originals if isinstance(o.get("seq"), int)), key=lambda o: o["seq"]
        )
        problems, links, gaps = _links(originals, lambda o: f"原系统事件 seq {o['seq']}")
        report.problems += problems
        report.links_checked += links
        report.gaps += gaps
    head = audit.get("chain_head") or {}
    if events and isinstance(head.get("seq"), int):
        last = events[-1]
        if last["seq"] > head["seq"]:
            report.problems.append(
                f"事件 seq {last['seq']} 的序号大于导出时的链头 seq {head['seq']}"
            )
        elif last["seq"] == head["seq"] and last.get("hash") != head.get("hash"):
            report.problems.append(
                f"事件 seq {last['seq']} 正是导出时的链头，但其 hash 与链头 hash 不符"
            )
    return {e["seq"]: e for e in events}


def _check_import(e: dict, original: dict, where: str) -> list[str]:
    """An event re-appended by an import must carry its original verbatim, and agree with it."""
    label = f"{where} 导入的原系统事件（原 seq {original.get('seq')}）"
    out = _check_event(original, label)
    mine = {k: v for k, v in _payload(e).items() if k != "imported"}
    theirs = {k: v for k, v in _payload(original).items() if k != "imported"}
    if mine != theirs:
        out.append(f"{where}：内容与其导入的原系统事件不一致")
    if (e.get("uuid"), e.get("action"), e.get("object_type")) != (
        original.get("uuid"),
        original.get("action"),
        original.get("object_type"),
    ):
        out.append(f"{where}：uuid、action 或 object_type 与其导入的原系统事件不一致")
    return out


def _hazards(report: Report, events: dict[int, dict]) -> None:
    """Hold each hazard's record to its events: state, level, deadline and photos must agree."""
    for index, h in enumerate(section_data(report.doc, "hazards") or []):
        if not isinstance(h, dict):
            continue
        path = f"hazards/{index}"
        name = f"隐患“{h.get('item_text')}”（{h.get('uuid')}）"
        mine = []
        for seq in h.get("events") or []:
            e = events.get(seq)
            if e is None:
                report.problems.append(f"{name}：{path}/events 引用的事件 seq {seq} 不在审计链中")
            elif e.get("object_id") != h.get("uuid"):
                report.problems.append(f"{name}：{path}/events 引用的事件 seq {seq} 属于其他对象")
            else:
                mine.append(e)
        if not mine:
            continue
        payloads = [(e["seq"], _payload(e)) for e in mine]
        for key, value in (
            ("to", h.get("state")),
            ("level", h.get("level")),
            ("deadline", h.get("deadline")),
        ):
            latest = next(((s, p[key]) for s, p in reversed(payloads) if key in p), None)
            if latest and latest[1] != value:
                fld = "state" if key == "to" else key
                report.problems.append(
                    f"{name}：字段 {path}/{fld} 为 {value}，与事件 seq {latest[0]} 记录的 {latest[1]} 不符"
                )
        raised = next(((e["seq"], _payload(e)) for e in mine if e.get("action") == "raise"), None)
        if (
            raised
            and "photos" in raised[1]
            and sorted(raised[1]["photos"]) != sorted(h.get("before_photos") or [])
        ):
            report.problems.append(
                f"{name}：字段 {path}/before_photos 与事件 seq {raised[0]} 记录的照片不符"
            )
        if raised and "note" in raised[1] and raised[1]["note"] != h.get("description"):
            report.problems.append(
                f"{name}：字段 {path}/description 与事件 seq {raised[0]} 记录的情况说明不符"
            )
        fixes = [
            (e["seq"], _payload(e))
            for e in mine
            if e.get("action") in ("submit_rectification", "fix_on_spot", "self_close")
        ]
        if (
            fixes
            and "photos" in fixes[-1][1]
            and sorted(fixes[-1][1]["photos"]) != sorted(h.get("after_photos") or [])
        ):
            report.problems.append(
                f"{name}：字段 {path}/after_photos 与事件 seq {fixes[-1][0]} 记录的照片不符"
            )
