"""Mass edit: set fields on every marked DID (or all matching the filter) at once, or
delete them after a confirmation. Core refusals appear in the form; nothing changes."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Button, Input, Select

from didtui.core import inventory
from didtui.core.filters import Selection
from didtui.errors import DidtuiError
from didtui.tui.keyhelp import help_group
from didtui.tui.modals import fields
from didtui.tui.modals.base import FormScreen
from didtui.tui.modals.confirm import ConfirmScreen
from didtui.tui.words import count
from didtui.tui.work import db_call


@help_group("Forms", order=100)
class MassEditScreen(FormScreen[str]):
    """Dismissed with "edited", "deleted" or None."""

    TITLE_TEXT = "Mass edit"
    SUBMIT_LABEL = "Apply"

    def __init__(self, selection: Selection, count: int, description: str) -> None:
        super().__init__()
        self.selection = selection
        self.count = count
        self.description = description

    def fields(self) -> ComposeResult:
        yield self.field_row("Status", fields.status_select("status", blank=True))
        yield self.field_row("Tag", Input(placeholder="(unchanged; - for no tag)", id="tag", compact=True))
        yield self.field_row("Hold days", Input(placeholder="(unchanged)", id="hold_days", compact=True))
        yield self.field_row("After hold", fields.after_hold_select("after_hold", blank=True))
        yield self.field_row("Operator", fields.name_select("operator", "(unchanged)"))
        yield self.field_row("Reseller", fields.name_select("reseller", "(unchanged)"))

    def buttons(self) -> ComposeResult:
        yield from super().buttons()
        yield Button("Delete… (ctrl+d)", id="delete", variant="error", compact=True)

    BINDINGS = [*FormScreen.BINDINGS, Binding("ctrl+d", "delete", "Delete", id="mass_edit.delete")]

    def on_mount(self) -> None:
        fields.operators(self, self.query_one("#operator", Select))
        fields.resellers(self, self.query_one("#reseller", Select))
        self.query_one("#form-title").update(f"Mass edit {count(self.count, 'DID')}")
        self.show_info(f"changes {count(self.count, 'DID')}: {self.description}; empty fields stay as they are")
        self.query_one("#status", Select).focus()

    def action_delete(self) -> None:
        self.on_other_button("delete")

    def _changes(self) -> dict:
        changes: dict = {}
        status = fields.chosen(self.query_one("#status", Select))
        if status:
            changes["status"] = status
        tag = self.query_one("#tag", Input).value.strip()
        if tag:
            changes["tag"] = "" if tag == "-" else tag
        days = self.query_one("#hold_days", Input).value.strip()
        if days:
            changes["hold_days"] = fields.whole_number(days, "hold days")
        after = fields.chosen(self.query_one("#after_hold", Select))
        if after:
            changes["after_hold"] = after
        for key in ("operator", "reseller"):
            value = fields.chosen(self.query_one(f"#{key}", Select))
            if value is not None:
                changes[f"{key}_id"] = value
        return changes

    def submit(self) -> None:
        try:
            changes = self._changes()
        except DidtuiError as exc:
            self.show_error(str(exc))
            return
        if not changes:
            self.show_error("nothing to change: choose at least one field to set")
            return
        self.set_busy(True)
        self.show_info(f"changing {count(self.count, 'DID')}…")
        db_call(self, lambda: inventory.mass_edit(self.selection, changes), done=self._edited, failed=self._refused)

    def _refused(self, message: str) -> None:
        self.show_info(f"changes {count(self.count, 'DID')}: {self.description}")
        self.show_error(message)

    def _edited(self, n: int) -> None:
        self.app.notify(f"changed {count(n, 'DID')}")
        self.dismiss("edited")

    def on_other_button(self, button_id: str) -> None:
        if button_id != "delete":
            return

        def checked(result: tuple[int, Any]) -> None:
            attached, first = result
            if attached:
                self.show_error(
                    f"{count(attached, 'selected DID')} Active or on Hold (e.g. {first.number}, "
                    f"{first.status_label}): Active and Hold DIDs cannot be deleted; release them (r on the "
                    "DIDs tab), then end their hold (e); nothing was deleted"
                )
            else:
                self._ask_delete()

        db_call(self, lambda: inventory.attached(self.selection), done=checked, failed=self.show_error)

    def _ask_delete(self) -> None:
        def answered(yes: bool | None) -> None:
            if yes:
                self.set_busy(True)
                self.show_info(f"deleting {count(self.count, 'DID')}…")
                db_call(self, lambda: inventory.mass_delete(self.selection), done=self._deleted, failed=self._refused)

        self.app.push_screen(
            ConfirmScreen(
                f"Delete {count(self.count, 'DID')} ({self.description})? This cannot be undone.",
                title="Delete DIDs",
                yes="Delete",
            ),
            answered,
        )

    def _deleted(self, n: int) -> None:
        self.app.notify(f"deleted {count(n, 'DID')}")
        self.dismiss("deleted")
