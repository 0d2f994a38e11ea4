"""Annex 1's targets per phase and the street's annual assessment: each figure from its own records, as of a given `now`.

The subject is the 2025 plan's calendar, so its dates are named; every call passes its own `now`.
Street A (甲街道) carries the records; street B's records sit beside them and must never count for A.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from werkzeug.exceptions import NotFound

from fieldapp import assessment, phase_targets, targets

from ..assessment_data import AFTER_YEAR, MID_YEAR, SH, at, build_2025, user

PLAN_TEXT = Path(__file__).resolve().parents[2] / "docs" / "district-plan-2025.txt"


@pytest.fixture
def year2025(ctx, world):
    return build_2025(world)


def names(uuids, world_hazards) -> set[str]:
    by_uuid = {v: k for k, v in world_hazards.items()}
    return {by_uuid[u] for u in uuids}


@pytest.mark.parametrize(
    "now,expected,rates",
    [
        (
            AFTER_YEAR,
            {
                "found": {
                    "on_time",
                    "late",
                    "overdue",
                    "awaiting",
                    "open",
                    "closed_next_year",
                    "self",
                },
                "self_found": {"self"},
                "major": {"overdue"},
                "closed": {"on_time", "late", "self"},
                "closed_late": {"late"},
                "awaiting": {"awaiting"},
                "open": {"overdue", "open", "closed_next_year"},
                "overdue": {"overdue", "closed_next_year"},
            },
            (Decimal("42.9"), Decimal("28.6")),
        ),
        # Mid-year: only what was raised by then; the major one is open but not yet past its deadline.
        (
            MID_YEAR,
            {
                "found": {"on_time", "late", "self", "overdue"},
                "self_found": {"self"},
                "major": {"overdue"},
                "closed": {"on_time", "late", "self"},
                "closed_late": {"late"},
                "awaiting": set(),
                "open": {"overdue"},
                "overdue": set(),
            },
            (Decimal("75.0"), Decimal("50.0")),
        ),
    ],
    ids=["after-the-year", "mid-year"],
)
def test_closed_loop_figures_each_count_their_own_hazards(year2025, world, now, expected, rates):
    a = assessment.assess(user(world, "district"), year2025.street, 2025, now=now)
    got = {key: names(ids, year2025.hazards) for key, ids in a.loop.ids.items()}
    assert got == expected
    assert (a.loop.rectification_rate, a.loop.on_time_rate) == rates


def test_the_drill_down_lists_exactly_the_hazards_behind_a_figure(year2025, world):
    page = assessment.loop_hazards(
        user(world, "street_a"), year2025.street, 2025, "overdue", now=AFTER_YEAR
    )
    assert {h.uuid for h in page.hazards} == {
        year2025.hazards["overdue"],
        year2025.hazards["closed_next_year"],
    }
    assert page.total == 2 and page.as_of == datetime(2026, 1, 1, tzinfo=SH)
    with pytest.raises(NotFound):
        assessment.loop_hazards(
            user(world, "street_a"), year2025.street, 2025, "nonsense", now=AFTER_YEAR
        )


def test_plan_filings_are_on_time_late_or_missing_with_the_first_filings_receipt(year2025, world):
    import hashlib

    a = assessment.assess(user(world, "street_a"), year2025.street, 2025, now=AFTER_YEAR)
    by_key = {line.req.key: line for line in a.filings}
    assert len(by_key) == 14  # every requirement of the 2025 plan applies to a street
    assert {k: line.status for k, line in by_key.items() if line.status != "missing"} == {
        "plan": "on_time",
        "evaluation": "late",
        "supervise_report": "on_time",
    }  # filed 23:30 on its due day
    assert by_key["enforce_report"].status == "missing"  # street B's filing is B's
    assert by_key["plan"].first.sha256 == hashlib.sha256(year2025.plan_pdf).hexdigest()
    assert (by_key["supervise_report"].count, by_key["supervise_report"].first.note) == (
        2,
        "督导帮扶 12 家",
    )
    assert a.tally(a.filings) == {"on_time": 2, "late": 1, "missing": 11, "due": 0}


def test_quarter_filings_are_judged_by_their_first_version_against_the_plans_due_day(
    year2025, world
):
    a = assessment.assess(user(world, "street_a"), year2025.street, 2025, now=AFTER_YEAR)
    got = [
        (q.quarter, q.due_on, q.status, q.versions, q.latest.version if q.latest else None)
        for q in a.quarters
    ]
    assert got == [
        (1, date(2025, 4, 1), "on_time", 1, 1),
        (2, date(2025, 7, 1), "late", 2, 2),
        (3, date(2025, 10, 1), "missing", 0, None),
        (4, date(2026, 1, 1), "on_time", 1, 1),
    ]
    assert (
        a.quarters[1].first.filed_at == at(2025, 7, 2, 9)
        and a.quarters[1].latest.reason == "更正培训人次"
    )


def test_a_quarter_not_yet_due_is_waiting_not_missing(year2025, world):
    a = assessment.assess(user(world, "street_a"), year2025.street, 2025, now=MID_YEAR)
    assert [q.status for q in a.quarters] == [
        "on_time",
        "due",
        "due",
        "due",
    ]  # Q2's late filing is not yet made
    got = {line.req.key: line.status for line in a.filings}
    assert (got["plan"], got["evaluation"], got["q1_summary"], got["supervise_report"]) == (
        "on_time",
        "late",
        "missing",
        "due",
    )


def test_targets_met_count_new_additions_only(year2025, world):
    a = assessment.assess(user(world, "street_a"), year2025.street, 2025, now=AFTER_YEAR)
    got = {t.key: (t.target, t.actual, t.renewals, t.met) for t in a.targets}
    assert got == {
        "sample_street": (0, 0, 0, None),
        "benchmark": (1, 1, 0, True),
        "reviewed": (2, 1, 1, False),
        "posts": (10, 12, 0, True),
    }
    assert a.targets_met == (2, 3)


def test_targets_per_phase_count_what_was_recorded_by_each_phases_end(year2025, world):
    p = phase_targets.by_phase(user(world, "district"), 2025, now=AFTER_YEAR)
    assert [(c.title, c.ends_on, c.state) for c in p.checkpoints] == [
        ("动员部署", date(2025, 1, 25), "ended"),
        ("自评自纠", date(2025, 3, 31), "ended"),
        ("督导帮扶", date(2025, 9, 30), "ended"),
        ("执法推动", date(2025, 11, 30), "ended"),
        ("总结完善", date(2025, 12, 31), "ended"),
    ]
    lines = {b.key: {line.name: (line.target, line.values) for line in b.lines} for b in p.blocks}
    assert lines["benchmark"]["甲街道"] == (1, [0, 0, 1, 1, 1])
    assert lines["reviewed"]["甲街道"] == (2, [0, 1, 1, 1, 1])  # the August renewal never counts
    assert lines["posts"]["甲街道"] == (10, [0, 4, 12, 12, 12])  # Q1 by 3/31, Q3 by 9/30
    assert lines["posts"]["乙街道"] == (0, [0, 50, 50, 50, 50])
    assert lines["posts"]["合计"] == (10, [0, 54, 62, 62, 62])


def test_mid_year_the_running_phase_counts_so_far_and_later_phases_nothing(year2025, world):
    p = phase_targets.by_phase(user(world, "street_a"), 2025, now=MID_YEAR)
    assert [c.state for c in p.checkpoints] == ["ended", "ended", "current", "ahead", "ahead"]
    lines = {b.key: [(line.name, line.values) for line in b.lines] for b in p.blocks}
    assert lines["posts"] == [
        ("甲街道", [0, 4, 4, None, None])
    ]  # Q3's figure is not yet; street B not shown
    assert lines["benchmark"] == [("甲街道", [0, 0, 1, None, None])]


def test_a_year_without_a_plan_is_counted_as_a_whole_year(year2025, world):
    p = phase_targets.by_phase(user(world, "district"), 2024, now=AFTER_YEAR)
    assert not p.has_plan and [(c.title, c.state) for c in p.checkpoints] == [("全年", "ended")]


@pytest.mark.parametrize("who", ["street_b", "dept_catering", "inspector_a1"])
def test_outside_scope_is_not_found(year2025, world, who):
    with pytest.raises(NotFound):
        assessment.assess(user(world, who), year2025.street, 2025, now=AFTER_YEAR)


def test_a_street_sees_its_own_row_and_the_district_every_street(year2025, world):
    assert [
        a.street.id for a in assessment.overview(user(world, "street_a"), 2025, now=AFTER_YEAR)
    ] == [year2025.street]
    assert [
        a.street.id for a in assessment.overview(user(world, "district"), 2025, now=AFTER_YEAR)
    ] == [year2025.street, year2025.street_b]
    with pytest.raises(NotFound):
        phase_targets.by_phase(user(world, "dept_catering"), 2025, now=AFTER_YEAR)


def _words(label: str) -> str:
    return re.sub(r"\s+", "", label).replace("(", "（").replace(")", "）")


def test_target_names_are_annex_1s_column_headings_word_for_word():
    text = PLAN_TEXT.read_text(encoding="utf-8")
    header = next(line for line in text.splitlines() if line.startswith("序号\t街道\t"))
    columns = [_words(c) for c in header.split("\t")[2:7]]
    assert [_words(label) for label in targets.KEYS.values()] == columns
    assert "“十百千万”引领工程任务分解指导数" in text
