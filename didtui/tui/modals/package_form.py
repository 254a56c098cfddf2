"""Package form: name, tags (comma-separated) and how many DIDs a client may pick."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Input

from didtui.core import retail
from didtui.core.retail import PackageRow
from didtui.core.text import display_safe
from didtui.tui.modals.base import FormScreen
from didtui.tui.work import db_call


class PackageFormScreen(FormScreen[bool]):
    def __init__(self, row: PackageRow | None = None) -> None:
        super().__init__()
        self.row = row
        self.TITLE_TEXT = f"Edit package {row.name}" if row else "New package"

    def fields(self) -> ComposeResult:
        row = self.row
        yield self.field_row("Name", Input(display_safe(row.name) if row else "", id="name", compact=True))
        yield self.field_row(
            "Tags",
            Input(
                display_safe(", ".join(row.tags)) if row else "", placeholder="gold, silver", id="tags", compact=True
            ),
        )
        yield self.field_row("Allowed DIDs", Input(str(row.allowed_dids) if row else "10", id="allowed", compact=True))

    def on_mount(self) -> None:
        self.query_one("#name", Input).focus()

    def submit(self) -> None:
        name = self.query_one("#name", Input).value
        tags = self.query_one("#tags", Input).value
        allowed = self.query_one("#allowed", Input).value.strip()
        row = self.row
        if row is None:
            call = lambda: retail.create_package(name, tags, allowed)  # noqa: E731
        else:
            # Fields left as shown are not changed (they may show control characters made visible).
            new_name = None if name == display_safe(row.name) else name
            new_tags = None if tags == display_safe(", ".join(row.tags)) else tags
            call = lambda: retail.update_package(row.id, name=new_name, tags=new_tags, allowed_dids=allowed)  # noqa: E731
        self.set_busy(True)
        db_call(self, call, done=self._saved, failed=self.show_error)

    def _saved(self, package) -> None:
        self.app.notify(f"saved package {package.name}")
        self.dismiss(True)
