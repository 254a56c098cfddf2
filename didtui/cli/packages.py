"""`didtui packages ...`: list, add, edit, delete (core/retail.py's packages)."""

from __future__ import annotations

from typing import Any

import click

from didtui.cli import schema
from didtui.cli.base import Context, fail, guarded, json_option
from didtui.cli.common import complete_names, dry_run_option, rehearsed
from didtui.cli.output import Column
from didtui.core import names
from didtui.core.retail import create_package, delete_package, list_packages, update_package


@click.group()
def packages() -> None:
    """Packages (which tags a client may pick from, and how many): list, add, edit, delete."""


@packages.command("list")
@json_option
@click.pass_obj
@guarded
def list_command(context: Context) -> None:
    """Every package with its tags, allowed DIDs and how many accounts have it."""
    context.open()
    context.out.rows(
        list_packages(),
        [
            Column("Package", lambda r: r.name),
            Column("Tags", lambda r: ", ".join(r.tags)),
            Column("Allowed DIDs", lambda r: f"{r.allowed_dids:,}", shrink=False, align_right=True),
            Column("Assigned", lambda r: f"{r.client_packages:,}", shrink=False, align_right=True),
        ],
        schema.package,
        empty="no packages yet: add one with `didtui packages add NAME --tags T --allowed N`",
    )


def _doc(action: str, package: Any, **extra: Any) -> dict[str, Any]:
    return schema.result(
        action,
        1,
        id=package.id,
        name=package.name,
        tags=package.tag_list,
        allowed_dids=package.allowed_dids,
        **extra,
    )


@packages.command("add")
@click.argument("name")
@click.option("--tags", required=True, metavar="T1,T2", help="The tags its DIDs may have (comma-separated).")
@click.option("--allowed", "allowed", required=True, type=int, metavar="N", help="DIDs one account may hold.")
@dry_run_option
@json_option
@click.pass_obj
@guarded
def add(context: Context, name: str, tags: str, allowed: int, dry_run: bool) -> None:
    """Add a package."""
    context.open()

    def run() -> Any:
        return create_package(name, tags, allowed)

    if dry_run:
        rehearsed(context.out, "package-add", run, lambda t: f"would add package {t.result.name}", lambda t: 1)
        return
    package = run()
    context.out.document(_doc("package-add", package), f"added package {package.name} ({', '.join(package.tag_list)})")


@packages.command("edit")
@click.argument("name", shell_complete=complete_names("package"))
@click.option("--name", "new_name", metavar="NAME", help="A new name.")
@click.option("--tags", metavar="T1,T2", help="New tags (comma-separated).")
@click.option("--allowed", type=int, metavar="N", help="New allowed DIDs per account.")
@dry_run_option
@json_option
@click.pass_obj
@guarded
def edit(
    context: Context, name: str, new_name: str | None, tags: str | None, allowed: int | None, dry_run: bool
) -> None:
    """Change a package's name, tags or allowed DIDs."""
    context.open()
    if new_name is None and tags is None and allowed is None:
        fail("nothing to change: give --name, --tags or --allowed", 2, "input")
    package = names.resolve("package", name)

    def run() -> Any:
        return update_package(package.id, name=new_name, tags=tags, allowed_dids=allowed)

    if dry_run:
        rehearsed(context.out, "package-edit", run, lambda t: f"would change package {package.name}", lambda t: 1)
        return
    changed = run()
    context.out.document(_doc("package-edit", changed), f"changed package {changed.name}")


@packages.command("delete")
@click.argument("name", shell_complete=complete_names("package"))
@dry_run_option
@json_option
@click.pass_obj
@guarded
def delete(context: Context, name: str, dry_run: bool) -> None:
    """Delete a package (refused while it is assigned to an account)."""
    context.open()
    package = names.resolve("package", name)

    def run() -> None:
        delete_package(package.id)

    if dry_run:
        rehearsed(context.out, "package-delete", run, lambda t: f"would delete package {package.name}", lambda t: 1)
        return
    run()
    context.out.document(
        schema.result("package-delete", 1, id=package.id, name=package.name), f"deleted package {package.name}"
    )
