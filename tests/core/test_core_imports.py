"""No import hidden inside a function: each such import of didtui's own modules is a cycle
waiting to be hidden (docs/architecture.md, "No import cycles"). The few kept have a
measured reason written beside them and are listed here."""

from __future__ import annotations

import ast
from pathlib import Path

import didtui

PACKAGE = Path(didtui.__file__).parent

# module (relative to didtui/) -> modules it may import inside a function, and why.
ALLOWED = {
    "launch.py": {"didtui.config", "didtui.cli"},  # drivers marked absent before peewee loads
    "cli/root.py": {"didtui.tui.app"},  # Textual's 0.4 s import only for the app itself
}


def local_imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for inner in ast.walk(node):
                if isinstance(inner, ast.ImportFrom) and inner.module and inner.level == 0:
                    found.append((inner.lineno, inner.module))
                elif isinstance(inner, ast.ImportFrom) and inner.level:
                    found.append((inner.lineno, "." * inner.level + (inner.module or "")))
                elif isinstance(inner, ast.Import):
                    found.extend((inner.lineno, alias.name) for alias in inner.names)
    return found


def test_no_function_local_imports_of_didtui_modules() -> None:
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        name = path.relative_to(PACKAGE).as_posix()
        for line, module in local_imports(path):
            own = module == "didtui" or module.startswith(("didtui.", "."))
            if own and module not in ALLOWED.get(name, set()):
                wrong.append(f"didtui/{name}:{line}: {module}")
    assert wrong == [], "imports inside functions (move them to the top; break the cycle):\n" + "\n".join(wrong)


def test_the_check_finds_one(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import os\n\ndef f():\n    from didtui.core import inventory\n", encoding="utf-8")
    assert local_imports(sample) == [(4, "didtui.core")]
