"""The Packages tab: name, tags, allowed DIDs, how many client packages use it."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import DataTable

from didtui.core import retail
from didtui.core.retail import PackageRow
from didtui.tui.keyhelp import help_group
from didtui.tui.modals.confirm import ConfirmScreen
from didtui.tui.modals.package_form import PackageFormScreen
from didtui.tui.screens.list_tab import ListTab
from didtui.tui.words import count
from didtui.tui.work import db_call


@help_group("Packages tab", tab="packages", order=70, target="#packages-tab")
class PackagesTab(ListTab):
    BINDINGS = [
        Binding("n", "new", "New", tooltip="New package", id="packages.new"),
        Binding("e,enter", "edit", "Edit", tooltip="Edit package", id="packages.edit"),
        Binding("delete", "delete", "Delete", tooltip="Delete package", id="packages.delete"),
        Binding("ctrl+r", "refresh", "Refresh", show=False, id="packages.refresh"),
    ]

    COLUMNS = ["ID", ("Name", 18), ("Tags", 20), ("Allowed", 8), ("Used by", 18)]
    GROUP = "packages"

    def load(self) -> list[PackageRow]:
        return retail.list_packages()

    def cells(self, r: PackageRow) -> list:
        return [r.id, r.name, ", ".join(r.tags), f"{r.allowed_dids:,}", f"{count(r.client_packages, 'client package')}"]

    def summary(self, rows: list[PackageRow]) -> str:
        return f"{count(len(rows), 'package')} · n new · e or enter edits"

    def _changed(self, ok: bool | None) -> None:
        if ok:
            self.refresh_data()

    def action_new(self) -> None:
        self.app.push_screen(PackageFormScreen(), self._changed)

    def action_edit(self) -> None:
        row = self.current
        if row is None:
            return

        self.app.push_screen(PackageFormScreen(row), self._changed)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_edit()

    def _deleted(self, row: PackageRow) -> None:
        self.app.notify(f"deleted package {row.name}")
        self.refresh_data()

    def action_delete(self) -> None:
        row = self.current
        if row is None:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                db_call(self, lambda: retail.delete_package(row.id), done=lambda _: self._deleted(row))

        self.app.push_screen(
            ConfirmScreen(f"Delete package {row.name}?", title="Delete package", yes="Delete"), answered
        )
