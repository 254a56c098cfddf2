"""`didtui import` and `didtui export`: the command-line face of didtui.core.csvio.

Import exits 0 when every row went in, 1 when rows were rejected (then, by default,
nothing was written), 2 when the file or the options cannot be used at all. Progress
bars go to stderr, and only on a terminal.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from didtui.cli import schema
from didtui.cli.base import fail, guarded, json_option
from didtui.cli.common import build_filter, filter_options, hook_docs, pop_filter
from didtui.cli.output import dumps
from didtui.core import blocks
from didtui.core.csvio import (
    ImportOptions,
    UnusableInput,
    default_export_name,
    export_csv,
    inspect_file,
    parse_map_specs,
    run_import,
    validate,
)
from didtui.core.csvio.export import check_export_target
from didtui.core.csvio.importer import ImportReport, default_errors_path
from didtui.core.csvio.mapping import check_mapping, describe_mapping
from didtui.core.filters import count
from didtui.core.outfile import check_target, database_files
from didtui.core.text import display_safe
from didtui.errors import OutputError

EXIT_OK, EXIT_REJECTED, EXIT_UNUSABLE = 0, 1, 2
ERRORS_SHOWN = 20


@contextmanager
def _progress(label: str, length: int, enabled: bool):
    """A callback `(done, total)` drawing a bar on stderr, or doing nothing."""
    if not enabled or length <= 0:
        yield None
        return
    with click.progressbar(length=length, label=label, file=sys.stderr, show_eta=True) as bar:
        state = {"done": 0}

        def advance(done: int, total: int) -> None:
            step = min(done, length) - state["done"]
            if step > 0:
                bar.update(step)
                state["done"] += step

        yield advance


def _show_report(report: ImportReport) -> None:
    click.echo(display_safe(report.summary()))  # names and reasons quote the file: shown, never obeyed
    for error in report.errors[:ERRORS_SHOWN]:
        click.echo(f"  {display_safe(str(error))}")
    more = report.wrong_rows - min(len(report.errors), ERRORS_SHOWN)
    if more > 0:
        hint = (
            f": all of them are in {report.errors_path}"
            if report.errors_path
            else ": use --errors FILE to get them all"
        )
        click.echo(f"  ... and {more:,} more wrong rows{hint}")


@click.command("import")
@click.argument("file", metavar="FILE")
@click.option(
    "--map",
    "maps",
    multiple=True,
    metavar="COLUMN=FIELD",
    help="Map a column (header name or 1-based position) to DID, Operator, Status, After Hold, Tag, Notes, Reseller or Ignore. Repeatable.",
)
@click.option("--operator", metavar="NAME", help="Operator of rows that name none.")
@click.option("--status", default="in_stock", show_default=True, help="Status of new DIDs whose row gives none.")
@click.option("--tag", default="", help="Tag of new DIDs whose row gives none.")
@click.option(
    "--after-hold", default="in_stock", show_default=True, help="After Hold of new DIDs whose row gives none."
)
@click.option(
    "--on-existing",
    type=click.Choice(["skip", "update", "stop"]),
    default="skip",
    show_default=True,
    help="A DID that already exists: leave it, update it from the row, or count the row as wrong.",
)
@click.option(
    "--create-operators",
    is_flag=True,
    help="Create operators the file names that do not exist (else such rows are wrong).",
)
@click.option(
    "--create-resellers",
    is_flag=True,
    help="Create resellers the file names that do not exist (else such rows are wrong).",
)
@click.option("--delimiter", metavar="CHAR", help="Field delimiter (default: detected among , ; tab |).")
@click.option("--header/--no-header", default=None, help="Whether the first row names the columns (default: detected).")
@click.option(
    "--encoding", metavar="NAME", help="Text encoding (default: UTF-8, with or without BOM, else Windows-1252)."
)
@click.option("--dry-run", is_flag=True, help="Validate and print the summary; write nothing.")
@click.option(
    "--record-blocks",
    is_flag=True,
    help="Record each range of the DID column (111-222) as a block of its row's operator, after the import.",
)
@click.option("--skip-invalid", is_flag=True, help="Import the good rows; write the rejected ones to the errors file.")
@click.option(
    "--errors",
    "errors_path",
    metavar="FILE",
    help="Where to write rejected rows with a Reason column (default with --skip-invalid: NAME.errors.csv beside "
    "the input NAME.csv). Written like export -o: a file is replaced only when the import ends, a symlink is "
    "written through, - writes to standard output.",
)
@json_option
@click.pass_obj
@guarded
def import_command(
    context: Any,
    file: str,
    maps: tuple[str, ...],
    operator: str | None,
    status: str,
    tag: str,
    after_hold: str,
    on_existing: str,
    create_operators: bool,
    create_resellers: bool,
    delimiter: str | None,
    header: bool | None,
    encoding: str | None,
    dry_run: bool,
    record_blocks: bool,
    skip_invalid: bool,
    errors_path: str | None,
) -> None:
    """Import DIDs from a CSV file, all or nothing unless --skip-invalid.

    Exit status: 0 every row went in, 1 rows were rejected, 2 unusable input.
    """
    tty = sys.stderr.isatty()
    try:
        info = inspect_file(file, encoding=encoding, delimiter=delimiter, header=header)
        mapping = parse_map_specs(info, maps)
        check_mapping(info, mapping)
        context.out.note(f"reading {info.path}: {info.describe()}")
        context.out.note(describe_mapping(info, mapping))
        errors = Path(errors_path) if errors_path else (default_errors_path(info.path) if skip_invalid else None)
        errors_target = None
        if errors is not None:  # checked before the database is even opened
            protect = [info.path, *database_files(context.profile.database)]
            try:
                errors_target = check_target(errors, protect=protect)
            except OutputError as exc:
                raise UnusableInput(f"errors file: {exc}") from None
        profile = context.open()
        options = ImportOptions(
            mapping=mapping,
            operator=operator,
            status=status,
            tag=tag,
            after_hold=after_hold,
            hold_days=profile.hold_days,
            on_existing=on_existing,
            create_operators=create_operators,
            create_resellers=create_resellers,
            max_range=profile.max_range,
        )
        try:
            if dry_run:
                with _progress("validating", info.size, tty) as advance:
                    report = validate(info, options, progress=advance, errors_path=errors_target)
            else:
                with _progress("importing ", info.size, tty) as advance:
                    report = run_import(
                        info, options, skip_invalid=skip_invalid, errors_path=errors_target, progress=advance
                    )
        except KeyboardInterrupt:
            fail("interrupted: nothing was imported", EXIT_REJECTED)
            return
    except UnusableInput as exc:
        fail(str(exc), EXIT_UNUSABLE)
        return
    ranges = blocks.record_file_ranges(info, mapping, operator) if record_blocks and report.written else None
    hooks = []
    if report.written and not dry_run:
        hooks.append(
            context.fire(
                "after_import",
                batch=report.batch,
                counts={"dids": report.imported, "new": report.new, "updated": report.updated},
                extra={"file": str(info.path)},
            )
        )
    if context.out.json:
        context.out.document(
            schema.result(
                "import",
                0 if dry_run or not report.written else report.imported,
                dry_run=dry_run,
                batch=report.batch if report.written and not dry_run else None,
                hooks=hook_docs(context, *hooks),
                written=bool(report.written) and not dry_run,
                new=report.new,
                updated=report.updated,
                wrong_rows=report.wrong_rows,
                errors=[str(e) for e in report.errors[:ERRORS_SHOWN]],
                errors_path=str(report.errors_path) if report.errors_path else None,
                blocks_recorded=len(ranges.recorded) if ranges else 0,
                blocks_skipped=[str(r) for r in ranges.skipped] if ranges else [],
            )
        )
        sys.exit(EXIT_OK if report.ok else EXIT_REJECTED)
    _show_report(report)
    if dry_run:
        click.echo("dry run: nothing was written")
    elif report.written:
        click.echo(f"imported {report.imported:,} DIDs ({report.new:,} new, {report.updated:,} updated)")
    else:
        click.echo(
            f"nothing was imported: {report.wrong_rows:,} row{'s are' if report.wrong_rows != 1 else ' is'} wrong; "
            "fix them, or use --skip-invalid to import the good rows"
        )
    if report.errors_path and errors_target is not None:
        click.echo(f"rejected rows written to {errors_target.shown}")
    if ranges is not None:
        n = len(ranges.recorded)
        skipped = f", {len(ranges.skipped):,} ranges skipped" if ranges.skipped else ""
        click.echo(f"recorded {n:,} block{'' if n == 1 else 's'}{skipped}")
        for reason in ranges.skipped[:ERRORS_SHOWN]:
            click.echo(f"  {reason}")
    sys.exit(EXIT_OK if report.ok else EXIT_REJECTED)


@click.command("export")
@filter_options
@click.option("--country", metavar="CC", help="Only numbers of this country (ISO code, e.g. GB).")
@click.option("--type", "number_type", metavar="TYPE", help="Only numbers of this type (fixed, mobile, tollfree, ...).")
@click.option("--sort", type=click.Choice(["number", "status", "operator", "tag"]), default="number", show_default=True)
@click.option(
    "-o",
    "--output",
    metavar="FILE|-",
    help="Where to write (default: dids-YYYYMMDD-HHMMSS.csv here). A file is replaced only when the whole "
    "export succeeded, keeping its permissions; a symlink is written through to its target; - or /dev/stdout "
    "writes to standard output; a device or pipe (/dev/null, >(gzip > f.gz), a FIFO) is written in place.",
)
@json_option
@click.pass_obj
@guarded
def export_command(
    context: Any,
    country: str | None,
    number_type: str | None,
    sort: str,
    output: str | None,
    **options: Any,
) -> None:
    """Export the DIDs matching the filters to CSV (all of them, streamed).

    The filters are those of every command (`dids list`, `dids mass-edit`, ...), --filter
    taking the app's filter-bar line; with none, every DID.
    """

    # Where the file goes is checked before the database is even opened.
    target = check_export_target(output or default_export_name(), protect=database_files(context.profile.database))
    context.open()
    # Names as the other commands read them (any case, a unique prefix: cli/common.py).
    filt = build_filter({**pop_filter(options), "country": country, "number_type": number_type})
    to_stdout = target.kind == "stdout"
    show = sys.stderr.isatty() and not to_stdout
    with _progress("exporting", count(filt) if show else 0, show) as advance:
        try:
            n = export_csv(target, filt, sort, progress=advance)
        except KeyboardInterrupt:
            kept = "the old file is unchanged" if target.kind == "replace" else "no file was written"
            fail(f"interrupted: {kept}" if target.kind != "stream" else "interrupted", EXIT_REJECTED)
            return
    if context.out.json:  # the summary document; on stderr when the CSV itself is on stdout
        doc = schema.result("export", n, target=None if to_stdout else target.shown, filter=filt.describe())
        click.echo(dumps(doc), err=to_stdout)
        return
    context.out.note(f"exported {n:,} DIDs ({filt.describe()}) to {target.shown}")
