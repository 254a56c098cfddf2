"""What the noun commands share: the filter options (the same everywhere), turning them
and named numbers into a selection, name completion from the profile's database, and the
dry-run / hook plumbing of a changing command.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from click.shell_completion import CompletionItem

from didtui import db as dbmod
from didtui.cli import schema
from didtui.cli.base import Context, fail
from didtui.cli.output import Output
from didtui.config import load_config
from didtui.core import names
from didtui.core.filters import DIDFilter, Selection, parse_filter_text, resolve_filter
from didtui.core.rehearsal import Rehearsal, rehearse
from didtui.core.statuses import LABELS, Status
from didtui.errors import InputError

SHOWN = 10  # DIDs listed in a human summary (and a dry run)


# ---- completion -------------------------------------------------------------------------


def _complete_with(lookup: Callable[[str], list[str]], incomplete: str, ctx: click.Context) -> list[CompletionItem]:
    """Names from the profile's database; nothing (never an error) when it cannot be read."""
    root = ctx.find_root().params
    try:
        profile = load_config(root.get("config_path")).profile(root.get("profile_name"))
        if profile.scheme == "sqlite":
            path = profile.database[len("sqlite:///") :]
            if path != ":memory:" and not _exists(path):
                return []
        dbmod.connect(profile, upgrade=False)
        try:
            return [CompletionItem(n) for n in lookup(incomplete)]
        finally:
            dbmod.close()
    except Exception:  # noqa: BLE001 - a shell's TAB must never print a traceback
        return []


def _exists(path: str) -> bool:
    return Path(path).is_file()


def complete_names(kind: str) -> Callable[[click.Context, click.Parameter, str], list[CompletionItem]]:
    def complete(ctx: click.Context, _param: click.Parameter, incomplete: str) -> list[CompletionItem]:
        return _complete_with(lambda typed: names.names_starting(kind, typed), incomplete, ctx)

    return complete


def complete_tags(ctx: click.Context, _param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    return _complete_with(names.tags_starting, incomplete, ctx)


def complete_status(_ctx: click.Context, _param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    return [CompletionItem(s.value, help=LABELS[s]) for s in Status if s.value.startswith(incomplete.lower())]


# ---- filters ----------------------------------------------------------------------------

FILTER_KEYS = (
    "status",
    "operator",
    "tag",
    "client",
    "account",
    "reseller",
    "package",
    "block",
    "number",
    "filter_text",
)


def filter_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The DID filters every command takes, as the app's filter bar has them."""
    options = [
        click.option(
            "--status",
            multiple=True,
            metavar="STATUS",
            shell_complete=complete_status,
            help="Only these statuses (repeatable or comma-separated: in_stock, hold, ...).",
        ),
        click.option(
            "--operator", metavar="NAME", shell_complete=complete_names("operator"), help="Only this operator's DIDs."
        ),
        click.option("--tag", metavar="TAG", shell_complete=complete_tags, help='Only this tag ("-" for none).'),
        click.option(
            "--client", metavar="NAME", shell_complete=complete_names("client"), help="Only DIDs given to this client."
        ),
        click.option(
            "--account",
            metavar="CLIENT/ACCOUNT",
            shell_complete=complete_names("account"),
            help="Only DIDs given to this account.",
        ),
        click.option(
            "--reseller", metavar="NAME", shell_complete=complete_names("reseller"), help="Only this reseller's DIDs."
        ),
        click.option(
            "--package", metavar="NAME", shell_complete=complete_names("package"), help="Only DIDs in this package."
        ),
        click.option(
            "--block", metavar="NAME", shell_complete=complete_names("block"), help="Only DIDs in this block's range."
        ),
        click.option("--number", metavar="DIGITS", help="Numbers starting with DIGITS (*DIGITS: containing them)."),
        click.option(
            "--filter",
            "filter_text",
            metavar='"TERMS"',
            help='The app\'s filter-bar line, e.g. "4420 status:hold op:colt tag:gold".',
        ),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def pop_filter(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Take the filter options out of a command's keyword arguments."""
    return {key: kwargs.pop(key) for key in FILTER_KEYS if key in kwargs}


def build_filter(values: dict[str, Any]) -> DIDFilter:
    """The DIDFilter of the options; names are matched as in the app (case-insensitive,
    unique prefixes). An option and the same field in --filter: the option wins."""
    merged: dict[str, Any] = {}
    if values.get("filter_text"):
        merged.update(parse_filter_text(values["filter_text"]))
    statuses = [s for s in values.get("status") or () if s]
    if statuses:
        merged["status"] = ",".join(statuses)
    keys = ("operator", "tag", "client", "account", "reseller", "package", "block", "number")
    for key in (*keys, "country", "number_type", "place"):
        value = values.get(key)
        if value is not None and (value != "" or key == "tag"):
            # --tag - (or --tag ""): DIDs without a tag, as the filter bar's tag:-. Other
            # tags, and --filter's, are taken exactly (docs/filters.md).
            merged[key] = "" if key == "tag" and value == "-" else value
    for kind in ("operator", "reseller", "client", "package", "block"):
        if merged.get(kind):
            merged[kind] = names.resolve(kind, merged[kind]).name
    if merged.get("account"):
        owner, account = names.resolve_account(merged["account"], merged.get("client"))
        merged["account"] = f"{owner.name}/{account.name}"
    return resolve_filter(**merged)


def selection_of(numbers: tuple[str, ...], values: dict[str, Any], every: bool) -> tuple[Selection, str]:
    """The DIDs a changing command acts on: the numbers named, or those matching the
    filters; every DID only with --all (a missing filter must not mean the whole inventory)."""
    filt = build_filter(values)
    if numbers:
        if not filt.is_empty():
            raise InputError("name DIDs or give filters, not both")
        ids = names.ids_of_numbers(list(numbers))
        return Selection.of_ids(ids), f"{len(ids):,} named DIDs"
    if filt.is_empty() and not every:
        raise InputError("name the DIDs (numbers) or give a filter (--status, --operator, ..., or --all for every DID)")
    return Selection.matching(filt), filt.describe()


# ---- changing commands ------------------------------------------------------------------


def dry_run_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--dry-run", is_flag=True, help="Say what would change (counts, first DIDs); change nothing.")(
        fn
    )


def rehearsed(
    out: Output,
    action: str,
    operation: Callable[[], Any],
    describe: Callable[[Rehearsal], str],
    count_of: Callable[[Rehearsal], int] | None = None,
) -> None:
    """Run `operation` and roll it back; print what it would have done."""
    trial = rehearse(operation, sample=SHOWN)
    if count_of is not None:
        count = count_of(trial)
    else:
        count = trial.result if isinstance(trial.result, int) else trial.dids_changed
    out.document(
        schema.result(action, count, dry_run=True, dids=trial.first_dids, dids_changed=trial.dids_changed),
        [f"dry run: {describe(trial)}" + _first(trial.first_dids, trial.dids_changed), "nothing was changed"],
    )


def _first(numbers: list[str], total: int) -> str:
    if not numbers:
        return ""
    more = f", … ({total - len(numbers):,} more)" if total > len(numbers) else ""
    return f" ({', '.join(numbers)}{more})"


def shown(numbers: list[str], total: int | None = None) -> str:
    """` (a, b, c, … (n more))` for a human summary."""
    return _first(numbers[:SHOWN], len(numbers) if total is None else total)


def hook_docs(context: Context, *results: Any) -> list[dict[str, Any]]:
    return [r.as_json() for r in results if r is not None]


def need(condition: bool, message: str) -> None:
    if not condition:
        fail(message, 2, "input")
