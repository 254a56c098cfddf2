"""Write the command reference and the JSON schema into docs/cli.md, from click's own help
and didtui/cli/schema.py, so the documentation cannot drift from the code.

    python scripts/cli_reference.py          # rewrite the generated parts of docs/cli.md
    python scripts/cli_reference.py --check  # exit 1 if docs/cli.md is out of date
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from didtui.cli import cli
from didtui.cli.schema import DESCRIPTIONS, SCHEMAS

DOC = Path(__file__).resolve().parent.parent / "docs" / "cli.md"
MARKS = {
    "reference": ("<!-- reference:start (scripts/cli_reference.py) -->", "<!-- reference:end -->"),
    "schema": ("<!-- schema:start (scripts/cli_reference.py) -->", "<!-- schema:end -->"),
}


def _commands(group: click.Group, ctx: click.Context, path: list[str]) -> list[tuple[list[str], click.Command]]:
    found: list[tuple[list[str], click.Command]] = []
    for name in sorted(group.list_commands(ctx)):
        command = group.get_command(ctx, name)
        if command is None or command.hidden:
            continue
        found.append(([*path, name], command))
        if isinstance(command, click.Group):
            found.extend(_commands(command, ctx, [*path, name]))
    return found


def reference() -> str:
    """Every command's --help, as click prints it at 100 columns."""
    out = []
    with click.Context(
        cli, info_name="didtui", terminal_width=100, max_content_width=100, help_option_names=["-h", "--help"]
    ) as root:
        out.append("### didtui\n\n```text\n" + cli.get_help(root).rstrip() + "\n```\n")
        for path, command in _commands(cli, root, []):
            parent = root
            for part in path[:-1]:
                parent = click.Context(parent.command.get_command(parent, part), info_name=part, parent=parent)  # type: ignore[union-attr, arg-type]
            ctx = click.Context(command, info_name=path[-1], parent=parent, terminal_width=100, max_content_width=100)
            out.append(f"### didtui {' '.join(path)}\n\n```text\n" + command.get_help(ctx).rstrip() + "\n```\n")
    return "\n".join(out)


def schema() -> str:
    out = []
    for kind, fields in SCHEMAS.items():
        out.append(f"**{kind}**: {DESCRIPTIONS[kind]}\n")
        out.append("| field | JSON type |\n| --- | --- |")
        out.extend(f"| `{name}` | {' or '.join(types)} |" for name, types in fields.items())
        out.append("")
    return "\n".join(out)


def render(text: str) -> str:
    for key, body in (("reference", reference()), ("schema", schema())):
        start, end = MARKS[key]
        head, _, rest = text.partition(start)
        _, _, tail = rest.partition(end)
        text = f"{head}{start}\n{body}\n{end}{tail}"
    return text


def main() -> int:
    current = DOC.read_text(encoding="utf-8")
    wanted = render(current)
    if "--check" in sys.argv[1:]:
        if wanted != current:
            print(f"{DOC} is out of date: run python scripts/cli_reference.py", file=sys.stderr)
            return 1
        return 0
    DOC.write_text(wanted, encoding="utf-8")
    print(f"wrote {DOC}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
