"""Checklist files: the checker, selection per premises, content hashes and version pinning."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from fieldapp import checklist_versions, checklists, create_app, vocab
from fieldapp.clock import utcnow
from fieldapp.paths import CHECKLISTS_DIR

from ..conftest import REPO, base_config

TEST_DIR = REPO / "tests" / "data" / "checklists"

GOOD_ITEM = """
[[sections.items]]
key = "{key}"
text = "安全出口畅通"
defect = "安全出口上锁或被杂物堵塞"
measure = "清走杂物、打开锁具，营业时保持安全出口畅通。"
guidance = "看：出口。"
category = "fire"
basis = "《消防法》"
major = false
major_basis = ""
deadline_days = 0
photo_required = true
"""
GOOD = (
    'id = "demo"\nversion = 1\ntitle = "示例"\n[[sections]]\nkey = "fire"\ntitle = "消防"\n'
    + GOOD_ITEM.format(key="exits")
)


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder


BROKEN = [
    # (case, file text, where expected in the message, reason expected)
    (
        "unknown field",
        GOOD.replace("deadline_days = 0", 'deadline_days = 0\ncolour = "red"'),
        "sections.fire.exits",
        "未知字段“colour”",
    ),
    (
        "duplicate key",
        GOOD + GOOD_ITEM.format(key="exits"),
        "sections.fire.exits",
        "检查项 key 重复：exits",
    ),
    (
        "bad deadline",
        GOOD.replace("deadline_days = 0", "deadline_days = -3"),
        "sections.fire.exits",
        "deadline_days",
    ),
    (
        "deadline too long",
        GOOD.replace("deadline_days = 0", "deadline_days = 400"),
        "sections.fire.exits",
        "0–180",
    ),
    (
        "deadline as text",
        GOOD.replace("deadline_days = 0", 'deadline_days = "七天"'),
        "sections.fire.exits",
        "deadline_days",
    ),
    (
        "missing text",
        GOOD.replace('text = "安全出口畅通"\n', ""),
        "sections.fire.exits",
        "缺少“text”",
    ),
    (
        "empty text",
        GOOD.replace('text = "安全出口畅通"', 'text = "  "'),
        "sections.fire.exits",
        "缺少“text”",
    ),
    (
        "unknown category",
        GOOD.replace('category = "fire"', 'category = "weather"'),
        "sections.fire.exits",
        "未知的类别“weather”",
    ),
    (
        "major without basis",
        GOOD.replace("major = false", "major = true"),
        "sections.fire.exits",
        "缺少“major_basis”",
    ),
    ("bad version", GOOD.replace("version = 1", "version = 0"), "version", "正整数"),
    ("bad id", GOOD.replace('id = "demo"', 'id = "Demo List"'), "id", "清单 id"),
    ("no sections", 'id = "demo"\nversion = 1\ntitle = "示例"\n', "sections", "至少需要一个"),
    (
        "unknown venue type",
        GOOD.replace("[[sections]]", '[[applies]]\nvenue_types = ["spaceport"]\n[[sections]]'),
        "applies[1]",
        "spaceport",
    ),
    (
        "unknown industry",
        GOOD.replace("[[sections]]", '[[applies]]\nindustries = ["魔法"]\n[[sections]]'),
        "applies[1]",
        "魔法",
    ),
    ("toml syntax", GOOD.replace('title = "示例"', 'title = "示例'), "", "TOML 格式错误"),
    # The fields of issues 17 and 18
    (
        "missing defect",
        GOOD.replace('defect = "安全出口上锁或被杂物堵塞"\n', ""),
        "sections.fire.exits",
        "缺少“defect”",
    ),
    (
        "missing measure",
        GOOD.replace('measure = "清走杂物、打开锁具，营业时保持安全出口畅通。"\n', ""),
        "sections.fire.exits",
        "缺少“measure”",
    ),
    (
        "defect copies text",
        GOOD.replace('defect = "安全出口上锁或被杂物堵塞"', 'defect = "安全出口畅通"'),
        "sections.fire.exits",
        "不能照抄检查内容",
    ),
    (
        "tautological measure",
        GOOD.replace(
            'measure = "清走杂物、打开锁具，营业时保持安全出口畅通。"',
            'measure = "按检查要求整改：安全出口畅通"',
        ),
        "sections.fire.exits",
        "应写明整改措施",
    ),
    (
        "defect as a flag",
        GOOD.replace('defect = "安全出口上锁或被杂物堵塞"', "defect = true"),
        "sections.fire.exits",
        "“defect”应为文字",
    ),
    (
        "needs_expert as text",
        GOOD.replace("major = false", 'major = false\nneeds_expert = "是"'),
        "sections.fire.exits",
        "“needs_expert”应为 true 或 false",
    ),
    (
        "unverified as text",
        GOOD.replace("major = false", "major = false\nunverified = 1"),
        "sections.fire.exits",
        "“unverified”应为 true 或 false",
    ),
    (
        "unknown fire element",
        GOOD.replace("major = false", 'major = false\nfire_element = "9.9.9"'),
        "sections.fire.exits",
        "fire_element",
    ),
    (
        "major basis without item",
        GOOD.replace(
            'major = false\nmajor_basis = ""', 'major = true\nmajor_basis = "应急管理部令第10号"'
        ),
        "sections.fire.exits",
        "须写明条和项",
    ),
    (
        "GB 35181 major without edition",
        GOOD.replace(
            'major = false\nmajor_basis = ""', 'major = true\nmajor_basis = "GB 35181-2017 第6.5条"'
        ),
        "sections.fire.exits",
        "注明版本",
    ),
    (
        "edition without dates",
        GOOD.replace('title = "示例"', 'title = "示例"\nedition = "GB 35181-2017"'),
        "edition",
        "valid_from",
    ),
    (
        "validity as text",
        GOOD.replace(
            'title = "示例"',
            'title = "示例"\nedition = "GB 35181-2017"\nvalid_until = "2025-10-31"',
        ),
        "valid_until",
        "应为日期",
    ),
    (
        "validity reversed",
        GOOD.replace(
            'title = "示例"',
            'title = "示例"\nedition = "X"\nvalid_from = 2025-11-01\nvalid_until = 2025-10-31',
        ),
        "valid_until",
        "早于",
    ),
    (
        "optional major",
        GOOD.replace(
            'major = false\nmajor_basis = ""',
            'major = true\nmajor_basis = "应急管理部令第10号第四条第（一）项"\noptional = true',
        ),
        "sections.fire.exits",
        "不能标为选答",
    ),
    (
        "optional as text",
        GOOD.replace("major = false", 'major = false\noptional = "是"'),
        "sections.fire.exits",
        "“optional”应为 true 或 false",
    ),
    (
        "item applies unknown industry",
        GOOD.replace("major = false", 'major = false\napplies = [{ industries = ["魔法"] }]'),
        "sections.fire.exits.applies[1]",
        "魔法",
    ),
]


@pytest.mark.parametrize("case,text,where,reason", BROKEN, ids=[b[0] for b in BROKEN])
def test_checker_names_file_item_and_reason(tmp_path, case, text, where, reason):
    folder = write(tmp_path / "lists", "broken.toml", text)
    with pytest.raises(checklists.ChecklistError) as info:
        checklists.load_dir(folder)
    assert any(
        f == "broken.toml" and where in w and reason in r for f, w, r in info.value.problems
    ), info.value.problems


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
    (
        "catering",
        "机械",
        "small_micro",
        False,
        {"general", "catering"},
    ),  # a venue is not matched by industry
]


@pytest.mark.parametrize("venue,industry,size,landlord,expected", SELECTION)
def test_selection(venue, industry, size, landlord, expected):
    registry = checklists.Registry(checklists.load_dir(TEST_DIR))
    assert {c.id for c in registry.for_premises(venue, industry, size, landlord)} == expected


def test_size_class_criterion(tmp_path):
    text = GOOD.replace(
        "[[sections]]", '[[applies]]\nsize_classes = ["above_scale", "medium"]\n[[sections]]'
    )
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
    new_text = GOOD.replace("deadline_days = 0", "deadline_days = 7") + GOOD_ITEM.format(
        key="fresh"
    )
    new = checklists.parse(new_text.replace("version = 1", "version = 2"), "n.toml").snapshot()
    d = checklists.diff(old, new)
    assert [i["key"] for i in d["added"]] == ["fresh"]
    assert [i["key"] for i in d["removed"]] == ["gone"]
    assert d["changed"] == [
        {"key": "exits", "text": "安全出口畅通", "fields": {"deadline_days": (0, 7)}}
    ]


def test_a_changed_file_with_the_same_version_is_refused(ctx, runner, tmp_path):
    first = checklists.parse(GOOD, "demo.toml")
    checklist_versions.ensure(first, utcnow())
    edited = checklists.parse(GOOD.replace("安全出口畅通", "安全出口基本畅通"), "demo.toml")
    with pytest.raises(checklist_versions.VersionConflict):
        checklist_versions.ensure(edited, utcnow())
    bumped = checklists.parse(
        GOOD.replace("安全出口畅通", "安全出口基本畅通").replace("version = 1", "version = 2"),
        "demo.toml",
    )
    assert checklist_versions.ensure(bumped, utcnow()).version == 2
    from fieldapp.extensions import db

    db.session.commit()
    folder = write(
        tmp_path / "lists", "demo.toml", GOOD.replace("安全出口畅通", "安全出口基本畅通")
    )
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
    assert {
        "general",
        "enterprise_gbt33000",
        "site_5s_signage",
        "major_hazards_gongmao",
        "landlord",
    } <= ids
    categories = {i.category for c in loaded for i in c.items}
    assert {
        "target_duty",
        "rules",
        "training",
        "site",
        "risk_hazard",
        "emergency",
        "accident",
        "improvement",
        "fire",
        "gas",
        "electrical",
        "5s",
        "six_signage",
    } <= categories
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


def test_check_reports_every_missing_new_field_at_once(runner, tmp_path):
    """`fieldapp checklists check` names file, item and reason for every problem in one run."""
    two_items = GOOD + GOOD_ITEM.format(key="lamps")
    text = two_items.replace('defect = "安全出口上锁或被杂物堵塞"\n', "", 1).replace(
        'measure = "清走杂物、打开锁具，营业时保持安全出口畅通。"\n', "", 2
    )
    folder = write(tmp_path / "lists", "broken.toml", text)
    write(
        folder,
        "also.toml",
        GOOD.replace('id = "demo"', 'id = "also"').replace(
            "major = false", 'major = false\nneeds_expert = "否"'
        ),
    )
    result = runner.invoke(args=["checklists", "check", "--dir", str(folder)])
    assert result.exit_code == 1
    out = result.output
    assert "检查清单有 4 处错误" in out
    assert "broken.toml：sections.fire.exits：缺少“defect”" in out
    assert "broken.toml：sections.fire.exits：缺少“measure”" in out
    assert "broken.toml：sections.fire.lamps：缺少“measure”" in out
    assert "also.toml：sections.fire.exits：“needs_expert”应为 true 或 false" in out


# --- editions by date and per-item scope -------------------------------------

EDITIONS = GOOD.replace('id = "demo"', 'id = "{id}"').replace(
    'title = "示例"', 'title = "示例"\nedition = "GB 35181-{year}"\n{validity}'
)


def edition_registry(tmp_path) -> checklists.Registry:
    folder = write(
        tmp_path / "e",
        "old.toml",
        EDITIONS.format(id="fire_old", year="2017", validity="valid_until = 2025-10-31"),
    )
    write(
        folder,
        "new.toml",
        EDITIONS.format(id="fire_new", year="2025", validity="valid_from = 2025-11-01"),
    )
    write(folder, "plain.toml", GOOD)
    return checklists.Registry(checklists.load_dir(folder))


@pytest.mark.parametrize(
    "day,expected",
    [
        (date(2025, 10, 31), {"demo", "fire_old"}),
        (date(2025, 11, 1), {"demo", "fire_new"}),
        (date(2024, 1, 1), {"demo", "fire_old"}),
        (date(2030, 1, 1), {"demo", "fire_new"}),
    ],
)
def test_selection_takes_the_edition_in_force_on_the_day(tmp_path, day, expected):
    registry = edition_registry(tmp_path)
    assert {
        c.id for c in registry.for_premises("shop", "商贸", "small_micro", False, day)
    } == expected


def test_selection_without_a_day_offers_every_edition(tmp_path):
    assert {
        c.id for c in edition_registry(tmp_path).for_premises("shop", "商贸", "small_micro", False)
    } == {"demo", "fire_old", "fire_new"}


def test_an_item_narrows_its_checklists_scope(tmp_path):
    text = GOOD + GOOD_ITEM.format(key="foundry").replace(
        "photo_required = true", 'photo_required = true\napplies = [{ industries = ["机械"] }]'
    )
    c = checklists.parse(text, "a.toml")
    assert [i.key for i in c.items_for(None, "机械", "medium", False)] == ["exits", "foundry"]
    assert [i.key for i in c.items_for(None, "轻工", "medium", False)] == ["exits"]
    # A checklist none of whose items applies is not offered at all.
    only = checklists.parse(
        GOOD.replace(
            "photo_required = true",
            'photo_required = true\napplies = [{ venue_types = ["hotel"] }]',
        ),
        "b.toml",
    )
    registry = checklists.Registry([only])
    assert registry.for_premises(
        "hotel", "住宿", "small_micro", False
    ) and not registry.for_premises("shop", "商贸", "small_micro", False)


def test_snapshot_keeps_the_new_fields_and_the_hash_follows_them():
    a = checklists.parse(GOOD, "a.toml")
    item = a.snapshot()["sections"][0]["items"][0]
    assert item["defect"] == "安全出口上锁或被杂物堵塞" and item["measure"].startswith("清走杂物")
    assert item["needs_expert"] is False and item["unverified"] is False
    b = checklists.parse(GOOD.replace("安全出口上锁或被杂物堵塞", "安全出口被锁"), "b.toml")
    assert a.content_hash != b.content_hash


def test_items_are_required_unless_marked_optional_and_old_hashes_stay():
    from fieldapp.contract.rules import ItemRules

    a = checklists.parse(GOOD, "a.toml")
    assert (
        "optional" not in a.snapshot()["sections"][0]["items"][0]
    )  # versions recorded before the field keep their hash
    assert ItemRules.of(a.sections[0].items[0]).required is True
    b = checklists.parse(GOOD.replace("major = false", "major = false\noptional = true"), "b.toml")
    assert (
        b.snapshot()["sections"][0]["items"][0]["optional"] is True
        and b.content_hash != a.content_hash
    )
    assert ItemRules.of(b.sections[0].items[0]).required is False


# --- the shipped checklists: the fields of issues 17 and 18 ----------------


def shipped() -> list[checklists.Checklist]:
    return checklists.load_dir(CHECKLISTS_DIR)


def test_every_shipped_item_has_a_defect_and_a_measure_worded_apart_from_its_text():
    items = [(c.id, i) for c in shipped() for i in c.items]
    assert len(items) >= 200
    for cid, i in items:
        assert i.defect and i.measure, (cid, i.key)
        assert i.defect != i.text and not i.measure.startswith("按检查要求整改"), (cid, i.key)
        assert len(i.defect) <= 120 and len(i.measure) <= 300, (cid, i.key)
    # Worded one by one, not generated: no two items share a defect or a measure, except the 2025
    # edition's items (the 2017 topics carried over) and the paint rooms of Art. 7 (机械) and Art. 8 (轻工).
    own = [i for cid, i in items if cid != "fire_major_2025"]
    assert len({i.defect for i in own}) == len(own) - 1
    assert len({i.measure for i in own}) == len(own) - 1


def test_every_shipped_major_names_article_and_item_or_is_marked_unverified():
    for c in shipped():
        for i in c.items:
            if not i.major:
                continue
            assert i.major_basis, (c.id, i.key)
            if "GB 35181" in i.major_basis:
                assert (
                    c.edition and c.edition in i.major_basis and (c.valid_from or c.valid_until)
                ), (c.id, i.key)
            if not i.unverified:
                assert i.source, (c.id, i.key)  # a verified clause says where it was checked


def test_shipped_fire_editions_switch_on_2025_11_01():
    registry = checklists.Registry(shipped())
    before = {
        c.id
        for c in registry.for_premises("hotel", "住宿", "small_micro", False, date(2025, 10, 31))
    }
    after = {
        c.id
        for c in registry.for_premises("hotel", "住宿", "small_micro", False, date(2025, 11, 1))
    }
    assert "fire_major_2017" in before and "fire_major_2025" not in before
    assert "fire_major_2025" in after and "fire_major_2017" not in after
    new = registry.get("fire_major_2025")
    assert all(i.unverified for i in new.items)  # the 2025 wording could not be checked
    old = registry.get("fire_major_2017")
    assert {i.major_basis.removeprefix("GB 35181-2017 ") for i in old.items} == {
        "第6.2条（直接判定要素）",
        "第6.4条（直接判定要素）",
        "第6.5条（直接判定要素）",
        "第6.6条（直接判定要素）",
        "第6.8条（直接判定要素）",
        "第6.9条（直接判定要素）",
        "第6.10条（直接判定要素）",
    }


# Order 10 (2023): every article and item the register's industries can meet.
ORDER10_ITEMS = {
    "第三条": ["一", "二", "三"],
    "第四条": ["一", "二", "三", "四"],
    "第五条": ["一", "二", "三", "四", "五", "六", "十一", "十二"],
    "第六条": ["一", "二", "三", "四", "五", "六", "七", "八"],
    "第七条": ["一", "二", "三", "四", "五", "六"],
    "第八条": ["一", "二", "三", "四", "五", "六"],
    "第九条": ["一", "二"],
    "第十条": ["一", "二"],
    "第十一条": ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"],
    "第十二条": ["一", "二"],
    "第十三条": ["一", "二"],
}


NUMERALS = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二", "十三"]


def cited_items(basis: str) -> set[tuple[str, str]]:
    """(article, item) pairs a major_basis names: 第五条第（四）项、第（五）项 and 第（六）项至第（十）项 ranges."""
    m = re.search(r"第10号(第[一二三四五六七八九十]+条)(.*)", basis)
    if not m:
        return set()
    article, rest = m.group(1), m.group(2)
    found = re.findall(r"第（([一二三四五六七八九十]+)）项(至)?", rest)
    out, prev_range = set(), None
    for n, is_range in found:
        if prev_range is not None:
            out.update(
                (article, x) for x in NUMERALS[NUMERALS.index(prev_range) : NUMERALS.index(n) + 1]
            )
        out.add((article, n))
        prev_range = n if is_range else None
    return out


def test_order10_is_covered_article_by_article():
    c = checklists.Registry(shipped()).get("major_hazards_gongmao")
    cited = set().union(*(cited_items(i.major_basis) for i in c.items))
    expected = {(article, n) for article, numbers in ORDER10_ITEMS.items() for n in numbers}
    assert expected <= cited, sorted(expected - cited)
    assert ("第五条", "八") in cited and (
        "第五条",
        "十三",
    ) in cited  # ranges and pairs are read right
    assert any("第十四条" in i.major_basis for i in c.items)
    assert all(i.major and "应急管理部令第10号" in i.major_basis for i in c.items)


@pytest.mark.parametrize(
    "industry,article",
    [
        ("冶金有色", "第四条"),
        ("冶金有色", "第五条"),
        ("建材", "第六条"),
        ("机械", "第七条"),
        ("轻工", "第八条"),
        ("纺织", "第九条"),
        ("烟草", "第十条"),
    ],
)
def test_industry_articles_apply_to_their_industry_only(industry, article):
    c = checklists.Registry(shipped()).get("major_hazards_gongmao")
    mine = [i for i in c.items if f"第10号{article}" in i.major_basis]
    assert mine
    for other in ("机械", "轻工", "纺织", "建材", "冶金有色", "烟草", "商贸"):
        applies = {i.key for i in c.items_for(None, other, "medium", False)}
        assert all((i.key in applies) == (other == industry) for i in mine), (article, other)


def test_gongmao_applies_to_trade_and_tobacco():
    registry = checklists.Registry(shipped())
    for industry in ("商贸", "烟草"):
        ids = {
            c.id
            for c in registry.for_premises(None, industry, "small_micro", False, date(2026, 1, 1))
        }
        assert "major_hazards_gongmao" in ids, industry
