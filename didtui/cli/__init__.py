"""The command line: the app by default, and every operation as a command, one module per noun.

`root` holds the group and its global options; each other module adds its commands here.
"""

from __future__ import annotations

import sys

import click

from didtui.cli.base import EXIT_UNUSABLE
from didtui.cli.blocks import blocks_group, reconcile_command, report_group
from didtui.cli.clients import accounts, assignments, clients
from didtui.cli.csv_commands import export_command, import_command
from didtui.cli.dids import dids
from didtui.cli.operators import operators
from didtui.cli.output import Output
from didtui.cli.packages import packages
from didtui.cli.pick import pick_command
from didtui.cli.root import cli

for command in (
    import_command,
    export_command,
    dids,
    operators,
    packages,
    clients,
    accounts,
    assignments,
    pick_command,
    blocks_group,
    report_group,
    reconcile_command,
):
    cli.add_command(command)


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
