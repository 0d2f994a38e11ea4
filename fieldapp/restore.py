"""`fieldapp restore DIR`: check a backup, load it into an empty instance, and prove it.

Nothing is touched until the manifest matches every file byte for byte and the
target database is empty. The schema comes from the backup itself (the SQLite
file, or pg_restore's CREATE statements), and rows only ever go in by INSERT or
COPY: the audit table's guards refuse UPDATE, DELETE and TRUNCATE. Afterwards
every table's row count, every photo's hash and the audit chain are checked.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import text

from . import audit, paths, pgtools, photos
from .backup import FORMAT, MANIFEST, PHOTO_KINDS, VERSION, BackupError, backend, data_tables, file_sha256, holds_data
from .extensions import db
from .storage import StorageMissing

SHOWN = 5


@dataclass
class Report:
    manifest: dict
    tables: int = 0
    rows: int = 0
    photo_files: int = 0
    audit_count: int = 0
    audit_head: str = ""
    problems: list[str] = field(default_factory=list)


def read_manifest(source: Path) -> dict:
    """Load the manifest and check it against the files; refuse any difference."""
    path = source / MANIFEST
    if not source.is_dir():
        raise BackupError(f"找不到备份目录：{source}")
    if not path.is_file():
        raise BackupError(f"{source} 中没有 {MANIFEST}：这不是完整的备份（可能中途失败）。")
    try:
        manifest = json.loads(path.read_text())
    except (ValueError, UnicodeDecodeError) as exc:
        raise BackupError(f"{MANIFEST} 无法解析：{exc}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
        raise BackupError(f"{MANIFEST} 不是本程序支持的备份格式（需要 {FORMAT} 第 {VERSION} 版）。")
    listed: dict[str, str] = manifest.get("files") or {}
    present = {p.relative_to(source).as_posix() for p in source.rglob("*") if p.is_file() and p.name != MANIFEST}
    problems = [f"缺少文件 {name}" for name in sorted(set(listed) - present)]
    problems += [f"清单中没有的文件 {name}" for name in sorted(present - set(listed))]
    for name in sorted(set(listed) & present):
        if file_sha256(source / name) != listed[name]:
            problems.append(f"文件 {name} 的 SHA-256 与清单不符")
    if manifest.get("database_file") not in listed:
        problems.append("清单中没有数据库文件")
    if problems:
        raise BackupError(_listing("备份清单与文件不符，拒绝恢复", problems))
    return manifest


def _listing(title: str, problems: list[str]) -> str:
    more = f"\n  ……另有 {len(problems) - SHOWN} 处" if len(problems) > SHOWN else ""
    return f"{title}（{len(problems)} 处）：\n" + "\n".join(f"  {p}" for p in problems[:SHOWN]) + more


def restore(source: Path) -> Report:
    """Restore the backup in `source` into this (empty) instance and verify it."""
    source = Path(source)
    manifest = read_manifest(source)
    kind = backend()
    if manifest.get("schema_revision") not in known_revisions():
        raise BackupError(f"备份的数据库版本 {manifest.get('schema_revision')} 不为本程序所知（备份来自更新的程序？）："
                          "请先把程序升级到不低于备份时的版本。")
    if manifest["backend"] != kind:
        names = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
        raise BackupError(f"备份来自 {names.get(manifest['backend'], manifest['backend'])}，"
                          f"而本实例使用 {names[kind]}：只能恢复到同类数据库。")
    if kind == "sqlite" and db.engine.url.database not in (None, "", ":memory:"):
        Path(db.engine.url.database).parent.mkdir(parents=True, exist_ok=True)
    try:
        current = data_tables()
    except Exception as exc:  # a database that cannot even be reached
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[:1]
        raise BackupError(f"无法连接目标数据库：{''.join(reason) or exc.__class__.__name__}") from None
    busy = holds_data(current)
    if busy:
        raise BackupError(f"目标数据库不是空的（{'、'.join(busy[:SHOWN])} 等表中已有数据）：拒绝覆盖。"
                          "请恢复到新建的空数据库。")
    db.session.remove()
    db.engine.dispose()
    if kind == "sqlite":
        _restore_sqlite(source / manifest["database_file"])
    else:
        _restore_postgres(source / manifest["database_file"], schema_present=bool(current))
    db.engine.dispose()
    store = photos.store()
    for name in manifest["files"]:
        if name.startswith("photos/"):
            store.put(name.removeprefix("photos/"), (source / name).read_bytes())
    return verify(manifest)


def known_revisions() -> set[str]:
    """Return the schema revisions this code's migrations know."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(paths.MIGRATIONS_DIR))
    return {rev.revision for rev in ScriptDirectory.from_config(config).walk_revisions()}


def _restore_sqlite(backup_file: Path) -> None:
    target = db.engine.url.database
    if not target or target == ":memory:":
        raise BackupError("无法恢复到内存数据库。")
    src = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        # Page-level copy into the empty target: schema, rows and triggers as backed up.
        src.backup(dst)
    finally:
        src.close()
        dst.close()


def _restore_postgres(dump: Path, *, schema_present: bool) -> None:
    if schema_present:
        # A database made by `fieldapp db upgrade` has tables but no data: drop
        # those empty tables so the backup's own schema can be created.
        with db.engine.begin() as conn:
            names = list(conn.execute(text(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
                "AND table_type = 'BASE TABLE'")).scalars())
            conn.execute(text("DROP TABLE " + ", ".join(f'"{n}"' for n in names) + " CASCADE"))
            for function in ("audit_events_append_only", "audit_events_in_order", "audit_head_guard"):
                conn.execute(text(f"DROP FUNCTION IF EXISTS {function}()"))
    try:
        pgtools.run(db.engine.url, "pg_restore", "--no-owner", "--no-acl", "--exit-on-error", "--single-transaction",
                    f"--dbname={db.engine.url.database}", str(dump))
    except pgtools.ToolError as exc:
        raise BackupError(f"数据库恢复失败，未写入任何数据：\n{exc}") from None


def verify(manifest: dict) -> Report:
    """Compare the restored instance with the manifest: rows, photo bytes, audit chain."""
    report = Report(manifest)
    counts = data_tables()
    for table, expected in sorted(manifest["tables"].items()):
        actual = counts.get(table)
        if actual != expected:
            report.problems.append(f"表 {table} 应有 {expected} 行，实有 {actual if actual is not None else '（缺表）'} 行")
    report.tables, report.rows = len(counts), sum(counts.values())
    store = photos.store()
    for name, expected in sorted(manifest["files"].items()):
        if not name.startswith("photos/"):
            continue
        key = name.removeprefix("photos/")
        try:
            digest = hashlib.sha256(store.get(key)).hexdigest()
        except StorageMissing:
            report.problems.append(f"照片文件 {key} 未能写入存储")
            continue
        kind, _, rest = key.partition("/")
        if digest != expected or (kind == "original" and digest != rest.rsplit("/", 1)[-1]):
            report.problems.append(f"照片文件 {key} 的哈希不符")
        report.photo_files += 1
    with db.engine.connect() as conn:
        held = dict(conn.execute(text("SELECT sha256, original_held FROM photos")).all())
    missing = sorted(s for s, h in held.items() if h and f"photos/{photos.key('original', s)}" not in manifest["files"])
    report.problems += [f"照片 {s} 在数据库中有记录，备份中却没有文件" for s in missing]
    expected_files = sum(len(PHOTO_KINDS) - (not h) for h in held.values())  # imported ones have no original
    if report.photo_files != expected_files:
        report.problems.append(f"照片文件数 {report.photo_files} 与照片记录数 {len(held)} 不相称")
    chain = audit.verify()
    db.session.remove()
    report.audit_count, report.audit_head = chain.count, chain.head_hash
    if not chain.ok:
        report.problems.append(f"审计链在第 {chain.broken_seq} 条处断开：{chain.reason}")
    head = manifest["audit_head"]
    if (chain.head_seq, chain.head_hash) != (head["seq"], head["hash"]):
        report.problems.append(f"审计链头 {chain.head_seq} {chain.head_hash} 与备份时的 {head['seq']} {head['hash']} 不符")
    return report

