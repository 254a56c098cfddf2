"""`didtui resellers list|add|rename|delete`: resellers, named as in the app (any case, a
unique prefix), over core/resellers.py."""

from __future__ import annotations

from typing import Any

import click

from didtui.cli import schema
from didtui.cli.base import Context, guarded, json_option
from didtui.cli.common import SHOWN, complete_names, dry_run_option, rehearsed, shown
from didtui.cli.output import Column
from didtui.core import history, names, resellers
from didtui.core.hooks import batch_numbers


@click.group("resellers")
def resellers_group() -> None:
    """Resellers: list (with their operators, DIDs and clients), add, rename, delete."""


@resellers_group.command("list")
@json_option
@click.pass_obj
@guarded
def list_command(context: Context) -> None:
    """Every reseller with how many operators, DIDs and clients refer to it."""
    context.open()
    context.out.rows(
        resellers.list_resellers(),
        [
            Column("Reseller", lambda r: r.name),
            Column("Operators", lambda r: f"{r.operators:,}", shrink=False, align_right=True),
            Column("DIDs", lambda r: f"{r.dids:,}", shrink=False, align_right=True),
            Column("Clients", lambda r: f"{r.clients:,}", shrink=False, align_right=True),
        ],
        schema.reseller,
        empty="no resellers yet: add one with `didtui resellers add NAME`",
    )


@resellers_group.command("add")
@click.argument("name")
@dry_run_option
@json_option
@click.pass_obj
@guarded
def add_command(context: Context, name: str, dry_run: bool) -> None:
    """Create a reseller."""
    context.open()

    def run() -> Any:
        return resellers.create_reseller(name)

    if dry_run:
        rehearsed(context.out, "reseller-add", run, lambda t: f"would add reseller {t.result.name}", lambda t: 1)
        return
    created = run()
    context.out.document(
        schema.result("reseller-add", 1, id=created.id, name=created.name), f"added reseller {created.name}"
    )


@resellers_group.command("rename")
@click.argument("name", shell_complete=complete_names("reseller"))
@click.argument("new_name")
@dry_run_option
@json_option
@click.pass_obj
@guarded
def rename_command(context: Context, name: str, new_name: str, dry_run: bool) -> None:
    """Rename the reseller NAME to NEW_NAME."""
    context.open()
    found = names.resolve("reseller", name)

    def run() -> Any:
        return resellers.rename_reseller(found.id, new_name)

    if dry_run:
        rehearsed(
            context.out,
            "reseller-rename",
            run,
            lambda t: f"would rename reseller {found.name} to {t.result.name}",
            lambda t: 1,
        )
        return
    renamed = run()
    context.out.document(
        schema.result("reseller-rename", 1, id=found.id, name=renamed.name, old_name=found.name),
        f"renamed reseller {found.name} to {renamed.name}",
    )


@resellers_group.command("delete")
@click.argument("name", shell_complete=complete_names("reseller"))
@click.option(
    "--move-to",
    metavar="OTHER",
    shell_complete=complete_names("reseller"),
    help="First move its operators, clients and DIDs to the reseller OTHER (one undoable batch).",
)
@dry_run_option
@json_option
@click.pass_obj
@guarded
def delete_command(context: Context, name: str, move_to: str | None, dry_run: bool) -> None:
    """Delete a reseller; refused (exit 1) while anything refers to it, unless --move-to."""
    context.open()
    found = names.resolve("reseller", name)
    target = names.resolve("reseller", move_to) if move_to else None
    moved_words = f" and move its DIDs to {target.name}" if target else ""

    if dry_run:
        rehearsed(
            context.out,
            "reseller-delete",
            lambda: resellers.delete_reseller(found.id, move_to=target.id if target else None, actor=context.actor),
            lambda t: f"would delete reseller {found.name}{moved_words} ({t.result:,} DIDs)",
        )
        return
    batch = history.new_batch()
    moved = resellers.delete_reseller(found.id, move_to=target.id if target else None, actor=context.actor, batch=batch)
    first = batch_numbers(batch, SHOWN) if moved else []
    context.out.document(
        schema.result(
            "reseller-delete",
            moved,
            batch=batch if moved else None,
            dids=first,
            id=found.id,
            name=found.name,
            moved_to=target.name if target else None,
        ),
        f"deleted reseller {found.name}"
        + (f"; {moved:,} DIDs moved to {target.name}{shown(first, moved)}" if target else ""),
    )
