"""`didtui operators ...`: list (with DID counts), add, rename, delete (core/operators.py)."""

from __future__ import annotations

from typing import Any

import click

from didtui.cli import schema
from didtui.cli.base import Context, guarded, json_option
from didtui.cli.common import complete_names, dry_run_option, rehearsed
from didtui.cli.output import Column
from didtui.core import names
from didtui.core.operators import create_operator, delete_operator, list_operators, rename_operator


@click.group()
def operators() -> None:
    """Operators (DID providers): list, add, rename, delete."""


@operators.command("list")
@json_option
@click.pass_obj
@guarded
def list_command(context: Context) -> None:
    """Every operator with its DIDs counted by status."""
    context.open()
    context.out.rows(
        list_operators(),
        [
            Column("Operator", lambda r: r.name),
            Column("Reseller", lambda r: r.reseller),
            Column("DIDs", lambda r: f"{r.did_count:,}", shrink=False, align_right=True),
            Column("In Stock", lambda r: f"{r.by_status.get('in_stock', 0):,}", shrink=False, align_right=True),
            Column("Active", lambda r: f"{r.by_status.get('active', 0):,}", shrink=False, align_right=True),
            Column("Hold", lambda r: f"{r.by_status.get('hold', 0):,}", shrink=False, align_right=True),
        ],
        schema.operator,
        empty="no operators yet: add one with `didtui operators add NAME`",
    )


@operators.command("add")
@click.argument("name")
@click.option("--reseller", metavar="NAME", shell_complete=complete_names("reseller"), help="Its reseller.")
@dry_run_option
@json_option
@click.pass_obj
@guarded
def add(context: Context, name: str, reseller: str | None, dry_run: bool) -> None:
    """Add an operator."""
    context.open()
    reseller_id = names.resolve("reseller", reseller).id if reseller else None

    def run() -> Any:
        return create_operator(name, reseller_id)

    if dry_run:
        rehearsed(context.out, "operator-add", run, lambda t: f"would add operator {t.result.name}", lambda t: 1)
        return
    op = run()
    context.out.document(schema.result("operator-add", 1, id=op.id, name=op.name), f"added operator {op.name}")


@operators.command("rename")
@click.argument("name", shell_complete=complete_names("operator"))
@click.argument("new_name")
@dry_run_option
@json_option
@click.pass_obj
@guarded
def rename(context: Context, name: str, new_name: str, dry_run: bool) -> None:
    """Rename an operator (NAME as in the app: any case, a unique prefix)."""
    context.open()
    op = names.resolve("operator", name)

    def run() -> Any:
        return rename_operator(op.id, new_name)

    if dry_run:
        rehearsed(
            context.out, "operator-rename", run, lambda t: f"would rename {op.name} to {t.result.name}", lambda t: 1
        )
        return
    renamed = run()
    context.out.document(
        schema.result("operator-rename", 1, id=op.id, name=renamed.name, old_name=op.name),
        f"renamed operator {op.name} to {renamed.name}",
    )


@operators.command("delete")
@click.argument("name", shell_complete=complete_names("operator"))
@click.option(
    "--move-to",
    metavar="NAME",
    shell_complete=complete_names("operator"),
    help="Move its DIDs to this operator (required while it owns DIDs).",
)
@dry_run_option
@json_option
@click.pass_obj
@guarded
def delete(context: Context, name: str, move_to: str | None, dry_run: bool) -> None:
    """Delete an operator; refused while it owns DIDs, unless --move-to names where they go."""
    context.open()
    op = names.resolve("operator", name)
    target = names.resolve("operator", move_to) if move_to else None

    def run() -> int:
        return delete_operator(op.id, move_to=target.id if target else None, actor=context.actor)

    moved_words = f" (its DIDs to {target.name})" if target else ""
    if dry_run:
        rehearsed(
            context.out,
            "operator-delete",
            run,
            lambda t: f"would delete operator {op.name} and move {t.result:,} DIDs{moved_words}",
        )
        return
    moved = run()
    context.out.document(
        schema.result("operator-delete", moved, id=op.id, name=op.name, moved_to=target.name if target else None),
        f"deleted operator {op.name}" + (f"; moved {moved:,} DIDs to {target.name}" if target else ""),
    )
