"""`?` help: every binding, where it applies, with the keys the config's keymap gives it;
and the command palette's entries, one per action."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.markup import escape
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from didtui.core.text import display_safe
from didtui.tui.keyhelp import binding_groups


def key_text(app: Any, binding: Binding) -> str:
    keys = getattr(app, "user_keymap", {}).get(binding.id or "", binding.key)
    return ", ".join(app.get_key_display(Binding(k.strip(), "")) for k in keys.split(","))


def help_text(app: Any) -> Content:
    """Built as Content, not markup: the keys come from the user's config."""
    lines: list[Content] = []
    for group, bindings in binding_groups():
        lines.append(Content.styled(group.where, "bold"))
        for b in bindings:
            keys = display_safe(key_text(app, b))
            what = display_safe(b.tooltip or b.description)
            lines.append(Content.assemble(f"  {keys:<18} {what:<34} ", (b.id or "", "dim")))
        lines.append(Content(""))
    lines.append(Content.styled("Filter syntax", "bold"))
    lines.append(Content("  4420, +44 20 7946 or 020 7946 (prefix)  *555 (contains)  status:hold,stock  op:NAME"))
    lines.append(Content("  tag:T (tag:- none)  client:C  account:C/A  reseller:R  pkg:P  block:B"))
    lines.append(Content('  country:GB  type:tollfree  place:london   quote blanks: op:"Colt Numbers" tag:"gold "'))
    lines.append(Content(""))
    lines.extend(Content(line) for line in HELP_FOOTER)  # Content: literal brackets, not markup
    return Content("\n").join(lines)


HELP_FOOTER = [
    "Remap any binding by id in the config file (TOML), under [keymap], one per line:",
    '  "dids.new" = "ctrl+n"      (ids as listed above; a mistake stops the app at start)',
]


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "close", "Close", id="help.close")]

    def compose(self) -> ComposeResult:
        with Vertical(classes="form wide"):
            yield Label("Keys (esc closes)", classes="form-title")
            with VerticalScroll(classes="form-body", id="help-body"):
                yield Static(help_text(self.app), id="help-text")

    def on_mount(self) -> None:
        self.query_one("#help-body").focus()

    def action_close(self) -> None:
        self.dismiss(None)


def palette_commands(app: Any) -> Iterable[SystemCommand]:
    """One palette entry per tab action: it opens the tab and runs the action there."""
    seen: set[str] = set()
    for group, bindings in binding_groups():
        selector, where, tab = group.target, group.where, group.tab
        if not selector:
            continue
        for binding in bindings:
            if not binding.id or binding.id in seen or binding.id.startswith("table."):
                continue
            seen.add(binding.id)
            # The palette parses its entries as markup: the keys come from the user's config.
            yield SystemCommand(
                escape(
                    f"{where.removesuffix(' tab').removesuffix(' table')}: {binding.tooltip or binding.description}"
                ),
                escape(display_safe(f"key {key_text(app, binding)}")),
                _runner(app, tab, selector, binding.action),
            )
    yield SystemCommand("Run the hold sweep now", "key S", lambda: app.run_action("sweep_now"))
    yield SystemCommand("Batches: recent changes, undo", "key B", lambda: app.run_action("batches"))


def _runner(app: Any, tab: str, selector: str, action: str):
    async def run() -> None:
        if len(app.screen_stack) > 1:
            app.notify("close the open form first", severity="warning")
            return
        app.action_tab(tab)
        node = app.query_one(selector)
        await node.run_action(action)

    return run
