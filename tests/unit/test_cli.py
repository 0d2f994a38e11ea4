"""The `fieldapp` command line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import User

BIN = Path(sys.executable).parent / "fieldapp"


def invoke(runner, *args, input=None):
    return runner.invoke(args=list(args), input=input)


@pytest.mark.parametrize(
    "args,check",
    [
        (
            ["inspector1", "--role", "inspector", "--grid", "SA-01", "--grid", "SB-02"],
            lambda u: sorted(g.code for g in u.grids) == ["SA-01", "SB-02"],
        ),
        (
            ["streetuser", "--role", "street", "--street", "甲街道"],
            lambda u: u.street.name == "甲街道",
        ),
        (
            ["deptuser", "--role", "department", "--industry", "餐饮"],
            lambda u: u.industry == "餐饮",
        ),
        (["boss", "--role", "district"], lambda u: u.role == "district"),
    ],
)
def test_user_create_reads_password_from_stdin(app, runner, world, args, check):
    result = invoke(runner, "user", "create", *args, input="a-long-password\n")
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == args[0]))
        assert check(user)
    assert app.test_client().login(args[0], "a-long-password").status_code == 303


def test_user_create_enterprise_scope(app, runner, world):
    result = invoke(
        runner,
        "user",
        "create",
        "owner2",
        "--role",
        "enterprise",
        "--enterprise",
        str(world.ents["b1"]),
        input="a-long-password\n",
    )
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    "args,message",
    [
        (["x", "--role", "street", "--street", "丙街道"], "街道必须存在"),
        (["x", "--role", "inspector"], "至少一个 --grid"),
        (["x", "--role", "inspector", "--grid", "ZZ-99"], "未知的网格：ZZ-99"),
        (["x", "--role", "department", "--industry", "魔法"], "--industry"),
        (["x", "--role", "enterprise", "--enterprise", "99999"], "企业必须存在"),
        (["district", "--role", "district"], "用户名已存在"),
    ],
)
def test_user_create_errors_in_chinese(runner, world, args, message):
    result = invoke(runner, "user", "create", *args, input="a-long-password\n")
    assert result.exit_code == 1 and message in result.output


def test_user_create_refuses_a_short_password(runner, world):
    result = invoke(runner, "user", "create", "shorty", "--role", "district", input="short\n")
    assert result.exit_code == 1 and "至少需要 8 个字符" in result.output


def test_user_disable_ends_sessions(app, runner, world, login):
    client = login("street_a")
    assert invoke(runner, "user", "disable", "street_a").exit_code == 0
    assert client.get("/enterprises").status_code == 303


def test_enterprise_import_refuses_a_bad_file_and_names_rows(runner, world, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        "名称,街道,行业领域,企业规模\n好企业,甲街道,餐饮,小微企业\n坏企业,火星街道,餐饮,小微企业\n",
        encoding="utf-8",
    )
    result = invoke(runner, "enterprise", "import", str(path))
    assert result.exit_code == 1
    assert (
        "第 3 行" in result.output
        and "未知的街道：火星街道" in result.output
        and "未导入任何数据" in result.output
    )
    ok = invoke(runner, "enterprise", "import", str(path), "--skip-invalid")
    assert ok.exit_code == 0 and "已导入 1 家" in ok.output


def test_console_script_end_to_end(tmp_path):
    """The installed `fieldapp` script: migrate, demo, user, export — configured by environment."""
    env = {
        **os.environ,
        "FIELDAPP_DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
        "FIELDAPP_SECRET_KEY": "cli-test",
        "FIELDAPP_DATA_DIR": str(tmp_path / "data"),
    }

    def run(*args, input=None):
        return subprocess.run(
            [str(BIN), *args], env=env, input=input, capture_output=True, text=True, timeout=120
        )

    assert run("db", "upgrade").returncode == 0
    demo = run("demo", "--enterprises", "40", "--seed", "3")
    assert demo.returncode == 0, demo.stderr
    assert "已生成演示数据" in demo.stdout and "street-ky" in demo.stdout
    again = run("demo", "--enterprises", "40", "--seed", "3", "--if-empty")
    assert again.returncode == 0 and "未重新生成" in again.stdout
    assert run("demo").returncode == 1
    assert (
        run("user", "create", "cli-user", "--role", "district", input="long-enough-pw\n").returncode
        == 0
    )
    out = run("enterprise", "export", str(tmp_path / "all.xlsx"))
    # The 40 premises, and the unit found in the field that field_samples has the office approve.
    assert out.returncode == 0 and "已导出 41 家" in out.stdout


def test_report_targets_loads_annex_1_once_and_keeps_edits(app, runner, world):
    from fieldapp.models import CampaignTarget, Street

    with app.app_context():
        db.session.get(Street, world.streets["A"]).name = "金龙街道"  # a street annex 1 names
        db.session.commit()
    first = invoke(runner, "report", "targets", "--year", "2026")
    assert (
        first.exit_code == 0
        and "载入 2026 年附件1目标 10 项" in first.output
        and "1 个街道与附件1同名" in first.output
    )
    # It prints the table it holds: annex 1's columns, a row per street and the 合计 row.
    lines = first.output.splitlines()
    assert lines[2].split("\t") == [
        "街道",
        "生产经营单位底数（家）",
        "样板街道数（个）",
        "标杆企业数（家）",
        "评审达标企业数（家）",
        "达标岗位数（个）",
    ]
    assert lines[3].split("\t") == ["金龙街道", "239", "1", "3", "7", "70"]
    assert lines[-1].split("\t") == ["合计", "239", "1", "3", "7", "70"]
    with app.app_context():
        got = {
            t.key: t.target
            for t in db.session.scalars(
                select(CampaignTarget).where(
                    CampaignTarget.street_id == world.streets["A"], CampaignTarget.year == 2026
                )
            )
        }
        assert got == {"base": 239, "sample_street": 1, "benchmark": 3, "reviewed": 7, "posts": 70}
        db.session.execute(
            db.update(CampaignTarget).where(CampaignTarget.key == "posts").values(target=99)
        )
        db.session.commit()
    again = invoke(runner, "report", "targets", "--year", "2026")
    assert again.exit_code == 0 and "载入 2026 年附件1目标 0 项" in again.output
    with app.app_context():
        assert set(
            db.session.scalars(select(CampaignTarget.target).where(CampaignTarget.key == "posts"))
        ) == {99}
    assert invoke(runner, "report", "targets", "--year", "1999").exit_code != 0


def test_user_password_resets_and_signs_the_user_out_everywhere(app, runner, world):
    web = app.test_client()
    assert web.login("inspector_a1").status_code == 303
    api = app.test_client()
    token = api.post(
        "/api/v1/auth/token", json={"username": "inspector_a1", "password": "password123"}
    ).json["token"]
    assert (
        invoke(runner, "user", "password", "inspector_a1", input="short\n").exit_code != 0
    )  # too short: nothing changes
    result = invoke(runner, "user", "password", "inspector_a1", input="a-brand-new-password\n")
    assert result.exit_code == 0 and "已失效" in result.output
    assert web.get("/inspect").status_code in (302, 303)  # the old browser session is gone
    assert (
        api.get("/api/v1/enterprises", headers={"Authorization": f"Bearer {token}"}).status_code
        == 401
    )
    assert app.test_client().login("inspector_a1", "password123").status_code == 401
    assert app.test_client().login("inspector_a1", "a-brand-new-password").status_code == 303
    assert invoke(runner, "user", "password", "nobody", input="a-long-password\n").exit_code != 0
