"""Backup while the app is writing, restore into an empty instance, and prove the copy identical."""

from __future__ import annotations

import hashlib
import json
import os
import threading
import uuid
from datetime import UTC
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from fieldapp import audit, create_app, photos
from fieldapp.backup import data_tables
from fieldapp.config import normalize_database_url
from fieldapp.extensions import db
from fieldapp.models import Photo, Visit

from .. import images
from ..conftest import PG_URL, Client, base_config, drop_database
from ..factories import visit_body


def make_app(url: str, root: Path):
    app = create_app(base_config(url, root))
    app.test_client_class = Client
    return app


@pytest.fixture
def empty_url(database, tmp_path):
    """The URL of an empty database to restore into: no SQLite file yet, or a brand-new PostgreSQL database."""
    if database.backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored' / 'fieldapp.sqlite3'}"
        return
    admin = create_engine(make_url(normalize_database_url(PG_URL)), isolation_level="AUTOCOMMIT")
    name = f"fieldapp_restore_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(database.url).set(database=name).render_as_string(hide_password=False)
    finally:
        try:
            drop_database(admin, name)
        finally:
            admin.dispose()


@pytest.fixture
def target(empty_url, tmp_path):
    """An empty instance to restore into, with its own data directory."""
    app = make_app(empty_url, tmp_path / "restored")
    yield app
    _close(app)


def _close(app):
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def bearer(app, username: str) -> dict:
    token = (
        app.test_client()
        .post("/api/v1/auth/token", json={"username": username, "password": "password123"})
        .json["token"]
    )
    return {"Authorization": f"Bearer {token}"}


def sync_visit(client, headers, enterprise_id: int, seed: int) -> None:
    """What a phone does: upload a photo, then the visit that uses it."""
    data = images.jpeg(480, 320, seed=seed)
    sha = hashlib.sha256(data).hexdigest()
    assert (
        client.put(
            f"/api/v1/photos/{sha}", data=data, headers={**headers, "Content-Type": "image/jpeg"}
        ).status_code
        == 201
    )
    body = visit_body(enterprise_id, photos={"extinguishers": [sha], "gas_alarm": [sha]})
    resp = client.put(f"/api/v1/visits/{uuid.uuid4()}", json=body, headers=headers)
    assert resp.status_code == 201, resp.json


def visits(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Visit))


def security_events(app, name: str) -> list[dict]:
    lines = [
        json.loads(x)
        for p in Path(app.config["LOG_DIR"]).glob("security-*.jsonl")
        for x in p.read_text().splitlines()
    ]
    return [e for e in lines if e["event"] == name]


def test_backup_while_writing_then_restore_gives_identical_counts_hashes_and_chain(
    app, world, target, tmp_path
):
    headers = bearer(app, "inspector_a1")
    client = app.test_client()
    for seed in range(3):
        sync_visit(client, headers, world.ents["a1"], seed=100 + seed)
    before = visits(app)

    writes, stop, errors = threading.Semaphore(0), threading.Event(), []

    def writer():
        phone = app.test_client()
        seed = 200
        while not stop.is_set():
            try:
                sync_visit(phone, headers, world.ents["a1"], seed=seed)
            except BaseException as exc:  # reported by the main thread
                errors.append(exc)
                return
            seed += 1
            writes.release()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert writes.acquire(timeout=30)  # the phone is syncing when the backup starts
        result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "nightly")])
        while writes.acquire(blocking=False):
            pass
        assert writes.acquire(timeout=30) or errors  # and still syncing after it ends
    finally:
        stop.set()
        thread.join()
    assert errors == []
    assert result.exit_code == 0, result.output
    assert "已备份到" in result.output

    manifest = json.loads((tmp_path / "nightly" / "manifest.json").read_text())
    assert before < manifest["tables"]["visits"] < visits(app)  # a snapshot taken mid-stream
    assert (
        manifest["tables"]["photos"]
        == manifest["photos"]
        == len([f for f in manifest["files"] if "/original/" in f])
    )
    assert security_events(app, "backup")[-1]["outcome"] == "ok"

    restored = target.test_cli_runner().invoke(args=["restore", str(tmp_path / "nightly")])
    assert restored.exit_code == 0, restored.output
    assert "校验通过" in restored.output and "审计链完整" in restored.output

    with target.app_context():
        assert data_tables() == manifest["tables"]
        chain = audit.verify()
        assert chain.ok and (chain.head_seq, chain.head_hash) == (
            manifest["audit_head"]["seq"],
            manifest["audit_head"]["hash"],
        )
        store = photos.store()
        for sha in db.session.scalars(select(Photo.sha256)):
            assert hashlib.sha256(store.get(photos.key("original", sha))).hexdigest() == sha
            for kind in ("display", "thumb"):
                key = photos.key(kind, sha)
                assert (
                    hashlib.sha256(store.get(key)).hexdigest() == manifest["files"][f"photos/{key}"]
                )
        db.session.rollback()
        # The append-only guards came back with the schema.
        with pytest.raises(Exception, match="append-only"):
            with db.engine.begin() as conn:
                conn.execute(text("DELETE FROM audit_events WHERE seq = 1"))
    assert security_events(target, "restore")[-1]["outcome"] == "ok"

    # The restored instance works: the same inspector signs in and syncs again.
    sync_visit(target.test_client(), bearer(target, "inspector_a1"), world.ents["a1"], seed=999)
    assert visits(target) == manifest["tables"]["visits"] + 1


def test_backup_of_a_missing_sqlite_file_is_refused_without_creating_it(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'nothing.sqlite3'}", tmp_path)
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "b")])
    assert result.exit_code == 1 and "数据库文件不存在" in result.output
    assert not (tmp_path / "nothing.sqlite3").exists() and not (tmp_path / "b").exists()
    _close(app)


def test_backup_refuses_a_directory_that_is_not_empty(app, world, tmp_path):
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "keep.txt").write_text("yesterday")
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "old")])
    assert result.exit_code == 1 and "已存在且不为空" in result.output
    assert [p.name for p in (tmp_path / "old").iterdir()] == ["keep.txt"]


def test_restore_refuses_a_database_that_holds_data(app, world, tmp_path):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["backup", str(tmp_path / "b")]).exit_code == 0
    result = runner.invoke(args=["restore", str(tmp_path / "b")])
    assert (
        result.exit_code == 1
        and "目标数据库不是空的" in result.output
        and "拒绝覆盖" in result.output
    )
    assert security_events(app, "restore")[-1]["outcome"] == "refused"


def _flip_a_photo_byte(root: Path) -> None:
    path = next((root / "photos" / "display").rglob("*.jpg"))
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 1
    path.write_bytes(bytes(data))


def resign(root: Path, change) -> None:
    """Edit the manifest and sign it again with the test key, as a genuine backup would be."""
    from fieldapp import backup

    manifest = json.loads((root / "manifest.json").read_text())
    change(manifest)
    if hasattr(
        backup, "signature"
    ):  # (so the same test also runs against code that signed nothing)
        manifest["signature"] = backup.signature(
            manifest, backup.ManifestKey.from_config({"SECRET_KEY": "test-secret-key"})
        )
    (root / "manifest.json").write_text(json.dumps(manifest))


def _from_a_newer_schema(root: Path) -> None:
    resign(root, lambda m: m.update(schema_revision="9999_from_the_future"))


@pytest.mark.parametrize(
    "tamper,message",
    [
        (_flip_a_photo_byte, "的 SHA-256 与清单不符"),
        (
            lambda root: next((root / "photos" / "thumb").rglob("*.jpg")).unlink(),
            "缺少文件 photos/thumb/",
        ),
        (
            lambda root: (root / "photos" / "extra.jpg").write_bytes(b"x"),
            "清单中没有的文件 photos/extra.jpg",
        ),
        (lambda root: (root / "manifest.json").unlink(), "这不是完整的备份"),
        (_from_a_newer_schema, "不为本程序所知"),
    ],
    ids=["changed", "missing", "extra", "no-manifest", "newer-schema"],
)
def test_restore_refuses_a_manifest_that_does_not_match_its_files(
    app, world, target, tmp_path, tamper, message
):
    sync_visit(app.test_client(), bearer(app, "inspector_a1"), world.ents["a1"], seed=7)
    assert app.test_cli_runner().invoke(args=["backup", str(tmp_path / "b")]).exit_code == 0
    tamper(tmp_path / "b")
    result = target.test_cli_runner().invoke(args=["restore", str(tmp_path / "b")])
    assert result.exit_code == 1 and message in result.output, result.output
    with target.app_context():
        assert not any(data_tables().values())  # nothing was written


def test_restore_into_a_migrated_but_empty_database(app, world, target, tmp_path):
    from flask_migrate import upgrade

    assert app.test_cli_runner().invoke(args=["backup", str(tmp_path / "b")]).exit_code == 0
    (tmp_path / "restored").mkdir()
    with target.app_context():
        upgrade()
        db.engine.dispose()
    result = target.test_cli_runner().invoke(args=["restore", str(tmp_path / "b")])
    assert result.exit_code == 0, result.output
    with target.app_context():
        assert data_tables() == json.loads((tmp_path / "b" / "manifest.json").read_text())["tables"]


def test_backup_fails_clearly_when_the_photo_store_lacks_a_file(app, world, tmp_path):
    sync_visit(app.test_client(), bearer(app, "inspector_a1"), world.ents["a1"], seed=8)
    with app.app_context():
        sha = db.session.scalar(select(Photo.sha256))
        photos.store().delete(photos.key("thumb", sha))
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "b")])
    assert result.exit_code == 1 and "照片存储中却没有文件" in result.output
    assert not (tmp_path / "b").exists()  # no half-made backup left behind


def test_backup_and_restore_move_photos_between_s3_buckets(
    database, empty_url, tmp_path, s3_server, s3_bucket
):
    """Photos go through the Storage interface both ways, so an S3 store backs up and restores too."""
    from fieldapp.storage_s3 import from_config

    from ..factories import build_world

    source = create_app({**base_config(database.fresh(tmp_path), tmp_path), **s3_bucket})
    source.test_client_class = Client
    with source.app_context():
        world = build_world()
    sync_visit(source.test_client(), bearer(source, "inspector_a1"), world.ents["a1"], seed=31)
    assert source.test_cli_runner().invoke(args=["backup", str(tmp_path / "b")]).exit_code == 0
    _close(source)

    other = s3_server.config(f"restored-{uuid.uuid4().hex[:8]}")
    admin = from_config(other)
    admin.client.create_bucket(Bucket=other["S3_BUCKET"])
    admin.client.close()
    target = create_app({**base_config(empty_url, tmp_path / "restored"), **other})
    result = target.test_cli_runner().invoke(args=["restore", str(tmp_path / "b")])
    assert result.exit_code == 0, result.output
    with target.app_context():
        assert sorted(k.split("/")[0] for k in photos.store().keys()) == [
            "display",
            "original",
            "thumb",
        ]
        assert photos.store().keys() == sorted(
            k.removeprefix("photos/")
            for k in json.loads((tmp_path / "b" / "manifest.json").read_text())["files"]
            if k.startswith("photos/")
        )
    _close(target)
    for app in (source, target):
        app.extensions["photo_storage"].client.close()


def test_an_instance_holding_an_imported_archive_backs_up_and_restores(
    app, world, database, target, tmp_path
):
    """Imported photos come without their originals (the file holds display copies): that is no lost evidence."""
    from fieldapp.archive import collect, load, render
    from fieldapp.archive.cli import CONSOLE
    from fieldapp.clock import utcnow

    from ..archive_factory import build_record

    archive = tmp_path / "archive.html"
    with app.app_context():
        rec = build_record(world)
        doc = collect.collect(rec["enterprise_id"], actor=CONSOLE, now=utcnow())
        with archive.open("wb") as fh:
            render.write(doc, fh)
    _close(app)
    (tmp_path / "imp").mkdir()
    imported = make_app(database.fresh(tmp_path / "imp"), tmp_path / "imp")
    with imported.app_context():
        load.import_bytes(archive.read_bytes(), now=utcnow())
        db.session.commit()
        held = dict(db.session.execute(select(Photo.sha256, Photo.original_held)).all())
        assert held and not any(held.values())
    result = imported.test_cli_runner().invoke(args=["backup", str(tmp_path / "b")])
    assert result.exit_code == 0, result.output
    files = json.loads((tmp_path / "b" / "manifest.json").read_text())["files"]
    assert not any(name.startswith("photos/original/") for name in files)
    _close(imported)
    result = target.test_cli_runner().invoke(args=["restore", str(tmp_path / "b")])
    assert result.exit_code == 0, result.output
    with target.app_context():
        assert dict(db.session.execute(select(Photo.sha256, Photo.original_held)).all()) == held
        assert audit.verify().ok


# --- Signed manifests, no links, staged restores (issue 16) -------------------------------


@pytest.fixture
def backed_up(app, world, tmp_path) -> Path:
    """A backup of a world with one synced visit and its photo."""
    sync_visit(app.test_client(), bearer(app, "inspector_a1"), world.ents["a1"], seed=41)
    assert app.test_cli_runner().invoke(args=["backup", str(tmp_path / "b")]).exit_code == 0
    return tmp_path / "b"


def nothing_restored(target) -> None:
    """The target is as it was before the restore: no rows, no photos, nothing staged."""
    with target.app_context():
        assert not any(
            n for t, n in data_tables().items() if t not in ("alembic_version", "audit_head")
        ), data_tables()
        assert photos.store().keys() == []
        db.session.remove()
        db.engine.dispose()


def test_the_manifest_is_signed_with_a_key_that_is_not_in_the_backup(backed_up):
    """Measured on main: the manifest was unsigned."""
    from fieldapp.backup import ManifestKey

    manifest = json.loads((backed_up / "manifest.json").read_text())
    key = ManifestKey.from_config({"SECRET_KEY": "test-secret-key"})
    assert (
        manifest["signature"]["algorithm"] == "HMAC-SHA256"
        and manifest["signature"]["key"] == key.fingerprint
    )
    assert manifest["audit_head"]["seq"] > 0 and len(manifest["audit_head"]["hash"]) == 64
    secrets_ = [b"test-secret-key", key.secret, key.secret.hex().encode()]
    for path in backed_up.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert not any(s in data for s in secrets_), path


@pytest.mark.parametrize(
    "edit",
    [
        lambda m: m["audit_head"].update(seq=m["audit_head"]["seq"] - 1),
        lambda m: m["tables"].update(visits=m["tables"]["visits"] + 1),
        lambda m: m.pop("signature"),
    ],
    ids=["another-head", "another-count", "signature-removed"],
)
def test_an_edited_or_unsigned_manifest_is_refused(backed_up, target, edit):
    manifest = json.loads((backed_up / "manifest.json").read_text())
    edit(manifest)
    (backed_up / "manifest.json").write_text(json.dumps(manifest))
    result = target.test_cli_runner().invoke(args=["restore", str(backed_up)])
    assert result.exit_code == 1 and ("签名不符" in result.output or "没有签名" in result.output), (
        result.output
    )
    nothing_restored(target)


def test_files_altered_with_a_recomputed_manifest_are_refused_without_the_key(backed_up, target):
    """What signing is for: whoever alters a photo can recompute its hash, but cannot sign for it."""
    path = next((backed_up / "photos" / "display").rglob("*.jpg"))
    path.write_bytes(images.jpeg(480, 320, seed=999))
    manifest = json.loads((backed_up / "manifest.json").read_text())
    manifest["files"][path.relative_to(backed_up).as_posix()] = hashlib.sha256(
        path.read_bytes()
    ).hexdigest()
    (backed_up / "manifest.json").write_text(json.dumps(manifest))
    result = target.test_cli_runner().invoke(args=["restore", str(backed_up)])
    assert result.exit_code == 1 and "签名不符" in result.output
    nothing_restored(target)


def test_restore_needs_the_key_the_backup_was_signed_with(backed_up, empty_url, tmp_path):
    other = create_app(
        {**base_config(empty_url, tmp_path / "other"), "SECRET_KEY": "another-instance"}
    )
    result = other.test_cli_runner().invoke(args=["restore", str(backed_up)])
    assert (
        result.exit_code == 1
        and "由另一把备份密钥签名" in result.output
        and "FIELDAPP_BACKUP_KEY" in result.output
    )
    _close(other)


def test_a_dedicated_backup_key_survives_a_secret_key_rotation(
    database, app, world, empty_url, tmp_path
):
    app.config["BACKUP_KEY"] = "kept-in-the-safe"
    assert app.test_cli_runner().invoke(args=["backup", str(tmp_path / "b")]).exit_code == 0
    rotated = create_app(
        {
            **base_config(empty_url, tmp_path / "r"),
            "SECRET_KEY": "rotated",
            "BACKUP_KEY": "kept-in-the-safe",
        }
    )
    result = rotated.test_cli_runner().invoke(args=["restore", str(tmp_path / "b")])
    assert result.exit_code == 0, result.output
    _close(rotated)


def test_an_unsigned_backup_of_the_first_version_needs_allow_unsigned(backed_up, target):
    manifest = json.loads((backed_up / "manifest.json").read_text())
    del manifest["signature"]
    manifest["version"] = 1
    (backed_up / "manifest.json").write_text(json.dumps(manifest))
    refused = target.test_cli_runner().invoke(args=["restore", str(backed_up)])
    assert refused.exit_code == 1 and "--allow-unsigned" in refused.output
    result = target.test_cli_runner().invoke(args=["restore", "--allow-unsigned", str(backed_up)])
    assert result.exit_code == 0, result.output


def _symlinked_system_file(root: Path) -> str:
    """A 'photo' that is a link to a system file, listed in a manifest signed again (as an insider could)."""
    name = "photos/display/ee/" + "e" * 64 + ".jpg"
    (root / name).parent.mkdir(parents=True, exist_ok=True)
    (root / name).symlink_to("/etc/hostname")
    resign(
        root,
        lambda m: m["files"].update(
            {name: hashlib.sha256(Path("/etc/hostname").read_bytes()).hexdigest()}
        ),
    )
    return "符号链接 " + name


def _symlinked_directory(root: Path) -> str:
    (root / "photos" / "thumb" / "zz").symlink_to("/etc", target_is_directory=True)
    return "符号链接 photos/thumb/zz"


def _fifo(root: Path) -> str:
    os.mkfifo(root / "photos" / "pipe")
    return "不是普通文件的 photos/pipe"


@pytest.mark.parametrize(
    "plant",
    [_symlinked_system_file, _symlinked_directory, _fifo],
    ids=["file-link", "dir-link", "fifo"],
)
def test_restore_refuses_symlinks_and_special_files(backed_up, target, plant):
    """Measured on main: restore followed a link and copied a system file into the photo store."""
    message = plant(backed_up)
    result = target.test_cli_runner().invoke(args=["restore", str(backed_up)])
    assert result.exit_code == 1 and message in result.output, result.output
    nothing_restored(target)


@pytest.mark.parametrize("migrated", [False, True], ids=["absent", "migrated-empty"])
def test_a_restore_that_fails_verification_leaves_the_target_as_it_was(
    backed_up, target, tmp_path, migrated
):
    """Measured on main: a failed restore left its data written."""
    from flask_migrate import upgrade

    if migrated:
        (tmp_path / "restored").mkdir(exist_ok=True)
        with target.app_context():
            upgrade()
            before = data_tables()
            db.engine.dispose()
    # A signed manifest that the restored copy will not match (a row count): verification fails after staging.
    resign(backed_up, lambda m: m["tables"].update(visits=m["tables"]["visits"] + 1))
    result = target.test_cli_runner().invoke(args=["restore", str(backed_up)])
    assert (
        result.exit_code == 1
        and "表 visits 应有" in result.output
        and "目标未改动" in result.output
    ), result.output
    url = target.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite"):
        assert (
            Path(make_url(url).database).exists() is migrated
        )  # not even an empty file where there was none
        assert not list(Path(make_url(url).database).parent.glob("*.restoring-*"))
    nothing_restored(target)
    if migrated:
        with target.app_context():
            assert data_tables() == before  # the schema it had, still empty
            db.engine.dispose()


def test_a_successful_restore_leaves_nothing_staged(backed_up, target):
    result = target.test_cli_runner().invoke(args=["restore", str(backed_up)])
    assert result.exit_code == 0, result.output
    with target.app_context():
        assert not [k for k in photos.store().keys() if k.startswith("restore-staging/")]
        url = target.config["SQLALCHEMY_DATABASE_URI"]
        if url.startswith("sqlite"):
            assert not list(Path(make_url(url).database).parent.glob("*.restoring-*"))
        else:
            schemas = db.session.scalars(
                text(
                    "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'fieldapp_before_restore_%'"
                )
            )
            assert list(schemas) == []
        db.session.remove()
        db.engine.dispose()


def _file_a_plan_document(app, data: bytes) -> str:
    """A street files its 2025 evaluation report (a PDF kept in the store's filings area); return its key."""
    from datetime import datetime

    from fieldapp import plan, plan_filings
    from fieldapp.models import PlanRequirement, User

    now = datetime(2025, 3, 20, 4, tzinfo=UTC)  # before the report's due day
    with app.app_context():
        street = db.session.scalar(select(User).where(User.username == "street_a"))
        plan.load_seed(
            2025, actor=db.session.scalar(select(User).where(User.username == "district")), now=now
        )
        req = db.session.scalar(
            select(PlanRequirement).where(
                PlanRequirement.year == 2025, PlanRequirement.key == "evaluation"
            )
        )
        row = plan_filings.file(
            req, kind="document", actor=street, now=now, data=data, file_name="评估报告.pdf"
        )
        db.session.commit()
        return row.file_key


def test_filed_documents_are_backed_up_and_restored_with_their_receipts(
    app, world, target, tmp_path
):
    from fieldapp import plan_filings

    from ..documents import pdf

    data = pdf(seed=5)
    key = _file_a_plan_document(app, data)
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "b")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "b" / "stores" / "filings" / key).read_bytes() == data
    restored = target.test_cli_runner().invoke(args=["restore", str(tmp_path / "b")])
    assert restored.exit_code == 0, restored.output
    with target.app_context():
        assert (
            plan_filings.store().get(key) == data
        )  # the receipt's file, byte for byte, on the new instance
        db.session.remove()
        db.engine.dispose()


def test_a_backup_refuses_a_filed_document_the_store_lost_or_changed(app, world, tmp_path):
    from fieldapp import plan_filings

    from ..documents import pdf

    key = _file_a_plan_document(app, pdf(seed=6))
    with app.app_context():
        plan_filings.store().put(key, b"%PDF-1.4 replaced")
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "b")])
    assert result.exit_code == 1 and "与其登记的 SHA-256 不符" in result.output
    with app.app_context():
        plan_filings.store().delete(key)
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "c")])
    assert result.exit_code == 1 and "存储中却没有" in result.output


def test_enforcement_documents_are_backed_up_and_restored(app, world, target, tmp_path):
    """A 处罚决定书 attached to an enforcement record (issue 20) travels with the backup, proved by its hash."""
    from fieldapp import attachments, enforcement
    from fieldapp.clock import utcnow
    from fieldapp.models import User

    from ..clock import TODAY
    from ..documents import pdf

    data = pdf(seed=7)
    with app.app_context():
        street = db.session.scalar(select(User).where(User.username == "street_a"))
        doc = attachments.ingest(data, "处罚决定书.pdf", actor=street, now=utcnow())
        enforcement.record(
            enforcement.NewRecord(
                kind="interview",
                enterprise_id=world.ents["a1"],
                doc_number="约谈〔9〕号",
                decided_on=TODAY,
                attachments=[doc.sha256],
            ),
            actor=street,
            now=utcnow(),
        )
        db.session.commit()
        sha = doc.sha256
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "b")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "b" / "stores" / "attachments" / sha).read_bytes() == data
    restored = target.test_cli_runner().invoke(args=["restore", str(tmp_path / "b")])
    assert restored.exit_code == 0, restored.output
    with target.app_context():
        assert attachments.store().get(sha) == data
        db.session.remove()
        db.engine.dispose()
