"""The command line: the app by default, and every operation as a command, one module per noun.

`root` holds the group and its global options; each other module's commands are listed
here and imported when used.
"""

from __future__ import annotations

import sys

import click

from didtui.cli.base import EXIT_UNUSABLE
from didtui.cli.output import Output
from didtui.cli.root import cli

# Every command's module is imported when the command is used (root.py's LazyGroup).
COMMANDS = {
    "import": "didtui.cli.csv_commands:import_command",
    "export": "didtui.cli.csv_commands:export_command",
    "dids": "didtui.cli.dids:dids",
    "operators": "didtui.cli.operators:operators",
    "packages": "didtui.cli.packages:packages",
    "clients": "didtui.cli.clients:clients",
    "accounts": "didtui.cli.clients:accounts",
    "assignments": "didtui.cli.clients:assignments",
    "pick": "didtui.cli.pick:pick_command",
    "blocks": "didtui.cli.blocks:blocks_group",
    "report": "didtui.cli.blocks:report_group",
    "reconcile": "didtui.cli.blocks:reconcile_command",
    "resellers": "didtui.cli.resellers:resellers_group",
    "history": "didtui.cli.history:history_group",
    "undo": "didtui.cli.history:undo_command",
}
for name, target in COMMANDS.items():
    cli.add_lazy(name, target)


def main() -> None:
    """Run the command line; with --json, click's own usage errors are JSON on stderr too."""
    try:
        cli.main(prog_name="didtui", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted!", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        if "--json" in sys.argv[1:]:
            Output(json=True).error("usage", EXIT_UNUSABLE, exc.format_message())
            sys.exit(EXIT_UNUSABLE)
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)


__all__ = ["cli", "main"]
