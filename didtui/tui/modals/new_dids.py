"""New DIDs: a number, a range (+44 20 7946 0100-0199) or a list, previewed before
anything is written.

The preview says how the numbers were read (E.164, country, type, place: a dash read as a
range shows as one), how many DIDs the input makes, and lists numbers that already exist;
creating a large range shows progress and can be cancelled (it rolls back).
"""

from __future__ import annotations

import threading
from typing import TypedDict

from textual import on
from textual.app import ComposeResult
from textual.timer import Timer
from textual.widgets import Input, ProgressBar, Select

from didtui.core import blocks, inventory
from didtui.core.numbers import describe_spans, display_number, parse_numbers
from didtui.errors import Cancelled, DidtuiError
from didtui.tui.modals import fields
from didtui.tui.modals.base import FormScreen
from didtui.tui.words import count
from didtui.tui.work import db_call


class NewValues(TypedDict):
    """The form's values for every new DID: `inventory.create_dids`' keywords, checked."""

    status: str
    operator_id: int | None
    tag: str
    notes: str
    reseller_id: int | None
    after_hold: str
    hold_days: int


class NewDIDsScreen(FormScreen[int]):
    """Dismissed with the number of DIDs created, or None."""

    TITLE_TEXT = "New DIDs"
    SUBMIT_LABEL = "Create"

    def __init__(self, *, hold_days: int = 30, max_range: int = 1_000_000) -> None:
        super().__init__()
        self.hold_days = hold_days
        self.max_range = max_range
        self._cancel = threading.Event()
        self._creating = False
        self._preview_timer: Timer | None = None

    def fields(self) -> ComposeResult:
        yield self.field_row(
            "Numbers",
            Input(placeholder="+44 20 7946 0100-0199, or a list (commas)", id="numbers", compact=True),
        )
        yield self.field_row("Operator", fields.name_select("operator", "(none)"))
        yield self.field_row("Tag", Input(id="tag", compact=True))
        yield self.field_row("Status", fields.status_select("status"))
        yield self.field_row("Notes", Input(id="notes", compact=True))
        yield self.field_row("Reseller", fields.name_select("reseller", "(none)"))
        yield self.field_row("After hold", fields.after_hold_select("after_hold"))
        yield self.field_row("Hold days", Input(str(self.hold_days), id="hold_days", compact=True))
        yield self.field_row(
            "Record block", Input(id="block", placeholder="(no) name it to record the range as a block", compact=True)
        )
        yield self.field_row("Block cost/mo", Input(id="block_cost", placeholder="per number", compact=True))
        yield ProgressBar(id="progress", show_eta=True)

    def on_mount(self) -> None:
        fields.operators(self, self.query_one("#operator", Select))
        fields.resellers(self, self.query_one("#reseller", Select))
        self.query_one("#progress").display = False
        self.query_one("#numbers", Input).focus()
        self.show_info("type numbers to see how many DIDs they make")

    @on(Input.Changed, "#numbers")
    def numbers_changed(self, event: Input.Changed) -> None:
        if self._preview_timer is not None:
            self._preview_timer.stop()
        self._preview_timer = self.set_timer(0.25, self._preview)

    def _spans(self):
        return parse_numbers(self.query_one("#numbers", Input).value, self.max_range)

    def _preview(self) -> None:
        try:
            spans = self._spans()
        except DidtuiError as exc:
            self.show_info("")
            self.show_error(str(exc))
            return
        self.show_error("")
        self.show_info("checking…")
        reading = describe_spans(spans)
        db_call(
            self,
            lambda: inventory.preview_create(spans),
            done=lambda preview: self._show_preview(preview, reading),
            failed=self.show_error,
            group="preview",
            exclusive=True,
        )

    def _show_preview(self, preview: inventory.CreatePreview, reading: str = "") -> None:
        text = f"makes {count(preview.count, 'DID')}"
        if preview.existing_count:
            shown = ", ".join(display_number(n) for n in preview.existing[:12])
            more = f" and {preview.existing_count - 12:,} more" if preview.existing_count > 12 else ""
            text += f"; {preview.existing_count:,} already exist: {shown}{more}"
        self.show_info(text + (f"\nread as {reading}" if reading else ""))

    def submit(self) -> None:
        if self._creating:
            return
        try:
            spans = self._spans()
            hold_days = fields.whole_number(self.query_one("#hold_days", Input).value, "hold days")
            block_name = self.query_one("#block", Input).value.strip()
            block_cost = blocks.parse_money(self.query_one("#block_cost", Input).value, "block cost")
        except DidtuiError as exc:
            self.show_error(str(exc))
            return
        values = NewValues(
            status=fields.picked(self.query_one("#status", Select)),
            operator_id=fields.chosen(self.query_one("#operator", Select)),
            tag=self.query_one("#tag", Input).value.strip(),
            notes=self.query_one("#notes", Input).value,
            reseller_id=fields.chosen(self.query_one("#reseller", Select)),
            after_hold=fields.picked(self.query_one("#after_hold", Select)),
            hold_days=hold_days,
        )
        self._creating = True
        self._cancel.clear()
        self.set_busy(True)
        bar = self.query_one("#progress", ProgressBar)
        bar.display = True
        bar.update(total=None, progress=0)
        self.show_info("creating… (esc cancels)")

        def progress(done: int, total: int) -> None:
            self.app.call_from_thread(bar.update, total=total, progress=done)

        def create() -> int:
            if block_name:
                n, _ = blocks.create_dids_as_block(
                    spans,
                    block_name=block_name,
                    monthly_cost=block_cost,
                    progress=progress,
                    cancel=self._cancel.is_set,
                    **values,
                )
                return n
            return inventory.create_dids(spans, progress=progress, cancel=self._cancel.is_set, **values).count

        db_call(self, create, done=self._created, failed=self._failed, group="create")

    def _created(self, n: int) -> None:
        self._creating = False
        self.app.notify(f"created {count(n, 'DID')}")
        self.dismiss(n)

    def _failed(self, message: str) -> None:
        self._creating = False
        self.query_one("#progress").display = False
        self.show_info("")
        self.show_error(message)

    def action_cancel(self) -> None:
        if self._creating:
            self._cancel.set()
            self.show_info("cancelling…")
            return
        self.dismiss(None)


__all__ = ["Cancelled", "NewDIDsScreen"]
