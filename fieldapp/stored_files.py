"""Files kept in the configured store beside the photos, that a backup must carry.

Photos have their own pipeline and naming; other features keep documents in their
own area of the same store (`storage.from_config(config, area=...)`). Each such
area is listed here with the query that names every file its rows point to, so
`fieldapp backup` copies them and `fieldapp restore` puts them back and proves
them. A feature that stores files adds one line to AREAS. Bulk-export pieces
(area "jobs") are a day's scratch and are not backed up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import current_app

from . import storage

KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*(/[A-Za-z0-9][A-Za-z0-9_.-]*)*$")


@dataclass(frozen=True)
class Area:
    name: str  # the store area (folder under DATA_DIR, or key prefix in S3)
    table: str  # the table whose rows point at the files (absent in older schemas)
    files_sql: str  # (key, sha256) of every file the database says the area holds


AREAS = (
    Area(
        "filings",
        "plan_filings",
        "SELECT DISTINCT file_key, sha256 FROM plan_filings WHERE file_key IS NOT NULL ORDER BY file_key",
    ),
    # Documents of enforcement records, 治理方案 and 销号 acceptances, kept under their SHA-256 (fieldapp.attachments).
    Area("attachments", "attachments", "SELECT sha256, sha256 FROM attachments ORDER BY sha256"),
)
NAME_RE = re.compile(r"^stores/(?P<area>[a-z]+)/(?P<key>.+)$")


def store(area: str) -> storage.Storage:
    """The store of one area, built once per app."""
    ext = current_app.extensions.setdefault("area_storage", {})
    if area not in ext:
        ext[area] = storage.from_config(current_app.config, area=area)
    return ext[area]


def backup_name(area: str, key: str) -> str:
    return f"stores/{area}/{key}"


def parse_name(name: str) -> tuple[str, str] | None:
    """(area, key) of a backup file name under stores/, or None when it is not a valid one."""
    m = NAME_RE.match(name)
    if (
        not m
        or m["area"] not in {a.name for a in AREAS}
        or not KEY_RE.match(m["key"])
        or ".." in m["key"]
    ):
        return None
    return m["area"], m["key"]
