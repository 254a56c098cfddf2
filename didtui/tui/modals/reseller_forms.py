"""Reseller forms: new/rename, and delete with a move-to choice."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Input, Select

from didtui.core import resellers, views
from didtui.core.resellers import ResellerRow
from didtui.tui.modals import fields
from didtui.tui.modals.base import FormScreen
from didtui.tui.work import db_call


class ResellerFormScreen(FormScreen[bool]):
    """New reseller, or rename `row`."""

    def __init__(self, row: ResellerRow | None = None) -> None:
        super().__init__()
        self.row = row
        self.TITLE_TEXT = f"Rename reseller {row.name}" if row else "New reseller"

    def fields(self) -> ComposeResult:
        yield self.field_row("Name", Input(self.row.name if self.row else "", id="name", compact=True))

    def on_mount(self) -> None:
        self.query_one("#name", Input).focus()

    def submit(self) -> None:
        name = self.query_one("#name", Input).value
        row = self.row
        if row is None:
            call = lambda: resellers.create_reseller(name).name  # noqa: E731
        else:
            call = lambda: resellers.rename_reseller(row.id, name).name  # noqa: E731
        self.set_busy(True)
        db_call(self, call, done=self._saved, failed=self.show_error)

    def _saved(self, name: str) -> None:
        self.app.notify(f"saved reseller {name}")
        self.dismiss(True)


class DeleteResellerScreen(FormScreen[bool]):
    """Delete a reseller; one in use needs another to move its operators, DIDs, clients to."""

    SUBMIT_LABEL = "Delete"

    def __init__(self, row: ResellerRow) -> None:
        super().__init__()
        self.row = row
        self.TITLE_TEXT = f"Delete reseller {row.name}"

    def fields(self) -> ComposeResult:
        yield self.field_row("Move all to", fields.name_select("move_to", "(none: refuse if in use)"))

    def on_mount(self) -> None:
        fields.fill_names(self, self.query_one("#move_to", Select), views.reseller_choices, exclude=self.row.id)
        r = self.row
        self.show_info(
            f"{r.name} has {r.operators:,} operators, {r.dids:,} DIDs, {r.clients:,} clients: "
            "choose a reseller to move them to"
            if r.in_use
            else f"{r.name} is not in use"
        )
        self.query_one("#move_to", Select).focus()

    def submit(self) -> None:
        move_to: int | None = fields.chosen(self.query_one("#move_to", Select))
        self.set_busy(True)
        db_call(
            self,
            lambda: resellers.delete_reseller(self.row.id, move_to=move_to),
            done=self._deleted,
            failed=self.show_error,
        )

    def _deleted(self, moved: int) -> None:
        self.app.notify(f"deleted reseller {self.row.name}" + (f"; {moved:,} DIDs moved" if moved else ""))
        self.dismiss(True)
