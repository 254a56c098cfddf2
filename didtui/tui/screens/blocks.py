"""The Blocks view (`b` on the Operators tab): per block its size, counts by status, % in
use and free, longest free run, monthly cost and what it pays for unused numbers.

Counts come from one query (core/blocks.py); the longest free runs from a second one,
filled in when they arrive so the view opens as fast as the Operators tab.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Static

from didtui.core import blocks
from didtui.core.blocks import BlockRow
from didtui.core.statuses import Status
from didtui.tui.keyhelp import help_group
from didtui.tui.messages import DrillDown
from didtui.tui.modals.block_form import BlockFormScreen, CostsScreen
from didtui.tui.modals.confirm import ConfirmScreen
from didtui.tui.widgets.key_bar import KeyBar
from didtui.tui.widgets.list_table import ListTable
from didtui.tui.words import count
from didtui.tui.work import db_call

SORT_LABELS = {
    "name": "name",
    "operator": "operator",
    "size": "size",
    "in_use": "% in use",
    "free": "% free",
    "unused_cost": "unused cost",
    "first": "range",
}
COUNTED = [Status.ACTIVE, Status.IN_STOCK, Status.HOLD, Status.RESERVED, Status.BLOCKED, Status.ARCHIVED]
SHORT = {"active": "Act", "in_stock": "Stock", "hold": "Hold", "reserved": "Rsv", "blocked": "Blk", "archived": "Arch"}


def money(value: Decimal | None) -> str:
    return "" if value is None else f"{value:,.2f}"


@help_group("Blocks (b on Operators)", order=65)
class BlocksScreen(Screen[None]):
    """All blocks, sortable; enter shows a block's DIDs on the DIDs tab."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="blocks.back"),
        Binding("s", "sort", "Sort", tooltip="Sort by the next column", id="blocks.sort"),
        Binding("enter", "drill", "DIDs", tooltip="Show the block's DIDs", id="blocks.drill"),
        Binding("n", "new", "New", tooltip="Record a new block", id="blocks.new"),
        Binding("e", "edit", "Edit", tooltip="Edit the block", id="blocks.edit"),
        Binding("delete", "delete", "Delete", tooltip="Forget the block (its DIDs stay)", id="blocks.delete"),
        Binding("c", "costs", "Costs", tooltip="Monthly cost report", id="blocks.costs"),
        Binding("ctrl+r", "refresh", "Refresh", show=False, id="blocks.refresh"),
    ]

    # What a person scanning blocks looks for first fits 80 columns; the rest is → away.
    COLUMNS = [
        ("Block", 16),
        ("Size", 8),
        ("Use%", 5),
        ("Free%", 5),
        ("Run", 7),
        ("Monthly", 10),
        ("Unused/mo", 10),
        ("Operator", 14),
        ("Range", 25),
        *((SHORT[s.value], 7) for s in COUNTED),
        ("Missing", 7),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.sort = "name"
        self.rows: dict[str, BlockRow] = {}
        self.runs: dict[int, int] = {}

    def compose(self) -> ComposeResult:
        yield Static("Blocks · loading…", classes="summary", id="blocks-summary")
        yield ListTable(list(self.COLUMNS), id="blocks-table")
        yield KeyBar()

    def on_mount(self) -> None:
        self.refresh_data()
        self.query_one(ListTable).focus()

    @property
    def table(self) -> ListTable:
        return self.query_one(ListTable)

    @property
    def current(self) -> BlockRow | None:
        key = self.table.current_key
        return self.rows.get(key) if key else None

    def refresh_data(self) -> None:
        sort = self.sort
        db_call(self, lambda: blocks.list_blocks(sort=sort), done=self._show, group="blocks", exclusive=True)

    def action_refresh(self) -> None:
        self.refresh_data()

    def _show(self, rows: list[BlockRow]) -> None:
        self.rows = {str(r.id): r for r in rows}
        self._fill()
        ids = [r.id for r in rows]
        if ids:
            db_call(self, lambda: blocks.longest_free_runs(ids), done=self._runs, group="blocks-runs", exclusive=True)

    def _runs(self, runs: dict[int, int]) -> None:
        self.runs = runs
        self._fill()

    def _fill(self) -> None:
        rows = list(self.rows.values())
        self.table.set_rows((r.id, self.cells(r)) for r in rows)
        monthly = sum((r.monthly_total or Decimal(0) for r in rows), Decimal(0))
        unused = sum((r.monthly_unused or Decimal(0) for r in rows), Decimal(0))
        plural = "block" if len(rows) == 1 else "blocks"
        self.query_one("#blocks-summary", Static).update(
            Text(
                f"{len(rows):,} {plural} · {money(monthly)}/month, {money(unused)} unused · by {SORT_LABELS[self.sort]}"
            )
        )

    def cells(self, r: BlockRow) -> list[Any]:
        run = self.runs.get(r.id, 0) if self.runs else None
        return [
            r.name,  # str cells are shown literally by ListTable (didtui/tui/text.py)
            Text(f"{r.size:,}", justify="right"),
            Text(f"{r.in_use_pct:.0f}", justify="right"),
            Text(f"{r.free_pct:.0f}", justify="right"),
            Text("…" if run is None else f"{run:,}", justify="right"),
            Text(money(r.monthly_total), justify="right"),
            Text(money(r.monthly_unused), justify="right"),
            r.operator,
            Text(f"{r.first}-{r.last}"),
            *(Text(f"{r.count(s.value):,}", justify="right") for s in COUNTED),
            Text(f"{r.not_in_inventory:,}", justify="right"),
        ]

    def action_sort(self) -> None:
        order = list(SORT_LABELS)
        self.sort = order[(order.index(self.sort) + 1) % len(order)]
        rows = sorted(self.rows.values(), key=lambda r: r.sort_key(self.sort))
        self.rows = {str(r.id): r for r in rows}
        self._fill()

    def action_back(self) -> None:
        self.dismiss(None)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_drill()

    def action_drill(self) -> None:
        row = self.current
        if row is None:
            return
        self.dismiss(None)
        self.app.post_message(DrillDown({"block": row.name}, back_to="operators"))

    def _changed(self, ok: bool | None) -> None:
        if ok:
            self.refresh_data()

    def action_new(self) -> None:
        self.app.push_screen(BlockFormScreen(), self._changed)

    def action_edit(self) -> None:
        row = self.current
        if row is not None:
            self.app.push_screen(BlockFormScreen(row), self._changed)

    def action_delete(self) -> None:
        row = self.current
        if row is None:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                db_call(self, lambda: blocks.delete_block(row.id), done=self._deleted)

        self.app.push_screen(
            ConfirmScreen(
                f"Forget block {row.name} ({row.first}-{row.last})? Its {count(row.in_inventory, 'DID')} stay as they are.",
                title="Delete block",
                yes="Delete",
            ),
            answered,
        )

    def _deleted(self, name: str) -> None:
        self.app.notify(f"deleted block {name}", markup=False)
        self.refresh_data()

    def action_costs(self) -> None:
        self.app.push_screen(CostsScreen())
