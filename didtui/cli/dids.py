"""`didtui dids ...`: list, show, add, edit, mass-edit, delete, release, end-hold, history.

Thin faces over core/inventory.py, core/retail.py (release) and core/sweep.py (end_hold),
the same functions the app's DIDs tab calls. A changing command acts on the numbers named,
or on the DIDs matching its filters (every DID only with --all).
"""

from __future__ import annotations

import itertools
from typing import Any

import click

from didtui.cli import schema
from didtui.cli.base import EXIT_REFUSED, Context, fail, guarded, json_option
from didtui.cli.common import build_filter as make_filter
from didtui.cli.common import (
    complete_names,
    complete_status,
    complete_tags,
    dry_run_option,
    filter_options,
    hook_docs,
    pop_filter,
    rehearsed,
    selection_of,
    shown,
)
from didtui.cli.output import Column, display_safe
from didtui.core import history, names
from didtui.core.filters import SORTS
from didtui.core.hooks import batch_numbers
from didtui.core.inventory import create_dids, edit_did, mass_delete, mass_edit, preview_create
from didtui.core.numbers import count_numbers, display_number, parse_numbers
from didtui.core.retail import release
from didtui.core.statuses import label, parse_after_hold, parse_status
from didtui.core.streams import stream_rows, stream_tuples
from didtui.core.sweep import end_hold

DID_COLUMNS = [
    Column("Number", lambda r: display_number(r.number, r.country), shrink=False),
    Column("Status", lambda r: r.status_label, shrink=False),
    Column("Operator", lambda r: r.operator),
    Column("Tag", lambda r: r.tag),
    Column("Client / Account", lambda r: r.client_account),
    Column("Package", lambda r: r.package),
    Column("Hold until", lambda r: f"{r.hold_until:%Y-%m-%d %H:%M}" if r.hold_until else "", shrink=False),
    Column("Notes", lambda r: r.notes.replace("\n", " ")),
]


@click.group()
def dids() -> None:
    """DIDs: list, show, add, edit, mass-edit, delete, release, end-hold, history."""


def _every(fn: Any) -> Any:
    fn = click.option("--all", "every", is_flag=True, help="With no numbers or filters: every DID.")(fn)
    return click.argument("numbers", nargs=-1, metavar="[NUMBER]...")(fn)


@dids.command("list")
@filter_options
@click.option("--sort", type=click.Choice(SORTS), default="number", show_default=True)
@click.option("--limit", type=click.IntRange(min=1), metavar="N", help="At most N DIDs.")
@json_option
@click.pass_obj
@guarded
def list_dids(context: Context, sort: str, limit: int | None, **options: Any) -> None:
    """List the DIDs matching the filters (all of them, streamed; exit 1 if none match).

    With --json: one DID per line (JSON Lines), starting at once however many there are.
    """
    context.open()
    filt = make_filter(pop_filter(options))
    stream = stream_tuples(filt, sort) if context.out.json else stream_rows(filt, sort)
    try:
        rows = itertools.islice(stream, limit) if limit else stream
        n = context.out.rows(
            rows, DID_COLUMNS, schema.did, empty=f"no DIDs match ({filt.describe()})", to_line=schema.did_line
        )
    finally:
        stream.close()  # its cursor, before the connection closes (a reader may have left early)
    if n == 0:
        if context.out.json:  # zero lines on stdout; the reason on stderr, as for any exit 1
            fail(f"no DIDs match ({filt.describe()})", EXIT_REFUSED, "nothing_matched")
        raise SystemExit(EXIT_REFUSED)


@dids.command("show")
@click.argument("number")
@json_option
@click.pass_obj
@guarded
def show(context: Context, number: str) -> None:
    """Show one DID, with its version (for `dids edit --expect-version`)."""
    context.open()
    row = names.did_by_number(number)
    doc = schema.did(row)
    context.out.document(doc, [f"{key:<11} {'' if value is None else value}" for key, value in _human(doc).items()])


def _human(doc: dict[str, Any]) -> dict[str, Any]:
    shown_doc = {k: display_safe(v) if isinstance(v, str) else v for k, v in doc.items()}
    shown_doc["status"] = label(doc["status"])
    shown_doc["after_hold"] = label(doc["after_hold"])
    return shown_doc


def _field_options(fn: Any) -> Any:
    for option in reversed(
        [
            click.option(
                "--status", "new_status", shell_complete=complete_status, help="In Stock, Reserved, Blocked, Archived."
            ),
            click.option(
                "--operator",
                "new_operator",
                metavar="NAME",
                shell_complete=complete_names("operator"),
                help='Operator ("-" for none).',
            ),
            click.option("--tag", "new_tag", metavar="TAG", shell_complete=complete_tags, help='Tag ("-" for none).'),
            click.option("--notes", "new_notes", metavar="TEXT", help="Notes."),
            click.option(
                "--reseller",
                "new_reseller",
                metavar="NAME",
                shell_complete=complete_names("reseller"),
                help='Reseller ("-" for none).',
            ),
            click.option("--after-hold", "new_after_hold", help="Where a hold ends: In Stock, Reserved or Archived."),
            click.option("--hold-days", "new_hold_days", type=click.IntRange(0, 3650), help="Days on Hold."),
        ]
    ):
        fn = option(fn)
    return fn


def _changes(values: dict[str, Any], *, notes: bool = True) -> dict[str, Any]:
    """Core field values from the --status/--operator/... options given."""
    changes: dict[str, Any] = {}
    if values.get("new_status") is not None:
        changes["status"] = parse_status(values["new_status"]).value
    if values.get("new_after_hold") is not None:
        changes["after_hold"] = parse_after_hold(values["new_after_hold"]).value
    for key, kind in (("new_operator", "operator"), ("new_reseller", "reseller")):
        value = values.get(key)
        if value is not None:
            changes[f"{kind}_id"] = None if value.strip() in ("", "-") else names.resolve(kind, value).id
    if values.get("new_tag") is not None:
        changes["tag"] = "" if values["new_tag"].strip() == "-" else values["new_tag"].strip()
    if notes and values.get("new_notes") is not None:
        changes["notes"] = values["new_notes"]
    if values.get("new_hold_days") is not None:
        changes["hold_days"] = values["new_hold_days"]
    return changes


@dids.command("add")
@click.argument("numbers", nargs=-1, required=True, metavar="NUMBER|FIRST-LAST...")
@_field_options
@dry_run_option
@json_option
@click.pass_obj
@guarded
def add(context: Context, numbers: tuple[str, ...], dry_run: bool, **values: Any) -> None:
    """Create DIDs: numbers and ranges (15551230000-15551230999); all or none."""
    profile = context.open()
    # One argument, one number or range (quote `+44 20 7946 0000`: spaces group digits).
    spans = parse_numbers("\n".join(numbers), max_range=profile.max_range)
    fields = _changes(values)
    fields.setdefault("hold_days", profile.hold_days)
    firsts = [number for span in spans for number in itertools.islice(iter(span), 10)][:10]
    total = count_numbers(spans)
    if dry_run:
        preview = preview_create(spans)
        doc = schema.result(
            "add",
            preview.count,
            dry_run=True,
            dids=firsts,
            existing=preview.existing,
            existing_count=preview.existing_count,
        )
        lines = [f"dry run: would create {preview.count:,} DIDs{shown(firsts, total)}"]
        if preview.existing_count:
            lines.append(
                f"{preview.existing_count:,} already exist ({', '.join(preview.existing[:10])}): nothing would be"
            )
        context.out.document(doc, [*lines, "nothing was changed"])
        return
    created = create_dids(spans, actor=context.actor, **fields)
    context.out.document(
        schema.result("add", created.count, batch=created.batch, dids=firsts),
        f"created {created.count:,} DIDs{shown(firsts, total)}",
    )


@dids.command("edit")
@click.argument("number")
@click.option(
    "--expect-version",
    type=int,
    metavar="N",
    help="Refuse (exit 3) if the DID's version is no longer N (as read by `dids show`).",
)
@_field_options
@dry_run_option
@json_option
@click.pass_obj
@guarded
def edit(context: Context, number: str, expect_version: int | None, dry_run: bool, **values: Any) -> None:
    """Change fields of one DID. Setting --status hold on an Active DID releases it."""
    context.open()
    row = names.did_by_number(number)
    changes = _changes(values)
    if not changes:
        fail("nothing to change: give --status, --operator, --tag, --notes, ...", 2, "input")
    version = row.version if expect_version is None else expect_version

    def run() -> Any:
        return edit_did(row.id, version, changes, actor=context.actor)

    if dry_run:
        rehearsed(context.out, "edit", run, lambda t: f"would change DID {row.number} (version {t.result.version})")
        return
    after = run()
    doc = schema.result("edit", int(after.version != row.version), dids=[after.number], did=schema.did(after))
    context.out.document(
        doc,
        f"DID {after.number}: version {after.version}"
        + ("" if after.version != row.version else " (nothing changed: the values were already so)"),
    )


@dids.command("mass-edit")
@_every
@filter_options
@click.option("--set-status", help="Status: In Stock, Reserved, Blocked, Archived.")
@click.option(
    "--set-operator", metavar="NAME", shell_complete=complete_names("operator"), help='Operator ("-" for none).'
)
@click.option("--set-tag", metavar="TAG", shell_complete=complete_tags, help='Tag ("-" for none).')
@click.option(
    "--set-reseller", metavar="NAME", shell_complete=complete_names("reseller"), help='Reseller ("-" for none).'
)
@click.option("--set-after-hold", help="After hold: In Stock, Reserved or Archived.")
@click.option("--set-hold-days", type=click.IntRange(0, 3650), help="Days on Hold.")
@dry_run_option
@json_option
@click.pass_obj
@guarded
def mass_edit_command(context: Context, numbers: tuple[str, ...], every: bool, dry_run: bool, **options: Any) -> None:
    """Set fields on every DID named or matching (one transaction: all or nothing)."""
    context.open()
    selection, words = selection_of(numbers, pop_filter(options), every)
    changes = _changes({k.replace("set_", "new_"): v for k, v in options.items()}, notes=False)
    if not changes:
        fail("nothing to set: give --set-status, --set-tag, --set-operator, ...", 2, "input")

    batch = history.new_batch()

    def run() -> int:
        return mass_edit(selection, changes, actor=context.actor, batch=batch)

    _change(context, "mass-edit", run, dry_run, words, "changed", batch=batch)


@dids.command("delete")
@_every
@filter_options
@dry_run_option
@json_option
@click.pass_obj
@guarded
def delete(context: Context, numbers: tuple[str, ...], every: bool, dry_run: bool, **options: Any) -> None:
    """Delete the DIDs named or matching (refused if any is Active or on Hold)."""
    context.open()
    selection, words = selection_of(numbers, pop_filter(options), every)
    batch = history.new_batch()
    _change(
        context,
        "delete",
        lambda: mass_delete(selection, actor=context.actor, batch=batch),
        dry_run,
        words,
        "deleted",
        batch=batch,
    )


@dids.command("release")
@_every
@filter_options
@dry_run_option
@json_option
@click.pass_obj
@guarded
def release_command(context: Context, numbers: tuple[str, ...], every: bool, dry_run: bool, **options: Any) -> None:
    """Release Active DIDs: each goes on Hold for its hold days and leaves its client.

    Runs the after_release hook once committed.
    """
    context.open()
    selection, words = selection_of(numbers, pop_filter(options), every)
    batch = history.new_batch()
    _change(
        context,
        "release",
        lambda: release(selection, actor=context.actor, batch=batch),
        dry_run,
        words,
        "released",
        batch=batch,
        hook="after_release",
    )


@dids.command("end-hold")
@_every
@filter_options
@dry_run_option
@json_option
@click.pass_obj
@guarded
def end_hold_command(context: Context, numbers: tuple[str, ...], every: bool, dry_run: bool, **options: Any) -> None:
    """End the holds of Hold DIDs now: each goes to its After Hold status, as the sweep does."""
    context.open()
    selection, words = selection_of(numbers, pop_filter(options), every)
    batch = history.new_batch()
    _change(
        context,
        "end-hold",
        lambda: end_hold(selection, context.actor, batch=batch).released,
        dry_run,
        words,
        "ended the holds of",
        batch=batch,
    )


def _change(
    context: Context,
    action: str,
    run: Any,
    dry_run: bool,
    words: str,
    done: str,
    *,
    batch: str | None = None,
    hook: str | None = None,
) -> None:
    """Run (or rehearse) a bulk change; exit 1 when it matched no DID; run the hook."""
    if dry_run:
        rehearsed(context.out, action, run, lambda t: f"would have {done} {t.dids_changed:,} DIDs ({words})")
        return
    n = run()
    if n == 0:
        fail(f"no DIDs matched ({words}): nothing was changed", EXIT_REFUSED, "nothing_matched")
    first = batch_numbers(batch, 10) if batch else []
    hooks = [context.fire(hook, batch=batch, counts={"dids": n})] if hook and batch else []
    context.out.document(
        schema.result(action, n, batch=batch, dids=first, hooks=hook_docs(context, *hooks)),
        f"{done} {n:,} DIDs ({words}){shown(first, n)}",
    )


@dids.command("history")
@click.argument("number")
@click.option("--limit", type=click.IntRange(1, 100_000), default=500, show_default=True)
@json_option
@click.pass_obj
@guarded
def history_command(context: Context, number: str, limit: int) -> None:
    """The changes of one DID, newest first: when, who, what."""
    context.open()
    did = names.did_by_number(number)
    events = history.did_history(did.number, limit=limit)
    context.out.rows(
        events,
        [
            Column("When (UTC)", lambda e: f"{e.at:%Y-%m-%d %H:%M:%S}", shrink=False),
            Column("Who", lambda e: e.actor),
            Column("Action", lambda e: e.action, shrink=False),
            Column("Change", lambda e: e.describe()),
        ],
        schema.event,
        empty=f"no history for DID {did.number}",
    )
