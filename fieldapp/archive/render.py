"""Write the archive document as one HTML file: readable, printable, with the data inside.

The readable part is rendered from the document itself (never from the
database), so what the file shows and what it carries are the same data. The
data sits in ``<template id="archive-data">``: a template's content is inert (not
rendered, not executed, images in it never load), it needs no ``<script>`` at all
— so the file passes a ``script-src 'none'`` policy and mail filters that strip
scripts leave it whole — and plain HTML escaping keeps the JSON intact.
Photos are streamed into the file one at a time, so memory stays bounded.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import BinaryIO

from flask import current_app
from markupsafe import Markup

from .. import (
    audit_shapes,
    campaign,
    evidence,
    hazards,
    paths,
    photos,
    standardization,
    visits,
    vocab,
)
from ..audit import canonical
from ..clock import to_local
from ..people import from_record as person_label
from . import body
from .collect import section_data

# The file needs nothing from outside: no script, no fetch, only inline styles and data: images.
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
CHUNK = 256 * 1024
# Every action the chain records, in words (hazard actions from the closed loop's own table).
EVENT_LABELS = {
    **hazards.ACTION_LABELS,
    "visit_received": "检查记录入库",
    "archive_import": "一企一档导入",
    "placard_rotate": "更换二维码",
    "placard_revoke": "停用二维码",
    "report_received": "收到群众举报",
    "report_confirmed": "举报属实，立为隐患",
    "report_dismissed": "举报不予采纳",
}


@lru_cache(maxsize=1)
def _css() -> str:
    return (paths.STATIC_DIR / "css" / "archive.css").read_text(encoding="utf-8")


def data_json(doc: dict) -> str:
    """The JSON text as embedded: compact, UTF-8, with &, < and > escaped for HTML."""
    return html.escape(json.dumps(doc, ensure_ascii=False, separators=(",", ":")), quote=False)


class Embedder:
    """Embed each photo's display copy once; later uses link to it."""

    def __init__(self, store, by_sha: dict[str, dict]):
        self.store = store
        self.by_sha = by_sha
        self.embedded: set[str] = set()

    def first(self, sha: str) -> bool:
        """Say whether to embed the photo here (it has a display copy not yet embedded)."""
        p = self.by_sha.get(sha)
        if not p or not p.get("display") or sha in self.embedded:
            return False
        self.embedded.add(sha)
        return True

    def src(self, sha: str) -> Markup:
        """Return the display copy as a data: URI, checked against the hash the document records."""
        data = self.store.get(photos.key("display", sha))
        if hashlib.sha256(data).hexdigest() != self.by_sha[sha]["display"]["sha256"]:
            raise RuntimeError(f"display copy of {sha} changed while exporting")
        # Base64 needs no HTML escaping; skipping it saves a pass over megabytes.
        return Markup("data:image/jpeg;base64," + base64.b64encode(data).decode("ascii"))


class DryEmbedder(Embedder):
    """Lay the photos out as Embedder does, without their bytes: for sealing and re-checking the readable part."""

    def __init__(self, by_sha: dict[str, dict]):
        super().__init__(None, by_sha)

    def src(self, sha: str) -> Markup:
        return Markup("data:,")


def local_time(value: str | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """Show a stored UTC ISO time in Asia/Shanghai."""
    if not value:
        return "—"
    return to_local(datetime.fromisoformat(value)).strftime(fmt)


def shown_state(h: dict, as_of: str) -> tuple[str, str]:
    """The status word (hazards.state_word) and its CSS class on the export date."""
    word = hazards.state_word(h["state"], h["deadline"], as_of)
    return word, "overdue" if word == "逾期" else h["state"]


def _context(doc: dict, embed: Embedder, css: bool = True) -> dict:
    by_seq = {e["seq"]: e for e in section_data(doc, "audit", {}).get("events", [])}
    people = {p["username"]: p for p in section_data(doc, "people", [])}
    hazard_list = section_data(doc, "hazards", [])
    return {
        "doc": doc,
        "sections": doc["sections"],
        "css": Markup(_css()) if css else "",
        "csp": Markup(CSP),
        "data_json": Markup(data_json(doc)),
        "as_of": to_local(datetime.fromisoformat(doc["generated_at"])).date().isoformat(),
        "photos": embed.by_sha,
        "embed": embed,
        "events_of": lambda seqs: [by_seq[s] for s in seqs if s in by_seq],
        "payload_of": lambda e: audit_shapes.view(
            e.get("action", ""), _payload(e.get("payload", ""))
        ),
        "who": lambda username: _who(people, username),
        "t": local_time,
        "shown_state": shown_state,
        "hazards_by_visit": _by_visit(hazard_list),
        "vocab": vocab,
        "levels": hazards.LEVELS,
        "states": hazards.STATES,
        "action_labels": EVENT_LABELS,
        "results": visits.RESULTS,
        "flags": evidence.FLAGS,
        "roles": vocab.ROLES,
        "campaign_labels": {
            **campaign.LETTER_KINDS,
            **campaign.CASE_KINDS,
            **standardization.REVIEW_LEVELS,
            **standardization.RESULTS,
            "review": "达标评审",
            "self_assessment": "自评",
            "self_assessed": "自评达标",
        },
        "campaign_levels": campaign.LEVELS,
        "organizers": standardization.ORGANIZERS,
    }


def _payload(text: str) -> dict:
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def _who(people: dict, username: str | None) -> str:
    # Named as the app names them (fieldapp.people): the account id stays in the data and the seal.
    return person_label(people.get(username or ""), username)


def _by_visit(hazard_list: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for h in hazard_list:
        if h.get("visit_uuid"):
            out.setdefault(h["visit_uuid"], []).append(h)
    return out


def vocabulary() -> str:
    """The label tables the readable part is worded from, as canonical JSON (part of the renderer's fingerprint)."""
    tables = {name: value for name, value in sorted(vars(vocab).items()) if isinstance(value, dict)}
    probe = _context(
        {"sections": [], "generated_at": "2000-01-01T00:00:00+00:00"}, DryEmbedder({}), css=False
    )
    tables.update({k: v for k, v in probe.items() if isinstance(v, dict) and k != "photos"})
    return canonical(tables)


def _pieces(doc: dict, embed: Embedder):
    return current_app.jinja_env.get_template("archive/document.html").generate(
        **_context(doc, embed)
    )


def body_of(doc: dict, *, keep_texts: bool = False) -> body.Canonical:
    """Render the readable part from the document alone (no photo bytes) and walk it canonically."""
    by_sha = {p["sha256"]: p for p in section_data(doc, "photos", [])}
    # Fed whole, as verify reads a file: the parser may split a tag cut between two pieces differently.
    return body.canonical(["".join(_pieces(doc, DryEmbedder(by_sha)))], keep_texts=keep_texts)


@dataclass
class Written:
    size: int
    sha256: str


def write(doc: dict, out: BinaryIO) -> Written:
    """Seal the readable part into the document, render it into a binary stream; return the file's size and SHA-256.

    The body digest is taken from a rendering without photo bytes: the canonical
    form leaves embedded images out, and nothing the page shows depends on it.
    """
    doc["seal"]["body"] = body.Seal(body_of(doc).digest.hexdigest(), body.renderer()).as_dict()
    by_sha = {p["sha256"]: p for p in section_data(doc, "photos", [])}
    embed = Embedder(photos.store(), by_sha)
    digest, size, buf = hashlib.sha256(), 0, []
    pending = 0
    for piece in _pieces(doc, embed):
        buf.append(piece)
        pending += len(piece)
        if pending >= CHUNK:
            size += _flush(buf, out, digest)
            pending = 0
    size += _flush(buf, out, digest)
    return Written(size, digest.hexdigest())


def _flush(buf: list[str], out: BinaryIO, digest) -> int:
    data = "".join(buf).encode("utf-8")
    buf.clear()
    out.write(data)
    digest.update(data)
    return len(data)


def file_name(doc: dict) -> str:
    """A download name: 一企一档-<name>-<local date>.html, without characters file systems refuse."""
    name = "".join(
        c for c in doc["enterprise"]["name"] if c not in '\\/:*?"<>|\0\r\n\t'
    ).strip() or str(doc["enterprise"]["id"])
    return f"一企一档-{name[:60]}-{local_time(doc['generated_at'], '%Y-%m-%d')}.html"
