"""One rule for the streets and grids a user may filter by (issue 22.2: scope rules live in scope.py)."""

from __future__ import annotations

import re

import pytest


def street_options(html: str) -> list[str]:
    select = re.search(r'<select name="street"[^>]*>(.*?)</select>', html, re.S)
    return re.findall(r"<option[^>]*>([^<]+)</option>", select.group(1))[1:] if select else []


@pytest.mark.parametrize(
    "username,expected",
    [
        ("district", ["甲街道", "乙街道"]),
        ("dept_catering", ["甲街道", "乙街道"]),
        ("street_a", ["甲街道"]),
        ("inspector_a1", ["甲街道"]),
    ],
)
def test_the_register_and_the_lists_offer_the_same_streets(world, login, username, expected):
    client = login(username)
    register = street_options(client.get("/enterprises").get_data(as_text=True))
    lists = street_options(client.get("/lists/inspection").get_data(as_text=True))
    # A user with one street is not asked to choose it on the lists.
    assert register == expected
    assert lists == (expected if len(expected) > 1 else [])
