"""统一社会信用代码 validation (GB 32100-2015)."""

from __future__ import annotations

import pytest

from fieldapp import creditcode

VALID = [
    "914403001922038216",  # published codes of well-known companies
    "9144030071526726XG",
    "91330100716105852F",
    "91110000802100433B",
]


@pytest.mark.parametrize("code", VALID)
def test_real_codes_are_valid(code):
    assert creditcode.problem(code) is None


@pytest.mark.parametrize(
    "code,reason",
    [
        ("91440300192203821", "应为18位"),
        ("9144030019220382160", "应为18位"),
        ("914403001922038217", "校验位不正确"),
        ("91440300192203821I", "无效字符：I"),
        ("9144030O1922038216", "无效字符：O"),
        ("B14403001922038216", "第1位"),
        ("91A403001922038216", "第3至8位"),
        ("", "应为18位"),
    ],
)
def test_bad_codes_are_named(code, reason):
    assert reason in creditcode.problem(code)


def test_normalize_accepts_spaces_and_lower_case():
    assert creditcode.normalize(" 9144 0300 7152 6726xg ") == "9144030071526726XG"


def test_check_char_round_trip():
    body = "92350502MA2Y00001"
    assert creditcode.is_valid(body + creditcode.check_char(body))
