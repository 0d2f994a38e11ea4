"""The field-level seal: a digest of the whole data plus a short digest per field.

The whole-data digest says *that* something changed; the per-field digests say
*which* JSON field did. Neither is a proof against someone who rewrites the file
and recomputes them (only the audit chain values are bound to the system); they
catch corruption and edits made without the tool, and name them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from ..audit import canonical, sha256

LEAF_HEX = 8  # 32 bits per field: enough to name a changed field, small enough for thousands


def _token(key: str) -> str:
    """Escape a key for a JSON pointer (RFC 6901)."""
    return key.replace("~", "~0").replace("/", "~1")


def leaves(obj: Any, pointer: str = "") -> Iterator[tuple[str, Any]]:
    """Yield (JSON pointer, value) for every field, in a fixed order.

    Objects are walked key by key (sorted); lists that hold objects or lists are
    walked item by item; anything else (text, numbers, lists of plain values) is
    one field.
    """
    if isinstance(obj, dict) and obj:
        for key in sorted(obj):
            yield from leaves(obj[key], f"{pointer}/{_token(key)}")
    elif isinstance(obj, list) and any(isinstance(v, (dict, list)) for v in obj):
        for i, value in enumerate(obj):
            yield from leaves(value, f"{pointer}/{i}")
    else:
        yield pointer, obj


def _digest(pointer: str, value: Any) -> str:
    # The pointer is hashed with the value, so a value moved to another field also shows.
    return sha256(pointer + "\n" + canonical(value))[:LEAF_HEX]


def make(data: dict) -> dict:
    """Return the seal of the data (everything in the document but the seal)."""
    return {
        "algorithm": "sha256",
        "data_sha256": sha256(canonical(data)),
        "leaf_hex": LEAF_HEX,
        "leaves": "".join(_digest(p, v) for p, v in leaves(data)),
    }


def check(data: dict, seal: dict, label: Callable[[str], str] = lambda p: p or "/") -> list[str]:
    """Return Chinese problems naming the fields that no longer match; empty when intact."""
    try:
        expected_all, stored = str(seal["data_sha256"]), str(seal["leaves"])
    except (KeyError, TypeError):
        return ["封存摘要（seal）缺失或格式不对，无法核对数据字段"]
    current = [(p, _digest(p, v)) for p, v in leaves(data)]
    stored_digests = [stored[i : i + LEAF_HEX] for i in range(0, len(stored), LEAF_HEX)]
    if sha256(canonical(data)) == expected_all:
        if [d for _, d in current] != stored_digests:
            return ["封存的字段摘要（seal.leaves）被改动，数据本身与整体摘要一致"]
        return []
    changed = [label(p) for (p, d), s in zip(current, stored_digests) if d != s]
    if len(current) == len(stored_digests):
        if not changed:
            return ["数据整体摘要（seal.data_sha256）与数据不符"]
        shown = "、".join(changed[:20]) + (f" 等 {len(changed)} 处" if len(changed) > 20 else "")
        return [f"数据字段与封存摘要不符：{shown}"]
    first = (
        changed[0]
        if changed
        else (
            label(current[len(stored_digests)][0])
            if len(current) > len(stored_digests)
            else "（末尾）"
        )
    )
    return [
        f"数据结构被改动（字段数 {len(current)}，封存时 {len(stored_digests)}），自 {first} 起不一致"
    ]
