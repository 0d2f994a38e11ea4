"""fieldapp: grid safety inspection (网格安全巡查)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from flask import Flask
from sqlalchemy import event, make_url
from sqlalchemy.engine import Engine

from . import paths

HTMX_PATH = "vendor/htmx-2.0.11/htmx.min.js"
# Draws the placard QR code on the 整改通知书 the phone prints offline.
QRCODE_PATH = "vendor/qrcode-generator-1.4.4/qrcode.js"


def create_app(test_config: dict | None = None, *, strict_checklists: bool = True) -> Flask:
    """Build the application: config, extensions, blueprints, CLI, templates.

    A bad checklist file stops the app from starting (`strict_checklists`); the
    maintenance commands start anyway so backups and migrations still run.
    """
    app = Flask(
        __name__,
        template_folder=str(paths.TEMPLATES_DIR),
        static_folder=str(paths.STATIC_DIR),
        instance_relative_config=True,
    )
    from . import config

    config.load(app, test_config)

    from .extensions import csrf, db, migrate

    db.init_app(app)
    # Batch mode lets Alembic alter SQLite tables by copying them.
    migrate.init_app(app, db, directory=str(paths.MIGRATIONS_DIR), render_as_batch=True)
    csrf.init_app(app)

    _load_checklists(app, strict_checklists)

    from . import access, errors, logs, security, templating
    from .contract import guard

    # First, so its timer and request id cover the other request hooks too.
    logs.init_app(app)
    # Then refuse unreadable input before anything reads it (user, CSRF, views).
    guard.init_app(app)
    security.init_app(app)
    access.init_app(app)
    errors.init_app(app)
    templating.init_app(app)

    # A plan filing may be a filed quarter: the quarterly filings answer for their ids.
    from . import filings, plan_filings
    from .api import bp as api_bp
    from .blueprints import (
        alerts,
        archive,
        assessment,
        audit,
        auth,
        campaign,
        checklists,
        dashboard,
        enterprises,
        hazards,
        inspect,
        lists,
        main,
        photos,
        placards,
        plan,
        proposals,
        public,
        pwa,
        quarterly,
        reports,
        selfcheck,
        visits,
    )
    from .blueprints import enforcement as enforcement_bp
    from .blueprints import field as field_bp
    from .blueprints import units as units_bp

    plan_filings.register_snapshot_resolver(filings.snapshot_ref)

    app.register_blueprint(alerts.bp)
    app.register_blueprint(archive.bp)
    app.register_blueprint(assessment.bp)
    app.register_blueprint(audit.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(campaign.bp)
    app.register_blueprint(hazards.bp)
    app.register_blueprint(inspect.bp)
    app.register_blueprint(lists.bp)
    app.register_blueprint(photos.bp)
    app.register_blueprint(placards.bp)
    app.register_blueprint(plan.bp)
    app.register_blueprint(proposals.bp)
    app.register_blueprint(public.bp)
    app.register_blueprint(pwa.bp)
    app.register_blueprint(quarterly.bp)
    app.register_blueprint(reports.bp)
    app.register_blueprint(selfcheck.bp)
    app.register_blueprint(visits.bp)
    app.register_blueprint(checklists.bp)
    app.register_blueprint(dashboard.bp)
    app.register_blueprint(main.bp)
    app.register_blueprint(enterprises.bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(units_bp.bp)
    app.register_blueprint(enforcement_bp.bp)
    app.register_blueprint(field_bp.bp)

    from . import cli

    cli.init_app(app)
    return app


def _load_checklists(app: Flask, strict: bool) -> None:
    from .checklists import ChecklistError, Registry, load_dir

    try:
        loaded = load_dir(app.config["CHECKLISTS_DIR"])
        if strict:
            _check_versions(app, loaded)
        app.extensions["checklists"] = Registry(loaded)
    except ChecklistError as exc:
        if strict:
            raise
        app.logger.error("检查清单有错误，已按空清单启动：\n%s", exc)
        app.extensions["checklists"] = Registry([])


def _check_versions(app: Flask, loaded) -> None:
    """Refuse a file edited without a new version number, and pin the loaded versions.

    Phones would otherwise hold two contents under one version. The versions this
    process will hand out are recorded here, once, so that a visit walked offline on
    one still syncs after the file moves on, and the bundle (a GET) never writes.
    """
    from sqlalchemy.exc import SQLAlchemyError

    from .checklist_versions import pin, problems
    from .checklists import ChecklistError
    from .clock import utcnow
    from .extensions import db

    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if (
        url.get_backend_name() == "sqlite"
        and url.database not in (None, "", ":memory:")
        and not Path(url.database).is_file()
    ):
        return  # no database yet: nothing recorded to differ from, and connecting would create the file
    try:
        with app.app_context():
            try:
                found = problems(loaded)
                if not found:
                    pin(loaded, utcnow())
            finally:
                # No connection opened here may outlive start-up (nor be shared by forked workers).
                db.session.remove()
                db.engine.dispose()
    except SQLAlchemyError as exc:  # database not reachable yet: the per-request checks still hold
        app.logger.warning("启动时未能核对检查清单版本：%s", exc)
        return
    if found:
        raise ChecklistError(found)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """Turn on what SQLite leaves off: foreign keys, WAL and a busy timeout."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()
