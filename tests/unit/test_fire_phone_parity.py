"""The phone proposes the GB 35181 combined judgement the server will accept: one table, both sides.

`tests/data/fire_cases.json` lists cases (venue kind, day, failed items) with the proposal
the server makes; `tests/js/walk-fire.test.mjs` runs the phone's code (static/js/walk-fire.js)
over the same table, with the rules the bundle ships (`tests/data/fire_rules.json`, checked
here to equal `fire_judgement.rules()`). Regenerate both files after a deliberate change to
the rules with `python -m tests.unit.test_fire_phone_parity`.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from fieldapp import fire_judgement
from fieldapp.fire_judgement import Failed

DATA = Path(__file__).resolve().parent.parent / "data"
CASES_FILE, RULES_FILE = DATA / "fire_cases.json", DATA / "fire_rules.json"

# name, venue kind, day, failed items as (checklist, item, element): the order is the walk's, not the proposal's.
TABLE = [
    (
        "crowded, 3 core elements",
        "crowded",
        "2025-06-01",
        [
            ("general", "exits_clear", "7.3.3"),
            ("general", "emergency_lighting", "7.3.6"),
            ("catering", "gas_cutoff", "7.9.3"),
        ],
    ),
    (
        "crowded, 2 core elements",
        "crowded",
        "2025-06-01",
        [("general", "exits_clear", "7.3.3"), ("general", "emergency_lighting", "7.3.6")],
    ),
    (
        "crowded, one element named by two items counts once",
        "crowded",
        "2025-06-01",
        [
            ("general", "exits_clear", "7.3.3"),
            ("shop", "roof_door", "7.3.3"),
            ("general", "emergency_lighting", "7.3.6"),
        ],
    ),
    (
        "crowded, both items of a counted element are listed",
        "crowded",
        "2025-06-01",
        [
            ("shop", "roof_door", "7.3.3"),
            ("general", "exits_clear", "7.3.3"),
            ("general", "emergency_lighting", "7.3.6"),
            ("catering", "gas_cutoff", "7.9.3"),
        ],
    ),
    (
        "crowded, 7.3.10 is not a core element",
        "crowded",
        "2025-06-01",
        [
            ("general", "exits_clear", "7.3.3"),
            ("general", "emergency_lighting", "7.3.6"),
            ("general", "windows_no_bars", "7.3.10"),
        ],
    ),
    (
        "crowded, 4 elements of any kind",
        "crowded",
        "2025-06-01",
        [
            ("general", "wiring", "7.9.4"),
            ("general", "exits_clear", "7.3.3"),
            ("general", "fire_lane", "7.1.1"),
            ("general", "emergency_lighting", "7.3.6"),
        ],
    ),
    (
        "crowded, smoke control counts as core",
        "crowded",
        "2025-06-01",
        [("a", "smoke", "7.5"), ("a", "stairs", "7.3.2"), ("b", "gas", "7.9.3")],
    ),
    (
        "crowded, 7.3.10 sorts after 7.3.9",
        "crowded",
        "2025-06-01",
        [("a", "x10", "7.3.10"), ("a", "x9", "7.3.9"), ("a", "x1", "7.3.1"), ("a", "x2", "7.1.2")],
    ),
    (
        "flammable, 3 core elements",
        "flammable",
        "2025-06-01",
        [("c", "lane", "7.1.1"), ("c", "dorm", "7.1.3"), ("c", "sprinkler", "7.4.6")],
    ),
    (
        "flammable, crowded core does not count as its core",
        "flammable",
        "2025-06-01",
        [("a", "exits", "7.3.3"), ("a", "lighting", "7.3.6"), ("a", "gas", "7.9.3")],
    ),
    (
        "flammable, 4 of any",
        "flammable",
        "2025-06-01",
        [
            ("a", "exits", "7.3.3"),
            ("a", "lighting", "7.3.6"),
            ("a", "gas", "7.9.3"),
            ("a", "wiring", "7.9.4"),
        ],
    ),
    (
        "important, 4 of any",
        "important",
        "2025-06-01",
        [
            ("a", "lane", "7.1.1"),
            ("a", "exits", "7.3.3"),
            ("a", "lighting", "7.3.6"),
            ("a", "wiring", "7.9.4"),
        ],
    ),
    (
        "important, 3 is not enough",
        "important",
        "2025-06-01",
        [("a", "lane", "7.1.1"), ("a", "exits", "7.3.3"), ("a", "lighting", "7.3.6")],
    ),
    (
        "other, 5 is not enough",
        "other",
        "2025-06-01",
        [
            ("a", "e1", "7.1.1"),
            ("a", "e2", "7.1.3"),
            ("a", "e3", "7.3.3"),
            ("a", "e4", "7.3.6"),
            ("a", "e5", "7.9.4"),
        ],
    ),
    (
        "other, 6 of any",
        "other",
        "2025-06-01",
        [
            ("a", "e1", "7.1.1"),
            ("a", "e2", "7.1.3"),
            ("a", "e3", "7.3.3"),
            ("a", "e4", "7.3.6"),
            ("a", "e5", "7.9.4"),
            ("a", "e6", "7.9.5"),
        ],
    ),
    (
        "other, an unknown element code is ignored",
        "other",
        "2025-06-01",
        [
            ("a", "e1", "7.1.1"),
            ("a", "e2", "7.1.3"),
            ("a", "e3", "7.3.3"),
            ("a", "e4", "7.3.6"),
            ("a", "e5", "7.9.4"),
            ("a", "e6", "9.9.9"),
        ],
    ),
    (
        "other, crowded core alone is not enough",
        "other",
        "2025-06-01",
        [("a", "exits", "7.3.3"), ("a", "lighting", "7.3.6"), ("a", "gas", "7.9.3")],
    ),
    (
        "last day of the 2017 edition",
        "crowded",
        "2025-10-31",
        [("a", "exits", "7.3.3"), ("a", "lighting", "7.3.6"), ("a", "gas", "7.9.3")],
    ),
    (
        "from 2025-11-01 on the 2017 elements, marked unverified",
        "crowded",
        "2025-11-01",
        [("a", "exits", "7.3.3"), ("a", "lighting", "7.3.6"), ("a", "gas", "7.9.3")],
    ),
    ("nothing failed", "crowded", "2025-06-01", []),
]


def server_answer(kind: str, day: str, failed: list[tuple[str, str, str]]) -> dict | None:
    rows = [Failed(c, i, e, f"{i} 的隐患表述") for c, i, e in failed]
    p = fire_judgement.propose(rows, kind, date.fromisoformat(day))
    if p is None:
        return None
    return {
        "edition": p.edition,
        "rule": p.rule,
        "threshold": p.threshold,
        "unverified": p.unverified,
        "elements": p.elements,
        "counted": [[f.checklist, f.item, f.element] for f in p.counted],
        "defect": p.defect(),
    }


def build() -> tuple[list[dict], dict]:
    cases = [
        {
            "name": n,
            "venue_kind": k,
            "day": d,
            "failed": [list(f) for f in failed],
            "expect": server_answer(k, d, failed),
        }
        for n, k, d, failed in TABLE
    ]
    return cases, fire_judgement.rules()


def test_the_rules_the_bundle_ships_are_the_files_the_phone_tests_read():
    assert json.loads(RULES_FILE.read_text(encoding="utf-8")) == json.loads(
        json.dumps(fire_judgement.rules())
    ), "regenerate with: python -m tests.unit.test_fire_phone_parity"


def cases() -> list[dict]:
    return json.loads(CASES_FILE.read_text(encoding="utf-8")) if CASES_FILE.exists() else []


@pytest.mark.parametrize("case", cases(), ids=lambda c: c["name"])
def test_the_server_makes_the_proposal_of_the_table(case):
    assert (
        server_answer(case["venue_kind"], case["day"], [tuple(f) for f in case["failed"]])
        == case["expect"]
    )


def test_the_table_covers_every_rule_and_both_editions():
    cases = json.loads(CASES_FILE.read_text(encoding="utf-8"))
    assert [c["name"] for c in cases] == [t[0] for t in TABLE], (
        "regenerate with: python -m tests.unit.test_fire_phone_parity"
    )
    rules = {c["expect"]["rule"][:9] for c in cases if c["expect"]}
    assert rules == {f"第5.3.2条{x}）" for x in "abcd"}
    assert {c["expect"]["edition"] for c in cases if c["expect"]} == {
        fire_judgement.EDITION_2017,
        fire_judgement.EDITION_2025,
    }
    assert sum(c["expect"] is None for c in cases) >= 5


if __name__ == "__main__":
    table, rules = build()
    CASES_FILE.write_text(json.dumps(table, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    RULES_FILE.write_text(json.dumps(rules, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {CASES_FILE} ({len(table)} cases) and {RULES_FILE}")
