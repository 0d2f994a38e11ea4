"""Every audit action the code writes has a declared shape (issue 15, point 3).

The writers are found in the source, not listed by hand: every call that passes an
``action`` to the audit module, every wrapper that forwards one, and the hazard rules.
An action added anywhere in fieldapp/ without a shape in `fieldapp.audit_shapes`
fails here before any page can meet it.
"""

from __future__ import annotations

import ast
from pathlib import Path

from fieldapp import audit_shapes, campaign, hazards

ROOT = Path(hazards.__file__).parent
# Templated actions and the vocabulary each is filled from.
TEMPLATES = {"letter_{}": campaign.LETTER_KINDS, "case_{}": campaign.CASE_KINDS}
# Places that write an action they read from data: an archive import (the source's
# actions, kept verbatim and checked as imported rows) and the bulk loader (hazard actions).
DATA_DRIVEN = {"archive/load.py", "demo_bulk.py"}


def _name(func: ast.expr) -> str:
    return (
        func.attr
        if isinstance(func, ast.Attribute)
        else func.id
        if isinstance(func, ast.Name)
        else ""
    )


def _values(node: ast.expr) -> list[str] | None:
    """The actions an expression can hold, or None when it is not a literal."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Dict):
        return [v.value for v in node.value.values if isinstance(v, ast.Constant)]
    if isinstance(node, ast.JoinedStr):
        template = "".join(p.value if isinstance(p, ast.Constant) else "{}" for p in node.values)
        assert template in TEMPLATES, f"an action template without its vocabulary: {template}"
        return [template.format(k) for k in TEMPLATES[template]]
    return None


def _passes(call: ast.Call, index: int | None) -> list[ast.expr]:
    """The expressions a call passes as its ``action``: by keyword, or at the callee's position for it."""
    out = [k.value for k in call.keywords if k.arg == "action"]
    if index is not None and len(call.args) > index:
        out.append(call.args[index])
    return out


def _writers(tree: ast.Module) -> dict[str, int | None]:
    """audit.append and every function of the module that hands its own ``action`` parameter on to a writer."""
    writers: dict[str, int | None] = {"append": None}
    functions = [f for f in ast.walk(tree) if isinstance(f, ast.FunctionDef)]
    while True:
        more = {}
        for f in functions:
            params = [a.arg for a in f.args.args]
            if f.name in writers or "action" not in params:
                continue
            for call in (
                c for c in ast.walk(f) if isinstance(c, ast.Call) and _name(c.func) in writers
            ):
                if any(
                    isinstance(a, ast.Name) and a.id == "action"
                    for a in _passes(call, writers[_name(call.func)])
                ):
                    more[f.name] = params.index("action")
        if not more:
            return writers
        writers.update(more)


def written_actions() -> set[str]:
    """Every action some code in fieldapp/ passes to the audit module."""
    found: set[str] = {"raise", *hazards.TRANSITIONS}  # hazards.transition refuses any other
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith("migrations/") or rel == "audit_shapes.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        writers = _writers(tree)
        for fn in (f for f in ast.walk(tree) if isinstance(f, ast.FunctionDef)):
            for call in (
                c for c in ast.walk(fn) if isinstance(c, ast.Call) and _name(c.func) in writers
            ):
                for arg in _passes(call, writers[_name(call.func)]):
                    values = _values(arg)
                    if values is not None:
                        found.update(values)
                    elif not (
                        fn.name in writers and isinstance(arg, ast.Name) and arg.id == "action"
                    ):
                        assert rel in DATA_DRIVEN, (
                            f"{rel}:{call.lineno} ({fn.name}) writes an action the test cannot read"
                        )
    return found


def test_the_scan_finds_the_writers_of_every_module():
    found = written_actions()
    # One of each writer: literal, dict, template, wrapper with the action first, wrapper with it second.
    assert {
        "visit_received",
        "std_review",
        "letter_commitment",
        "plan_loaded",
        "proposal_installed",
        "placard_rotate",
        "alert_acknowledged",
        "file_quarter",
        "plan_filed",
        "confirm_closure",
        "self_close",
    } <= found


def test_every_action_written_has_a_declared_shape():
    assert written_actions() - set(audit_shapes.SHAPES) == set()


def test_every_declared_shape_is_written_somewhere():
    """No shape for an action nothing writes: the table is the code's, not a wish list."""
    assert set(audit_shapes.SHAPES) - written_actions() == set()
