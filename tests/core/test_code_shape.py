"""The shape STYLE.md asks for, checked so it stays: small views, a declarative admin."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MAX_VIEW_LINES = 40


def _functions(path: Path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            yield node.name, node.end_lineno - first + 1


def test_no_view_function_is_over_forty_lines():
    views = sorted([*ROOT.glob("*/views.py"), *ROOT.glob("*/admin_views.py")])
    assert views, "no views found"
    too_long = [f"{path.relative_to(ROOT)}::{name} ({lines} lines)"
                for path in views for name, lines in _functions(path) if lines > MAX_VIEW_LINES]
    assert too_long == []


def test_the_registrations_admin_stays_declarative():
    path = ROOT / "registrations" / "admin.py"
    assert len(path.read_text(encoding="utf-8").splitlines()) <= 150
    assert [name for name, lines in _functions(path) if lines > 15] == []
