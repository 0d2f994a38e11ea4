"""The targets-per-phase and annual assessment pages: who sees what, the figures as rendered, links, bad input, no JS.

The year shown is 2025, which is over on any day this suite runs: the pages read it as of 31 December.
"""

from __future__ import annotations

import re

import pytest

from fieldapp import targets

from ..assessment_data import build_2025


@pytest.fixture
def data(app, world):
    with app.app_context():
        return build_2025(world)


def cell(html: str, row_id: str) -> str:
    m = re.search(rf'<tr id="{row_id}"[^>]*>(.*?)</tr>', html, re.S)
    assert m, row_id
    return re.sub(r"<[^>]+>", " ", m.group(1))


def numbers(text: str) -> list[str]:
    return re.findall(r"\d+(?:\.\d+)?%?|—", text)


def test_the_district_sees_every_street_with_its_figures(data, login):
    html = login("district").get("/assessment?year=2025").get_data(as_text=True)
    a = numbers(cell(html, f"street-{data.street}"))
    # 目标达标 2/3, 计划材料 2/1/11, 季报表 2/1/1, 发现 7, 销号 3, 逾期未整改 2, 整改率 42.9%
    assert a == ["2", "3", "2", "1", "11", "2", "1", "1", "7", "3", "2", "42.9%"]
    assert f'id="street-{data.street_b}"' in html


def test_a_street_sees_only_its_own(data, login):
    client = login("street_a")
    html = client.get("/assessment?year=2025").get_data(as_text=True)
    assert f'id="street-{data.street}"' in html and f'id="street-{data.street_b}"' not in html
    assert client.get(f"/assessment/{data.street_b}?year=2025").status_code == 404
    assert (
        client.get(f"/assessment/{data.street_b}/hazards?year=2025&figure=found").status_code == 404
    )
    phases = client.get("/assessment/phases?year=2025").get_data(as_text=True)
    assert (
        f'id="phase-posts-{data.street}"' in phases
        and f'id="phase-posts-{data.street_b}"' not in phases
    )
    assert 'id="phase-posts-total"' not in phases


@pytest.mark.parametrize(
    "who,status", [("dept_catering", 403), ("inspector_a1", 403), ("owner_a1", 403)]
)
def test_other_roles_are_refused(data, login, who, status):
    client = login(who)
    for url in (
        "/assessment?year=2025",
        f"/assessment/{data.street}?year=2025",
        "/assessment/phases?year=2025",
    ):
        assert client.get(url).status_code == status


def test_the_street_page_shows_each_figure_and_links_to_what_is_behind_it(data, login):
    html = login("street_a").get(f"/assessment/{data.street}?year=2025").get_data(as_text=True)
    assert "2025 年已结束：各项计至 2025-12-31 日终" in html
    assert numbers(cell(html, "target-reviewed")) == ["2", "1", "1"] and "未达标" in cell(
        html, "target-reviewed"
    )
    assert "达标" in cell(html, "target-posts") and numbers(cell(html, "target-posts")) == [
        "10",
        "12",
        "0",
    ]
    assert "逾期报送" in cell(html, "filing-evaluation") and "逾期未报" in cell(
        html, "filing-enforce_report"
    )
    assert re.search(r'<tr id="filing-plan">.*?href="/plan/filings/\d+">回执 #\d+', html, re.S)
    assert (
        "按时报送" in cell(html, "quarter-1")
        and "逾期报送" in cell(html, "quarter-2")
        and "第 2 版" in cell(html, "quarter-2")
    )
    assert "逾期未报" in cell(html, "quarter-3")
    for key, n in {
        "found": 7,
        "closed": 3,
        "closed_late": 1,
        "awaiting": 1,
        "open": 3,
        "overdue": 2,
    }.items():
        assert re.search(rf'figure={key}" id="loop-{key}"><strong>{n}</strong>', html), key
    assert (
        '<span id="loop-rate"><strong>42.9%</strong>' in html
        and '<span id="loop-on-time-rate"><strong>28.6%</strong>' in html
    )
    # The labels are annex 1's words.
    for label in list(targets.KEYS.values())[1:]:
        assert f'<th scope="row">{label}</th>' in html


def test_the_hazards_behind_a_figure_are_listed(data, login):
    html = (
        login("district")
        .get(f"/assessment/{data.street}/hazards?year=2025&figure=overdue")
        .get_data(as_text=True)
    )
    listed = set(re.findall(r'id="hazard-([0-9a-f-]{36})"', html))
    assert listed == {data.hazards["overdue"], data.hazards["closed_next_year"]}


def test_the_phase_page_shows_the_counts_by_each_phases_end(data, login):
    html = login("district").get("/assessment/phases?year=2025").get_data(as_text=True)
    assert numbers(cell(html, f"phase-posts-{data.street}")) == [
        "10",
        "0",
        "4",
        "12",
        "12",
        "12",
        "120%",
    ]
    assert numbers(cell(html, "phase-posts-total")) == ["10", "0", "54", "62", "62", "62", "620%"]
    assert "动员部署" in html and "2025-01-25前" in html and 'class="table-wrap"' in html


@pytest.mark.parametrize(
    "url,status",
    [
        ("/assessment?year=abc", 400),
        ("/assessment/phases?year=99999", 400),
        ("/assessment/{street}/hazards?year=2025&figure=nonsense", 404),
        ("/assessment/999999?year=2025", 404),
    ],
)
def test_bad_input_is_answered_in_chinese_never_a_5xx(data, login, url, status):
    resp = login("district").get(url.format(street=data.street))
    assert resp.status_code == status


def test_office_users_find_the_pages_from_the_navigation_and_the_dashboard(data, login):
    client = login("street_a")
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert 'href="/assessment"' in dashboard and 'href="/assessment/phases"' in dashboard
    assert 'href="/assessment/phases?year=2025"' in client.get(
        "/dashboard/targets?year=2025"
    ).get_data(as_text=True)


def test_the_pages_work_without_scripts(data, login):
    html = login("district").get(f"/assessment/{data.street}?year=2025").get_data(as_text=True)
    assert "hx-" not in html.split("<main", 1)[1]  # plain links and a GET form
    assert re.search(r'<form method="get"[^>]*id="year-form"', html)
