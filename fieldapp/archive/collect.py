"""Collect one enterprise's record as a list of sections, from a small registry.

Extension point — adding a section (risk-colour history, 告知书/承诺书 records,
standardization and star history, tenancy agreements …):

1. Write a function ``fn(ctx: Context) -> tuple[str, data]``: a Chinese title and
   JSON-ready data (dicts, lists, text, numbers, booleans, None; times as
   ``iso(...)`` strings). Register it with ``@section("key", order=N)``, in
   ``sections.py`` or in a module imported by it.
2. Refer to photos with ``ctx.use_photo(sha)`` and to people with
   ``ctx.person(user_id)`` (a username, never an account requirement); both
   need ``order`` below 80, where the photo and people sections run.
3. Optionally add ``templates/archive/_<key>.html`` to render it; without one the
   generic table renderer (``_generic.html``) shows the data.

The seal, verification and the ZIP export cover new sections without changes;
``fieldapp archive import`` keeps only the sections it knows and lists the rest.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from werkzeug.exceptions import Forbidden

from .. import roles, scope
from ..extensions import db
from ..models import AuditEvent, Enterprise, User
from . import FORMAT, FORMAT_VERSION, seal

SectionFn = Callable[["Context"], tuple[str, Any]]


@dataclass(frozen=True)
class Section:
    key: str
    order: int
    fn: SectionFn


SECTIONS: list[Section] = []


def section(key: str, *, order: int) -> Callable[[SectionFn], SectionFn]:
    """Register a section function under a stable key; sections run by `order`."""

    def register(fn: SectionFn) -> SectionFn:
        if any(s.key == key for s in SECTIONS):
            raise ValueError(f"archive section {key!r} registered twice")
        SECTIONS.append(Section(key, order, fn))
        SECTIONS.sort(key=lambda s: s.order)
        return fn

    return register


def iso(value: datetime | date | None) -> str | None:
    """Times as UTC ISO 8601 with microseconds (the audit chain's own form), dates as YYYY-MM-DD."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    return value.isoformat()


@dataclass
class Context:
    """What sections share: the enterprise, who exports and when, photos and people met so far."""

    ent: Enterprise
    actor: Any
    now: datetime
    photos: dict[str, None] = field(
        default_factory=dict
    )  # an ordered set: numbering follows first use
    people: dict[int, User | None] = field(default_factory=dict)
    # (checklist id, version) → {"content_hash", "snapshot"}: what the visits answered.
    checklists: dict[tuple[str, int], dict] = field(default_factory=dict)
    _events: list[AuditEvent] | None = field(default=None, repr=False)

    def use_photo(self, sha: str) -> str:
        """Note that the record shows a photo, so the photo section lists, hashes and embeds it."""
        self.photos.setdefault(sha, None)
        return sha

    def person(self, user_id: int | None) -> str | None:
        """Return the username of a referenced user (kept with a label in the people section)."""
        if user_id is None:
            return None
        if user_id not in self.people:
            self.people[user_id] = db.session.get(User, user_id)
        user = self.people[user_id]
        return user.username if user else f"#{user_id}"

    @property
    def events(self) -> list[AuditEvent]:
        """Every audit event of this enterprise, in chain order (loaded once)."""
        if self._events is None:
            self._events = list(
                db.session.scalars(
                    select(AuditEvent)
                    .where(AuditEvent.enterprise_id == self.ent.id)
                    .order_by(AuditEvent.seq)
                )
            )
        return self._events


def may_download(actor, ent) -> bool:
    """Office roles in scope (department users read-only, reading is all this is) and the enterprise itself.

    Inspectors work from the premises page; a landlord's account gets its own
    archive only, not its tenants' (their people's data is theirs).
    """
    if actor.role in roles.OVERSIGHT:
        return True
    return actor.role == "enterprise" and actor.enterprise_id == ent.id


def collect(enterprise_id: int, *, actor, now: datetime) -> dict:
    """Return the archive document of one enterprise: header, sections and seal.

    :raise 404: the enterprise is unknown or out of the actor's scope.
    :raise 403: the actor's role may not download archives.
    """
    from . import campaign_sections, field_sections, sections  # noqa: F401  (registers the sections)

    ent = scope.get_enterprise(actor, enterprise_id)
    if not may_download(actor, ent):
        raise Forbidden()
    ctx = Context(ent=ent, actor=actor, now=now)
    if actor.id:  # the cover names the exporter from the people section (not the console)
        ctx.person(actor.id)
    out = []
    for s in SECTIONS:
        title, data = s.fn(ctx)
        out.append({"key": s.key, "title": title, "data": data})
    doc = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "generated_at": iso(now),
        "generated_by": actor.username,
        "enterprise": {"id": ent.id, "name": ent.name, "credit_code": ent.credit_code},
        "sections": out,
    }
    doc["seal"] = seal.make(doc)
    return doc


def section_data(doc: dict, key: str, default: Any = None) -> Any:
    """Return the data of a section by key (documents are lists of sections)."""
    for s in doc.get("sections", []):
        if s.get("key") == key:
            return s.get("data")
    return default
