"""The 整改通知书 (rectification notice) a visit hands to the premises: its number and its content.

A visit that raised something to rectify gets its number when it reaches the server,
from its street's sequence for the year of the visit (Beijing time), formatted by the
configured pattern (e.g. 鲤金安整〔2026〕第0012号). A notice printed on the phone
before that reads 待编号; the reprint after sync carries the number. The server page
and the phone fill one template (`visits/_notice.html`); `view` is what the server
fills it with.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from . import fire_combined, placards
from .clock import to_local
from .config import ConfigError
from .extensions import db
from .models import Answer, Enterprise, Hazard, NoticeSequence, Street, Visit

DEFAULT_TITLE = "隐患整改通知书"
# {street}: the street's name without 街道/镇/乡; {street1}: its first character; {year}; {seq}.
DEFAULT_PATTERN = "{street}安整〔{year}〕第{seq:04d}号"
PENDING = "待编号"
# Where an item names no basis (a hazard recorded outside any checklist item).
FALLBACK_BASIS = "《中华人民共和国安全生产法》第四十一条"
COMBINED_BASIS = "《重大火灾隐患判定规则》（GB 35181）"
LEVELS = {"general": "一般隐患", "major": "重大隐患"}


def street_short(name: str) -> str:
    """The street's name as a document number uses it: 金龙街道 → 金龙, 罗溪镇 → 罗溪."""
    return re.sub(r"(街道办事处|街道|镇|乡)$", "", name) or name


def format_number(pattern: str, street_name: str, year: int, seq: int) -> str:
    """The printed number: the pattern filled in for one street, year and sequence."""
    short = street_short(street_name)
    return pattern.format(street=short, street1=short[:1], year=year, seq=seq)


def check_pattern(pattern: str) -> None:
    """Refuse a pattern that fails to format, or that could give two notices one number."""
    if "{seq" not in pattern or "{year" not in pattern:
        raise ConfigError(f"通知书编号格式须含 {{year}} 和 {{seq}}：{pattern!r}")
    # Each street counts on its own: without its name two streets would print the same number.
    if "{street" not in pattern:
        raise ConfigError(
            f"通知书编号格式须含 {{street}} 或 {{street1}}（各街道分别编号）：{pattern!r}"
        )
    try:
        one, two = (format_number(pattern, "金龙街道", 2026, n) for n in (1, 2))
    except (KeyError, IndexError, ValueError) as exc:
        raise ConfigError(f"通知书编号格式无法使用（{exc}）：{pattern!r}") from exc
    if one == two or len(format_number(pattern, "金龙街道办事处", 2026, 9999)) > 60:
        raise ConfigError(f"通知书编号格式无法区分编号或过长：{pattern!r}")


def cn_date(value: date | datetime | None) -> str:
    """A date as a document writes it: 2026年12月4日 (a datetime in Beijing time)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_local(value).date()
    return f"{value.year}年{value.month}月{value.day}日"


def needs_number(visit_uuid: str) -> bool:
    """Whether the visit raised something the premises must rectify (a notice to number)."""
    return bool(
        db.session.scalar(
            select(func.count())
            .select_from(Hazard)
            .where(Hazard.visit_uuid == visit_uuid, Hazard.fixed_on_spot.is_(False))
        )
    )


# How far back an amendment's chain of corrections is followed (as visits._amends checks it).
MAX_CHAIN = 20


def inherited(visit: Visit) -> list[Hazard]:
    """The hazards an amendment names again from the visits it corrects (kept as they are, not raised twice).

    A failed answer always names one hazard: the amendment's own on that item, or one an
    earlier visit of its chain raised on the same item (the nearest, as the phone carries
    it forward); the GB 35181 combined hazard is named in the visit's audit record.
    """
    if not visit.amends:
        return []
    from .visits import combined_judgement

    chain, at = [], db.session.get(Visit, visit.amends)
    while at is not None and len(chain) < MAX_CHAIN:
        chain.append(at.uuid)
        at = db.session.get(Visit, at.amends) if at.amends else None
    rank = {uuid: n for n, uuid in enumerate(chain)}
    earlier: dict[tuple, Hazard] = {}
    for h in db.session.scalars(select(Hazard).where(Hazard.visit_uuid.in_(chain))):
        key = (h.checklist_id, h.item_key)
        if key not in earlier or rank[h.visit_uuid] < rank[earlier[key].visit_uuid]:
            earlier[key] = h
    own = set(
        db.session.execute(
            select(Hazard.checklist_id, Hazard.item_key).where(Hazard.visit_uuid == visit.uuid)
        ).all()
    )
    failed = db.session.execute(
        select(Answer.checklist_id, Answer.item_key)
        .where(Answer.visit_uuid == visit.uuid, Answer.result == "fail")
        .order_by(Answer.id)
    ).all()
    found = [earlier[tuple(k)] for k in failed if tuple(k) not in own and tuple(k) in earlier]
    combined = combined_judgement(visit) or {}
    if combined.get("decision") == "confirm" and combined.get("hazard"):
        h = db.session.get(Hazard, combined["hazard"])
        if h is not None and h.visit_uuid in rank:
            found.append(h)
    return found


def found(visit: Visit, own: list[Hazard]) -> list[Hazard]:
    """What the visit's notice lists: the hazards to rectify among `own` (those it raised) and those it names again."""
    return [h for h in [*own, *inherited(visit)] if not h.fixed_on_spot]


def _inherits_notice(visit: Visit) -> bool:
    """Whether an amendment names something to rectify that the visit it corrects raised."""
    return any(not h.fixed_on_spot for h in inherited(visit))


def allocate(visit: Visit, *, pattern: str) -> str | None:
    """Give the visit its notice number if it needs one and has none; the caller commits.

    An amendment with nothing new to rectify, naming hazards the visit it corrects raised,
    is that visit's notice corrected: it takes that number as its text, with no sequence
    of its own, so the street's numbers stay unique and none is used up.
    """
    if visit.notice_seq is not None or visit.notice_no is not None:
        return number(visit, pattern=pattern)
    if not needs_number(visit.uuid):
        if visit.amends:
            visit.notice_no = number(visit, pattern=pattern)
        return visit.notice_no
    street = db.session.get(Street, db.session.get(Enterprise, visit.enterprise_id).street_id)
    year = to_local(visit.finished_at).year
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    db.session.execute(
        insert(NoticeSequence)
        .values(street_id=street.id, year=year, last=0)
        .on_conflict_do_nothing(index_elements=["street_id", "year"])
    )
    # One statement takes the next number: two syncs at once never share one.
    seq = db.session.execute(
        update(NoticeSequence)
        .where(NoticeSequence.street_id == street.id, NoticeSequence.year == year)
        .values(last=NoticeSequence.last + 1)
        .returning(NoticeSequence.last)
    ).scalar_one()
    visit.notice_street_id, visit.notice_year, visit.notice_seq = street.id, year, seq
    visit.notice_no = format_number(pattern, street.name, year, seq)
    return visit.notice_no


def number(visit: Visit, *, pattern: str, _depth: int = 0) -> str | None:
    """The visit's notice number as printed, or None while it has none."""
    if visit.notice_no:
        return visit.notice_no
    if visit.notice_seq is None:
        # An amendment received before it kept the number it corrects: the same rule as allocate.
        if visit.amends and _depth < MAX_CHAIN and _inherits_notice(visit):
            first = db.session.get(Visit, visit.amends)
            return number(first, pattern=pattern, _depth=_depth + 1) if first else None
        return None
    # Numbered before the text was kept (migration 0021): formatted with today's pattern.
    street = db.session.get(Street, visit.notice_street_id)
    return format_number(
        pattern, street.name if street else "", visit.notice_year, visit.notice_seq
    )


@dataclass
class Row:
    finding: str
    description: str
    level: str
    deadline: str
    basis: str


@dataclass
class Notice:
    title: str
    number: str
    enterprise: str
    address: str
    date: str
    rows: list[Row]
    major: bool
    street: str
    phone: str
    inspector: str
    public_url: str | None
    qr_svg: str | None
    bases: list[str] = field(default_factory=list)


def bases_by_item(visit: Visit) -> dict[tuple[str, str], str]:
    """The basis each item of the visit's checklists names, as the visit answered them."""
    from .visits import pinned_content

    out: dict[tuple[str, str], str] = {}
    for vc in visit.checklists:
        for section in pinned_content(vc)["sections"]:
            for item in section["items"]:
                out[(vc.checklist_id, item["key"])] = (item.get("basis") or "").strip()
    return out


def basis_of(h: Hazard, bases: dict[tuple[str, str], str]) -> str:
    if h.item_key == fire_combined.ITEM_KEY and h.checklist_id is None:
        return COMBINED_BASIS
    return bases.get((h.checklist_id or "", h.item_key or "")) or FALLBACK_BASIS


def _named(user) -> str:
    """The name on an account, or nothing: a document never prints an account id."""
    name = (user.display_name or "").strip()
    return "" if name == user.username else name


def view(visit: Visit, found: list[Hazard], *, title: str, pattern: str, base_url: str) -> Notice:
    """Everything the server's notice page prints for one visit."""
    ent = visit.enterprise
    street = db.session.get(Street, ent.street_id)
    bases = bases_by_item(visit)
    rows = [
        Row(
            h.finding,
            h.description or "—",
            LEVELS.get(h.level, h.level),
            cn_date(h.deadline),
            basis_of(h, bases),
        )
        for h in found
    ]
    url = placards.public_url(base_url, ent)
    return Notice(
        title=title,
        number=number(visit, pattern=pattern) or ("—" if not rows else PENDING),
        enterprise=ent.name,
        address=ent.address or "",
        date=cn_date(visit.finished_at),
        rows=rows,
        major=any(h.level == "major" for h in found),
        street=street.name,
        phone=street.office_phone or "",
        inspector=_named(visit.inspector),
        public_url=url,
        qr_svg=placards.qr_svg(url).decode() if url else None,
        bases=list(dict.fromkeys(r.basis for r in rows)),
    )


def qr_rows(url: str) -> list[str]:
    """The QR code of a URL as rows of hex digits (1 = dark module): the phone draws it offline."""
    import qrcode

    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    qr.add_data(url)
    qr.make(fit=True)
    out = []
    for row in qr.get_matrix():
        bits = "".join("1" if cell else "0" for cell in row)
        bits += "0" * (-len(bits) % 4)
        out.append("".join(f"{int(bits[i : i + 4], 2):x}" for i in range(0, len(bits), 4)))
    return out
