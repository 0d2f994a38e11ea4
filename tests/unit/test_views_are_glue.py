"""Views are glue: they hand the ORM session on, never use it themselves (issue 22)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "fieldapp"
VIEW_MODULES = sorted(
    p for folder in ("blueprints", "api") for p in (PACKAGE / folder).glob("*.py")
)


def _session_uses(tree: ast.AST) -> list[tuple[int, bool]]:
    """Return (line, passed on?) for each `db.session` in the module."""
    passed: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            for arg in [*node.args, *(k.value for k in node.keywords)]:
                passed.add(id(arg))
    uses = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr == "session"
            and isinstance(node.value, ast.Name)
            and node.value.id == "db"
        ):
            uses.append((node.lineno, id(node) in passed))
    return uses


@pytest.mark.parametrize("path", VIEW_MODULES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_a_view_module_only_passes_the_session_on(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    used = [line for line, passed in _session_uses(tree) if not passed]
    assert not used, f"{path.name} uses db.session itself on lines {used}"


def test_the_rule_sees_a_view_that_commits():
    """The scan is not vacuous: a commit in a view is caught, passing the session on is not."""
    bad = ast.parse("def v():\n    db.session.commit()\n")
    ok = ast.parse("def v():\n    return domain.load(db.session, 1)\n")
    assert [passed for _, passed in _session_uses(bad)] == [False]
    assert [passed for _, passed in _session_uses(ok)] == [True]
    assert len(VIEW_MODULES) > 20
