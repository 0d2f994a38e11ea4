"""一企一档 on the web: who may download, scope, and the street or grid ZIP built with progress."""

from __future__ import annotations

import hashlib
import io
import logging
import re
import zipfile

import pytest

from fieldapp.archive import verify
from fieldapp.extensions import db

from ..archive_factory import build_record
from ..factories import make_enterprise

BUTTON = "下载一企一档"


@pytest.fixture
def record(app, world):
    with app.app_context():
        return build_record(world)


def test_office_roles_and_the_enterprise_get_a_file_that_verifies(login, world, record):
    ent = world.ents["a1"]
    # Department users are read-only but in scope: reading the archive is all this is.
    for username in ("street_a", "district", "dept_catering", "owner_a1"):
        client = login(username)
        assert BUTTON in client.get(f"/enterprises/{ent}").get_data(as_text=True), username
        with client.get(f"/enterprises/{ent}/archive") as resp:
            assert resp.status_code == 200, username
            disposition = resp.headers["Content-Disposition"]
            assert resp.mimetype == "text/html" and resp.headers["Cache-Control"] == "no-store"
            assert "attachment" in disposition and "filename*=UTF-8''" in disposition
            assert verify.verify_bytes(resp.get_data()).ok


@pytest.mark.parametrize(
    "username,status",
    [
        ("inspector_a1", 403),  # field staff work from the premises page
        ("street_b", 404),  # out of scope: the same 404 as an unknown premises
        ("inspector_b1", 404),
        ("dept_catering", 404),  # a2 is not in the catering industry
    ],
)
def test_others_get_no_button_and_no_file(login, world, username, status):
    client = login(username)
    ent = world.ents["a1"] if username != "dept_catering" else world.ents["a2"]
    page = client.get(f"/enterprises/{ent}")
    assert page.status_code == 404 or BUTTON not in page.get_data(as_text=True)
    assert client.get(f"/enterprises/{ent}/archive").status_code == status


def test_an_enterprise_downloads_only_its_own(app, login, world, record):
    with app.app_context():
        # A tenant of a1 is in the landlord account's scope, but its archive is the tenant's.
        from fieldapp.models import Enterprise, Street

        a1 = db.session.get(Enterprise, world.ents["a1"])
        a1.hosts_tenants = True
        tenant = make_enterprise(
            db.session.get(Street, world.streets["A"]), landlord_id=a1.id, name="租户小店"
        )
        db.session.commit()
        tenant_id = tenant.id
    client = login("owner_a1")
    assert client.get(f"/enterprises/{tenant_id}").status_code == 200
    assert client.get(f"/enterprises/{tenant_id}/archive").status_code == 403
    assert client.get(f"/enterprises/{world.ents['b1']}/archive").status_code == 404


def test_anonymous_is_sent_to_login(client, world):
    resp = client.get(f"/enterprises/{world.ents['a1']}/archive")
    assert resp.status_code == 303 and "/login" in resp.headers["Location"]


def _step(client, job_url: str) -> str:
    resp = client.post(f"{job_url}/step", headers={"HX-Request": "true"})
    assert resp.status_code == 200
    return resp.get_data(as_text=True)


def test_street_zip_is_built_in_steps_with_progress(app, login, world, record):
    app.config["ARCHIVE_STEP_SECONDS"] = 0  # one archive per step, so the progress shows
    client = login("street_a")
    page = client.get("/archive/bulk").get_data(as_text=True)
    assert "甲街道" in page and "SA-01" in page and "乙街道" not in page and "SB-01" not in page
    assert "批量导出一企一档" in client.get("/enterprises").get_data(as_text=True)
    resp = client.post("/archive/bulk", data={"scope": "street:甲街道"})
    assert resp.status_code == 303
    job_url = resp.headers["Location"]
    first = client.get(job_url).get_data(as_text=True)
    assert "已生成 0 / 2 份" in first and 'hx-trigger="load' in first
    progress = _step(client, job_url)
    assert "已生成 1 / 2 份" in progress and "hx-post" in progress and "下载 ZIP" not in progress
    progress = _step(client, job_url)
    assert "已生成 2 / 2 份" in progress and "下载 ZIP" in progress and "hx-post" not in progress
    with client.get(f"{job_url}/download") as resp:
        assert resp.status_code == 200 and resp.mimetype == "application/zip"
        data = resp.get_data()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = zf.namelist()
        assert len(names) == 3 and names[-1] == "SHA256SUMS.txt"
        sums = dict(
            line.split("  ", 1)[::-1] for line in zf.read("SHA256SUMS.txt").decode().splitlines()
        )
        for name in names[:-1]:
            body = zf.read(name)
            assert hashlib.sha256(body).hexdigest() == sums[name] and verify.verify_bytes(body).ok
    assert any("甲一小吃店" in n for n in names) and any("甲二机械厂" in n for n in names)
    # The job is its starter's only.
    assert login("district").get(job_url).status_code == 404
    assert login("street_b").post(f"{job_url}/step").status_code == 404


def test_a_step_without_javascript_redirects_back_to_the_progress_page(app, login, world):
    app.config["ARCHIVE_STEP_SECONDS"] = 0
    client = login("district")
    job_url = client.post("/archive/bulk", data={"scope": "grid:SB-01"}).headers["Location"]
    resp = client.post(f"{job_url}/step")
    assert resp.status_code == 303 and resp.headers["Location"].endswith(job_url.rsplit("/", 1)[-1])
    assert "已生成 1 / 1 份" in client.get(job_url).get_data(as_text=True)
    with client.get(f"{job_url}/download") as resp:
        assert resp.status_code == 200


@pytest.mark.parametrize(
    "username,scope,status",
    [
        ("street_a", "street:乙街道", 404),
        ("street_a", "grid:SB-01", 404),
        ("street_a", "grid:ZZ-99", 404),
        ("street_a", "", 422),
        ("inspector_a1", "grid:SA-01", 403),
        ("dept_catering", "street:甲街道", 403),
        ("owner_a1", "street:甲街道", 403),
    ],
)
def test_bulk_export_scope_and_roles(login, world, username, scope, status):
    resp = login(username).post("/archive/bulk", data={"scope": scope})
    assert resp.status_code == status
    if status == 422:
        assert "请选择要导出的街道或网格" in resp.get_data(as_text=True)


def test_unknown_job_ids_are_404(login, world):
    client = login("district")
    for job in ("0" * 32, "../../etc", "not-a-job"):
        assert client.get(f"/archive/bulk/{job}").status_code == 404
        assert client.get(f"/archive/bulk/{job}/download").status_code == 404


class Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.INFO)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def test_the_log_names_no_one(app, login, world, record):
    handler = Collect()
    app.logger.addHandler(handler)
    level = app.logger.level
    app.logger.setLevel(logging.INFO)
    try:
        with login("street_a").get(f"/enterprises/{world.ents['a1']}/archive") as resp:
            assert resp.status_code == 200
    finally:
        app.logger.removeHandler(handler)
        app.logger.setLevel(level)
    logged = " ".join(handler.messages)
    assert "archive export" in logged
    assert not re.search("甲一小吃店|张三|13800000000|inspector_a1", logged)
