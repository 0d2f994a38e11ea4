"""The Alembic migrations build exactly the schema the models declare."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from fieldapp.extensions import db


def test_models_and_migrations_agree(ctx):
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
    assert diff == []


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
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{app.instance_path}/fieldapp.sqlite3"


def test_postgres_urls_use_psycopg3():
    from fieldapp.config import normalize_database_url

    assert normalize_database_url("postgresql://u:p@h/db") == "postgresql+psycopg://u:p@h/db"
    assert normalize_database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_database_url("sqlite:///x") == "sqlite:///x"
