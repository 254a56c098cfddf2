"""The filter bar: one line of `word:value` terms, shown while a filter is active.

`4420 status:hold op:"Colt Numbers" tag:london` — a bare number is a prefix, `*555` a
substring; keys may be shortened (s: o: t: c: r: p:). One line fits 80 columns and is
as quick to type as k9s's or visidata's filters. The syntax itself (quotes, no escape
character) is didtui.core.filter_syntax's.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Static

from didtui.core.filter_syntax import filter_text, parse_filter_text
from didtui.tui.keyhelp import help_group
from didtui.tui.text import literal
from didtui.tui.text import message as message_text

__all__ = ["HINT", "FilterBar", "filter_text", "parse_filter_text"]

HINT = (
    "+44 20 | *555  status:hold  op:NAME  tag:T  client:C  reseller:R  pkg:P  country:GB  type:mobile  "
    "place:london  (enter applies, esc closes)"
)


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
