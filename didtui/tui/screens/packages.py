"""The Packages tab: name, tags, allowed DIDs, how many client packages use it."""
from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from didtui.core import retail
from didtui.core.retail import PackageRow
from didtui.tui.modals.confirm import ConfirmScreen
from didtui.tui.widgets.list_table import ListTable
from didtui.tui.work import db_call


class PackagesTab(Vertical):
    BINDINGS = [
        Binding("n", "new", "New", tooltip="New package", id="packages.new"),
        Binding("e,enter", "edit", "Edit", tooltip="Edit package", id="packages.edit"),
        Binding("delete", "delete", "Delete", tooltip="Delete package", id="packages.delete"),
        Binding("ctrl+r", "refresh", "Refresh", show=False, id="packages.refresh"),
    ]

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.rows: dict[str, PackageRow] = {}

    def compose(self) -> ComposeResult:
        yield Static("loading…", classes="summary")
        yield ListTable(["ID", ("Name", 22), ("Tags", 26), ("Allowed DIDs", 12), ("Used by", 20)], id="packages-table")

    @property
    def table(self) -> ListTable:
        return self.query_one(ListTable)

    def focus_main(self) -> None:
        self.screen.set_focus(self.table)

    def refresh_data(self) -> None:
        db_call(self, retail.list_packages, done=self._show, group="packages", exclusive=True)

    def action_refresh(self) -> None:
        self.refresh_data()

    def _show(self, rows: list[PackageRow]) -> None:
        self.rows = {str(r.id): r for r in rows}
        self.table.set_rows(
            (r.id, [r.id, r.name, ", ".join(r.tags), f"{r.allowed_dids:,}", f"{r.client_packages:,} client packages"])
            for r in rows
        )
        self.query_one(".summary", Static).update(f"{len(rows):,} packages · n new · e or enter edits")

    @property
    def current(self) -> PackageRow | None:
        key = self.table.current_key
        return self.rows.get(key) if key else None

    def _changed(self, ok: bool | None) -> None:
        if ok:
            self.refresh_data()

    def action_new(self) -> None:
        from didtui.tui.modals.package_form import PackageFormScreen

        self.app.push_screen(PackageFormScreen(), self._changed)

    def action_edit(self) -> None:
        row = self.current
        if row is None:
            return
        from didtui.tui.modals.package_form import PackageFormScreen

        self.app.push_screen(PackageFormScreen(row), self._changed)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_edit()

    def action_delete(self) -> None:
        row = self.current
        if row is None:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                db_call(self, lambda: retail.delete_package(row.id),
                        done=lambda _: (self.app.notify(f"deleted package {row.name}"), self.refresh_data()))

        self.app.push_screen(ConfirmScreen(f"Delete package {row.name}?", title="Delete package", yes="Delete"), answered)
