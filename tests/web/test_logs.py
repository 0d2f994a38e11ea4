"""Access and security logs: what lands there, what never does, and how long it stays."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from fieldapp import create_app, logs
from fieldapp.config import ConfigError
from fieldapp.extensions import db
from fieldapp.models import Enterprise

from ..conftest import base_config

SECRET_PASSWORD = "Tr0ub4dor&3-secret"


def read(app, kind: str) -> list[dict]:
    """Every record of one log kind, checking each line is whole JSON."""
    out = []
    for path in sorted(Path(app.config["LOG_DIR"]).glob(f"{kind}-*.jsonl")):
        for line in path.read_text().splitlines():
            out.append(json.loads(line))
    return out


def raw(app) -> str:
    return "\n".join(p.read_text() for p in Path(app.config["LOG_DIR"]).glob("*.jsonl"))


def events(app, name: str) -> list[dict]:
    return [r for r in read(app, "security") if r["event"] == name]


def test_logs_live_under_the_data_dir_in_utc_day_files(app, client):
    assert client.get("/healthz").status_code == 200
    today = datetime.now(UTC).date().isoformat()
    assert Path(app.config["LOG_DIR"]) == Path(app.config["DATA_DIR"]) / "logs"
    assert (Path(app.config["LOG_DIR"]) / f"access-{today}.jsonl").is_file()
    (line,) = read(app, "access")
    assert line["path"] == "/healthz" and line["status"] == 200 and line["method"] == "GET"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", line["ts"])  # UTC, milliseconds
    assert line["user"] is None and line["ms"] >= 0 and re.fullmatch(r"[0-9a-f]{16}", line["ip"])


def test_failed_login_is_logged_without_the_name_or_password(app, client, world):
    assert (
        client.post(
            "/login", data={"username": "district", "password": SECRET_PASSWORD}
        ).status_code
        == 401
    )
    (failed,) = events(app, "login")
    assert failed["outcome"] == "failed" and failed["channel"] == "web" and failed["user"] is None
    assert re.fullmatch(r"[0-9a-f]{16}", failed["account"])  # correlatable, not readable
    text = raw(app)
    assert SECRET_PASSWORD not in text and "district" not in text
    assert "password" not in text and "username" not in text
    assert "127.0.0.1" not in text  # addresses are keyed hashes


def test_successful_and_throttled_logins_name_the_user_by_id_and_role(app, client, world):
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        client.post(
            "/api/v1/auth/token", json={"username": "district", "password": SECRET_PASSWORD}
        )
    assert (
        client.post(
            "/api/v1/auth/token", json={"username": "district", "password": "password123"}
        ).status_code
        == 429
    )
    resp = client.post(
        "/api/v1/auth/token", json={"username": "street_a", "password": "password123"}
    )
    token = resp.json["token"]
    logins = events(app, "login")
    assert [e["outcome"] for e in logins] == ["failed"] * 5 + ["throttled", "ok"]
    assert len({e["account"] for e in logins[:6]}) == 1  # one account under attack, visibly
    assert (logins[-1]["user"], logins[-1]["role"], logins[-1]["channel"]) == (
        world.users["street_a"],
        "street",
        "api",
    )
    client.get("/api/v1/enterprises", headers={"Authorization": f"Bearer {token}"})
    text = raw(app)
    assert token not in text and SECRET_PASSWORD not in text


def test_csrf_refusal_is_a_security_event(app, login, world):
    client = login("district")
    cookie = client.get_cookie("fieldapp_session").value
    assert (
        client.post(
            f"/enterprises/{world.ents['a1']}/edit", data={"name": "x"}, csrf=False
        ).status_code
        == 400
    )
    (refused,) = events(app, "csrf_refused")
    assert refused["user"] == world.users["district"] and refused["role"] == "district"
    assert (
        refused["path"] == f"/enterprises/{world.ents['a1']}/edit" and refused["method"] == "POST"
    )
    assert cookie not in raw(app)  # no session cookie, ever


def test_exports_are_logged_with_their_format(app, login, world):
    client = login("street_a")
    resp = client.get("/lists/rectification?format=csv&q=%E5%BC%A0%E4%B8%89")
    assert resp.status_code == 200 and resp.headers["Content-Disposition"].startswith("attachment")
    (download,) = events(app, "download")
    assert download["path"] == "/lists/rectification" and download["format"] == "csv"
    assert download["user"] == world.users["street_a"] and download["role"] == "street"
    assert "张三" not in raw(app) and "q=" not in raw(app)  # query strings are not written


def test_scope_refusals_are_logged(app, login, world):
    inspector = login("inspector_a1")
    assert inspector.get(f"/enterprises/{world.ents['b1']}").status_code == 404
    assert inspector.get("/audit").status_code in (403, 404)
    assert (
        inspector.get("/api/v1/enterprises", headers={"Authorization": "Bearer forged"}).status_code
        == 401
    )
    found = [
        (e["event"], e["status"])
        for e in read(app, "security")
        if e["event"] in ("not_found", "refused")
    ]
    assert ("not_found", 404) in found and ("refused", 401) in found
    assert (
        found[0] == ("not_found", 404)
        and events(app, "not_found")[0]["user"] == world.users["inspector_a1"]
    )


def test_placard_changes_are_logged_without_the_pin_or_token(app, login, world):
    with app.app_context():
        old_token = db.session.get(Enterprise, world.ents["a1"]).public_token
    street = login("street_a")
    html = street.post(f"/placards/{world.ents['a1']}/pin", data={"confirm": "1"}).get_data(
        as_text=True
    )
    pin = re.search(r'class="pin-digits">(\d{6})<', html).group(1)
    street.post(f"/placards/{world.ents['a1']}/rotate", data={"confirm": "1"})
    changes = [
        (e["event"], e["enterprise"], e["user"])
        for e in read(app, "security")
        if e["event"].startswith("placard.")
    ]
    assert changes == [
        ("placard.pin", world.ents["a1"], world.users["street_a"]),
        ("placard.rotate", world.ents["a1"], world.users["street_a"]),
    ]
    app.test_client().get(f"/q/{old_token}")  # the old capability link, now a 404
    app.test_client().get(f"/q/{old_token}/no-such-page")  # no route matched: still redacted
    text = raw(app)
    assert pin not in text and old_token not in text and "/q/{token}" in text


def test_days_older_than_retention_are_removed_and_newer_kept(tmp_path):
    today = date(2026, 11, 29)
    names = {
        "access-2026-05-28.jsonl": False,  # 185 days old: gone
        "security-2026-05-29.jsonl": False,  # 184 days: gone
        "security-2026-05-30.jsonl": True,  # exactly 183 days: kept
        "access-2026-11-28.jsonl": True,
        "access-2026-11-29.jsonl": True,
        "notes.txt": True,  # not ours: left alone
    }
    for name in names:
        (tmp_path / name).write_text("{}\n")
    assert logs.prune(tmp_path, 183, today) == [
        "access-2026-05-28.jsonl",
        "security-2026-05-29.jsonl",
    ]
    assert {p.name for p in tmp_path.iterdir()} == {n for n, keep in names.items() if keep}


def test_first_write_of_a_day_prunes_with_the_configured_retention(app, client):
    log_dir = Path(app.config["LOG_DIR"])
    log_dir.mkdir(parents=True)
    today = datetime.now(UTC).date()
    old = log_dir / f"security-{today - timedelta(days=191)}.jsonl"
    kept = log_dir / f"security-{today - timedelta(days=189)}.jsonl"
    old.write_text("{}\n")
    kept.write_text("{}\n")
    assert app.config["LOG_RETENTION_DAYS"] == 190
    client.get("/healthz")
    assert not old.exists() and kept.exists()


def test_retention_below_six_months_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="六个月"):
        create_app({**base_config("sqlite://", tmp_path), "LOG_RETENTION_DAYS": 90})


def test_stdout_mode_writes_json_lines_to_stdout(tmp_path):
    code = (
        "from fieldapp import create_app\n"
        f"app = create_app({{'SECRET_KEY': 'k', 'DATABASE_URL': 'sqlite://', 'DATA_DIR': {str(tmp_path)!r}, 'LOG_DIR': '-'}})\n"
        "app.test_client().get('/healthz')\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    (line,) = [json.loads(x) for x in out.splitlines() if x.startswith("{")]
    assert line["path"] == "/healthz" and line["status"] == 200
    assert not (tmp_path / "logs").exists()


def test_several_processes_appending_never_garble_or_lose_lines(tmp_path):
    """Four writers, long lines, one file: every line whole, none missing."""
    code = (
        "import sys\n"
        "from fieldapp.logs import Logs\n"
        f"log = Logs({str(tmp_path)!r}, 190, b'k')\n"
        "for i in range(400):\n"
        "    log.write('access', {'w': int(sys.argv[1]), 'i': i, 'pad': 'x' * (i * 37 % 9000)})\n"
    )
    procs = [subprocess.Popen([sys.executable, "-c", code, str(w)]) for w in range(4)]
    assert [p.wait() for p in procs] == [0] * 4
    (path,) = tmp_path.glob("access-*.jsonl")
    lines = [json.loads(x) for x in path.read_text().splitlines()]
    assert sorted((r["w"], r["i"]) for r in lines) == [(w, i) for w in range(4) for i in range(400)]


@pytest.mark.parametrize(
    "args,kind",
    [
        (["enterprise", "export", "{tmp}/all.csv"], "enterprises"),
        (["archive", "export", "{a1}", "--out", "{tmp}/a1.html"], "archive"),
        (
            ["report", "quarterly", "--year", "2026", "--quarter", "3", "--out", "{tmp}/q.xlsx"],
            "quarterly",
        ),
    ],
)
def test_command_line_exports_are_logged_too(app, world, tmp_path, args, kind):
    argv = [a.format(tmp=tmp_path, a1=world.ents["a1"]) for a in args]
    result = app.test_cli_runner().invoke(args=argv)
    assert result.exit_code == 0, result.output
    (export,) = events(app, "export")
    assert export["kind"] == kind and export["source"] == "cli"
    assert "甲一小吃店" not in raw(app)  # what was exported is not copied into the log


def test_a_day_file_removed_while_serving_is_created_again(app, client):
    client.get("/login")
    (path,) = Path(app.config["LOG_DIR"]).glob("access-*.jsonl")
    path.unlink()
    client.get("/login?next=/x")
    assert [r["path"] for r in read(app, "access")] == ["/login"]


def test_a_day_file_moved_away_while_serving_is_created_again(app, client):
    """A shipper that moves the day file away does not take the later lines with it."""
    client.get("/login")
    (path,) = Path(app.config["LOG_DIR"]).glob("access-*.jsonl")
    path.rename(path.with_suffix(".shipped"))
    client.get("/login?next=/x")
    assert [r["path"] for r in read(app, "access")] == ["/login"]


def test_a_descriptor_gone_bad_under_the_writer_loses_no_line(app, client):
    import os

    client.get("/login")
    (_day, fd) = app.extensions["logs"]._fds["access"]
    os.close(fd)  # as if closed elsewhere: the next write would fail with EBADF
    client.get("/login?next=/a")
    assert len(read(app, "access")) == 2


def test_many_requests_hold_one_descriptor_per_kind(app, client):
    import os

    client.get("/login")
    before = len(os.listdir("/proc/self/fd"))
    for _ in range(20):
        client.get("/login")
    assert len(os.listdir("/proc/self/fd")) == before
    assert len(read(app, "access")) == 21
