"""`fieldapp archive export | verify | import`: plain Chinese messages and exit codes."""

from __future__ import annotations

from sqlalchemy import select

from fieldapp import audit, create_app
from fieldapp.extensions import db
from fieldapp.models import Enterprise

from .. import images
from ..archive_factory import build_record
from ..conftest import base_config


def test_export_verify_and_import_from_the_command_line(app, runner, database, world, tmp_path):
    with app.app_context():
        ent_id = build_record(world)["enterprise_id"]
    out = tmp_path / "一企一档.html"
    result = runner.invoke(args=["archive", "export", str(ent_id), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert (
        "已导出一企一档" in result.output and out.is_file() and not list(tmp_path.glob(".*.part"))
    )
    result = runner.invoke(args=["archive", "verify", str(out)])
    assert result.exit_code == 0, result.output
    assert (
        "档案核验通过" in result.output and "链头" in result.output and "1 处间隔" in result.output
    )
    assert "阅读部分与封存摘要一致，且与按内嵌数据重新生成的页面逐字一致" in result.output

    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    target_dir = tmp_path / "target"
    target_dir.mkdir()
    target = create_app(base_config(database.fresh(target_dir), target_dir))
    result = target.test_cli_runner().invoke(args=["archive", "import", str(out)])
    assert result.exit_code == 0, result.output
    assert "已导入：甲一小吃店" in result.output and "请重新打印" in result.output
    result = target.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "审计链完整：11 条记录" in result.output
    with target.app_context():
        assert db.session.scalar(select(Enterprise.name)) == "甲一小吃店"
        assert audit.verify().ok
        db.session.remove()
        db.engine.dispose()


def test_export_of_an_unknown_enterprise_says_so(runner, world, tmp_path):
    result = runner.invoke(args=["archive", "export", "99999", "--out", str(tmp_path / "x.html")])
    assert result.exit_code == 1 and "错误：找不到企业 ID 99999" in result.output
    assert not (tmp_path / "x.html").exists()
    result = runner.invoke(
        args=["archive", "export", str(world.ents["a1"]), "--out", str(tmp_path / "no" / "x.html")]
    )
    assert result.exit_code == 1 and "错误：无法写入" in result.output


def test_verify_of_a_file_that_is_not_an_archive(runner, tmp_path):
    page = tmp_path / "page.html"
    page.write_text("<!doctype html><title>普通网页</title><p>你好</p>", encoding="utf-8")
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(images.jpeg(64, 48))
    for path, message in (
        (page, "不是一企一档档案文件"),
        (photo, "不是一企一档档案文件"),
        (tmp_path / "missing.html", "找不到文件"),
    ):
        result = runner.invoke(args=["archive", "verify", str(path)])
        assert result.exit_code == 1 and f"错误：{message}" in result.output, result.output


def test_verify_names_a_tampered_photo(app, runner, world, tmp_path):
    with app.app_context():
        ent_id = build_record(world)["enterprise_id"]
    out = tmp_path / "a.html"
    assert runner.invoke(args=["archive", "export", str(ent_id), "--out", str(out)]).exit_code == 0
    text = out.read_text(encoding="utf-8")
    start = text.index("data:image/jpeg;base64,") + 2000
    out.write_text(
        text[:start] + ("A" if text[start] != "A" else "B") + text[start + 1 :], encoding="utf-8"
    )
    result = runner.invoke(args=["archive", "verify", str(out)])
    assert (
        result.exit_code == 1
        and "档案核验未通过" in result.output
        and "照片 P1（原始照片 SHA-256" in result.output
    )


def test_import_into_a_database_with_records_is_refused(app, runner, world, tmp_path):
    with app.app_context():
        ent_id = build_record(world)["enterprise_id"]
    out = tmp_path / "a.html"
    assert runner.invoke(args=["archive", "export", str(ent_id), "--out", str(out)]).exit_code == 0
    result = runner.invoke(args=["archive", "import", str(out)])
    assert result.exit_code == 1 and "目标系统不是空的" in result.output
    with app.app_context():
        assert len(db.session.scalars(select(Enterprise)).all()) == 4


def test_verify_names_a_change_to_what_a_person_reads(app, runner, world, tmp_path):
    """Measured on main: a file whose every visible 待整改 read 已销号 passed archive verify."""
    with app.app_context():
        ent_id = build_record(world)["enterprise_id"]
    out = tmp_path / "a.html"
    assert runner.invoke(args=["archive", "export", str(ent_id), "--out", str(out)]).exit_code == 0
    text = out.read_text(encoding="utf-8")
    page, data = text.split('<template id="archive-data"', 1)
    assert "待整改" in page
    out.write_text(
        page.replace("待整改", "已销号") + '<template id="archive-data"' + data, encoding="utf-8"
    )
    result = runner.invoke(args=["archive", "verify", str(out)])
    assert result.exit_code == 1 and "档案核验未通过" in result.output
    assert "阅读部分（页面上的文字、标签或样式）与封存摘要不符" in result.output
    assert "“已销号”，按内嵌数据应为“待整改”" in result.output
