"""`didtui pick`: give an account In Stock DIDs of its package (core/retail.py's pick),
by count or by named numbers; safe however many pick at once. Runs the after_pick hook."""

from __future__ import annotations

import click

from didtui.cli import schema
from didtui.cli.base import Context, fail, guarded, json_option
from didtui.cli.common import complete_names, dry_run_option, hook_docs, rehearsed, shown
from didtui.core import history, names
from didtui.core.retail import pick, recently_released
from didtui.core.runs import pick_consecutive


@click.command("pick")
@click.argument("account", metavar="CLIENT/ACCOUNT", shell_complete=complete_names("account"))
@click.argument("numbers", nargs=-1, metavar="[NUMBER]...")
@click.option("-n", "--count", type=click.IntRange(1, 1_000_000), metavar="N", help="Pick N DIDs (the lowest free).")
@click.option(
    "--consecutive",
    is_flag=True,
    help="With --count: N numbers in a row inside one block (refused, naming the longest run, if none).",
)
@click.option(
    "--package",
    metavar="NAME",
    shell_complete=complete_names("package"),
    help="Which of the account's packages (when it has several).",
)
@dry_run_option
@json_option
@click.pass_obj
@guarded
def pick_command(
    context: Context,
    account: str,
    numbers: tuple[str, ...],
    count: int | None,
    consecutive: bool,
    package: str | None,
    dry_run: bool,
) -> None:
    """Pick DIDs for an account: --count N, or the NUMBERs named (all or none).

    Prints the numbers given (with --json: a result document whose "dids" lists them all).
    With the profile's reuse_after_days, a pick by count skips DIDs released more recently;
    a named one is picked with a warning (on stderr; "warnings" in the JSON).
    """
    if (count is None) == (not numbers):
        fail("pick either --count N or named NUMBERs", 2, "input")
    if consecutive and count is None:
        fail("--consecutive goes with --count N", 2, "input")
    context.open()
    owner, acct = names.resolve_account(account)
    cp_id = names.client_package_for(acct.id, package)
    where = f"{owner.name}/{acct.name}"
    batch = history.new_batch()
    reuse_days = context.profile.reuse_after_days
    warnings = recently_released(list(numbers), reuse_days) if numbers else []

    def run() -> list[str]:
        if consecutive and count is not None:
            return pick_consecutive(cp_id, count, actor=context.actor, batch=batch)
        return pick(
            cp_id,
            count=count,
            numbers=list(numbers) if numbers else None,
            actor=context.actor,
            batch=batch,
            reuse_after_days=reuse_days,
        )

    if not context.out.json:
        for warning in warnings:
            context.out.note(f"warning: {warning}")

    if dry_run:
        rehearsed(
            context.out,
            "pick",
            run,
            lambda t: f"would pick {len(t.result):,} DIDs for {where}",
            lambda t: len(t.result),
        )
        return
    picked = run()
    hook = context.fire(
        "after_pick", batch=batch, counts={"dids": len(picked)}, extra={"client": owner.name, "account": acct.name}
    )
    context.out.document(
        schema.result(
            "pick",
            len(picked),
            batch=batch,
            dids=picked,
            hooks=hook_docs(context, hook),
            client=owner.name,
            account=acct.name,
            warnings=warnings,
        ),
        picked,  # one number a line: what a script reads
    )
    if not context.out.json:
        context.out.note(f"picked {len(picked):,} DIDs for {where}{shown(picked)}")
