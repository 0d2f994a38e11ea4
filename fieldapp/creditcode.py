"""统一社会信用代码 (GB 32100-2015): 18 characters ending in a check character."""

from __future__ import annotations

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# First character: the registering authority.
AUTHORITIES = set("123456789ANY")


def check_char(first17: str) -> str:
    """Return the check character for the first 17 characters."""
    total = sum(CHARSET.index(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def normalize(code: str) -> str:
    """Upper-case and strip spaces, as people type codes in many ways."""
    return "".join(code.split()).upper()


def problem(code: str) -> str | None:
    """Return a Chinese description of what is wrong with a code, or None."""
    if len(code) != 18:
        return f"统一社会信用代码应为18位，当前为{len(code)}位"
    bad = sorted({c for c in code if c not in CHARSET})
    if bad:
        return f"统一社会信用代码含有无效字符：{''.join(bad)}"
    if code[0] not in AUTHORITIES:
        return "统一社会信用代码第1位（登记管理部门代码）无效"
    if not code[2:8].isdigit():
        return "统一社会信用代码第3至8位（行政区划码）应为数字"
    if check_char(code[:17]) != code[17]:
        return "统一社会信用代码校验位不正确，请核对"
    return None


def is_valid(code: str) -> bool:
    return problem(code) is None
