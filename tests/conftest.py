"""Shared fixtures: a fresh database per test on SQLite and (when configured) PostgreSQL."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from fieldapp import create_app
from fieldapp.config import normalize_database_url
from fieldapp.extensions import db

from .factories import World, build_world

PG_URL = os.environ.get("FIELDAPP_TEST_POSTGRES_URL")
BACKENDS = ["sqlite"] + (["postgres"] if PG_URL else [])
REPO = Path(__file__).resolve().parent.parent
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
# The files whose tests need the full default demo (the `demo_site` fixture).
FULL_DEMO_FILES = {"tests/web/test_crawl.py", "tests/unit/test_demo.py"}


def backend_of(nodeid: str) -> str | None:
    """The database a test runs on, from its parameters ("sqlite", "postgres"), or None."""
    params = nodeid.rpartition("[")[2].rstrip("]").split("-") if nodeid.endswith("]") else []
    return next((b for b in ("sqlite", "postgres") if b in params), None)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """Give each database its own worker; on one database, a file (and the full demo's files) per unit.

    `make test` runs on two workers (pytest-xdist). A worker's session fixtures are built
    per database: the migrated database, and the full demo (3-7 minutes). A worker that
    switched between SQLite and PostgreSQL tests would tear them down and build them again
    at every switch, so on both databases each worker takes one database's tests, in the
    order a single process runs them, and the tests of neither go to whichever is free
    first. On one database (the clock-ahead pass) files are spread instead, and the files
    of the full demo stay together so it is built once. (xdist's --dist loadgroup marks do
    not take effect under pytest 9, which keeps a node's id where xdist no longer writes it.)
    """
    from xdist.scheduler import LoadScopeScheduling

    class ByDatabase(LoadScopeScheduling):
        by_backend: bool | None = None

        def schedule(self) -> None:
            if self.by_backend is None and self.collection_is_completed:
                ids = next(iter(self.registered_collections.values()))
                self.by_backend = {"sqlite", "postgres"} <= {backend_of(n) for n in ids}
            super().schedule()

        def _split_scope(self, nodeid: str) -> str:
            if self.by_backend:
                return backend_of(nodeid) or "neither"
            path = nodeid.split("::", 1)[0]
            return "full-demo" if path in FULL_DEMO_FILES else path

    return ByDatabase(config, log)


def drop_database(admin, name: str, attempts: int = 200) -> None:
    """Drop a scratch PostgreSQL database once only our own sessions could hold it.

    PostgreSQL's autovacuum may be analysing its new tables; its worker is no session the
    test role may end (DROP ... WITH (FORCE) is refused), so wait for it to leave.
    """
    from sqlalchemy.exc import ProgrammingError

    for _ in range(attempts):
        with admin.connect() as conn:
            try:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                return
            except ProgrammingError:
                conn.execute(text("SELECT pg_sleep(0.05)"))  # the worker is still there; look again
    raise AssertionError(f"scratch database {name} is still in use")


def base_config(url: str, tmp_path: Path) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "DATABASE_URL": url,
        "DATA_DIR": str(tmp_path / "data"),
        "BASE_URL": "http://localhost",
        # Small, stable checklists for tests; the shipped ones have their own tests.
        "CHECKLISTS_DIR": str(REPO / "tests" / "data" / "checklists"),
    }


def migrate(url: str, tmp_path: Path) -> None:
    """Build the schema with the real Alembic migrations (so they are tested too)."""
    from flask_migrate import upgrade

    app = create_app(base_config(url, tmp_path))
    with app.app_context():
        upgrade()
        db.engine.dispose()


@dataclass
class Database:
    backend: str
    url: str
    template: Path | None = None

    def fresh(self, tmp_path: Path) -> str:
        """Return the URL of an empty, migrated database for one test."""
        if self.backend == "sqlite":
            target = tmp_path / "test.sqlite3"
            shutil.copyfile(self.template, target)
            return f"sqlite:///{target}"
        engine = create_engine(normalize_database_url(self.url))
        with engine.begin() as conn:
            tables = (
                conn.execute(
                    text(
                        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
                    )
                )
                .scalars()
                .all()
            )
            if tables:
                # The audit chain refuses TRUNCATE (as it should); the test owner lifts that for the reset.
                conn.execute(
                    text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_truncate")
                )
                conn.execute(text("ALTER TABLE audit_head DISABLE TRIGGER audit_head_no_truncate"))
                conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
                conn.execute(
                    text("ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_truncate")
                )
                conn.execute(text("ALTER TABLE audit_head ENABLE TRIGGER audit_head_no_truncate"))
                conn.execute(
                    text(f"INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '{'0' * 64}')")
                )
        engine.dispose()
        return self.url


@pytest.fixture(scope="session", params=BACKENDS)
def database(request, tmp_path_factory):
    """One migrated database per backend for the whole session."""
    tmp = tmp_path_factory.mktemp(request.param)
    if request.param == "sqlite":
        template = tmp / "template.sqlite3"
        migrate(f"sqlite:///{template}", tmp)
        # Fold the WAL into the main file so a plain copy is a complete database.
        with sqlite3.connect(template) as conn:
            conn.execute("PRAGMA journal_mode=DELETE")
        yield Database("sqlite", "", template)
        return
    # PostgreSQL: CI must fail, not skip, when the server is unreachable.
    admin_url = make_url(normalize_database_url(PG_URL))
    name = f"fieldapp_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    try:
        migrate(url, tmp)
        yield Database("postgres", url)
    finally:
        try:
            drop_database(admin, name)
        finally:
            admin.dispose()


class Client(FlaskClient):
    """A test client that sends the CSRF token on state changes, as the pages do."""

    def open(self, *args, csrf: bool = True, **kwargs):
        method = (kwargs.get("method") or "GET").upper()
        headers = dict(kwargs.pop("headers", None) or {})
        if (
            csrf
            and method not in ("GET", "HEAD", "OPTIONS")
            and "X-CSRFToken" not in headers
            and not headers.get("Authorization", "").startswith("Bearer ")
        ):
            headers["X-CSRFToken"] = self.csrf_token()
        return super().open(*args, headers=headers, **kwargs)

    def csrf_token(self) -> str:
        page = super().open("/login", method="GET")
        return CSRF_RE.search(page.get_data(as_text=True)).group(1)

    def login(self, username: str, password: str = "password123"):
        return self.post("/login", data={"username": username, "password": password})


@pytest.fixture
def app(database, tmp_path):
    url = database.fresh(tmp_path)
    app = create_app(base_config(url, tmp_path))
    app.test_client_class = Client
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app) -> Client:
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def ctx(app):
    """An application context for calling domain code directly."""
    with app.app_context():
        yield


@pytest.fixture
def world(app) -> World:
    """A small district: two streets, grids, premises and one user per role."""
    with app.app_context():
        return build_world()


@pytest.fixture
def login(app):
    """Return a function that signs in as a world user and returns the client."""

    def _login(username: str) -> Client:
        client = app.test_client()
        resp = client.login(username)
        assert resp.status_code == 303, resp.get_data(as_text=True)
        return client

    return _login


@dataclass
class S3Server:
    """A local S3-compatible server (moto, real HTTP) and the settings that reach it."""

    endpoint_url: str

    def config(self, bucket: str) -> dict:
        return {
            "PHOTO_STORAGE": "s3",
            "S3_BUCKET": bucket,
            "S3_ENDPOINT_URL": self.endpoint_url,
            "S3_REGION": "us-east-1",
            "S3_ACCESS_KEY_ID": "testing",
            "S3_SECRET_ACCESS_KEY": "testing",
        }


@pytest.fixture(scope="session")
def s3_server():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield S3Server(f"http://{host}:{port}")
    server.stop()


@pytest.fixture
def s3_bucket(s3_server) -> dict:
    """A fresh bucket for one test; returns the app settings that use it."""
    from fieldapp.storage_s3 import from_config

    settings = s3_server.config(f"test-{uuid.uuid4().hex[:12]}")
    store = from_config(settings)
    store.client.create_bucket(Bucket=settings["S3_BUCKET"])
    store.client.close()
    return settings


def cheap_hash(password: str) -> str:
    """A scrypt hash with small parameters: demo logins still verify, the build does not wait on them."""
    from werkzeug.security import generate_password_hash

    return generate_password_hash(password, method="scrypt:1024:8:1")


@dataclass
class DemoSite:
    """The full default demo on one backend: where it is, its logins, how long it took to build."""

    backend: str
    url: str
    data_dir: Path
    logins: dict
    seed: int
    build_s: float
    counts: dict

    def config(self, url: str | None = None) -> dict:
        """App settings for this demo: the shipped checklists (the demo walks them), its photos."""
        cfg = base_config(url or self.url, self.data_dir.parent)
        cfg.pop("CHECKLISTS_DIR")
        cfg["DATA_DIR"] = str(self.data_dir)
        return cfg


@pytest.fixture(scope="session")
def demo_site(database, tmp_path_factory):
    """The default demo (1,091 units, history from the plan's start to the session's now), built once per backend."""
    import time

    from fieldapp import demo, demo_history

    from .clock import NOW

    tmp = tmp_path_factory.mktemp(f"demo-{database.backend}")
    admin = name = None
    if database.backend == "sqlite":
        path = tmp / "demo.sqlite3"
        shutil.copyfile(database.template, path)
        url = f"sqlite:///{path}"
    else:
        admin_url = make_url(normalize_database_url(PG_URL))
        name = f"fieldapp_demo_{uuid.uuid4().hex[:10]}"
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = admin_url.set(database=name).render_as_string(hide_password=False)
        migrate(url, tmp)
    site = DemoSite(database.backend, url, tmp / "data", {}, 2025, 0.0, {})
    app = create_app(site.config())
    try:
        with app.app_context():
            t0 = time.perf_counter()
            logins = demo.build(now=NOW, seed=site.seed, password_hasher=cheap_hash)
            site.counts = demo_history.build_history(
                visits=demo.default_visits(1091), seed=site.seed, now=NOW, pin_hasher=cheap_hash
            )
            site.build_s = time.perf_counter() - t0
            site.logins = {lg.username: lg for lg in logins}
            db.session.remove()
            db.engine.dispose()
        if database.backend == "sqlite":
            with sqlite3.connect(path) as conn:
                conn.execute(
                    "PRAGMA journal_mode=DELETE"
                )  # one file: a plain copy is the whole database
        yield site
    finally:
        if admin is not None:
            try:
                drop_database(admin, name)
            finally:
                admin.dispose()


@pytest.fixture
def demo_app(demo_site, tmp_path):
    """An app on the demo: a copy of it on SQLite, the session's demo database on PostgreSQL (pages only read it)."""
    url = demo_site.url
    if demo_site.backend == "sqlite":
        target = tmp_path / "demo.sqlite3"
        shutil.copyfile(demo_site.url.removeprefix("sqlite:///"), target)
        url = f"sqlite:///{target}"
    app = create_app(demo_site.config(url))
    app.test_client_class = Client
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
