"""Nothing tied to one server's disk: two app servers share the database and the object store.

A street's bulk archive export started on one server is stepped, polled and
downloaded through the other, as a load balancer would route the requests. Each
server has its own empty DATA_DIR, so anything kept on a local disk would be lost.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
import threading
import zipfile
from contextlib import contextmanager
from http.cookiejar import CookieJar
from urllib.parse import urlencode
from urllib.request import HTTPCookieProcessor, HTTPErrorProcessor, Request, build_opener

import pytest
from werkzeug.serving import make_server

from fieldapp import create_app
from fieldapp.archive import verify
from fieldapp.extensions import db

from ..archive_factory import build_record
from ..conftest import CSRF_RE, base_config
from ..factories import build_world


@contextmanager
def serving(app):
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    server.daemon_threads, server.block_on_close = False, True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


class NoRedirect(HTTPErrorProcessor):
    def http_response(self, request, response):
        return response

    https_response = http_response


class Browser:
    """One user's browser: one cookie jar, whichever server answers."""

    def __init__(self):
        self.opener = build_opener(HTTPCookieProcessor(CookieJar()), NoRedirect())
        self.csrf = ""

    def get(self, url: str):
        with self.opener.open(url, timeout=30) as resp:
            return resp.status, resp.headers, resp.read()

    def post(self, url: str, data: dict | None = None):
        body = urlencode({"csrf_token": self.csrf, **(data or {})}).encode()
        with self.opener.open(Request(url, data=body, method="POST"), timeout=30) as resp:
            return resp.status, resp.headers, resp.read()

    def login(self, base: str, username: str) -> None:
        _, _, page = self.get(f"{base}/login")
        self.csrf = CSRF_RE.search(page.decode()).group(1)
        status, _, _ = self.post(f"{base}/login", {"username": username, "password": "password123"})
        assert status == 303
        _, _, page = self.get(f"{base}/archive/bulk")
        self.csrf = CSRF_RE.search(page.decode()).group(1)


@pytest.fixture
def two_servers(database, tmp_path, s3_bucket):
    url = database.fresh(tmp_path)
    apps = []
    for name in ("one", "two"):
        config = {**base_config(url, tmp_path / name), **s3_bucket, "ARCHIVE_STEP_SECONDS": 0}
        apps.append(create_app(config))
    with apps[0].app_context():
        world = build_world()
        build_record(world)
    with serving(apps[0]) as one, serving(apps[1]) as two:
        yield one, two, tmp_path
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        for store in ("photo_storage", "job_storage"):
            if store in app.extensions:
                app.extensions[store].client.close()


def test_a_bulk_export_started_on_one_server_finishes_through_the_other(two_servers):
    one, two, tmp_path = two_servers
    browser = Browser()
    browser.login(one, "street_a")
    status, headers, _ = browser.post(f"{one}/archive/bulk", {"scope": "street:甲街道"})
    assert status == 303
    job = headers["Location"].rsplit("/", 1)[-1]
    for _ in range(2):  # one archive per step, each step on the other server
        status, _, body = browser.post(f"{two}/archive/bulk/{job}/step")
        assert status == 303
    status, _, page = browser.get(f"{one}/archive/bulk/{job}")
    assert status == 200 and "已生成 2 / 2 份" in page.decode()
    status, headers, data = browser.get(f"{two}/archive/bulk/{job}/download")
    assert status == 200 and headers["Content-Type"] == "application/zip"
    assert re.search(r"filename\*=UTF-8''%E4%B8%80", headers["Content-Disposition"])
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = zf.namelist()
        sums = dict(
            line.split("  ", 1)[::-1] for line in zf.read("SHA256SUMS.txt").decode().splitlines()
        )
        assert len(names) == 3 and names[-1] == "SHA256SUMS.txt"
        for name in names[:-1]:
            body = zf.read(name)
            assert hashlib.sha256(body).hexdigest() == sums[name] and verify.verify_bytes(body).ok
    for name in (
        "one",
        "two",
    ):  # nothing of the job on either server's disk (each keeps its own logs)
        assert [p.name for p in (tmp_path / name / "data").iterdir()] == ["logs"]
