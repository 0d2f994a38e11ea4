"""Jinja filters and globals shared by every template."""

from __future__ import annotations

import hashlib
import uuid
from datetime import date, datetime
from pathlib import Path

from flask import Flask, g, url_for

from . import HTMX_PATH, QRCODE_PATH, nav, people, vocab
from .clock import to_local
from .enterprises import FIELD_LABELS


def local_dt(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """Show a stored UTC time in Asia/Shanghai."""
    if value is None:
        return "—"
    return to_local(value).strftime(fmt)


def local_date(value: datetime | date | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = to_local(value).date()
    return value.strftime("%Y-%m-%d")


def mask_phone(value: str | None) -> str:
    """Show only the first three and last four digits of a phone number."""
    if not value:
        return "—"
    digits = value.strip()
    if len(digits) <= 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def _asset_url(app: Flask):
    """Return asset(path): a static URL with a content hash, so caches can keep it."""
    cache: dict[str, str] = {}

    def asset(path: str) -> str:
        if path not in cache or app.debug:
            digest = hashlib.sha256((Path(app.static_folder) / path).read_bytes()).hexdigest()[:10]
            cache[path] = url_for("static", filename=path, v=digest)
        return cache[path]

    return asset


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(local_dt=local_dt, local_date=local_date, mask_phone=mask_phone)
    app.jinja_env.globals.update(
        vocab=vocab,
        label=vocab.label,
        htmx_path=HTMX_PATH,
        QRCODE_PATH=QRCODE_PATH,
        current_user=lambda: g.get("user"),
        asset=_asset_url(app),
        # One per action form: a double submit replays the same event instead of acting twice.
        new_uuid=lambda: str(uuid.uuid4()),
        field_labels=FIELD_LABELS,
        nav_for=nav.for_user,
        person=people.label,
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
