"""The command line: the app by default, and the headless jobs (sweep, demo, db, ...).

Every command turns core errors into one line on stderr and an exit code (2 for a
configuration, connection or input problem, 1 for a refused operation); no traceback for bad
input, ever.
"""

from __future__ import annotations

import datetime as _dt
import importlib
from typing import Any

import click

from didtui import db as dbmod
from didtui.cli import schema
from didtui.cli.base import EXIT_REFUSED, EXIT_UNUSABLE, Context, fail, guarded, json_option
from didtui.cli.common import hook_docs
from didtui.core import demo as demo_data
from didtui.core import sweep
from didtui.core.hooks import batch_numbers
from didtui.core.statuses import label


class LazyGroup(click.Group):
    """A group whose commands are imported when used (click's documented pattern): a
    shell's TAB or `didtui dids list` loads its own module, not the CSV reader and the
    block reports, which were a third of every command's start-up."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy: dict[str, str] = {}

    def add_lazy(self, name: str, target: str) -> None:
        """Register command `name` as "module:attribute", imported on first use."""
        self.lazy[name] = target

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy:
            module, _, attribute = self.lazy[cmd_name].partition(":")
            self.add_command(getattr(importlib.import_module(module), attribute), cmd_name)
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyGroup, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    metavar="PATH",
    help="Config file (default: $DIDTUI_CONFIG, then the platform config dir).",
)
@click.option(
    "--profile",
    "profile_name",
    metavar="NAME",
    help="Connection profile (default: $DIDTUI_PROFILE, then default_profile).",
)
@click.option("--sweep", is_flag=True, help="Release expired holds and exit (what cron runs).")
@click.option("--dry-run", is_flag=True, help="With --sweep: say what would be released, change nothing.")
@click.option(
    "--json", "json_output", is_flag=True, help="Print JSON (every command takes it too). Schema: docs/cli.md."
)
@click.option("-q", "--quiet", is_flag=True, help="Print only errors (the exit code says the rest).")
@click.version_option(package_name="didtui")
@click.pass_context
def cli(
    ctx: click.Context,
    config_path: str | None,
    profile_name: str | None,
    sweep: bool,
    dry_run: bool,
    json_output: bool,
    quiet: bool,
) -> None:
    """didtui: DID number inventory in the terminal, and every operation as a command.

    With no command, opens the full-screen app on the chosen profile. Exit codes: 0 done,
    1 refused by a rule or nothing matched, 2 unusable input or configuration, 3 conflict
    (stale version, lost race).
    """
    ctx.obj = Context(config_path, profile_name, json=json_output, quiet=quiet)
    if ctx.invoked_subcommand is not None:
        if sweep:
            fail("--sweep runs on its own, without a command", EXIT_UNUSABLE)
        return
    if sweep:
        run_sweep(ctx.obj, dry_run)
    elif dry_run:
        fail("--dry-run goes with --sweep", EXIT_UNUSABLE)
    else:
        open_app(ctx.obj)


@guarded
def run_sweep(context: Context, dry_run: bool) -> None:
    """The hold sweep, for cron and monitoring (--json: one document; --quiet: errors only)."""
    context.open()
    if dry_run:
        counts = sweep.preview()
        total = sum(counts.values())
        doc = schema.result(
            "sweep",
            total,
            dry_run=True,
            by_status=counts,
            at=_dt.datetime.now(_dt.UTC).replace(tzinfo=None, microsecond=0),
        )
        context.out.document(doc, f"would release {total:,} expired holds" + _by_status(counts))
        return
    actor = f"{context.profile.user} (sweep)"
    result = sweep.sweep(actor=actor)
    hook = None
    if result.released:
        hook = context.fire(
            "after_sweep", batch=result.batch, actor=actor, counts={"dids": result.released, **result.by_status}
        )
    doc = schema.result(
        "sweep",
        result.released,
        batch=result.batch if result.released else None,
        dids=batch_numbers(result.batch, 10) if result.released else [],
        by_status=result.by_status,
        at=result.at,
        hooks=hook_docs(context, hook),
    )
    context.out.document(doc, f"released {result.released:,} expired holds" + _by_status(result.by_status))


def _by_status(counts: dict[str, int]) -> str:
    if not counts:
        return ""
    return ": " + ", ".join(f"{n:,} to {label(status)}" for status, n in sorted(counts.items()))


def open_app(context: Context) -> None:
    # Imported here, not at the top: Textual costs about 0.4 s to import, which every
    # other command (import, export, sweep from cron) would pay for nothing
    # (docs/architecture.md, "Function-local imports").
    try:
        from didtui.tui.app import run_app
    except ImportError:
        click.echo(click.get_current_context().get_help())
        return
    guarded(run_app)(context)


@cli.command()
@click.option("--force", is_flag=True, help="Replace the data of a non-empty database.")
@click.option("--if-empty", is_flag=True, help="Leave a non-empty database as it is (exit 0).")
@click.option("--size", default=1000, show_default=True, help="DIDs per operator (six operators).")
@click.option("--dry-run", is_flag=True, help="Say what would be done; change nothing.")
@json_option
@click.pass_obj
@guarded
def demo(context: Context, force: bool, if_empty: bool, size: int, dry_run: bool) -> None:
    """Fill the profile's database with a realistic demo inventory."""

    if size < 50 or size > 1_000_000:
        fail("--size must be from 50 to 1,000,000", EXIT_UNUSABLE)
    profile = context.open()
    if not demo_data.is_empty():
        if if_empty and not force:
            context.out.document(
                schema.result("demo", 0, profile=profile.name, left_as_it_is=True),
                f"the database of profile {profile.name!r} already has data: left as it is",
            )
            return
        if not force:
            fail(
                f"the database of profile {profile.name!r} is not empty: use --force to replace its data", EXIT_REFUSED
            )
        if dry_run:
            context.out.document(
                schema.result("demo", size * 6, dry_run=True, profile=profile.name, replaces=True),
                f"dry run: would replace the data of profile {profile.name!r} with {size * 6:,} demo DIDs",
            )
            return
        demo_data.clear()
    elif dry_run:
        context.out.document(
            schema.result("demo", size * 6, dry_run=True, profile=profile.name, replaces=False),
            f"dry run: would fill profile {profile.name!r} with {size * 6:,} demo DIDs",
        )
        return
    summary = demo_data.build(per_operator=size)
    statuses = ", ".join(f"{n:,} {label(s)}" for s, n in sorted(summary.by_status.items()))
    context.out.document(
        schema.result("demo", summary.dids, profile=profile.name, by_status=summary.by_status),
        f"demo data in profile {profile.name!r} ({profile.masked_url}): {summary.dids:,} DIDs ({statuses}), "
        f"{summary.operators} operators, {summary.clients} clients, {summary.client_packages} client packages",
    )


@cli.group()
def db() -> None:
    """Schema versions of the profile's database."""


@db.command("upgrade")
@click.option("--dry-run", is_flag=True, help="List the migrations it would apply; change nothing.")
@json_option
@click.pass_obj
@guarded
def db_upgrade(context: Context, dry_run: bool) -> None:
    """Apply pending schema migrations (safe if several people run it at once)."""
    database = dbmod.open_unchecked(context.profile)
    if dry_run:
        pending = dbmod.pending_migrations(database)
        database.close()
        context.out.document(
            {"ok": True, "dry_run": True, "pending": pending},
            f"dry run: would apply {', '.join(pending)}" if pending else "the schema is up to date",
        )
        return
    applied = dbmod.upgrade_schema(database, context.profile.numbering)
    database.close()
    context.out.document(
        {"ok": True, "applied": applied}, f"applied {', '.join(applied)}" if applied else "the schema is up to date"
    )


@db.command("status")
@json_option
@click.pass_obj
@guarded
def db_status(context: Context) -> None:
    """Show pending schema migrations, and numbers the upgrade could not read."""
    database = dbmod.open_unchecked(context.profile)
    pending = dbmod.pending_migrations(database)
    total, unreadable = (0, []) if pending else dbmod.unreadable_numbers(database)
    database.close()
    lines = [f"pending: {', '.join(pending)}" if pending else "the schema is up to date"]
    if total:
        lines.append(f"{total:,} numbers could not be read as E.164 and were kept as they were:")
        lines += [f"  {number}: {why}" for number, why in unreadable]
        if total > len(unreadable):
            lines.append(f"  ... and {total - len(unreadable):,} more")
    doc: dict = {"ok": True, "pending": pending}
    if total:  # numbers migration 0002 kept as they were (docs/numbers.md)
        doc["unreadable"] = {"count": total, "first": [{"number": n, "why": why} for n, why in unreadable]}
    context.out.document(doc, lines)


@cli.command()
@json_option
@click.pass_obj
@guarded
def profiles(context: Context) -> None:
    """List the configured profiles (passwords masked); * marks the active one."""
    config = context.config
    active = context.profile.name
    where = str(config.path) if config.path else "no config file: the embedded default"
    context.out.document(
        {
            "config": str(config.path) if config.path else None,
            "active": active,
            "profiles": [
                {"name": name, "database": profile.masked_url, "active": name == active}
                for name, profile in config.profiles.items()
            ],
        },
        [f"# {where}"]
        + [
            f"{'*' if name == active else ' '} {name:<16} {profile.masked_url}"
            for name, profile in config.profiles.items()
        ],
    )
