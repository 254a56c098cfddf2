"""`didtui history batches|batch|did` and `didtui undo`: what changed, and taking it back.

A batch is named by a unique prefix of its id (at least 4 hex digits), as with git.
Exit status: 0 done, 1 refused, 2 unusable input (no such batch or DID, a bad id).
"""

from __future__ import annotations

import json
from typing import Any

import click

from didtui.cli.base import EXIT_REFUSED, EXIT_UNUSABLE, fail, guarded
from didtui.cli.output import display_safe
from didtui.core import history, owners, undo
from didtui.core.filters import row_by_number
from didtui.core.numbers import lookup_number
from didtui.errors import NotFound, UndoRefused


def _say(text: str) -> None:
    """A human line: stored names and notes never write control sequences."""
    click.echo(display_safe(text))


def _when(value: Any) -> str:
    return f"{value:%Y-%m-%d %H:%M:%S}" if value else ""


def _batch_json(b: undo.BatchRow) -> dict[str, Any]:
    return {
        "batch": b.batch,
        "kind": b.kind,
        "actor": b.actor,
        "at": _when(b.at),
        "dids": b.count,
        "note": b.note,
        "undone_by": b.undone_by,
        "undo_of": b.undo_of,
    }


def _line(b: undo.BatchRow) -> str:
    return f"{b.short}  {_when(b.at)}  {b.actor}  {b.count:,} DIDs  {b.what}"


def _resolve(text: str) -> str:
    try:
        return undo.resolve(text)
    except NotFound as exc:
        fail(str(exc), EXIT_UNUSABLE)
        raise AssertionError("unreachable") from exc


@click.group("history")
def history_group() -> None:
    """History: recent batches, one batch's changes, one DID's owners and changes."""


@history_group.command("batches")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000), help="How many.")
@click.option("--json", "as_json", is_flag=True, help="One JSON array of objects.")
@click.pass_obj
@guarded
def batches_command(context: Any, limit: int, as_json: bool) -> None:
    """Recent batches, newest first: id, when, who, how many DIDs, what."""
    context.open()
    as_json = as_json or context.out.json
    rows = undo.list_batches(limit)
    if as_json:
        click.echo(json.dumps([_batch_json(b) for b in rows]))
        return
    for b in rows:
        _say(_line(b))


@history_group.command("batch")
@click.argument("batch_id")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 1_000_000), help="Events shown.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object with its events.")
@click.pass_obj
@guarded
def batch_command(context: Any, batch_id: str, limit: int, as_json: bool) -> None:
    """One batch: what, who, when, and the change to each of its DIDs."""
    context.open()
    as_json = as_json or context.out.json
    row = undo.get_batch(_resolve(batch_id))
    events = history.batch_events(row.batch, limit)
    if as_json:
        data = _batch_json(row)
        data["events"] = [
            {"at": _when(e.at), "actor": e.actor, "did": e.did_number, "action": e.action, "changes": e.changes}
            for e in events
        ]
        click.echo(json.dumps(data, default=str))
        return
    _say(f"batch {row.batch}: {row.what}")
    _say(f"by {row.actor} at {_when(row.at)}, {row.count:,} DIDs")
    for e in events:
        _say(f"  {e.did_number}  {e.action}: {e.describe()}")
    if row.count > len(events):
        _say(f"  ... and {row.count - len(events):,} more (--limit)")


@history_group.command("did")
@click.argument("number")
@click.option("--json", "as_json", is_flag=True, help="One JSON object: owners and events.")
@click.pass_obj
@guarded
def did_command(context: Any, number: str, as_json: bool) -> None:
    """One DID: its owners (client/account, from, to) and its changes, newest first."""
    context.open()
    as_json = as_json or context.out.json
    number = lookup_number(number)
    events = history.did_history(number)
    if not events:
        try:
            row_by_number(number)
        except NotFound as exc:
            fail(str(exc), EXIT_UNUSABLE)
    had = owners.owners(number)
    if as_json:
        data = {
            "did": number,
            "owners": [{"client": o.client, "from": _when(o.since), "to": _when(o.until) or None} for o in had],
            "events": [
                {"at": _when(e.at), "actor": e.actor, "action": e.action, "changes": e.changes, "batch": e.batch}
                for e in events
            ],
        }
        click.echo(json.dumps(data, default=str))
        return
    _say(f"DID {number}")
    _say("owners:" if had else "owners: none")
    for o in had:
        _say(f"  {o.client}  from {_when(o.since)}  to {_when(o.until) or 'now'}")
    _say("history:")
    for e in events:
        _say(f"  {_when(e.at)}  {e.actor}  {e.action}: {e.describe()}  [{e.batch[:10]}]")


@click.command("undo")
@click.argument("batch_id")
@click.option("--dry-run", is_flag=True, help="Say what would be undone; change nothing.")
@click.option("--rest", is_flag=True, help="Undo the DIDs that can go back; leave those that cannot.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object: counts, blocked DIDs, the undo's batch.")
@click.pass_obj
@guarded
def undo_command(context: Any, batch_id: str, dry_run: bool, rest: bool, as_json: bool) -> None:
    """Undo a batch: its DIDs go back to their values before it, as one new batch.

    Refused (exit 1), listing them, if some of its DIDs changed since or cannot go back
    without breaking a rule; --rest undoes the others. Exit 2: no such batch.
    """
    context.open()
    as_json = as_json or context.out.json
    batch = _resolve(batch_id)
    try:
        result = undo.undo(batch, rest=rest, dry_run=dry_run)
    except UndoRefused as exc:
        if as_json:
            click.echo(json.dumps({"refused": str(exc), "blocked": [list(b) for b in exc.blocked], "count": exc.count}))
        else:
            for number, why in exc.blocked:
                _say(f"{number}: {why}")
        fail(str(exc), EXIT_REFUSED)
        return
    if as_json:
        click.echo(
            json.dumps(
                {
                    "batch": result.batch.batch,
                    "undo_batch": result.undo_batch,
                    "dry_run": dry_run,
                    "restored": result.restored,
                    "recreated": result.recreated,
                    "deleted": result.deleted,
                    "blocked": [list(b) for b in result.blocked],
                    "blocked_count": result.blocked_count,
                }
            )
        )
        return
    for number, why in result.blocked:
        _say(f"left as it is: {number}: {why}")
    if dry_run:
        _say(f"would undo batch {result.batch.short} ({result.batch.kind}): {result.summary()}")
    else:
        _say(
            f"undid batch {result.batch.short} ({result.batch.kind}) as batch {(result.undo_batch or '')[:10]}: {result.summary()}"
        )
