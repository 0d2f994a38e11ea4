"""`fieldapp backup DIR`: a consistent copy of the database, photos and stored documents, with a manifest.

The database is copied as of one instant while the app keeps running: SQLite's
online backup API, or pg_dump inside a snapshot that this process also reads
the row counts and photo list from. Photos are immutable and written before
their row commits, so every photo row in the snapshot has its files; they are
copied through the Storage interface (filesystem or S3 alike), and so are the
documents other features keep in their own areas of the store (plan filings;
see fieldapp/stored_files.py), checked against their recorded hashes. manifest.json,
written last, holds the SHA-256 of every file, the row count of every table and
the audit chain's head: a directory without it is an unfinished backup. It is
signed (HMAC-SHA256) with a key that is not in the backup — FIELDAPP_BACKUP_KEY,
or one derived from FIELDAPP_SECRET_KEY — so a manifest rewritten to match
altered files, or naming another head, is refused on restore.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from . import pgtools, photos, stored_files
from .extensions import db
from .storage import StorageMissing

FORMAT = "fieldapp-backup"
VERSION = 2  # 2: signed manifest (1: unsigned, restored only when asked to)
SIGNATURE = "signature"
MANIFEST = "manifest.json"
DB_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
PHOTO_KINDS = ("original", "display", "thumb")
# Tables whose rows do not make a database "non-empty" for a restore.
IGNORABLE = frozenset({"alembic_version", "rate_counters"})


class BackupError(Exception):
    """A refused or failed backup or restore; the message is for people, in Chinese."""


@dataclass
class Snapshot:
    tables: dict[str, int]
    photo_shas: list[str]
    no_original: set[str]  # imported from an archive: the original evidence was never here
    audit_seq: int
    audit_hash: str
    revision: str | None
    stored: dict[
        str, list[tuple[str, str]]
    ]  # area → (key, sha256) of its files (fieldapp.stored_files)


@dataclass(frozen=True)
class ManifestKey:
    """The key that signs manifests, and a fingerprint that names it without revealing it."""

    secret: bytes
    source: str  # "FIELDAPP_BACKUP_KEY" or "FIELDAPP_SECRET_KEY"

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(b"fieldapp backup key id\x00" + self.secret).hexdigest()[:16]

    @classmethod
    def from_config(cls, config) -> ManifestKey:
        """A dedicated FIELDAPP_BACKUP_KEY if set (it survives a SECRET_KEY rotation), else derived from SECRET_KEY."""
        name = "BACKUP_KEY" if config.get("BACKUP_KEY") else "SECRET_KEY"
        secret = hmac.new(
            str(config[name]).encode(), b"fieldapp backup manifest", hashlib.sha256
        ).digest()
        return cls(secret, f"FIELDAPP_{name}")


def signature(manifest: dict, key: ManifestKey) -> dict:
    """HMAC-SHA256 over the manifest's canonical JSON, without its signature."""
    body = json.dumps(
        {k: v for k, v in manifest.items() if k != SIGNATURE},
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return {
        "algorithm": "HMAC-SHA256",
        "key": key.fingerprint,
        "value": hmac.new(key.secret, body.encode(), hashlib.sha256).hexdigest(),
    }


def signed(manifest: dict, key: ManifestKey) -> bool:
    """Say whether the manifest carries a valid signature made with this key."""
    given = manifest.get(SIGNATURE)
    return isinstance(given, dict) and hmac.compare_digest(
        str(given.get("value", "")), signature(manifest, key)["value"]
    )


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def backend() -> str:
    name = db.engine.dialect.name
    if name not in DB_FILES:
        raise BackupError(f"不支持的数据库类型：{name}")
    return name


def create(target: Path, *, now: datetime, key: ManifestKey) -> dict:
    """Write a backup into `target` (created; refused when not empty); return the signed manifest."""
    target = Path(target)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise BackupError(
            f"备份目录 {target} 已存在且不为空：为免覆盖旧备份，请指定一个新的（或空的）目录。"
        )
    created = not target.exists()
    target.mkdir(parents=True, exist_ok=True)
    try:
        return _write(target, now, key)
    except BaseException:
        # An unfinished backup must not look like one; only remove what this run made.
        if created:
            shutil.rmtree(target, ignore_errors=True)
        else:
            for child in target.iterdir():
                shutil.rmtree(child) if child.is_dir() else child.unlink()
        raise


def _write(target: Path, now: datetime, signer: ManifestKey) -> dict:
    kind = backend()
    db_file = target / DB_FILES[kind]
    try:
        snap = _sqlite_snapshot(db_file) if kind == "sqlite" else _postgres_snapshot(db_file)
    except (sqlite3.Error, SQLAlchemyError) as exc:
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[:1]
        raise BackupError(
            f"读取数据库失败（是否已运行 fieldapp db upgrade？）：{''.join(reason)}"
        ) from None
    files = {db_file.name: file_sha256(db_file)}
    store = photos.store()
    for sha in snap.photo_shas:
        for photo_kind in PHOTO_KINDS:
            if photo_kind == "original" and sha in snap.no_original:
                continue
            key = photos.key(photo_kind, sha)
            try:
                data = store.get(key)
            except StorageMissing:
                raise BackupError(
                    f"照片 {sha} 在数据库中有记录，照片存储中却没有文件 {key}："
                    "请检查照片存储的设置（DATA_DIR 或 S3）是否指向本实例。"
                ) from None
            digest = hashlib.sha256(data).hexdigest()
            if photo_kind == "original" and digest != sha:
                raise BackupError(
                    f"照片原件 {key} 的内容与其 SHA-256 不符：存储中的证据已被改动或损坏，请先核查。"
                )
            path = target / "photos" / key
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            files[f"photos/{key}"] = digest
    for area, entries in snap.stored.items():
        store = stored_files.store(area)
        for key, sha in entries:
            try:
                data = store.get(key)
            except StorageMissing:
                raise BackupError(
                    f"文件 {area}/{key} 在数据库中有记录，存储中却没有：请检查存储设置是否指向本实例。"
                ) from None
            digest = hashlib.sha256(data).hexdigest()
            if digest != sha:
                raise BackupError(
                    f"存储中的文件 {area}/{key} 与其登记的 SHA-256 不符：文件已被改动或损坏，请先核查。"
                )
            name = stored_files.backup_name(area, key)
            path = target / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            files[name] = digest
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "created_at": now.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "backend": kind,
        "database_file": db_file.name,
        "schema_revision": snap.revision,
        "tables": snap.tables,
        "photos": len(snap.photo_shas),
        "audit_head": {"seq": snap.audit_seq, "hash": snap.audit_hash},
        "files": files,
    }
    manifest[SIGNATURE] = signature(manifest, signer)
    tmp = target / f".{MANIFEST}.tmp"
    tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True))
    os.replace(tmp, target / MANIFEST)
    return manifest


def _sqlite_snapshot(out: Path) -> Snapshot:
    source = db.engine.url.database
    if not source or source == ":memory:":
        raise BackupError("内存数据库无法备份。")
    if not Path(source).is_file():
        raise BackupError(f"数据库文件不存在：{source}")
    # mode=rw: never create an empty database where the real one was expected.
    src = sqlite3.connect(
        f"file:{quote(str(Path(source).resolve()))}?mode=rw", uri=True, timeout=30
    )
    dst = sqlite3.connect(out)
    try:
        # One step (pages=-1) copies the whole file under one read transaction:
        # in WAL mode writers carry on, and the copy is one instant of the database.
        src.backup(dst)
        # A single self-contained file: no -wal or -shm beside it.
        dst.execute("PRAGMA journal_mode=DELETE")
        snap = _read_snapshot(
            dst.execute,
            [
                r[0]
                for r in dst.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
                )
            ],
        )
    finally:
        src.close()
        dst.close()
    return snap


def _postgres_snapshot(out: Path) -> Snapshot:
    with db.engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            # pg_dump joins this transaction's snapshot: the dump, the counts and
            # the photo list below all describe the same instant.
            snapshot_id = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            pgtools.run(
                db.engine.url,
                "pg_dump",
                "--format=custom",
                f"--snapshot={snapshot_id}",
                f"--file={out}",
            )
            tables = list(
                conn.execute(
                    text(
                        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
                        "AND table_type = 'BASE TABLE' ORDER BY table_name"
                    )
                ).scalars()
            )
            return _read_snapshot(lambda sql: conn.execute(text(sql)), tables)


def _read_snapshot(execute, tables: list[str]) -> Snapshot:
    counts = {t: execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
    rows = execute("SELECT sha256, original_held FROM photos ORDER BY sha256").fetchall()
    shas = [r[0] for r in rows]
    seq, head = execute("SELECT seq, hash FROM audit_head WHERE id = 1").fetchone()
    revision = execute("SELECT version_num FROM alembic_version").fetchone()
    stored = {
        a.name: [tuple(r) for r in execute(a.files_sql).fetchall()]
        for a in stored_files.AREAS
        if a.table in counts
    }
    return Snapshot(
        counts,
        shas,
        {r[0] for r in rows if not r[1]},
        seq,
        head,
        revision[0] if revision else None,
        stored,
    )


def data_tables(engine=None) -> dict[str, int]:
    """Row counts of the current database's tables (empty when it has none); `engine`: another database."""
    engine = engine or db.engine
    if engine.dialect.name == "sqlite":
        sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    else:
        sql = (
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
            "AND table_type = 'BASE TABLE'"
        )
    with engine.connect() as conn:
        names = list(conn.execute(text(sql)).scalars())
        return {
            t: conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar_one() for t in sorted(names)
        }


def holds_data(counts: dict[str, int]) -> list[str]:
    """Return the tables that make a database non-empty (the genesis audit head does not)."""
    busy = [t for t, n in counts.items() if n and t not in IGNORABLE and t != "audit_head"]
    if counts.get("audit_head", 0) > 1:
        busy.append("audit_head")
    elif counts.get("audit_head"):
        with db.engine.connect() as conn:
            if conn.execute(text("SELECT seq FROM audit_head WHERE id = 1")).scalar():
                busy.append("audit_head")
    return busy
