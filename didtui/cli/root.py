"""The command line: the app by default, and the headless jobs (sweep, demo, db, ...).

Every command turns core errors into one line on stderr and an exit code (2 for a
configuration, connection or input problem, 1 for a refused operation); no traceback for bad
input, ever.
"""

from __future__ import annotations

import click

from didtui import db as dbmod
from didtui.cli.base import EXIT_REFUSED, EXIT_UNUSABLE, Context, fail, guarded
from didtui.core.statuses import label


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
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
@click.version_option(package_name="didtui")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, profile_name: str | None, sweep: bool, dry_run: bool) -> None:
    """didtui: DID number inventory in the terminal.

    With no command, opens the full-screen app on the chosen profile.
    """
    ctx.obj = Context(config_path, profile_name)
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
    from didtui.core import sweep

    context.open()
    if dry_run:
        counts = sweep.preview()
        total = sum(counts.values())
        click.echo(f"would release {total:,} expired holds" + _by_status(counts))
        return
    result = sweep.sweep(actor=f"{context.profile.user} (sweep)")
    click.echo(f"released {result.released:,} expired holds" + _by_status(result.by_status))


def _by_status(counts: dict[str, int]) -> str:
    if not counts:
        return ""
    return ": " + ", ".join(f"{n:,} to {label(status)}" for status, n in sorted(counts.items()))


def open_app(context: Context) -> None:
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
@click.pass_obj
@guarded
def demo(context: Context, force: bool, if_empty: bool, size: int) -> None:
    """Fill the profile's database with a realistic demo inventory."""
    from didtui.core import demo as demo_data

    if size < 50 or size > 1_000_000:
        fail("--size must be from 50 to 1,000,000", EXIT_UNUSABLE)
    profile = context.open()
    if not demo_data.is_empty():
        if if_empty and not force:
            click.echo(f"the database of profile {profile.name!r} already has data: left as it is")
            return
        if not force:
            fail(
                f"the database of profile {profile.name!r} is not empty: use --force to replace its data", EXIT_REFUSED
            )
        demo_data.clear()
    summary = demo_data.build(per_operator=size)
    statuses = ", ".join(f"{n:,} {label(s)}" for s, n in sorted(summary.by_status.items()))
    click.echo(
        f"demo data in profile {profile.name!r} ({profile.masked_url}): {summary.dids:,} DIDs ({statuses}), "
        f"{summary.operators} operators, {summary.clients} clients, {summary.client_packages} client packages"
    )


@cli.group()
def db() -> None:
    """Schema versions of the profile's database."""


@db.command("upgrade")
@click.pass_obj
@guarded
def db_upgrade(context: Context) -> None:
    """Apply pending schema migrations (safe if several people run it at once)."""
    database = dbmod.open_unchecked(context.profile)
    applied = dbmod.upgrade_schema(database, context.profile.numbering)
    database.close()
    click.echo(f"applied {', '.join(applied)}" if applied else "the schema is up to date")


@db.command("status")
@click.pass_obj
@guarded
def db_status(context: Context) -> None:
    """Show pending schema migrations, and numbers the upgrade could not read."""
    database = dbmod.open_unchecked(context.profile)
    pending = dbmod.pending_migrations(database)
    total, unreadable = (0, []) if pending else dbmod.unreadable_numbers(database)
    database.close()
    click.echo(f"pending: {', '.join(pending)}" if pending else "the schema is up to date")
    if total:
        click.echo(f"{total:,} numbers could not be read as E.164 and were kept as they were:")
        for number, why in unreadable:
            click.echo(f"  {number}: {why}")
        if total > len(unreadable):
            click.echo(f"  ... and {total - len(unreadable):,} more")


@cli.command()
@click.pass_obj
@guarded
def profiles(context: Context) -> None:
    """List the configured profiles (passwords masked); * marks the active one."""
    config = context.config
    active = context.profile.name
    where = str(config.path) if config.path else "no config file: the embedded default"
    click.echo(f"# {where}")
    for name, profile in config.profiles.items():
        mark = "*" if name == active else " "
        click.echo(f"{mark} {name:<16} {profile.masked_url}")
