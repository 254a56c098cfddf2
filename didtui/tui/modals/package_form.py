"""Package form: name, tags (comma-separated) and how many DIDs a client may pick."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Input

from didtui.core import retail
from didtui.core.retail import PackageRow
from didtui.core.text import display_safe
from didtui.errors import InputError
from didtui.tui.modals import fields
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
        try:
            allowed = fields.whole_number(
                self.query_one("#allowed", Input).value, "allowed DIDs", low=1, high=retail.MAX_ALLOWED_DIDS
            )
        except InputError as exc:
            self.show_error(str(exc))
            return
        row = self.row
        if row is None:

            def save() -> str:
                return retail.create_package(name, tags, allowed).name

        else:
            # Fields left as shown are not changed (they may show control characters made
            # visible; another session may have changed them since the form opened).
            new_name = None if name == display_safe(row.name) else name
            new_tags = None if tags == display_safe(", ".join(row.tags)) else tags
            new_allowed = None if allowed == row.allowed_dids else allowed

            def save() -> str:
                return retail.update_package(row.id, name=new_name, tags=new_tags, allowed_dids=new_allowed).name

        self.set_busy(True)
        db_call(self, save, done=self._saved, failed=self.show_error)

    def _saved(self, name: str) -> None:
        self.app.notify(f"saved package {name}")
        self.dismiss(True)
