"""The history of one DID: who changed what and when, newest first."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from didtui.core import history
from didtui.core.numbers import display_number
from didtui.tui.keyhelp import help_group
from didtui.tui.modals.edit_did import describe_events
from didtui.tui.screens.batches import BatchesScreen
from didtui.tui.work import db_call


@help_group("A DID's history", order=95)
class HistoryScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,q,h", "close", "Close", id="history.close"),
        Binding("b", "batches", "Batches", tooltip="Recent batches (undo)", id="history.batches"),
    ]

    def __init__(self, number: str) -> None:
        super().__init__()
        self.number = number

    def compose(self) -> ComposeResult:
        with Vertical(classes="form wide"):
            yield Label(f"History of DID {display_number(self.number)}", classes="form-title")
            with VerticalScroll(classes="form-body"):
                yield Static("loading…", id="history")
            yield Label("esc closes · b: batches (undo)", classes="form-info")

    def on_mount(self) -> None:
        db_call(
            self,
            lambda: history.did_history(self.number),
            done=lambda events: self.query_one("#history", Static).update(describe_events(events)),
            failed=lambda message: self.query_one("#history", Static).update(message),
        )

    def action_close(self) -> None:
        self.dismiss(None)

    def action_batches(self) -> None:
        self.app.push_screen(BatchesScreen())
