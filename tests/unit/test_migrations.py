"""The Alembic migrations build exactly the schema the models declare."""

from __future__ import annotations

import warnings

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from fieldapp.extensions import db

# Expression indexes: not every dialect reflects them (SQLite skips them with a warning),
# so they are left out of the comparison and checked by name below.
EXPRESSION_INDEXES = {f"ix_photos_phash_b{n}" for n in range(4)} | {"ix_hazards_worklist"}


def _is_expression_index(op) -> bool:
    index = op[1] if isinstance(op, tuple) and len(op) > 1 else None
    return getattr(index, "name", None) in EXPRESSION_INDEXES


def test_models_and_migrations_agree(ctx):
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", "Skipped unsupported reflection of expression-based index"
        )
        warnings.filterwarnings(
            "ignore", "autogenerate skipping metadata-specified expression-based index"
        )
        with db.engine.connect() as conn:
            diff = compare_metadata(
                MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata
            )
    assert [op for op in diff if not _is_expression_index(op)] == []
    with db.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            names = set(
                conn.exec_driver_sql(
                    "SELECT name FROM sqlite_master WHERE type = 'index'"
                ).scalars()
            )
        else:
            names = set(
                conn.exec_driver_sql(
                    "SELECT indexname FROM pg_indexes WHERE tablename IN ('photos', 'hazards')"
                ).scalars()
            )
    assert EXPRESSION_INDEXES <= names


def test_sqlite_runs_with_foreign_keys_wal_and_busy_timeout(tmp_path):
    from fieldapp import create_app

    from ..conftest import base_config

    app = create_app(base_config(f"sqlite:///{tmp_path / 'p.sqlite3'}", tmp_path))
    with app.app_context(), db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
        db.engine.dispose()


def test_default_database_is_sqlite_under_instance(tmp_path):
    from fieldapp import create_app

    app = create_app({"SECRET_KEY": "x", "TESTING": True})
    assert (
        app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{app.instance_path}/fieldapp.sqlite3"
    )


def test_postgres_urls_use_psycopg3():
    from fieldapp.config import normalize_database_url

    assert normalize_database_url("postgresql://u:p@h/db") == "postgresql+psycopg://u:p@h/db"
    assert normalize_database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_database_url("sqlite:///x") == "sqlite:///x"


def test_0007_and_0024_fill_the_latest_inspection_columns_from_existing_visits(database, tmp_path):
    """Visits received before 0007 get their premises, finishing time and passed items on each checklist row."""
    import uuid as uuidlib

    from flask_migrate import downgrade, upgrade
    from sqlalchemy import create_engine, select, text

    from fieldapp import create_app
    from fieldapp.config import normalize_database_url
    from fieldapp.models import VisitChecklist

    from ..conftest import base_config

    if database.backend == "sqlite":
        url, drop = f"sqlite:///{tmp_path / 'm.sqlite3'}", None
    else:  # a database of its own: this test walks the schema back and forth
        admin = create_engine(
            normalize_database_url(database.url).rsplit("/", 1)[0] + "/postgres",
            isolation_level="AUTOCOMMIT",
        )
        name = f"fieldapp_mig_{uuidlib.uuid4().hex[:8]}"
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
        url, drop = (
            normalize_database_url(database.url).rsplit("/", 1)[0] + f"/{name}",
            (admin, name),
        )
    app = create_app(base_config(url, tmp_path))
    try:
        with app.app_context():
            upgrade(revision="0006")
            with db.engine.begin() as c:
                c.execute(text("INSERT INTO streets (id, name, code) VALUES (1, '甲街道', 'A')"))
                c.execute(
                    text(
                        "INSERT INTO users (id, username, display_name, password_hash, role, active, created_at) "
                        "VALUES (1, 'i', 'i', '!', 'inspector', true, '2026-01-01 00:00:00')"
                    )
                )
                c.execute(
                    text(
                        "INSERT INTO enterprises (id, name, street_id, industry, size_class, standardization, stars, "
                        "risk_color, address, hosts_tenants, note, active, version, created_at, updated_at, public_token) "
                        "VALUES (7, '某厂', 1, '工贸', 'small_micro', 'none', 0, 'blue', '路1号', false, '', true, 1, "
                        "'2026-01-01 00:00:00', '2026-01-01 00:00:00', 'tok')"
                    )
                )
                c.execute(
                    text(
                        "INSERT INTO visits (uuid, enterprise_id, inspector_id, started_at, finished_at, received_at, "
                        "location_status, body_hash, item_count, answered_count, fail_count) VALUES "
                        "('v1', 7, 1, '2026-05-01 01:00:00', '2026-05-01 02:00:00', '2026-05-01 03:00:00', 'none', 'h', 3, 3, 1)"
                    )
                )
                for cid in ("general", "enterprise_gbt33000"):
                    c.execute(
                        text(
                            "INSERT INTO visit_checklists (visit_uuid, checklist_id, version, content_hash, position) "
                            f"VALUES ('v1', '{cid}', 1, 'h', 0)"
                        )
                    )
                for key, result in (
                    ("safety_officer", "pass"),
                    ("emergency_team", "fail"),
                    ("responsibility_system", "pass"),
                    ("safety_org", "na"),
                ):
                    c.execute(
                        text(
                            "INSERT INTO answers (visit_uuid, checklist_id, item_key, result, note, photos) "
                            f"VALUES ('v1', 'enterprise_gbt33000', '{key}', '{result}', '', '[]')"
                        )
                    )
            upgrade()
            rows = {r.checklist_id: r for r in db.session.scalars(select(VisitChecklist))}
            assert rows["enterprise_gbt33000"].passed == ["responsibility_system", "safety_officer"]
            assert rows["general"].passed == []
            # 0024: the 不适用 items too, so a measure is decided from the row alone.
            assert rows["enterprise_gbt33000"].not_applicable == ["safety_org"]
            assert rows["general"].not_applicable == []
            assert {(r.enterprise_id, r.finished_at.isoformat()) for r in rows.values()} == {
                (7, "2026-05-01T02:00:00+00:00")
            }
            db.session.remove()
            downgrade(revision="0006")  # and back: the columns go, the visit stays
            with db.engine.connect() as c:
                assert c.execute(text("SELECT count(*) FROM visit_checklists")).scalar() == 2
            db.engine.dispose()
    finally:
        if drop:
            from ..conftest import drop_database

            try:
                drop_database(*drop)
            finally:
                drop[0].dispose()


def test_0021_numbers_the_notices_of_visits_already_on_file(database, tmp_path):
    """Visits with something to rectify get their street's numbers in the order they were finished, per Beijing year."""
    from datetime import UTC, datetime

    from flask_migrate import downgrade, upgrade
    from sqlalchemy import select

    from fieldapp import create_app
    from fieldapp.models import NoticeSequence, Visit

    from ..conftest import base_config
    from ..factories import make_enterprise, make_grid, make_hazard, make_street, make_user

    app = create_app(base_config(database.fresh(tmp_path), tmp_path))
    with app.app_context():
        street = make_street("甲街道", "SA")
        ent = make_enterprise(street, make_grid(street, "SA-01"), name="某店")
        user = make_user("i", "inspector")
        # (finished at, hazards fixed on the spot?): 2030-12-31 23:30 and 2031-01-01 00:30 Beijing time.
        for n, (at, fixed) in enumerate(
            (
                (datetime(2030, 12, 31, 16, 30, tzinfo=UTC), False),
                (datetime(2030, 12, 31, 15, 30, tzinfo=UTC), False),
                (datetime(2030, 3, 1, 2, 0, tzinfo=UTC), True),
                (datetime(2030, 2, 1, 2, 0, tzinfo=UTC), False),
            )
        ):
            db.session.add(
                Visit(
                    uuid=f"v{n}",
                    enterprise_id=ent.id,
                    inspector_id=user.id,
                    started_at=at,
                    finished_at=at,
                    received_at=at,
                    location_status="none",
                    body_hash="h",
                    item_count=1,
                    answered_count=1,
                    fail_count=1,
                )
            )
            db.session.flush()
            make_hazard(ent.id, visit_uuid=f"v{n}", fixed_on_spot=fixed)
        db.session.commit()
        downgrade(revision="0019")
        upgrade()
        numbered = {
            v.uuid: (v.notice_year, v.notice_seq, v.notice_no)
            for v in db.session.scalars(select(Visit))
        }
        assert numbered == {
            "v0": (2031, 1, None),
            "v1": (2030, 2, None),
            "v2": (None, None, None),
            "v3": (2030, 1, None),
        }
        assert {(s.year, s.last) for s in db.session.scalars(select(NoticeSequence))} == {
            (2030, 2),
            (2031, 1),
        }
        db.session.remove()
        db.engine.dispose()


def test_0027_references_the_photos_enterprises_sent_for_their_own_findings(database, tmp_path):
    """Self-found hazards on file get a photo_refs row for each held photo their recorder sent."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import select

    from fieldapp import create_app
    from fieldapp.models import PhotoRef

    from .. import images
    from ..conftest import base_config
    from ..factories import (
        make_enterprise,
        make_grid,
        make_hazard,
        make_street,
        make_user,
        store_photo,
    )

    app = create_app(base_config(database.fresh(tmp_path), tmp_path))
    with app.app_context():
        street = make_street("甲街道", "SA")
        ent = make_enterprise(street, make_grid(street, "SA-01"), name="某店")
        owner = make_user("owner", "enterprise", enterprise_id=ent.id)
        other = make_user("i", "inspector")
        sent = store_photo(images.jpeg(seed=181), uploader_id=owner.id)
        foreign = store_photo(images.jpeg(seed=182), uploader_id=other.id)
        unheld = "e" * 64
        found = make_hazard(ent.id, source="self", raised_by=owner.id)
        inspected = make_hazard(ent.id, raised_by=other.id)
        # As the old self-inspection left them: photos on the hazard, no reference.
        found.before_photos = [sent, foreign, unheld, sent]
        inspected.before_photos = [foreign]
        db.session.commit()
        downgrade(revision="0026")
        upgrade()
        refs = [
            (r.photo_sha256, r.enterprise_id, r.kind, r.object_id)
            for r in db.session.scalars(select(PhotoRef))
        ]
        assert refs == [(sent, ent.id, "self", found.uuid)]
        db.session.remove()
        db.engine.dispose()
