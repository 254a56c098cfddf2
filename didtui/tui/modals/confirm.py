"""Yes/no confirmation for every destructive action; `y` confirms, `n`/`esc` cancels."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from didtui.tui.keyhelp import help_group


@help_group("Confirmations", order=110)
class ConfirmScreen(ModalScreen[bool]):
    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, question: str, *, title: str = "Confirm", yes: str = "Yes") -> None:
        super().__init__()
        self.question = question
        self.title_text = title
        self.yes = yes

    def compose(self) -> ComposeResult:
        with Vertical(classes="form confirm"):
            yield Label(self.title_text, classes="form-title")
            yield Static(self.question, classes="confirm-question")
            with Horizontal(classes="form-buttons"):
                yield Button(f"{self.yes} (y)", id="yes", variant="error", compact=True)
                yield Button("No (n)", id="no", compact=True)

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)
