"""Pick DIDs for a client package: the In Stock DIDs its tags allow, and the allowance
left. Mark numbers in the list, or type how many to take (the first free ones)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Input

from didtui.core import retail, runs
from didtui.core.history import new_batch
from didtui.core.numbers import display_number
from didtui.core.retail import ClientPackageRow
from didtui.errors import DidtuiError
from didtui.tui.modals import fields
from didtui.tui.modals.base import FormScreen
from didtui.tui.widgets.marked_list import MarkedCheckbox as Checkbox
from didtui.tui.widgets.marked_list import MarkedSelectionList as SelectionList
from didtui.tui.words import count
from didtui.tui.work import db_call, fire_hook

SHOWN = 200


class PickScreen(FormScreen[list]):
    """Dismissed with the numbers picked, or None."""

    SUBMIT_LABEL = "Pick"

    def __init__(self, cp: ClientPackageRow) -> None:
        super().__init__()
        self.cp = cp
        self.TITLE_TEXT = f"Pick DIDs for {cp.client} / {cp.account} ({cp.package})"

    def fields(self) -> ComposeResult:
        yield self.field_row(
            "How many", Input(placeholder="or mark numbers below with space", id="count", compact=True)
        )
        yield SelectionList(id="numbers", compact=True)
        yield self.field_row(
            "Consecutive", Checkbox("that many in a row, inside one block", id="consecutive", compact=True)
        )

    def on_mount(self) -> None:
        self.query_one("#count", Input).focus()
        self.show_info("loading the free DIDs…")
        cp_id = self.cp.id

        def load():
            row = retail.client_package(cp_id)
            return row, retail.pickable_count(cp_id), retail.pickable_numbers(cp_id, limit=SHOWN)

        db_call(self, load, done=self._loaded, failed=self.show_error)

    def _loaded(self, result) -> None:
        row, free, numbers = result
        self.cp = row
        listing = self.query_one("#numbers", SelectionList)
        listing.clear_options()
        listing.add_options([(f"{number}  {tag}", number) for _, number, tag in numbers])
        if numbers:
            listing.highlighted = 0  # space marks the first at once
        shown = f" (first {len(numbers)} listed)" if free > len(numbers) else ""
        self.show_info(
            f"tags {', '.join(row.tags)} · {row.used} of {row.allowed_dids} used, {row.remaining} left · "
            f"{count(free, 'In Stock DID')} free{shown}"
        )

    def submit(self) -> None:
        marked = list(self.query_one("#numbers", SelectionList).selected)
        text = self.query_one("#count", Input).value.strip()
        days = getattr(getattr(self.app, "profile", None), "reuse_after_days", 0)
        batch = new_batch()  # the pick's history batch, for the after_pick hook
        try:
            if marked:

                def call() -> tuple[list[str], list[str]]:
                    # Named numbers are allowed; the person is told when they were last released.
                    warnings = retail.recently_released(marked, days)
                    return retail.pick(self.cp.id, numbers=marked, batch=batch), warnings

            elif text:
                n = fields.whole_number(text, "how many", low=1, high=1_000_000)

                if self.query_one("#consecutive", Checkbox).value:

                    def call() -> tuple[list[str], list[str]]:
                        return runs.pick_consecutive(self.cp.id, n, batch=batch), []

                else:

                    def call() -> tuple[list[str], list[str]]:
                        return retail.pick(self.cp.id, count=n, batch=batch, reuse_after_days=days), []

            else:
                self.show_error("type how many DIDs to pick, or mark numbers in the list")
                return
        except DidtuiError as exc:
            self.show_error(str(exc))
            return
        self.set_busy(True)
        db_call(self, call, done=lambda result: self._picked(result, batch), failed=self.show_error)

    def _picked(self, result: tuple[list[str], list[str]], batch: str) -> None:
        numbers, warnings = result
        fire_hook(self, "after_pick", batch=batch, counts={"dids": len(numbers)}, dids=numbers)
        shown = ", ".join(display_number(n) for n in numbers[:5])
        self.app.notify(f"picked {count(len(numbers), 'DID')}: {shown}{' …' if len(numbers) > 5 else ''}")
        for warning in warnings[:5]:
            self.app.notify(f"note: {warning}", severity="warning", timeout=10, markup=False)
        self.dismiss(numbers)
