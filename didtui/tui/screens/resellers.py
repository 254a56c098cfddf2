"""The Resellers tab (5): operators, DIDs and clients per reseller; new, rename, delete."""

from __future__ import annotations

from textual.binding import Binding

from didtui.core import resellers
from didtui.core.resellers import ResellerRow
from didtui.tui.keyhelp import help_group
from didtui.tui.messages import DataChanged
from didtui.tui.modals.reseller_forms import DeleteResellerScreen, ResellerFormScreen
from didtui.tui.screens.list_tab import ListTab


@help_group("Resellers tab", tab="resellers", order=85, target="#resellers-tab")
class ResellersTab(ListTab):
    BINDINGS = [
        Binding("n", "new", "New", tooltip="New reseller", id="resellers.new"),
        Binding("e", "rename", "Rename", tooltip="Rename reseller", id="resellers.rename"),
        Binding("delete", "delete", "Delete", tooltip="Delete reseller (or move what it has)", id="resellers.delete"),
        Binding("ctrl+r", "refresh", "Refresh", show=False, id="resellers.refresh"),
    ]

    COLUMNS = ["ID", ("Name", 24), ("Operators", 9), ("DIDs", 12), ("Clients", 9)]
    GROUP = "resellers"

    def load(self) -> list[ResellerRow]:
        return resellers.list_resellers()

    def cells(self, r: ResellerRow) -> list:
        return [r.id, r.name, f"{r.operators:,}", f"{r.dids:,}", f"{r.clients:,}"]

    def summary(self, rows: list[ResellerRow]) -> str:
        return f"{len(rows):,} resellers · n new · e rename · delete"

    def _changed(self, ok: bool | None) -> None:
        if ok:
            self.app.post_message(DataChanged())

    def action_new(self) -> None:
        self.app.push_screen(ResellerFormScreen(), self._changed)

    def action_rename(self) -> None:
        row = self.current
        if row is None:
            return

        self.app.push_screen(ResellerFormScreen(row), self._changed)

    def action_delete(self) -> None:
        row = self.current
        if row is None:
            return

        self.app.push_screen(DeleteResellerScreen(row), self._changed)
