"""The rule in the TUI's source: text built from data (an f-string, a concatenation) is
never handed to a widget as a markup string; it goes through `literal()`/`message()`
(didtui/tui/text.py, docs/untrusted-data.md). A static check, so a new screen keeps it."""

from __future__ import annotations

import ast
from pathlib import Path

import didtui.tui

TUI = Path(didtui.tui.__file__).parent
WIDGETS = {"Static", "Label", "Markdown", "Pretty"}
METHODS = {"update", "add_option", "add_row", "set_options", "add_options"}


def _built_from_data(node: ast.AST) -> bool:
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp):
        return _built_from_data(node.left) or _built_from_data(node.right)
    if isinstance(node, ast.IfExp):
        return _built_from_data(node.body) or _built_from_data(node.orelse)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr == "format" or (node.func.attr == "join" and isinstance(node.func.value, ast.Constant))
    return False


def offences() -> list[str]:
    found = []
    for path in sorted(TUI.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if (name in WIDGETS or (isinstance(func, ast.Attribute) and name in METHODS)) and _built_from_data(
                node.args[0]
            ):
                found.append(
                    f"{path.relative_to(TUI.parent.parent)}:{node.lineno}: {name}({ast.unparse(node.args[0])[:60]})"
                )
    return found


def test_no_widget_gets_a_markup_string_built_from_data() -> None:
    assert offences() == [], "wrap these in literal(...) or message(...) from didtui.tui.text:\n" + "\n".join(
        offences()
    )
