"""The quarterly tables say what the plan's forms say: titles, every header cell, row labels and every numbered note.

The expected text is parsed from the plan itself (docs/district-plan-2025.txt, the district's
published text), never copied here. The plan's text is a PDF extraction: annex 4 lost its
third header row, and annex 7's third row and venue rows came out interleaved. Where the
parse needs the form's structure (which cells group which), it is given below as positions
in the extracted lines, with the reason; every word still comes from the file.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from fieldapp import quarterly
from fieldapp.quarterly_export import header_grid

PLAN = Path(__file__).resolve().parents[2] / "docs" / "district-plan-2025.txt"
LINES = PLAN.read_text(encoding="utf-8").split("\n")
FULL = str.maketrans({"(": "（", ")": "）", ",": "，", ";": "；", ":": "："})


def norm(text: str) -> str:
    """Full-width punctuation, no whitespace: the plan's extraction mixes both."""
    return re.sub(r"\s+", "", text.translate(FULL))


def table_lines(first_cell: str, second_cell_prefix: str) -> list[list[str]]:
    """The tab-separated lines of one form: from its header line to the last line with tabs."""
    start = next(
        i
        for i, line in enumerate(LINES)
        if line.startswith(first_cell + "\t") and line.split("\t")[1].startswith(second_cell_prefix)
    )
    out = []
    for line in LINES[start:]:
        if "\t" not in line:
            break
        out.append(line.split("\t"))
    return out


def cells(row: list[str]) -> list[tuple[int, str]]:
    return [(i, c) for i, c in enumerate(row) if c.strip()]


def app_paths(annex: int) -> list[tuple[str, ...]]:
    return [tuple(norm(x) for x in (*c.groups, c.label)) for c in quarterly.COLUMNS[annex]]


def notes_after(row_index_in_file: int) -> list[str]:
    """The numbered notes of the form whose rows end at this line."""
    note = next(line for line in LINES[row_index_in_file:] if line.startswith("注"))
    body = norm(note[2:])
    parts = re.split(r"(?:^|(?<=[；。]))(\d+)\.", body)
    return [parts[i + 1] for i in range(1, len(parts), 2)]


def last_line_of(first_cell: str, prefix: str) -> int:
    start = next(
        i
        for i, line in enumerate(LINES)
        if line.startswith(first_cell + "\t") and line.split("\t")[1].startswith(prefix)
    )
    while "\t" in LINES[start]:
        start += 1
    return start


def title_before(first_cell: str, prefix: str) -> str:
    start = next(
        i
        for i, line in enumerate(LINES)
        if line.startswith(first_cell + "\t") and line.split("\t")[1].startswith(prefix)
    )
    return next(norm(line) for line in reversed(LINES[:start]) if "季报表" in line)


ANNEX4 = table_lines("填报单位类型", "企业基数")
ANNEX5 = table_lines("填报单位类型", "十佳")
ANNEX7 = table_lines("填报单位类型", "“九小场所”底数")
FORMS = {4: ("企业基数", ANNEX4), 5: ("十佳", ANNEX5), 7: ("“九小场所”底数", ANNEX7)}


def expected_annex4() -> list[tuple[str, ...]]:
    """Annex 4: the first line's groups span to the next group (the spans add up to the form's 23 columns);
    the second line lists the leaves left-packed. 健全三张清单 takes the two extra columns: its three
    sub-columns are annex 7's (企业 in place of 九小场所), and the notes name two of them."""
    top, second = ANNEX4[0], ANNEX4[1]
    groups = cells(top)[1:]
    spans = [
        (start, (groups[n + 1][0] if n + 1 < len(groups) else len(top)) - start, text)
        for n, (start, text) in enumerate(groups)
    ]
    leaves = [c for _, c in cells(second)]
    assert sum(s for _, s, _ in spans) == len(leaves) + 2
    three = dict(expected_annex7_subgroups())[norm("健全三张清单")]
    three = (three[0].replace("九小场所", "企业"), *three[1:])
    out, it = [], iter(leaves)
    for _, span, group in spans:
        taken = 0
        while taken < span:
            leaf = next(it)
            if norm(leaf) == norm("健全三张清单"):
                out += [(norm(group), norm(leaf), sub) for sub in three]
                taken += 3
            else:
                out.append((norm(group), norm(leaf)))
                taken += 1
    return out


def expected_annex5() -> list[tuple[str, ...]]:
    """Annex 5: the groups in order; each of the three case groups starts at its 层级 cell, the
    model posts are the four （个） cells after them, the rest is 宣传发动 (the extraction shifted
    the first line's groups, so their positions cannot be used)."""
    groups = [norm(c) for _, c in cells(ANNEX5[0])[1:]]
    leaves = [norm(c) for _, c in cells(ANNEX5[1])]
    starts = [i for i, c in enumerate(leaves) if c == norm("层级")]
    bounds = starts + [starts[-1] + 4, starts[-1] + 8, len(leaves)]
    out = []
    for g, (lo, hi) in zip(groups, zip(bounds, bounds[1:], strict=False), strict=True):
        out += [(g, leaf) for leaf in leaves[lo:hi]]
    return out


# Annex 7's second line: where each first-line group's cells start (the first line's positions are shifted).
ANNEX7_GROUP_STARTS = {2: 2, 6: 7, 7: 10, 17: 25}  # first-line index → second-line index
# Second-line cells that group third-line cells, and the columns of the interleaved venue rows that hold them:
# a column read bottom-up cycles through the sub-labels, so their order is the reverse of first appearance.
ANNEX7_SUBGROUPS = {2: (2,), 3: (3,), 16: (13,), 27: (24, 25), 28: (26, 27)}


def expected_annex7_subgroups() -> list[tuple[str, tuple[str, ...]]]:
    second = ANNEX7[1]
    venue_rows = ANNEX7[2:-1]
    out = []
    for b, columns in ANNEX7_SUBGROUPS.items():
        group = norm(second[b])
        if len(columns) == 1:
            seen = []
            for row in venue_rows:
                value = norm(row[columns[0]])
                if value and value != group and value not in seen:
                    seen.append(value)
            out.append((group, tuple(reversed(seen))))
        else:
            out.append((group, tuple(norm(venue_rows[0][c]) for c in columns)))
    return out


def expected_annex7() -> list[tuple[str, ...]]:
    top, second = ANNEX7[0], ANNEX7[1]
    subgroups = dict(expected_annex7_subgroups())
    out = [(norm(top[1]),)]  # the base: one cell spanning every header row
    starts = sorted(ANNEX7_GROUP_STARTS.items())
    for n, (a, b) in enumerate(starts):
        end = starts[n + 1][1] if n + 1 < len(starts) else len(second)
        for i in range(b, end):
            if not second[i].strip():
                continue
            leaf = norm(second[i])
            if leaf in subgroups:
                out += [(norm(top[a]), leaf, sub) for sub in subgroups[leaf]]
            else:
                out.append((norm(top[a]), leaf))
    return out


@pytest.mark.parametrize(
    "annex, expected", [(4, expected_annex4), (5, expected_annex5), (7, expected_annex7)]
)
def test_every_header_cell_is_the_plans(annex, expected):
    assert app_paths(annex) == expected()


def test_no_invented_header_words():
    """Every word in a header cell appears in its form's text (the one reconstruction: annex 4's 企业数量)."""
    for annex, (_, lines) in FORMS.items():
        words = {norm(c) for row in lines for c in row if c.strip()}
        if annex == 4:
            words |= {norm(s) for s in dict(expected_annex7_subgroups())[norm("健全三张清单")]}
            words.add(norm("企业数量（家）"))
        for path in app_paths(annex):
            assert set(path) <= words, (annex, path)


@pytest.mark.parametrize("annex", [4, 5, 7])
def test_the_row_header_and_row_labels_are_the_plans(annex):
    _, lines = FORMS[annex]
    assert norm(lines[0][0]) == norm(quarterly.ROW_HEADER)
    grid = header_grid(
        quarterly.new_table(annex, quarterly.DISTRICT, quarterly.period(2025, 1), [])
    )
    assert grid[0][0].text == quarterly.ROW_HEADER
    if annex == 7:
        labels = [norm(row[1]) for row in lines[2:]]
        assert labels == [norm(v) for v in quarterly.VENUE_ROWS.values()] + [norm("总数")]
    else:
        body = lines[2:] if annex == 4 else lines[2:]
        kinds = [norm(row[0]) for row in body if row[0].strip()]
        assert kinds == [
            norm(quarterly.KIND_LABELS["department"]),
            norm(quarterly.KIND_LABELS["street"]),
        ]
    if annex == 5:
        assert [norm(row[1]) for row in lines[2:5]] == [norm(v) for v in quarterly.LEVELS.values()]


@pytest.mark.parametrize("annex", [4, 5, 7])
def test_every_numbered_note_verbatim_under_its_table(annex):
    prefix, _ = FORMS[annex]
    assert [norm(n) for n in quarterly.NOTES[annex]] == notes_after(
        last_line_of("填报单位类型", prefix)
    )
    table = quarterly.new_table(annex, quarterly.DISTRICT, quarterly.period(2025, 4), [])
    assert table.notes == quarterly.NOTES[annex]  # the plan's own year: unchanged


@pytest.mark.parametrize("annex", [4, 5, 7])
def test_titles_are_the_plans(annex):
    prefix, _ = FORMS[annex]
    assert norm(
        quarterly.new_table(annex, quarterly.DISTRICT, quarterly.period(2025, 1), []).title
    ) == title_before("填报单位类型", prefix)


def test_the_fill_in_line_names_what_the_form_asks_for():
    line = next(norm(x) for x in LINES if x.startswith("填报单位(盖章)"))
    fields = re.findall(r"([^：＿_]+)：", line)
    mine = norm(quarterly.FILL_IN)
    assert fields and all(f in mine for f in fields)
    assert [mine.index(f) for f in fields] == sorted(mine.index(f) for f in fields)


def test_annex6_is_named_by_the_plan_but_has_no_table():
    listed = [norm(x) for x in LINES if "季报表（三）" in norm(x)]
    assert listed and not any(line.startswith(norm("附件6")) and "\t" in line for line in LINES)
    assert "附件6" in quarterly.ANNEX6_NOTE and 6 not in quarterly.ANNEXES
