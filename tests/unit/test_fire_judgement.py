"""GB 35181 combined judgement (§5.3.2 of the 2017 edition): proposals from failed elements, per venue kind."""

from __future__ import annotations

from datetime import date

import pytest

from fieldapp import checklists, fire_judgement
from fieldapp.fire_judgement import Failed
from fieldapp.paths import CHECKLISTS_DIR

BEFORE, AFTER = date(2025, 10, 31), date(2025, 11, 1)


def failed(*elements: str) -> list[Failed]:
    return [Failed("general", f"item{n}", e, f"问题{n}") for n, e in enumerate(elements)]


CASES = [
    # case, venue kind, failed elements, expected rule ("a"–"d") or None
    ("crowded, 3 core elements", "crowded", ("7.3.3", "7.3.6", "7.9.3"), "a"),
    ("crowded, 2 core elements", "crowded", ("7.3.3", "7.3.6"), None),
    ("crowded, same element twice counts once", "crowded", ("7.3.3", "7.3.3", "7.3.6"), None),
    ("crowded, 7.3.10 is not a core element", "crowded", ("7.3.3", "7.3.6", "7.3.10"), None),
    ("crowded, 4 elements of any kind", "crowded", ("7.3.3", "7.3.6", "7.1.1", "7.9.4"), "c"),
    ("crowded, smoke control counts as core", "crowded", ("7.5", "7.3.2", "7.9.3"), "a"),
    ("flammable, 3 core elements", "flammable", ("7.1.1", "7.1.3", "7.4.6"), "b"),
    (
        "flammable, crowded core does not count as its core",
        "flammable",
        ("7.3.3", "7.3.6", "7.9.3"),
        None,
    ),
    ("flammable, 4 of any", "flammable", ("7.3.3", "7.3.6", "7.9.3", "7.9.4"), "c"),
    ("important, 4 of any", "important", ("7.1.1", "7.3.3", "7.3.6", "7.9.4"), "c"),
    ("important, 3 is not enough", "important", ("7.1.1", "7.3.3", "7.3.6"), None),
    ("other, 5 is not enough", "other", ("7.1.1", "7.1.3", "7.3.3", "7.3.6", "7.9.4"), None),
    ("other, 6 of any", "other", ("7.1.1", "7.1.3", "7.3.3", "7.3.6", "7.9.4", "7.9.5"), "d"),
    ("other, crowded core alone is not enough", "other", ("7.3.3", "7.3.6", "7.9.3"), None),
    ("nothing failed", "crowded", (), None),
]


@pytest.mark.parametrize("case,kind,elements,rule", CASES, ids=[c[0] for c in CASES])
def test_proposal_table(case, kind, elements, rule):
    p = fire_judgement.propose(failed(*elements), kind, BEFORE)
    if rule is None:
        assert p is None
        return
    assert p is not None and p.rule.startswith(f"第5.3.2条{rule}）")
    assert p.edition == "GB 35181-2017" and not p.unverified
    assert len(set(p.elements)) >= p.threshold
    # The counted items are listed, each with its element, and named in the defect wording.
    assert all("问题" in f.defect for f in p.counted) and all(
        f.defect in p.defect() for f in p.counted
    )


def test_from_2025_11_01_the_proposal_is_marked_unverified():
    p = fire_judgement.propose(failed("7.3.3", "7.3.6", "7.9.3"), "crowded", AFTER)
    assert p.edition == "GB 35181-2025" and p.unverified and "待核实" in p.basis()
    assert (
        fire_judgement.propose(failed("7.3.3", "7.3.6", "7.9.3"), "crowded", BEFORE).edition
        == "GB 35181-2017"
    )


@pytest.mark.parametrize(
    "venue,industry,employees,kind",
    [
        ("hotel", "住宿", 3, "crowded"),
        ("internet_cafe", "文化娱乐", 2, "crowded"),
        ("beauty_bath", "其他", 4, "crowded"),
        (None, "轻工", 120, "crowded"),  # labour-intensive workshop (消防法 Art. 73)
        (None, "轻工", 12, "other"),
        (None, "机械", 300, "other"),
        ("small_manufacturing", "纺织", 45, "crowded"),
        (None, "危险化学品", 20, "flammable"),
    ],
)
def test_default_venue_kind(venue, industry, employees, kind):
    assert fire_judgement.venue_kind_for(venue, industry, employees) == kind


def test_unknown_venue_kind_is_refused():
    with pytest.raises(ValueError):
        fire_judgement.propose([], "stadium", BEFORE)


def test_shipped_items_tag_known_elements_and_enough_of_them():
    tagged = [
        (c.id, i.key, i.fire_element)
        for c in checklists.load_dir(CHECKLISTS_DIR)
        for i in c.items
        if i.fire_element
    ]
    assert all(e in fire_judgement.ELEMENTS for _, _, e in tagged)
    general = {k: e for cid, k, e in tagged if cid == "general"}
    assert general["exits_clear"] == "7.3.3" and general["emergency_lighting"] == "7.3.6"
    assert general["fire_lane_clear"] == "7.1.1" and general["no_sleeping_mixed_use"] == "7.1.3"
    # A crowded venue failing the tagged general and catering items reaches rule a) on site.
    crowded_core = {e for _, _, e in tagged if fire_judgement._crowded_core(e)}
    assert len(crowded_core) >= 3


def test_rules_as_data_match_the_function():
    rules = fire_judgement.rules()
    assert [r["threshold"] for r in rules["rules"]] == [3, 3, 4, 6]
    assert set(rules["rules"][0]["elements"]) == {
        e for e in fire_judgement.ELEMENTS if fire_judgement._crowded_core(e)
    }
    assert (
        rules["editions"][0]["valid_until"] == "2025-10-31"
        and rules["editions"][1]["valid_from"] == "2025-11-01"
    )
