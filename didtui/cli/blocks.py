"""`didtui blocks ...`, `didtui report costs` and `didtui reconcile`: the operator side.

Thin faces over core/blocks.py and core/reconcile.py. Exit codes as everywhere: 0 done
(reconcile: in sync, or every difference acted on), 1 refused (reconcile: differences
found), 2 unusable input.
"""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import click

from didtui.cli import schema
from didtui.cli.base import EXIT_REFUSED, EXIT_UNUSABLE, Context, fail, guarded, json_option
from didtui.cli.common import complete_names, dry_run_option
from didtui.cli.output import Column
from didtui.core import blocks as core
from didtui.core import reconcile as rec
from didtui.core.csvio import inspect_file, parse_map_specs
from didtui.core.csvio.mapping import check_mapping
from didtui.core.csvio.source import UnusableInput


def _money(value: Decimal | None) -> str:
    return "" if value is None else f"{value:,.2f}"


def _block_json(row: core.BlockRow, longest: int | None = None) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "operator": row.operator,
        "reseller": row.reseller or None,
        "first": row.first,
        "last": row.last,
        "size": row.size,
        "by_status": row.by_status,
        "not_in_inventory": row.not_in_inventory,
        "in_use_pct": round(row.in_use_pct, 2),
        "free_pct": round(row.free_pct, 2),
        "bought_on": row.bought_on.isoformat() if row.bought_on else None,
        "monthly_cost": str(row.monthly_cost) if row.monthly_cost is not None else None,
        "setup_cost": str(row.setup_cost) if row.setup_cost is not None else None,
        "monthly_total": str(row.monthly_total) if row.monthly_total is not None else None,
        "monthly_unused": str(row.monthly_unused) if row.monthly_unused is not None else None,
        "longest_free_run": longest,
        "notes": row.notes,
    }


@click.group("blocks")
def blocks_group() -> None:
    """Number blocks bought from operators: utilisation and cost."""


@blocks_group.command("list")
@click.option(
    "--operator", metavar="NAME", shell_complete=complete_names("operator"), help="Only this operator's blocks."
)
@click.option("--sort", type=click.Choice(core.SORTS), default="name", show_default=True)
@click.option("--runs", is_flag=True, help="Also compute each block's longest free run (slower).")
@json_option
@click.pass_obj
@guarded
def list_command(context: Context, operator: str | None, sort: str, runs: bool) -> None:
    """Blocks with size, % in use and free, monthly cost and what unused numbers cost."""
    context.open()
    op_id = core.operator_id(operator) if operator else None
    rows = core.list_blocks(operator_id=op_id, sort=sort)
    longest = core.longest_free_runs([r.id for r in rows]) if runs else {}

    def run_of(row: core.BlockRow) -> int | None:
        return longest.get(row.id, 0) if runs else None

    columns = [
        Column("Block", lambda r: r.name),
        Column("Operator", lambda r: r.operator),
        Column("Range", lambda r: f"{r.first}-{r.last}", shrink=False),
        Column("Size", lambda r: f"{r.size:,}", shrink=False, align_right=True),
        Column("Use%", lambda r: f"{r.in_use_pct:.1f}", shrink=False, align_right=True),
        Column("Free%", lambda r: f"{r.free_pct:.1f}", shrink=False, align_right=True),
        Column("Monthly", lambda r: _money(r.monthly_total), shrink=False, align_right=True),
        Column("Unused/mo", lambda r: _money(r.monthly_unused), shrink=False, align_right=True),
    ]
    if runs:
        columns.insert(6, Column("Run", lambda r: f"{run_of(r):,}", shrink=False, align_right=True))
    context.out.rows(
        rows,
        columns,
        lambda r: _block_json(r, run_of(r)),
        empty="no blocks: record one with `didtui blocks add RANGE --operator NAME`",
    )


@blocks_group.command("add")
@click.argument("range_text", metavar="RANGE")
@click.option("--operator", required=True, metavar="NAME", shell_complete=complete_names("operator"))
@click.option("--name", metavar="NAME", help="Default: the range itself.")
@click.option("--monthly-cost", metavar="AMOUNT", help="Per number, per month.")
@click.option("--setup-cost", metavar="AMOUNT", help="Once, for the block.")
@click.option("--bought-on", metavar="YYYY-MM-DD")
@click.option("--notes", default="")
@dry_run_option
@json_option
@click.pass_obj
@guarded
def add_command(
    context: Context,
    range_text: str,
    operator: str,
    name: str | None,
    monthly_cost: str | None,
    setup_cost: str | None,
    bought_on: str | None,
    notes: str,
    dry_run: bool,
) -> None:
    """Record a block (RANGE like 442079460000-442079460999). Never creates or changes DIDs."""
    context.open()
    span = core.parse_block_range(range_text)
    monthly = core.parse_money(monthly_cost, "monthly cost")
    setup = core.parse_money(setup_cost, "setup cost")
    day = core.parse_day(bought_on)
    op_id = core.operator_id(operator)
    if dry_run:
        context.out.document(
            schema.result("block-add", 0, dry_run=True, name=name or str(span), size=len(span)),
            [f"dry run: would record block {name or span} ({len(span):,} numbers)", "nothing was changed"],
        )
        return
    row = core.add_block(
        range_text, op_id, name=name, monthly_cost=monthly, setup_cost=setup, bought_on=day, notes=notes
    )
    context.out.document(
        schema.result("block-add", 1, block=_block_json(row)),
        f"recorded block {row.name}: {row.size:,} numbers, {row.in_inventory:,} of them in the inventory",
    )


@blocks_group.command("edit")
@click.argument("block", shell_complete=complete_names("block"))
@click.option("--name")
@click.option("--range", "range_text", metavar="RANGE")
@click.option("--operator", metavar="NAME")
@click.option("--monthly-cost", metavar="AMOUNT", help="'' for none.")
@click.option("--setup-cost", metavar="AMOUNT", help="'' for none.")
@click.option("--bought-on", metavar="YYYY-MM-DD", help="'' for none.")
@click.option("--notes")
@json_option
@click.pass_obj
@guarded
def edit_command(
    context: Context,
    block: str,
    name: str | None,
    range_text: str | None,
    operator: str | None,
    monthly_cost: str | None,
    setup_cost: str | None,
    bought_on: str | None,
    notes: str | None,
) -> None:
    """Change a block named BLOCK (a unique prefix is enough)."""
    context.open()
    row = core.block_by_name(block)
    changes: dict[str, Any] = {"name": name, "range_text": range_text, "notes": notes}
    if operator is not None:
        changes["operator_id"] = core.operator_id(operator)
    if monthly_cost is not None:
        changes["monthly_cost"] = core.parse_money(monthly_cost, "monthly cost")
    if setup_cost is not None:
        changes["setup_cost"] = core.parse_money(setup_cost, "setup cost")
    if bought_on is not None:
        changes["bought_on"] = core.parse_day(bought_on)
    after = core.edit_block(row.id, **changes)
    context.out.document(
        schema.result("block-edit", 1, block=_block_json(after)),
        f"block {after.name}: {after.first}-{after.last}, {after.size:,} numbers",
    )


@blocks_group.command("delete")
@click.argument("block", shell_complete=complete_names("block"))
@json_option
@click.pass_obj
@guarded
def delete_command(context: Context, block: str) -> None:
    """Forget a block; its DIDs stay as they are."""
    context.open()
    name = core.delete_block(core.block_by_name(block).id)
    context.out.document(schema.result("block-delete", 1, name=name), f"deleted block {name} (its DIDs are unchanged)")


@click.group("report")
def report_group() -> None:
    """Reports over the inventory."""


@report_group.command("costs")
@click.option("--by", "by", type=click.Choice(core.REPORT_BY), default="operator", show_default=True)
@json_option
@click.pass_obj
@guarded
def costs_command(context: Context, by: str) -> None:
    """What the blocks cost each month, and how much of it pays for unused numbers."""
    context.open()
    lines = core.cost_report(by)
    total = core.report_total(lines)
    header = f"{by.capitalize():<28} {'Numbers':>10} {'Unused':>10} {'Monthly':>12} {'Unused/mo':>12} {'Setup':>12}"
    text = [header] + [
        f"{line.key[:28]:<28} {line.numbers:>10,} {line.unused:>10,} {_money(line.monthly):>12} "
        f"{_money(line.monthly_unused):>12} {_money(line.setup):>12}"
        for line in [*lines, total]
    ]
    context.out.document({"by": by, "lines": [_cost_json(line) for line in lines], "total": _cost_json(total)}, text)


def _cost_json(line: core.CostLine) -> dict[str, Any]:
    return {
        "key": line.key,
        "numbers": line.numbers,
        "unused": line.unused,
        "monthly": str(line.monthly),
        "monthly_unused": str(line.monthly_unused),
        "setup": str(line.setup),
    }


@click.command("reconcile")
@click.argument("file", metavar="FILE")
@click.option(
    "--operator", required=True, metavar="NAME", shell_complete=complete_names("operator"), help="Whose list this is."
)
@click.option("--map", "maps", multiple=True, metavar="COLUMN=FIELD", help="As for import: DID, Status or Ignore.")
@click.option("--delimiter", metavar="CHAR")
@click.option("--header/--no-header", default=None)
@click.option("--encoding", metavar="NAME")
@click.option("--apply", is_flag=True, help="Take the chosen actions (default: report only).")
@click.option("--missing", type=click.Choice(rec.MISSING_ACTIONS), default="ignore", show_default=True,
              help="Numbers listed but not held.")  # fmt: skip
@click.option("--gone", type=click.Choice(rec.GONE_ACTIONS), default="ignore", show_default=True,
              help="Numbers held but no longer listed (never Active/Hold ones unless named).")  # fmt: skip
@click.option("--archive-attached", multiple=True, metavar="NUMBER",
              help="An Active or Hold number to archive with --gone archive (repeatable).")  # fmt: skip
@click.option("--tag", default="", help="Tag of numbers added by --missing.")
@click.option("--force", is_flag=True, help="Archive even when the list shares no number with the operator's DIDs.")
@click.option("--report", "report_file", metavar="FILE", help="Write every difference to this CSV file.")
@json_option
@click.pass_obj
@guarded
def reconcile_command(
    context: Context,
    file: str,
    operator: str,
    maps: tuple[str, ...],
    delimiter: str | None,
    header: bool | None,
    encoding: str | None,
    apply: bool,
    missing: str,
    gone: str,
    archive_attached: tuple[str, ...],
    tag: str,
    report_file: str | None,
    force: bool,
) -> None:
    """Compare an operator's list of numbers with its DIDs.

    Exit status: 0 in sync (or, with --apply, every difference acted on), 1 differences
    found, 2 unusable input.
    """
    try:
        info = inspect_file(file, encoding=encoding, delimiter=delimiter, header=header)
        mapping = tuple(f if f in ("did", "status") else "ignore" for f in parse_map_specs(info, maps))
        check_mapping(info, mapping)
    except UnusableInput as exc:
        fail(str(exc), EXIT_UNUSABLE)
        return
    profile = context.open()
    options = rec.ReconcileOptions(
        mapping=mapping,
        operator_id=core.operator_id(operator),
        missing=missing if apply else "ignore",
        gone=gone if apply else "ignore",
        archive_attached=archive_attached,
        tag=tag,
        max_range=profile.max_range,
        force=force,
    )
    target = Path(report_file) if report_file else None
    report = rec.reconcile(
        info,
        options,
        apply=apply,
        actor=profile.user,
        report_path=target,
        write_report=_write_report if target else None,
    )
    context.out.document(_report_json(report), _lines(report))
    sys.exit(0 if report.resolved else EXIT_REFUSED)


def _write_report(path: Path, differences: Any) -> None:
    with open(path, "w", encoding="utf-8", newline="") as out:
        rec.write_csv_report(out, differences)


def _lines(report: rec.ReconcileReport) -> list[str]:
    lines = [report.summary(), *report.sample_lines()]
    lines += [f"  skipped {problem}" for problem in report.wrong_rows[:10]]
    if report.report_path:
        lines.append(f"every difference is in {report.report_path}")
    if report.batch:
        lines.append(f"applied in batch {report.batch[:12]}: {report.applied_text()}; {report.left:,} differences left")
    elif not report.in_sync:
        lines.append("dry run: nothing was changed (use --apply with --missing/--gone)")
    return lines


def _report_json(report: rec.ReconcileReport) -> dict[str, Any]:
    return {
        "ok": True,
        "action": "reconcile",
        "operator": report.operator,
        "listed": report.listed,
        "in_sync": report.in_sync,
        "missing": report.missing,
        "gone": report.gone,
        "gone_attached": report.gone_attached,
        "drift": report.drift,
        "samples": {
            k: [
                {
                    "number": d.number,
                    "ours": d.ours or None,
                    "theirs": d.theirs or None,
                    "client": d.client or None,
                    "operator": d.operator or None,
                    "line": d.line,
                    "urgent": d.urgent,
                }
                for d in v
            ]
            for k, v in report.samples.items()
        },
        "wrong_rows": report.wrong_rows[:100],
        "applied": report.applied,
        "left": report.left,
        "batch": report.batch,
        "report": str(report.report_path) if report.report_path else None,
    }
