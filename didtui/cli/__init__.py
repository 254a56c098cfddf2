"""The command line: the app by default, and the headless jobs, one module per noun.

`root` holds the group and its global options; each other module adds its commands here.
"""

from __future__ import annotations

from didtui.cli.blocks import blocks_group, reconcile_command, report_group
from didtui.cli.csv_commands import export_command, import_command
from didtui.cli.root import cli

cli.add_command(import_command)
cli.add_command(export_command)
cli.add_command(blocks_group)
cli.add_command(report_group)
cli.add_command(reconcile_command)


def main() -> None:
    cli(prog_name="didtui")


__all__ = ["cli", "main"]
