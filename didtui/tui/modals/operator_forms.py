"""Operator forms: new/rename (name, reseller) and delete with a move-to choice."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Input, Select

from didtui.core import operators
from didtui.core.operators import OperatorRow
from didtui.core.text import display_safe
from didtui.tui.modals import fields
from didtui.tui.modals.base import FormScreen
from didtui.tui.words import count
from didtui.tui.work import db_call


class OperatorFormScreen(FormScreen[bool]):
    """New operator, or rename / change reseller of `row`."""

    def __init__(self, row: OperatorRow | None = None) -> None:
        super().__init__()
        self.row = row
        self.TITLE_TEXT = f"Edit operator {row.name}" if row else "New operator"

    def fields(self) -> ComposeResult:
        yield self.field_row("Name", Input(display_safe(self.row.name) if self.row else "", id="name", compact=True))
        yield self.field_row("Reseller", fields.name_select("reseller", "(none)"))

    def on_mount(self) -> None:
        fields.resellers(self, self.query_one("#reseller", Select), self.row.reseller_id if self.row else None)
        self.query_one("#name", Input).focus()

    def submit(self) -> None:
        name = self.query_one("#name", Input).value
        reseller: int | None = fields.chosen(self.query_one("#reseller", Select))
        row = self.row
        if row is None:
            call = lambda: operators.create_operator(name, reseller)  # noqa: E731
        else:
            # A name left as shown is not a rename (it may be shown with control characters made visible).
            new_name = None if name == display_safe(row.name) else name
            call = lambda: operators.update_operator(row.id, name=new_name, reseller_id=reseller)  # noqa: E731
        self.set_busy(True)
        db_call(self, call, done=lambda op: self._saved(op.name), failed=self.show_error)

    def _saved(self, name: str) -> None:
        self.app.notify(f"saved operator {name}")
        self.dismiss(True)


class DeleteOperatorScreen(FormScreen[bool]):
    """Delete an operator; one that owns DIDs needs an operator to move them to."""

    SUBMIT_LABEL = "Delete"

    def __init__(self, row: OperatorRow) -> None:
        super().__init__()
        self.row = row
        self.TITLE_TEXT = f"Delete operator {row.name}"

    def fields(self) -> ComposeResult:
        yield self.field_row("Move DIDs to", fields.name_select("move_to", "(none: refuse if it owns DIDs)"))

    def on_mount(self) -> None:
        fields.operators(self, self.query_one("#move_to", Select), exclude=self.row.id)
        owned = self.row.did_count
        self.show_info(
            f"{self.row.name} owns {count(owned, 'DID')}: choose an operator to move them to"
            if owned
            else f"{self.row.name} owns no DIDs"
        )
        self.query_one("#move_to", Select).focus()

    def submit(self) -> None:
        move_to: int | None = fields.chosen(self.query_one("#move_to", Select))
        self.set_busy(True)
        db_call(
            self,
            lambda: operators.delete_operator(self.row.id, move_to=move_to),
            done=self._deleted,
            failed=self.show_error,
        )

    def _deleted(self, moved: int) -> None:
        self.app.notify(f"deleted operator {self.row.name}" + (f"; {count(moved, 'DID')} moved" if moved else ""))
        self.dismiss(True)
