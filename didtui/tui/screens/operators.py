"""The Operators tab: DID counts by status; new, rename, delete; enter drills down."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import DataTable

from didtui.core import operators
from didtui.core.operators import OperatorRow
from didtui.core.statuses import Status
from didtui.tui.keyhelp import help_group
from didtui.tui.messages import DataChanged, DrillDown
from didtui.tui.modals.operator_forms import DeleteOperatorScreen, OperatorFormScreen
from didtui.tui.modals.reconcile_wizard import ReconcileWizard
from didtui.tui.screens.blocks import BlocksScreen
from didtui.tui.screens.list_tab import ListTab
from didtui.tui.words import count

SHORT = {
    Status.IN_STOCK: "Stock",
    Status.ACTIVE: "Active",
    Status.HOLD: "Hold",
    Status.RESERVED: "Resvd",
    Status.BLOCKED: "Blockd",
    Status.ARCHIVED: "Archvd",
}


def short_count(n: int) -> str:
    """A count in 7 cells: 999,999 as it is, then 1.23M."""
    return f"{n:,}" if n < 1_000_000 else f"{n / 1_000_000:.2f}M"


STATUS_COLUMNS = [Status.IN_STOCK, Status.ACTIVE, Status.HOLD, Status.RESERVED, Status.BLOCKED, Status.ARCHIVED]


@help_group("Operators tab", tab="operators", order=60, target="#operators-tab")
class OperatorsTab(ListTab):
    BINDINGS = [
        Binding("n", "new", "New", tooltip="New operator", id="operators.new"),
        Binding("e", "rename", "Rename", tooltip="Rename operator / change its reseller", id="operators.rename"),
        Binding("delete", "delete", "Delete", tooltip="Delete operator (moving its DIDs)", id="operators.delete"),
        Binding("enter", "drill", "DIDs", tooltip="Show the operator's DIDs (drill down)", id="operators.drill"),
        Binding("b", "blocks", "Blocks", tooltip="Number blocks: utilisation and cost", id="operators.blocks"),
        Binding(
            "R", "reconcile", "Reconcile", tooltip="Compare the operator's list with its DIDs", id="operators.reconcile"
        ),
        Binding("ctrl+r", "refresh", "Refresh", show=False, id="operators.refresh"),
    ]

    # Every status count fits 80 columns: short headers, the ID last.
    COLUMNS = [("Name", 14), ("DIDs", 9), *((SHORT[s], 7) for s in STATUS_COLUMNS), ("Reseller", 16), "ID"]
    GROUP = "operators"

    def load(self) -> list[OperatorRow]:
        return operators.list_operators()

    def cells(self, r: OperatorRow) -> list:
        return [
            r.name,
            f"{r.did_count:,}",
            *(short_count(r.by_status.get(s.value, 0)) for s in STATUS_COLUMNS),
            r.reseller,
            r.id,
        ]

    def summary(self, rows: list[OperatorRow]) -> str:
        total = sum(r.did_count for r in rows)
        return f"{count(len(rows), 'operator')} · {count(total, 'DID')} · enter shows an operator's DIDs"

    def _changed(self, ok: bool | None) -> None:
        if ok:
            self.app.post_message(DataChanged())

    def action_new(self) -> None:
        self.app.push_screen(OperatorFormScreen(), self._changed)

    def action_rename(self) -> None:
        row = self.current
        if row is None:
            return

        self.app.push_screen(OperatorFormScreen(row), self._changed)

    def action_delete(self) -> None:
        row = self.current
        if row is None:
            return

        self.app.push_screen(DeleteOperatorScreen(row), self._changed)

    def action_reconcile(self) -> None:
        self.app.push_screen(ReconcileWizard(self.current), self._changed)

    def action_blocks(self) -> None:
        self.app.push_screen(BlocksScreen())

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_drill()

    def action_drill(self) -> None:
        row = self.current
        if row is None:
            return
        self.app.post_message(DrillDown({"operator": row.name}, back_to="operators"))
