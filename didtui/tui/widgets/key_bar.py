"""The footer: the keys of the focused widget, with help, palette and quit always shown.

Textual's Footer lays its keys out left to right and cuts what does not fit, so at 80
columns `? Help` and `^q Quit` fell off the end, and its docked palette key left stray
characters after a resize. This bar is one line, repainted whole: the essential keys sit
at the right, the context keys fill the rest in binding order, and a key that does not fit
is left out whole (it is in `?` help and in the palette).
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.screen import Screen
from textual.widget import Widget

ESSENTIAL = ("help", "command_palette", "quit")  # actions always shown, in this order
ESSENTIAL_LABELS = {"help": "Help", "command_palette": "Palette", "quit": "Quit"}


class KeyBar(Widget, can_focus=False):
    """Bindings of the current screen's focus chain, essentials pinned at the right."""

    COMPONENT_CLASSES = {"keybar--key", "keybar--description", "keybar--disabled"}
    DEFAULT_CSS = """
    KeyBar { dock: bottom; height: 1; background: $footer-background; color: $footer-foreground; }
    KeyBar > .keybar--key { color: $footer-key-foreground; background: $footer-key-background; text-style: bold; }
    KeyBar > .keybar--description { color: $footer-description-foreground; }
    KeyBar > .keybar--disabled { text-style: dim; }
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._spans: list[tuple[int, int, str]] = []  # (start, end, key) for clicks

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen) -> None:
        self.refresh()

    def _items(self) -> tuple[list[tuple[Binding, bool, str]], list[tuple[Binding, bool, str]]]:
        """(context keys, essential keys): one binding per action, as the footer shows."""
        context: dict[str, tuple[Binding, bool, str]] = {}
        essential: dict[str, tuple[Binding, bool, str]] = {}
        for _node, binding, enabled, _tooltip in self.screen.active_bindings.values():
            action = binding.action.removeprefix("app.")
            if action in ESSENTIAL:
                label = ESSENTIAL_LABELS[action]
                essential.setdefault(action, (binding, enabled, label))
            elif binding.show:
                context.setdefault(binding.action, (binding, enabled, binding.description))
        ordered = [essential[a] for a in ESSENTIAL if a in essential]
        return list(context.values()), ordered

    def render(self) -> Text:
        width = self.size.width
        key_style = self.get_component_rich_style("keybar--key")
        text_style = self.get_component_rich_style("keybar--description")
        dim = self.get_component_rich_style("keybar--disabled")
        context, essential = self._items()

        def piece(binding: Binding, enabled: bool, label: str) -> Text:
            key = self.app.get_key_display(binding)
            part = Text.assemble((key, key_style), (" " + label, text_style))
            if not enabled:
                part.stylize(dim)
            return part

        tail = Text(" ")
        tail_keys: list[tuple[int, int, str]] = []
        for binding, enabled, label in essential:
            start = len(tail)
            tail.append_text(piece(binding, enabled, label))
            tail_keys.append((start, len(tail), binding.key))
            tail.append(" ")
        line = Text()
        spans: list[tuple[int, int, str]] = []
        room = width - len(tail)
        for binding, enabled, label in context:
            part = piece(binding, enabled, label)
            if len(line) + len(part) + 1 > room:
                break  # the rest are left out whole
            start = len(line)
            line.append_text(part)
            spans.append((start, len(line), binding.key))
            line.append(" ")
        line.append(" " * max(0, room - len(line)))
        offset = len(line)
        line.append_text(tail)
        spans += [(offset + a, offset + b, key) for a, b, key in tail_keys]
        self._spans = spans
        line.truncate(width)
        return line

    def on_click(self, event: events.Click) -> None:
        for start, end, key in self._spans:
            if start <= event.x < end:
                self.app.simulate_key(key.split(",")[0])
                return
