"""`fieldapp restore DIR`: check a backup, restore it into a staging place, prove it, and only then switch.

Nothing is touched until the manifest's signature holds (made with a key that
is not in the backup), every entry of DIR is a regular file — no symbolic link,
device, pipe or socket — that matches the manifest byte for byte, and the target
database is empty. Then:

- the photos go under a staging prefix of the photo store;
- SQLite: the database is copied into a staging file beside the target.
  PostgreSQL: the target's (empty) schema is set aside under another name and
  the dump is restored in its place (pg_restore in one transaction, rows by COPY
  only, so the audit guards are never touched);
- the restored copy is verified: every table's row count, every photo file's
  bytes, the audit chain, and its head against the signed manifest;
- only then are the photos given their keys and the database switched in (the
  staging file renamed over the target; the set-aside schema dropped).

A restore that fails at any step removes what it staged and puts the set-aside
schema back: the target is left as it was.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import sqlite3
import stat
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from . import audit, paths, pgtools, photos, stored_files
from .backup import (
    FORMAT,
    MANIFEST,
    PHOTO_KINDS,
    SIGNATURE,
    VERSION,
    BackupError,
    ManifestKey,
    backend,
    data_tables,
    holds_data,
    signed,
)
from .extensions import db
from .storage import StorageMissing

SHOWN = 5
STAGING = "restore-staging"  # photo store prefix for a restore in progress
PHOTO_NAME = re.compile(
    r"^photos/(original/[0-9a-f]{2}/[0-9a-f]{64}|(display|thumb)/[0-9a-f]{2}/[0-9a-f]{64}\.jpg)$"
)


@dataclass
class Report:
    manifest: dict
    tables: int = 0
    rows: int = 0
    photo_files: int = 0
    audit_count: int = 0
    audit_head: str = ""
    problems: list[str] = field(default_factory=list)


def _scan(source: Path) -> tuple[set[str], list[str]]:
    """Every regular file under `source` (relative names), and every entry that is not one."""
    files, refused = set(), []
    for root, dirs, names in os.walk(source, followlinks=False):
        for name in dirs + names:
            path = Path(root) / name
            rel = path.relative_to(source).as_posix()
            mode = os.lstat(path).st_mode
            if stat.S_ISLNK(mode):
                refused.append(f"符号链接 {rel}（恢复不跟随链接）")
            elif stat.S_ISDIR(mode):
                continue
            elif not stat.S_ISREG(mode):
                refused.append(f"不是普通文件的 {rel}（设备、管道或套接字）")
            elif rel != MANIFEST:
                files.add(rel)
    return files, refused


def read_file(source: Path, name: str) -> bytes:
    """Read a backup file without following a link at any step of its path."""
    path = source / name
    if Path(os.path.realpath(path)) != source.resolve() / name:
        raise BackupError(f"{name} 经由符号链接指向备份目录之外，拒绝恢复。")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError as exc:
        raise BackupError(f"无法读取 {name}：{exc.strerror}（符号链接一律拒绝）") from None
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            raise BackupError(f"{name} 不是普通文件，拒绝恢复。")
        return fh.read()


def read_manifest(source: Path, *, key: ManifestKey, allow_unsigned: bool = False) -> dict:
    """Load the manifest, check its signature and check it against the files; refuse any difference."""
    if not source.is_dir():
        raise BackupError(f"找不到备份目录：{source}")
    present, refused = _scan(source)
    if refused:
        raise BackupError(_listing("备份目录中有不能恢复的项目，拒绝恢复", refused))
    if not (source / MANIFEST).is_file():
        raise BackupError(f"{source} 中没有 {MANIFEST}：这不是完整的备份（可能中途失败）。")
    try:
        manifest = json.loads(read_file(source, MANIFEST))
    except (ValueError, UnicodeDecodeError) as exc:
        raise BackupError(f"{MANIFEST} 无法解析：{exc}") from None
    if (
        not isinstance(manifest, dict)
        or manifest.get("format") != FORMAT
        or manifest.get("version") not in (1, VERSION)
    ):
        raise BackupError(
            f"{MANIFEST} 不是本程序支持的备份格式（需要 {FORMAT} 第 1 或 {VERSION} 版）。"
        )
    if manifest["version"] == 1 or SIGNATURE not in manifest:
        if not allow_unsigned:
            raise BackupError(
                f"{MANIFEST} 没有签名（旧版程序的备份，或签名被删去）：无法确认清单未被改动，拒绝恢复。"
                "确认这是旧版程序做的可信备份后，可加 --allow-unsigned 恢复。"
            )
    elif not signed(manifest, key):
        theirs = manifest[SIGNATURE].get("key") if isinstance(manifest[SIGNATURE], dict) else None
        if theirs != key.fingerprint:
            raise BackupError(
                f"{MANIFEST} 由另一把备份密钥签名（备份时密钥指纹 {theirs}，本实例 {key.fingerprint}，"
                f"取自 {key.source}）：请设置与备份时相同的 FIELDAPP_BACKUP_KEY"
                "（未设置时为 FIELDAPP_SECRET_KEY）后再恢复。"
            )
        raise BackupError(f"{MANIFEST} 的签名不符：清单在备份后被改动，拒绝恢复。")
    listed: dict[str, str] = manifest.get("files") or {}
    problems = [
        f"清单中的文件名不合规：{name}"
        for name in sorted(listed)
        if name != manifest.get("database_file")
        and not PHOTO_NAME.match(name)
        and not stored_files.parse_name(name)
    ]
    problems += [f"缺少文件 {name}" for name in sorted(set(listed) - present)]
    problems += [f"清单中没有的文件 {name}" for name in sorted(present - set(listed))]
    if not problems:
        for name in sorted(listed):
            if hashlib.sha256(read_file(source, name)).hexdigest() != listed[name]:
                problems.append(f"文件 {name} 的 SHA-256 与清单不符")
    if manifest.get("database_file") not in listed:
        problems.append("清单中没有数据库文件")
    if problems:
        raise BackupError(_listing("备份清单与文件不符，拒绝恢复", problems))
    return manifest


def _listing(title: str, problems: list[str]) -> str:
    more = f"\n  ……另有 {len(problems) - SHOWN} 处" if len(problems) > SHOWN else ""
    return (
        f"{title}（{len(problems)} 处）：\n" + "\n".join(f"  {p}" for p in problems[:SHOWN]) + more
    )


def restore(source: Path, *, key: ManifestKey, allow_unsigned: bool = False) -> Report:
    """Restore the backup in `source` into this (empty) instance through a staging place; verify, then switch.

    The report's problems are the checks the staged copy failed; then nothing was switched in.
    """
    source = Path(source)
    manifest = read_manifest(source, key=key, allow_unsigned=allow_unsigned)
    kind = backend()
    if manifest.get("schema_revision") not in known_revisions():
        raise BackupError(
            f"备份的数据库版本 {manifest.get('schema_revision')} 不为本程序所知（备份来自更新的程序？）："
            "请先把程序升级到不低于备份时的版本。"
        )
    if manifest["backend"] != kind:
        names = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
        raise BackupError(
            f"备份来自 {names.get(manifest['backend'], manifest['backend'])}，"
            f"而本实例使用 {names[kind]}：只能恢复到同类数据库。"
        )
    target_file = None
    if kind == "sqlite" and db.engine.url.database not in (None, "", ":memory:"):
        target_file = Path(db.engine.url.database)
        target_file.parent.mkdir(parents=True, exist_ok=True)
    # Looking at an absent SQLite file creates it: a failed restore removes it again.
    absent = target_file is not None and not target_file.exists()
    try:
        current = data_tables()
    except Exception as exc:  # a database that cannot even be reached
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[:1]
        raise BackupError(
            f"无法连接目标数据库：{''.join(reason) or exc.__class__.__name__}"
        ) from None
    busy = holds_data(current)
    if busy:
        raise BackupError(
            f"目标数据库不是空的（{'、'.join(busy[:SHOWN])} 等表中已有数据）：拒绝覆盖。"
            "请恢复到新建的空数据库。"
        )
    db.session.remove()
    db.engine.dispose()
    staging = _Staging(source, manifest, photos.store(), f"{STAGING}/{secrets.token_hex(6)}/")
    staging.made_target = target_file if absent else None
    try:
        staging.photos()
        report = staging.database(kind)
        if not report.problems:
            staging.switch(kind)
        return report
    finally:
        staging.clean_up()
        db.session.remove()
        db.engine.dispose()


def known_revisions() -> set[str]:
    """Return the schema revisions this code's migrations know."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(paths.MIGRATIONS_DIR))
    return {rev.revision for rev in ScriptDirectory.from_config(config).walk_revisions()}


class _Staging:
    """One restore's staged copy: written aside, verified, switched in — or removed."""

    def __init__(self, source: Path, manifest: dict, store, prefix: str):
        self.source, self.manifest, self.store, self.prefix = source, manifest, store, prefix
        self.staged: list[str] = []  # photo keys written under the prefix
        self.created: list[
            str
        ] = []  # photo keys written in place (undone unless the switch completes)
        self.staged_files: list[
            tuple[str, str]
        ] = []  # (area, key) of stored documents under the prefix
        self.created_files: list[tuple[str, str]] = []
        self.sqlite_file: Path | None = None
        self.set_aside: str | None = (
            None  # PostgreSQL: the target's schema, renamed until the restore verifies
        )
        self.made_target: Path | None = None  # SQLite: a target file that did not exist before
        self.switched = False

    def photos(self) -> None:
        for name in self.manifest["files"]:
            if name.startswith("photos/"):
                key = name.removeprefix("photos/")
                self.store.put(self.prefix + key, read_file(self.source, name))
                self.staged.append(key)
            elif parsed := stored_files.parse_name(name):
                area, key = parsed
                stored_files.store(area).put(self.prefix + key, read_file(self.source, name))
                self.staged_files.append(parsed)

    def database(self, kind: str) -> Report:
        dump = self.source / self.manifest["database_file"]
        if kind == "sqlite":
            target = db.engine.url.database
            if not target or target == ":memory:":
                raise BackupError("无法恢复到内存数据库。")
            self.sqlite_file = Path(target).with_name(
                f"{Path(target).name}.restoring-{secrets.token_hex(4)}"
            )
            src = sqlite3.connect(f"file:{dump}?mode=ro", uri=True)
            dst = sqlite3.connect(self.sqlite_file)
            try:
                # Page-level copy into the staging file: schema, rows and triggers as backed up.
                src.backup(dst)
                dst.execute("PRAGMA journal_mode=DELETE")
            finally:
                src.close()
                dst.close()
            engine = create_engine(f"sqlite:///{self.sqlite_file}")
            try:
                with Session(engine) as session:
                    return verify(
                        self.manifest,
                        session=session,
                        store=self.store,
                        prefix=self.prefix,
                        engine=engine,
                    )
            finally:
                engine.dispose()
        self.set_aside = _set_schema_aside()
        try:
            pgtools.run(
                db.engine.url,
                "pg_restore",
                "--no-owner",
                "--no-acl",
                "--exit-on-error",
                "--single-transaction",
                f"--dbname={db.engine.url.database}",
                str(dump),
            )
        except pgtools.ToolError as exc:
            raise BackupError(f"数据库恢复失败，目标未改动：\n{exc}") from None
        try:
            return verify(self.manifest, session=db.session, store=self.store, prefix=self.prefix)
        finally:
            db.session.remove()

    def switch(self, kind: str) -> None:
        """Give the photos their keys, then switch the database in: the last step."""
        for key in self.staged:
            if not self.store.exists(key):
                self.store.put(key, self.store.get(self.prefix + key))
                self.created.append(key)
        for area, key in self.staged_files:
            store = stored_files.store(area)
            if not store.exists(key):
                store.put(key, store.get(self.prefix + key))
                self.created_files.append((area, key))
        db.session.remove()
        db.engine.dispose()
        if kind == "sqlite":
            target = Path(db.engine.url.database)
            # The empty target's own journal files must not be replayed onto the restored file.
            for suffix in ("-wal", "-shm", "-journal"):
                Path(f"{target}{suffix}").unlink(missing_ok=True)
            os.replace(self.sqlite_file, target)
            self.sqlite_file = None
        else:
            with db.engine.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{self.set_aside}" CASCADE'))
            self.set_aside = None
        self.switched = True

    def clean_up(self) -> None:
        """Remove what was staged; unless switched, undo what was written and put the target back."""
        for key in self.staged:
            self.store.delete(self.prefix + key)
        for area, key in self.staged_files:
            stored_files.store(area).delete(self.prefix + key)
        if self.switched:
            return
        for key in self.created:
            self.store.delete(key)
        for area, key in self.created_files:
            stored_files.store(area).delete(key)
        if self.sqlite_file is not None:
            self.sqlite_file.unlink(missing_ok=True)
        if self.made_target is not None:
            db.session.remove()
            db.engine.dispose()
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{self.made_target}{suffix}").unlink(missing_ok=True)
        if self.set_aside is not None:
            db.session.remove()
            db.engine.dispose()
            with db.engine.begin() as conn:
                schema = conn.execute(text("SELECT current_schema()")).scalar_one() or "public"
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
                conn.execute(text(f'ALTER SCHEMA "{self.set_aside}" RENAME TO "{schema}"'))


def _set_schema_aside() -> str:
    """Rename the target's (empty) schema out of the way and make a fresh one for pg_restore; return the old name."""
    with db.engine.begin() as conn:
        schema = conn.execute(text("SELECT current_schema()")).scalar_one() or "public"
        aside = f"fieldapp_before_restore_{secrets.token_hex(4)}"
        conn.execute(text(f'ALTER SCHEMA "{schema}" RENAME TO "{aside}"'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    return aside


def verify(manifest: dict, *, session=None, store=None, prefix: str = "", engine=None) -> Report:
    """Compare a restored database and photo store with the manifest: rows, photo bytes, audit chain and head.

    `session`/`engine` and `prefix` point at a staged copy; by default, the instance itself.
    """
    session, store = session or db.session, store or photos.store()
    report = Report(manifest)
    counts = data_tables(engine or session.get_bind())
    for table, expected in sorted(manifest["tables"].items()):
        actual = counts.get(table)
        if actual != expected:
            report.problems.append(
                f"表 {table} 应有 {expected} 行，实有 {actual if actual is not None else '（缺表）'} 行"
            )
    report.tables, report.rows = len(counts), sum(counts.values())
    for name, expected in sorted(manifest["files"].items()):
        if not name.startswith("photos/"):
            continue
        key = name.removeprefix("photos/")
        try:
            digest = hashlib.sha256(store.get(prefix + key)).hexdigest()
        except StorageMissing:
            report.problems.append(f"照片文件 {key} 未能写入存储")
            continue
        kind, _, rest = key.partition("/")
        if digest != expected or (kind == "original" and digest != rest.rsplit("/", 1)[-1]):
            report.problems.append(f"照片文件 {key} 的哈希不符")
        report.photo_files += 1
        if prefix and store.exists(key) and hashlib.sha256(store.get(key)).hexdigest() != expected:
            # Never overwrite: a photo store that already holds other bytes under this key must be looked at first.
            report.problems.append(
                f"照片存储中已有内容不同的 {key}：请先核查清理，恢复不覆盖已有文件"
            )
    held = dict(session.execute(text("SELECT sha256, original_held FROM photos")).all())
    missing = sorted(
        s
        for s, h in held.items()
        if h and f"photos/{photos.key('original', s)}" not in manifest["files"]
    )
    report.problems += [f"照片 {s} 在数据库中有记录，备份中却没有文件" for s in missing]
    expected_files = sum(
        len(PHOTO_KINDS) - (not h) for h in held.values()
    )  # imported ones have no original
    if report.photo_files != expected_files:
        report.problems.append(f"照片文件数 {report.photo_files} 与照片记录数 {len(held)} 不相称")
    report.problems += _verify_stored_files(manifest, session, counts, prefix)
    chain = audit.verify(session=session)
    report.audit_count, report.audit_head = chain.count, chain.head_hash
    if not chain.ok:
        report.problems.append(f"审计链在第 {chain.broken_seq} 条处断开：{chain.reason}")
    head = manifest["audit_head"]
    if (chain.head_seq, chain.head_hash) != (head["seq"], head["hash"]):
        report.problems.append(
            f"审计链头 {chain.head_seq}:{chain.head_hash} 与备份时的 {head['seq']}:{head['hash']} 不符"
        )
    session.rollback()
    return report


def _verify_stored_files(manifest: dict, session, counts: dict[str, int], prefix: str) -> list[str]:
    """Every stored document the restored rows point at is in the backup and in the store, byte for byte."""
    problems = []
    listed = {
        parsed: digest
        for name, digest in manifest["files"].items()
        if (parsed := stored_files.parse_name(name))
    }
    for (area, key), expected in sorted(listed.items()):
        store = stored_files.store(area)
        try:
            digest = hashlib.sha256(store.get(prefix + key)).hexdigest()
        except StorageMissing:
            problems.append(f"文件 {area}/{key} 未能写入存储")
            continue
        if digest != expected:
            problems.append(f"文件 {area}/{key} 的哈希不符")
        if prefix and store.exists(key) and hashlib.sha256(store.get(key)).hexdigest() != expected:
            problems.append(f"存储中已有内容不同的 {area}/{key}：请先核查清理，恢复不覆盖已有文件")
    for area in stored_files.AREAS:
        if area.table not in counts:
            continue
        for key, sha in session.execute(text(area.files_sql)).all():
            if listed.get((area.name, key)) != sha:
                problems.append(f"文件 {area.name}/{key} 在数据库中有记录，备份中却没有或哈希不符")
    return problems
