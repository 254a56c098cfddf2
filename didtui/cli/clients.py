"""`didtui clients|accounts|assignments ...`: who gets DIDs, and under which package.

Thin faces over core/retail.py. Accounts are written CLIENT/ACCOUNT (each part as in the
app: any case, a unique prefix). An assignment is a package given to an account; one is
named by its account (and --package when the account has several).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from didtui.cli import schema
from didtui.cli.base import Context, guarded, json_option
from didtui.cli.common import complete_names, dry_run_option, hook_docs, rehearsed, shown
from didtui.cli.output import Column
from didtui.core import history, names
from didtui.core.hooks import batch_numbers
from didtui.core.retail import (
    activate,
    assign_package,
    client_package,
    create_account,
    create_client,
    deactivate,
    delete_account,
    delete_client,
    list_accounts,
    list_client_packages,
    rename_account,
    rename_client,
    unassign,
)
from didtui.core.views import clients_overview

# ---- clients ----------------------------------------------------------------------------


@click.group()
def clients() -> None:
    """Clients (customers): list, add."""


@clients.command("list")
@json_option
@click.pass_obj
@guarded
def clients_list(context: Context) -> None:
    """Every client with its reseller and accounts."""
    context.open()
    grouped: dict[int, dict[str, Any]] = {}
    for row in clients_overview():
        entry = grouped.setdefault(
            row.client_id, {"named": names.Named(row.client_id, row.client), "row": row, "accounts": []}
        )
        if row.account_id is not None:
            entry["accounts"].append(row.account)
    context.out.rows(
        grouped.values(),
        [
            Column("Client", lambda e: e["named"].name),
            Column("Reseller", lambda e: e["row"].reseller),
            Column("Accounts", lambda e: ", ".join(e["accounts"])),
        ],
        lambda e: schema.client(e["named"], e["row"].reseller, e["accounts"]),
        empty="no clients yet: add one with `didtui clients add NAME`",
    )


@clients.command("add")
@click.argument("name")
@click.option("--reseller", metavar="NAME", shell_complete=complete_names("reseller"), help="Its reseller.")
@click.option("--account", metavar="NAME", help="Its first account, created with it.")
@dry_run_option
@json_option
@click.pass_obj
@guarded
def clients_add(context: Context, name: str, reseller: str | None, account: str | None, dry_run: bool) -> None:
    """Add a client (and its first account with --account)."""
    context.open()
    reseller_id = names.resolve("reseller", reseller).id if reseller else None

    def run() -> Any:
        return create_client(name, reseller_id, account)

    if dry_run:
        rehearsed(context.out, "client-add", run, lambda t: f"would add client {t.result.name}", lambda t: 1)
        return
    client = run()
    context.out.document(
        schema.result("client-add", 1, id=client.id, name=client.name, account=account.strip() if account else None),
        f"added client {client.name}" + (f" with account {account.strip()}" if account else ""),
    )


# ---- accounts ---------------------------------------------------------------------------


@click.group()
def accounts() -> None:
    """Accounts of clients (CLIENT/ACCOUNT): list, add."""


@accounts.command("list")
@click.option("--client", metavar="NAME", shell_complete=complete_names("client"), help="Only this client's.")
@json_option
@click.pass_obj
@guarded
def accounts_list(context: Context, client: str | None) -> None:
    """Accounts with their client and Active DIDs."""
    context.open()
    client_id = names.resolve("client", client).id if client else None
    context.out.rows(
        list_accounts(client_id),
        [
            Column("Client", lambda r: r.client),
            Column("Account", lambda r: r.name),
            Column("Reseller", lambda r: r.reseller),
            Column("Active DIDs", lambda r: f"{r.active_dids:,}", shrink=False, align_right=True),
        ],
        schema.account,
        empty="no accounts",
    )


@accounts.command("add")
@click.argument("client", shell_complete=complete_names("client"))
@click.argument("name")
@dry_run_option
@json_option
@click.pass_obj
@guarded
def accounts_add(context: Context, client: str, name: str, dry_run: bool) -> None:
    """Add an account NAME to CLIENT."""
    context.open()
    owner = names.resolve("client", client)

    def run() -> Any:
        return create_account(owner.id, name)

    if dry_run:
        rehearsed(
            context.out, "account-add", run, lambda t: f"would add account {owner.name}/{t.result.name}", lambda t: 1
        )
        return
    account = run()
    context.out.document(
        schema.result("account-add", 1, id=account.id, client=owner.name, name=account.name),
        f"added account {owner.name}/{account.name}",
    )


# ---- assignments ------------------------------------------------------------------------


@click.group()
def assignments() -> None:
    """Packages assigned to accounts: list, assign, activate, deactivate."""


def _account(typed: str) -> tuple[names.Named, names.Named]:
    return names.resolve_account(typed)


@assignments.command("list")
@click.option(
    "--account", metavar="CLIENT/ACCOUNT", shell_complete=complete_names("account"), help="Only this account's."
)
@click.option("--client", metavar="NAME", shell_complete=complete_names("client"), help="Only this client's.")
@json_option
@click.pass_obj
@guarded
def assignments_list(context: Context, account: str | None, client: str | None) -> None:
    """Assignments with their usage: allowed, used (Active and Hold), remaining."""
    context.open()
    account_id = _account(account)[1].id if account else None
    rows = list_client_packages(account_id)
    if client:
        wanted = names.resolve("client", client).name
        rows = [r for r in rows if r.client == wanted]
    context.out.rows(
        rows,
        [
            Column("Client", lambda r: r.client),
            Column("Account", lambda r: r.account),
            Column("Package", lambda r: r.package),
            Column("Active", lambda r: "yes" if r.active else "no", shrink=False),
            Column("Used", lambda r: f"{r.used:,}/{r.allowed_dids:,}", shrink=False, align_right=True),
            Column("Tags", lambda r: ", ".join(r.tags)),
        ],
        schema.assignment,
        empty="no assignments",
    )


@assignments.command("assign")
@click.argument("account", metavar="CLIENT/ACCOUNT", shell_complete=complete_names("account"))
@click.argument("package", shell_complete=complete_names("package"))
@dry_run_option
@json_option
@click.pass_obj
@guarded
def assign(context: Context, account: str, package: str, dry_run: bool) -> None:
    """Assign PACKAGE to an account (active at once)."""
    context.open()
    owner, acct = _account(account)
    pkg = names.resolve("package", package)
    where = f"{owner.name}/{acct.name}"

    def run() -> Any:
        return assign_package(acct.id, pkg.id)

    if dry_run:
        rehearsed(context.out, "assign", run, lambda t: f"would assign {pkg.name} to {where}", lambda t: 1)
        return
    cp = run()
    context.out.document(
        schema.result("assign", 1, assignment=schema.assignment(client_package(cp.id))),
        f"assigned {pkg.name} to {where}",
    )


def _assignment_options(fn: Any) -> Any:
    fn = click.option(
        "--package",
        metavar="NAME",
        shell_complete=complete_names("package"),
        help="Which package, when the account has several.",
    )(fn)
    return click.argument("account", metavar="CLIENT/ACCOUNT", shell_complete=complete_names("account"))(fn)


@assignments.command("activate")
@_assignment_options
@dry_run_option
@json_option
@click.pass_obj
@guarded
def activate_command(context: Context, account: str, package: str | None, dry_run: bool) -> None:
    """Reactivate an assignment: its DIDs still on Hold become Active again."""
    context.open()
    owner, acct = _account(account)
    cp_id = names.client_package_for(acct.id, package)
    where = f"{owner.name}/{acct.name}"

    def run() -> int:
        return activate(cp_id, actor=context.actor)

    if dry_run:
        rehearsed(
            context.out, "activate", run, lambda t: f"would activate it for {where}: {t.result:,} DIDs Active again"
        )
        return
    n = run()
    context.out.document(schema.result("activate", n), f"activated for {where}: {n:,} held DIDs are Active again")


@assignments.command("deactivate")
@_assignment_options
@dry_run_option
@json_option
@click.pass_obj
@guarded
def deactivate_command(context: Context, account: str, package: str | None, dry_run: bool) -> None:
    """Deactivate an assignment: its Active DIDs go on Hold. Runs the after_deactivate hook."""
    _release_assignment(
        context,
        account,
        package,
        dry_run,
        "deactivate",
        lambda cp_id, batch: deactivate(cp_id, actor=context.actor, batch=batch),
        would="would deactivate it for {where}: {n:,} DIDs to Hold",
        done="deactivated for {where}: {n:,} DIDs put on Hold",
    )


def _release_assignment(
    context: Context,
    account: str,
    package: str | None,
    dry_run: bool,
    action: str,
    operation: Callable[[int, str], int],
    *,
    would: str,
    done: str,
) -> None:
    """Deactivate or un-assign (`action`): the DIDs changed as one batch, its hook
    (`after_<action>`) told, or with --dry-run what would change. `would` and `done` are
    formats over {where} and {n}."""
    context.open()
    owner, acct = _account(account)
    cp_id = names.client_package_for(acct.id, package)
    where = f"{owner.name}/{acct.name}"
    batch = history.new_batch()

    def run() -> int:
        return operation(cp_id, batch)

    if dry_run:
        rehearsed(context.out, action, run, lambda t: would.format(where=where, n=t.result))
        return
    n = run()
    first = batch_numbers(batch, 10)
    hook = context.fire(
        f"after_{action}", batch=batch, counts={"dids": n}, extra={"client": owner.name, "account": acct.name}
    )
    context.out.document(
        schema.result(action, n, batch=batch, dids=first, hooks=hook_docs(context, hook)),
        done.format(where=where, n=n) + shown(first, n),
    )


@assignments.command("unassign")
@_assignment_options
@click.option(
    "--now",
    "at_once",
    is_flag=True,
    help="Remove it at once: DIDs on Hold go to their After Hold status (else they wait out their hold).",
)
@dry_run_option
@json_option
@click.pass_obj
@guarded
def unassign_command(context: Context, account: str, package: str | None, at_once: bool, dry_run: bool) -> None:
    """Take a package away from an account: its Active DIDs go on Hold as on deactivation, and
    the assignment is removed once it holds no DIDs (--now: at once). Runs after_unassign."""
    _release_assignment(
        context,
        account,
        package,
        dry_run,
        "unassign",
        lambda cp_id, batch: unassign(cp_id, at_once=at_once, actor=context.actor, batch=batch),
        would="would un-assign it from {where}: {n:,} DIDs change",
        done="un-assigned from {where}: {n:,} DIDs changed",
    )


@clients.command("rename")
@click.argument("name", shell_complete=complete_names("client"))
@click.argument("new_name")
@json_option
@click.pass_obj
@guarded
def clients_rename(context: Context, name: str, new_name: str) -> None:
    """Rename a client (NAME as in the app: any case, a unique prefix)."""
    context.open()
    client = rename_client(names.resolve("client", name).id, new_name)
    context.out.document(schema.result("client-rename", 1, name=client.name), f"renamed the client to {client.name}")


@clients.command("delete")
@click.argument("name", shell_complete=complete_names("client"))
@json_option
@click.pass_obj
@guarded
def clients_delete(context: Context, name: str) -> None:
    """Delete a client and its empty accounts; refused, naming what is attached."""
    context.open()
    found = names.resolve("client", name)
    delete_client(found.id)
    context.out.document(schema.result("client-delete", 1, name=found.name), f"deleted client {found.name}")


@accounts.command("rename")
@click.argument("account", metavar="CLIENT/ACCOUNT", shell_complete=complete_names("account"))
@click.argument("new_name")
@json_option
@click.pass_obj
@guarded
def accounts_rename(context: Context, account: str, new_name: str) -> None:
    """Rename an account."""
    context.open()
    owner, acct = _account(account)
    renamed = rename_account(acct.id, new_name)
    context.out.document(
        schema.result("account-rename", 1, name=renamed.name), f"renamed the account to {owner.name}/{renamed.name}"
    )


@accounts.command("delete")
@click.argument("account", metavar="CLIENT/ACCOUNT", shell_complete=complete_names("account"))
@json_option
@click.pass_obj
@guarded
def accounts_delete(context: Context, account: str) -> None:
    """Delete an account with nothing attached; refused, naming what is."""
    context.open()
    owner, acct = _account(account)
    delete_account(acct.id)
    context.out.document(
        schema.result("account-delete", 1, name=acct.name), f"deleted account {owner.name}/{acct.name}"
    )
