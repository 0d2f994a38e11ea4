"""Checklist files: the checker, selection per premises, content hashes and version pinning."""

from __future__ import annotations

from pathlib import Path

import pytest

from fieldapp import checklist_versions, checklists, create_app, vocab
from fieldapp.clock import utcnow
from fieldapp.paths import CHECKLISTS_DIR

from ..conftest import REPO, base_config

TEST_DIR = REPO / "tests" / "data" / "checklists"

GOOD_ITEM = '''
[[sections.items]]
key = "{key}"
text = "安全出口畅通"
guidance = "看：出口。"
category = "fire"
basis = "《消防法》"
major = false
major_basis = ""
deadline_days = 0
photo_required = true
'''
GOOD = 'id = "demo"\nversion = 1\ntitle = "示例"\n[[sections]]\nkey = "fire"\ntitle = "消防"\n' + GOOD_ITEM.format(key="exits")


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder


BROKEN = [
    # (case, file text, where expected in the message, reason expected)
    ("unknown field", GOOD.replace('deadline_days = 0', 'deadline_days = 0\ncolour = "red"'), "sections.fire.exits", "未知字段“colour”"),
    ("duplicate key", GOOD + GOOD_ITEM.format(key="exits"), "sections.fire.exits", "检查项 key 重复：exits"),
    ("bad deadline", GOOD.replace("deadline_days = 0", "deadline_days = -3"), "sections.fire.exits", "deadline_days"),
    ("deadline too long", GOOD.replace("deadline_days = 0", "deadline_days = 400"), "sections.fire.exits", "0–180"),
    ("deadline as text", GOOD.replace("deadline_days = 0", 'deadline_days = "七天"'), "sections.fire.exits", "deadline_days"),
    ("missing text", GOOD.replace('text = "安全出口畅通"\n', ""), "sections.fire.exits", "缺少“text”"),
    ("empty text", GOOD.replace('text = "安全出口畅通"', 'text = "  "'), "sections.fire.exits", "缺少“text”"),
    ("unknown category", GOOD.replace('category = "fire"', 'category = "weather"'), "sections.fire.exits", "未知的类别“weather”"),
    ("major without basis", GOOD.replace("major = false", "major = true"), "sections.fire.exits", "缺少“major_basis”"),
    ("bad version", GOOD.replace("version = 1", "version = 0"), "version", "正整数"),
    ("bad id", GOOD.replace('id = "demo"', 'id = "Demo List"'), "id", "清单 id"),
    ("no sections", 'id = "demo"\nversion = 1\ntitle = "示例"\n', "sections", "至少需要一个"),
    ("unknown venue type", GOOD.replace("[[sections]]", '[[applies]]\nvenue_types = ["spaceport"]\n[[sections]]'), "applies[1]", "spaceport"),
    ("unknown industry", GOOD.replace("[[sections]]", '[[applies]]\nindustries = ["魔法"]\n[[sections]]'), "applies[1]", "魔法"),
    ("toml syntax", GOOD.replace('title = "示例"', 'title = "示例'), "", "TOML 格式错误"),
]


@pytest.mark.parametrize("case,text,where,reason", BROKEN, ids=[b[0] for b in BROKEN])
def test_checker_names_file_item_and_reason(tmp_path, case, text, where, reason):
    folder = write(tmp_path / "lists", "broken.toml", text)
    with pytest.raises(checklists.ChecklistError) as info:
        checklists.load_dir(folder)
    assert any(f == "broken.toml" and where in w and reason in r for f, w, r in info.value.problems), info.value.problems


@pytest.mark.parametrize("case,text,where,reason", BROKEN[:4], ids=[b[0] for b in BROKEN[:4]])
def test_cli_check_exits_nonzero_naming_the_file(runner, tmp_path, case, text, where, reason):
    folder = write(tmp_path / "lists", "broken.toml", text)
    result = runner.invoke(args=["checklists", "check", "--dir", str(folder)])
    assert result.exit_code == 1
    assert "broken.toml" in result.output and where in result.output and reason in result.output


def test_every_problem_is_reported_at_once(tmp_path):
    folder = write(tmp_path / "lists", "a.toml", BROKEN[0][1])
    write(folder, "b.toml", BROKEN[7][1])
    write(folder, "c.toml", GOOD)
    with pytest.raises(checklists.ChecklistError) as info:
        checklists.load_dir(folder)
    files = {f for f, _, _ in info.value.problems}
    assert files == {"a.toml", "b.toml"}  # both bad files, in one report


def test_duplicate_ids_across_files(tmp_path):
    folder = write(tmp_path / "lists", "a.toml", GOOD)
    write(folder, "b.toml", GOOD)
    with pytest.raises(checklists.ChecklistError) as info:
        checklists.load_dir(folder)
    assert any("重复" in r and f == "b.toml" for f, _, r in info.value.problems)


def test_app_refuses_to_start_on_a_bad_file_and_maintenance_commands_do_not(tmp_path):
    folder = write(tmp_path / "lists", "broken.toml", BROKEN[2][1])
    config = {**base_config("sqlite://", tmp_path), "CHECKLISTS_DIR": str(folder)}
    with pytest.raises(checklists.ChecklistError):
        create_app(config)
    lenient = create_app(config, strict_checklists=False)
    assert lenient.extensions["checklists"].all == ()


# --- selection -------------------------------------------------------------

SELECTION = [
    # venue_type, industry, size_class, hosts_tenants → checklist ids (test data)
    ("catering", "餐饮", "small_micro", False, {"general", "catering"}),
    ("small_manufacturing", "轻工", "small_micro", False, {"general", "major_hazards_gongmao"}),
    (None, "机械", "above_scale", False, {"general", "major_hazards_gongmao"}),
    (None, "机械", "medium", True, {"general", "major_hazards_gongmao", "landlord"}),
    (None, "商贸", "small_micro", False, {"general"}),
    (None, "商贸", "small_micro", True, {"general", "landlord"}),
    ("hotel", "住宿", "small_micro", False, {"general"}),
    ("catering", "机械", "small_micro", False, {"general", "catering"}),  # a venue is not matched by industry
]


@pytest.mark.parametrize("venue,industry,size,landlord,expected", SELECTION)
def test_selection(venue, industry, size, landlord, expected):
    registry = checklists.Registry(checklists.load_dir(TEST_DIR))
    assert {c.id for c in registry.for_premises(venue, industry, size, landlord)} == expected


def test_size_class_criterion(tmp_path):
    text = GOOD.replace("[[sections]]", '[[applies]]\nsize_classes = ["above_scale", "medium"]\n[[sections]]')
    registry = checklists.Registry(checklists.load_dir(write(tmp_path / "l", "a.toml", text)))
    assert registry.for_premises(None, "机械", "medium", False)
    assert not registry.for_premises(None, "机械", "small_micro", False)


# --- hashes, diff, version pinning ----------------------------------------

def test_content_hash_follows_content_not_formatting():
    a = checklists.parse(GOOD, "a.toml")
    b = checklists.parse(GOOD.replace("\n", "\n\n"), "b.toml")
    c = checklists.parse(GOOD.replace("安全出口畅通", "安全出口保持畅通"), "c.toml")
    assert a.content_hash == b.content_hash != c.content_hash


def test_diff_lists_added_removed_and_changed_fields():
    old = checklists.parse(GOOD + GOOD_ITEM.format(key="gone"), "o.toml").snapshot()
    new_text = GOOD.replace("deadline_days = 0", "deadline_days = 7") + GOOD_ITEM.format(key="fresh")
    new = checklists.parse(new_text.replace("version = 1", "version = 2"), "n.toml").snapshot()
    d = checklists.diff(old, new)
    assert [i["key"] for i in d["added"]] == ["fresh"]
    assert [i["key"] for i in d["removed"]] == ["gone"]
    assert d["changed"] == [{"key": "exits", "text": "安全出口畅通", "fields": {"deadline_days": (0, 7)}}]


def test_a_changed_file_with_the_same_version_is_refused(ctx, runner, tmp_path):
    first = checklists.parse(GOOD, "demo.toml")
    checklist_versions.ensure(first, utcnow())
    edited = checklists.parse(GOOD.replace("安全出口畅通", "安全出口基本畅通"), "demo.toml")
    with pytest.raises(checklist_versions.VersionConflict):
        checklist_versions.ensure(edited, utcnow())
    bumped = checklists.parse(GOOD.replace("安全出口畅通", "安全出口基本畅通").replace("version = 1", "version = 2"), "demo.toml")
    assert checklist_versions.ensure(bumped, utcnow()).version == 2
    from fieldapp.extensions import db

    db.session.commit()
    folder = write(tmp_path / "lists", "demo.toml", GOOD.replace("安全出口畅通", "安全出口基本畅通"))
    result = runner.invoke(args=["checklists", "check", "--dir", str(folder)])
    assert result.exit_code == 1 and "version 加 1" in result.output


# --- the shipped checklists -------------------------------------------------

def test_shipped_checklists_load_and_cover_every_venue_type():
    loaded = checklists.load_dir(CHECKLISTS_DIR)
    registry = checklists.Registry(loaded)
    keys = {(c.id, i.key) for c in loaded for i in c.items}
    texts = {i.text for c in loaded for i in c.items}
    assert len(keys) >= 100 and len(texts) >= 100
    for venue in vocab.VENUE_TYPES:
        applicable = registry.for_premises(venue, "其他", "small_micro", False)
        assert sum(len(c.items) for c in applicable) >= 10, venue
        assert len(applicable) >= 2, venue  # the general list and its own
    ids = {c.id for c in loaded}
    assert {"general", "enterprise_gbt33000", "site_5s_signage", "major_hazards_gongmao", "landlord"} <= ids
    categories = {i.category for c in loaded for i in c.items}
    assert {"target_duty", "rules", "training", "site", "risk_hazard", "emergency", "accident", "improvement",
            "fire", "gas", "electrical", "5s", "six_signage"} <= categories
    majors = [i for c in loaded for i in c.items if i.major]
    assert majors and all(i.major_basis for i in majors)
    catering = registry.get("catering")
    assert catering and any(i.category == "gas" for i in catering.items)
    assert registry.get("general").item("exits_clear") is not None


def test_shipped_texts_fit_a_phone():
    for c in checklists.load_dir(CHECKLISTS_DIR):
        for i in c.items:
            assert len(i.text) <= 60, (c.id, i.key, i.text)
            assert i.guidance, (c.id, i.key)
