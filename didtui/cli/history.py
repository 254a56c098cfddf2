"""`didtui history batches|batch|did` and `didtui undo`: what changed, and taking it back.

A batch is named by a unique prefix of its id (at least 4 hex digits), as with git.
Exit status as everywhere (docs/cli.md): 0 done, 1 refused or nothing matched (no such
batch or DID, an undo that would overwrite later changes), 2 unusable input (not a batch
id, a prefix naming several batches).
"""

from __future__ import annotations

from typing import Any

import click

from didtui.cli import schema
from didtui.cli.base import EXIT_REFUSED, Context, fail, guarded, json_option
from didtui.cli.output import Column
from didtui.core import history, owners, undo
from didtui.core.filters import row_by_number
from didtui.core.numbers import display_number, lookup_number
from didtui.errors import NotFound, UndoRefused


def _when(value: Any) -> str:
    return f"{value:%Y-%m-%d %H:%M:%S}" if value else ""


@click.group("history")
def history_group() -> None:
    """History: recent batches, one batch's changes, one DID's owners and changes."""


@history_group.command("batches")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000), help="How many.")
@json_option
@click.pass_obj
@guarded
def batches_command(context: Context, limit: int) -> None:
    """Recent batches, newest first: id, when, who, how many DIDs, what."""
    context.open()
    context.out.rows(
        undo.list_batches(limit),
        [
            Column("Batch", lambda b: b.short, shrink=False),
            Column("When (UTC)", lambda b: _when(b.at), shrink=False),
            Column("Who", lambda b: b.actor),
            Column("DIDs", lambda b: f"{b.count:,}", shrink=False, align_right=True),
            Column("What", lambda b: b.what),
        ],
        schema.batch,
        empty="no batches yet",
    )


@history_group.command("batch")
@click.argument("batch_id")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 1_000_000), help="Events shown.")
@json_option
@click.pass_obj
@guarded
def batch_command(context: Context, batch_id: str, limit: int) -> None:
    """One batch: what, who, when, and the change to each of its DIDs."""
    context.open()
    row = undo.get_batch(batch_id)
    events = history.batch_events(row.batch, limit)
    lines = [f"batch {row.batch}: {row.what}", f"by {row.actor} at {_when(row.at)} UTC, {row.count:,} DIDs"]
    lines += [f"  {display_number(e.did_number or '')}  {e.action}: {e.describe()}" for e in events]
    if row.count > len(events):
        lines.append(f"  ... and {row.count - len(events):,} more (--limit)")
    context.out.document(schema.batch_events(row, events), lines)


@history_group.command("did")
@click.argument("number")
@click.option("--limit", type=click.IntRange(1, 100_000), default=500, show_default=True, help="Events shown.")
@json_option
@click.pass_obj
@guarded
def did_command(context: Context, number: str, limit: int) -> None:
    """One DID: its owners (client/account, from, to) and its changes, newest first.

    A deleted DID's history is still shown; a number that never existed is exit 1.
    """
    context.open()
    number = lookup_number(number)
    events = history.did_history(number, limit=limit)
    exists = True
    try:
        row_by_number(number)
    except NotFound:
        if not events:
            raise
        exists = False
    had = owners.owners(number)
    lines = [f"DID {display_number(number)}" + ("" if exists else " (deleted)"), "owners:" if had else "owners: none"]
    lines += [f"  {o.client}  from {_when(o.since)}  to {_when(o.until) or 'now'}" for o in had]
    lines.append("history:")
    lines += [f"  {_when(e.at)}  {e.actor}  {e.action}: {e.describe()}  [{e.batch[:10]}]" for e in events]
    context.out.document(schema.did_history(number, exists, had, events), lines)


@click.command("undo")
@click.argument("batch_id")
@click.option("--dry-run", is_flag=True, help="Say what would be undone; change nothing.")
@click.option("--rest", is_flag=True, help="Undo the DIDs that can go back; leave those that cannot.")
@json_option
@click.pass_obj
@guarded
def undo_command(context: Context, batch_id: str, dry_run: bool, rest: bool) -> None:
    """Undo a batch: its DIDs go back to their values before it, as one new batch.

    Refused (exit 1), listing them, if some of its DIDs changed since or cannot go back
    without breaking a rule; --rest undoes the others. Exit 1 also for no such batch,
    2 for something that is not a batch id.
    """
    context.open()
    batch = undo.resolve(batch_id)
    try:
        result = undo.undo(batch, rest=rest, dry_run=dry_run)
    except UndoRefused as exc:
        if not context.out.json:
            for number, why in exc.blocked:
                context.out.note(f"{display_number(number)}: {why}")
        fail(str(exc), EXIT_REFUSED, "refused", blocked=schema.blocked(exc.blocked), blocked_count=exc.count)
    lines = [f"left as it is: {display_number(number)}: {why}" for number, why in result.blocked]
    if dry_run:
        lines += [f"dry run: would undo batch {result.batch.short} ({result.batch.kind}): {result.summary()}"]
        lines += ["nothing was changed"]
    else:
        lines.append(
            f"undid batch {result.batch.short} ({result.batch.kind}) as batch "
            f"{(result.undo_batch or '')[:10]}: {result.summary()}"
        )
    context.out.document(schema.undone(result, dry_run=dry_run), lines)
