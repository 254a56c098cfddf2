"""`didtui resellers list|add|rename|delete`: resellers by name."""

from __future__ import annotations

import json
from typing import Any

import click

from didtui.cli.base import EXIT_UNUSABLE, fail, guarded
from didtui.cli.output import display_safe
from didtui.core import resellers
from didtui.errors import NotFound


def _say(text: str) -> None:
    """A human line: stored names and notes never write control sequences."""
    click.echo(display_safe(text))


@click.group("resellers")
def resellers_group() -> None:
    """Resellers: list (with their operators, DIDs and clients), add, rename, delete."""


def _find(name: str) -> int:
    try:
        return resellers.by_name(name).id
    except NotFound as exc:
        fail(str(exc), EXIT_UNUSABLE)
        raise AssertionError("unreachable") from exc


@resellers_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON array of objects.")
@click.pass_obj
@guarded
def list_command(context: Any, as_json: bool) -> None:
    """Every reseller with how many operators, DIDs and clients it has."""
    context.open()
    as_json = as_json or context.out.json
    rows = resellers.list_resellers()
    if as_json:
        click.echo(
            json.dumps([{"name": r.name, "operators": r.operators, "dids": r.dids, "clients": r.clients} for r in rows])
        )
        return
    width = max([len("RESELLER")] + [len(r.name) for r in rows])
    _say(f"{'RESELLER':<{width}}  {'OPERATORS':>9}  {'DIDS':>12}  {'CLIENTS':>7}")
    for r in rows:
        _say(f"{r.name:<{width}}  {r.operators:>9,}  {r.dids:>12,}  {r.clients:>7,}")


@resellers_group.command("add")
@click.argument("name")
@click.pass_obj
@guarded
def add_command(context: Any, name: str) -> None:
    """Create a reseller."""
    context.open()
    created = resellers.create_reseller(name)
    _say(f"created reseller {created.name}")


@resellers_group.command("rename")
@click.argument("name")
@click.argument("new_name")
@click.pass_obj
@guarded
def rename_command(context: Any, name: str, new_name: str) -> None:
    """Rename the reseller NAME to NEW_NAME."""
    context.open()
    renamed = resellers.rename_reseller(_find(name), new_name)
    _say(f"renamed reseller {name} to {renamed.name}")


@resellers_group.command("delete")
@click.argument("name")
@click.option("--move-to", metavar="OTHER", help="First move its operators, clients and DIDs to the reseller OTHER.")
@click.pass_obj
@guarded
def delete_command(context: Any, name: str, move_to: str | None) -> None:
    """Delete a reseller; refused while anything refers to it, unless --move-to.

    Exit status: 0 deleted, 1 refused (still in use), 2 unusable input (no such reseller).
    """
    context.open()
    reseller_id = _find(name)
    target = _find(move_to) if move_to else None
    moved = resellers.delete_reseller(reseller_id, move_to=target)
    _say(f"deleted reseller {name}" + (f"; {moved:,} DIDs moved to {move_to}" if target else ""))
