"""The filter bar: one line of `word:value` terms, shown while a filter is active.

`4420 status:hold op:"Colt Numbers" tag:london` — a bare number is a prefix, `*555` a
substring; keys may be shortened (s: o: t: c: r: p:). One line fits 80 columns and is
as quick to type as k9s's or visidata's filters.
"""

from __future__ import annotations

import shlex
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Static

from didtui.core.filters import FILTER_KEYS as KEYS  # noqa: F401 - re-exported
from didtui.core.filters import parse_filter_text  # noqa: F401 - re-exported (screens/dids.py)
from didtui.tui.keyhelp import help_group
from didtui.tui.text import literal
from didtui.tui.text import message as message_text

HINT = (
    "+44 20 | *555  status:hold  op:NAME  tag:T  client:C  reseller:R  pkg:P  country:GB  type:mobile  "
    "place:london  (enter applies, esc closes)"
)


def filter_text(values: dict[str, Any]) -> str:
    """The line that parses back to `values` (to reopen the bar on the current filter)."""
    parts = []
    for key, value in values.items():
        if key == "tag" and value == "":
            value = "-"
        text = shlex.quote(str(value)) if " " in str(value) and key != "number" else str(value)
        label = {"number_type": "type"}.get(key, key)
        parts.append(text if key == "number" else f"{label}:{text}")
    return " ".join(parts)


@help_group("Filter bar", tab="dids", order=40)
class FilterBar(Vertical):
    """The input line (while editing), the active filter (while one applies), errors."""

    BINDINGS = [Binding("escape", "close", "Close filter", id="filter.close")]

    # The input stays displayed (zero height when idle) so `/` can focus it at once:
    # keys typed right after `/` (a paste, a fast typist over SSH) land in it. Only the
    # active filter's line shows while not editing, never text typed for an older one.
    DEFAULT_CSS = """
    FilterBar { height: 0; }
    FilterBar.-editing, FilterBar.-active { height: auto; }
    FilterBar > #filter-input { height: 0; }
    FilterBar.-editing > #filter-input { height: 1; }
    FilterBar > #filter-active { color: $accent; text-style: bold; display: none; }
    FilterBar.-active > #filter-active { display: block; }
    FilterBar > #filter-error { color: $error; display: none; }
    FilterBar.-error > #filter-error { display: block; }
    FilterBar > #filter-hint { color: $text-muted; display: none; }
    FilterBar.-editing > #filter-hint { display: block; }
    """

    class Submitted(Message):
        """The user pressed enter on `text`."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class Closed(Message):
        """The user left the input without applying."""

    def compose(self) -> ComposeResult:
        yield Input(
            placeholder="filter: 4420  status:hold  op:NAME  tag:T ...",
            id="filter-input",
            compact=True,
            select_on_focus=False,
        )
        yield Static(HINT, id="filter-hint")
        yield Static("", id="filter-error")
        yield Static("", id="filter-active")

    def on_mount(self) -> None:
        self.query_one(Input).can_focus = False  # out of the tab order until `/`

    def open(self, text: str) -> None:
        self.add_class("-editing")
        field = self.query_one(Input)
        field.can_focus = True
        field.value = text
        field.cursor_position = len(text)
        self.screen.set_focus(field)

    def close(self) -> None:
        self.remove_class("-editing")
        self.query_one(Input).can_focus = False
        self.show_error("")

    def show_active(self, description: str | None) -> None:
        self.set_class(bool(description), "-active")
        self.query_one("#filter-active", Static).update(
            literal(f"filter: {description}  (esc clears)" if description else "")
        )

    def show_error(self, message: str) -> None:
        self.set_class(bool(message), "-error")
        self.query_one("#filter-error", Static).update(message_text(message))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(self.Submitted(event.value))

    def action_close(self) -> None:
        self.close()
        self.post_message(self.Closed())
