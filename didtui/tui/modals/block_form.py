"""Block forms: record or edit a block (range, operator, costs); the monthly cost report."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select, Static

from didtui.core import blocks
from didtui.core.blocks import BlockRow, CostLine
from didtui.tui.modals import fields
from didtui.tui.modals.base import FormScreen
from didtui.tui.widgets.list_table import ListTable
from didtui.tui.words import count
from didtui.tui.work import db_call


class BlockFormScreen(FormScreen[bool]):
    """Record a block, or edit `row`. Never creates or changes DIDs."""

    def __init__(self, row: BlockRow | None = None) -> None:
        super().__init__()
        self.row = row
        self.TITLE_TEXT = "Edit block" if row else "New block"

    def fields(self) -> ComposeResult:
        row = self.row
        yield self.field_row("Range", Input(f"{row.first}-{row.last}" if row else "", id="range", compact=True))
        yield self.field_row("Operator", fields.name_select("operator", "(choose)"))
        yield self.field_row("Name", Input(row.name if row else "", id="name", placeholder="(the range)", compact=True))
        yield self.field_row(
            "Monthly/number",
            Input(str(row.monthly_cost) if row and row.monthly_cost is not None else "", id="monthly", compact=True),
        )
        yield self.field_row(
            "Setup cost",
            Input(str(row.setup_cost) if row and row.setup_cost is not None else "", id="setup", compact=True),
        )
        yield self.field_row(
            "Bought on",
            Input(
                row.bought_on.isoformat() if row and row.bought_on else "",
                id="bought",
                placeholder="YYYY-MM-DD",
                compact=True,
            ),
        )
        yield self.field_row("Notes", Input(row.notes if row else "", id="notes", compact=True))

    def on_mount(self) -> None:
        fields.operators(self, self.query_one("#operator", Select), self.row.operator_id if self.row else None)
        self.query_one("#range", Input).focus()

    def _value(self, widget_id: str) -> str:
        return self.query_one(f"#{widget_id}", Input).value

    def submit(self) -> None:
        operator = fields.chosen(self.query_one("#operator", Select))
        if operator is None:
            self.show_error("choose the operator the block was bought from")
            return
        values: dict[str, Any] = {
            "range_text": self._value("range"),
            "name": self._value("name"),
            "monthly": self._value("monthly"),
            "setup": self._value("setup"),
            "bought": self._value("bought"),
            "notes": self._value("notes"),
        }
        row = self.row
        op_id = operator if isinstance(operator, int) else int(str(operator))

        def save() -> BlockRow:
            monthly = blocks.parse_money(values["monthly"], "monthly cost")
            setup = blocks.parse_money(values["setup"], "setup cost")
            day = blocks.parse_day(values["bought"])
            if row is None:
                return blocks.add_block(
                    values["range_text"],
                    op_id,
                    name=values["name"] or None,
                    monthly_cost=monthly,
                    setup_cost=setup,
                    bought_on=day,
                    notes=values["notes"],
                )
            return blocks.edit_block(
                row.id,
                name=values["name"] or row.name,
                range_text=values["range_text"],
                operator_id=op_id,
                monthly_cost=monthly,
                setup_cost=setup,
                bought_on=day,
                notes=values["notes"],
            )

        self.set_busy(True)
        db_call(self, save, done=self._saved, failed=self.show_error)

    def _saved(self, row: BlockRow) -> None:
        self.app.notify(
            f"saved block {row.name}: {count(row.size, 'number')}, {row.in_inventory:,} in the inventory", markup=False
        )
        self.dismiss(True)


class CostsScreen(ModalScreen[None]):
    """What the blocks cost each month, by operator, block, reseller or status (`b` cycles)."""

    BINDINGS = [
        Binding("escape", "close", "Close", id="costs.close"),
        Binding("b", "by", "Group by", tooltip="Group by the next field", id="costs.by"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.by = "operator"

    def compose(self) -> ComposeResult:
        with Vertical(classes="form wide costs"):
            yield Label("Monthly cost of blocks", classes="form-title")
            yield Static("", id="costs-by")
            yield ListTable(
                [("Group", 20), ("Numbers", 8), ("Unused", 8), ("Monthly", 10), ("Unused/mo", 10), ("Setup", 9)],
                id="costs-table",
            )

    def on_mount(self) -> None:
        self._load()
        self.query_one(ListTable).focus()

    def _load(self) -> None:
        by = self.by
        db_call(self, lambda: blocks.cost_report(by), done=self._show, group="costs", exclusive=True)

    def _show(self, lines: list[CostLine]) -> None:
        total = blocks.report_total(lines)
        self.query_one("#costs-by", Static).update(Text(f"by {self.by} (b: group by another field, esc: close)"))
        self.query_one(ListTable).set_rows((i, self._cells(line)) for i, line in enumerate([*lines, total]))

    @staticmethod
    def _cells(line: CostLine) -> list[Text]:
        return [
            Text(line.key),
            Text(f"{line.numbers:,}", justify="right"),
            Text(f"{line.unused:,}", justify="right"),
            Text(f"{line.monthly:,.2f}", justify="right"),
            Text(f"{line.monthly_unused:,.2f}", justify="right"),
            Text(f"{line.setup:,.2f}", justify="right"),
        ]

    def action_by(self) -> None:
        order = list(blocks.REPORT_BY)
        self.by = order[(order.index(self.by) + 1) % len(order)]
        self._load()

    def action_close(self) -> None:
        self.dismiss(None)
