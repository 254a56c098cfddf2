"""The frame every modal form shares: a title, a scrolling body, an error line, buttons.

Errors from the core appear in the form's own error line (where the user is looking)
and the form stays open with what was typed, so nothing is lost and nothing changed.
"""

from __future__ import annotations

from typing import Any, TypeVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from didtui.tui.keyhelp import help_group

T = TypeVar("T")
BODY_MARGIN = 10  # rows a form needs besides its body: border, title, info/error lines, buttons


@help_group("Forms", order=100)
class FormScreen(ModalScreen[T]):
    """Subclasses yield their fields from `fields()` and implement `submit()`."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="form.cancel"),
        Binding("ctrl+s", "submit", "Save", id="form.save"),
    ]
    TITLE_TEXT = ""
    SUBMIT_LABEL = "Save"

    def compose(self) -> ComposeResult:
        with Vertical(classes="form"):
            yield Label(self.TITLE_TEXT, classes="form-title", id="form-title")
            with VerticalScroll(classes="form-body"):
                yield from self.fields()
            yield Static("", classes="form-info", id="form-info")
            yield Static("", classes="form-error", id="form-error")
            with Horizontal(classes="form-buttons"):
                yield from self.buttons()

    def on_resize(self, event: events.Resize) -> None:
        """The body scrolls within what the screen leaves after the title, the info and
        error lines and the buttons, so the buttons stay on screen from 60x20 up."""
        for body in self.query(".form-body"):
            if not body.has_class("wide-body") and not any(a.has_class("wide") for a in body.ancestors):
                body.styles.max_height = max(4, event.size.height - BODY_MARGIN)

    def fields(self) -> ComposeResult:
        yield from ()

    def buttons(self) -> ComposeResult:
        yield Button(f"{self.SUBMIT_LABEL} (ctrl+s)", id="submit", variant="primary", compact=True)
        yield Button("Cancel (esc)", id="cancel", compact=True)

    def show_error(self, message: str) -> None:
        error = self.query_one("#form-error", Static)
        error.update(message)
        error.set_class(bool(message), "-shown")
        self.set_busy(False)

    def show_info(self, message: str) -> None:
        info = self.query_one("#form-info", Static)
        info.update(message)
        info.set_class(bool(message), "-shown")

    def set_busy(self, busy: bool) -> None:
        for button in self.query("Button#submit"):
            button.disabled = busy

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "submit":
            self.action_submit()
        elif event.button.id == "cancel":
            self.action_cancel()
        else:
            self.on_other_button(event.button.id or "")

    def on_other_button(self, button_id: str) -> None:
        """Extra buttons of a subclass."""

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_submit(self) -> None:
        self.show_error("")
        self.submit()

    def submit(self) -> None:
        raise NotImplementedError

    def field_row(self, label: str, widget: Any) -> Horizontal:
        """A label and its field on one line (forms fit 80x24)."""
        return Horizontal(Label(label, classes="field-label"), widget, classes="field-row")
