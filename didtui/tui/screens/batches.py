"""Batches (B anywhere, or b in a DID's history): recent batches, what each changed,
and undo behind a confirmation that says what will and will not go back."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label, Static

from didtui.core import history, undo
from didtui.core.undo import BatchRow, UndoResult
from didtui.tui.keyhelp import help_group
from didtui.tui.messages import DataChanged
from didtui.tui.modals.confirm import ConfirmScreen
from didtui.tui.widgets.list_table import ListTable
from didtui.tui.work import db_call

SHOWN = 200
EVENTS_SHOWN = 50


def _safe(text: str) -> Content:
    """Stored text (names, notes) shown literally, never as markup."""
    return Content(text)


@help_group("Batches (B anywhere, b in a history)", order=96)
class BatchesScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    BatchesScreen #batches-table { height: 1fr; }
    BatchesScreen #batch-body { height: 1fr; max-height: 100%; }
    """
    BINDINGS = [
        Binding("escape,q", "close", "Close", id="batches.close"),
        Binding("u", "undo", "Undo", tooltip="Undo the highlighted batch", id="batches.undo"),
        Binding("enter", "show", "Changes", tooltip="Show the batch's changes", id="batches.show"),
        Binding("ctrl+r", "refresh", "Refresh", show=False, id="batches.refresh"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, BatchRow] = {}

    def compose(self) -> ComposeResult:
        with Vertical(classes="form wide"):
            yield Label("Batches (newest first) · enter: changes · u: undo · esc closes", classes="form-title")
            yield ListTable(
                [("Batch", 10), ("When (UTC)", 19), ("Who", 14), ("DIDs", 9), ("What", 50)], id="batches-table"
            )
            yield Label("Changes of the highlighted batch", classes="section")
            with VerticalScroll(classes="form-body", id="batch-body"):
                yield Static("", id="batch-events")

    @property
    def table(self) -> ListTable:
        return self.query_one("#batches-table", ListTable)

    def on_mount(self) -> None:
        self.refresh_data()
        self.table.focus()

    def refresh_data(self) -> None:
        db_call(self, lambda: undo.list_batches(SHOWN), done=self._show, group="batches", exclusive=True)

    def action_refresh(self) -> None:
        self.refresh_data()

    def _show(self, rows: list[BatchRow]) -> None:
        self.rows = {r.batch: r for r in rows}
        self.table.set_rows(
            (
                r.batch,
                [r.short, f"{r.at:%Y-%m-%d %H:%M:%S}", _safe(r.actor), f"{r.count:,}", _safe(r.what)],
            )
            for r in rows
        )
        if not rows:
            self.query_one("#batch-events", Static).update("no batches yet: every change to DIDs makes one")

    @property
    def current(self) -> BatchRow | None:
        key = self.table.current_key
        return self.rows.get(key) if key else None

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self.action_show()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_show()

    def action_show(self) -> None:
        row = self.current
        if row is None:
            return
        batch = row.batch

        def load() -> list[history.EventRow]:
            return history.batch_events(batch, EVENTS_SHOWN)

        def shown(events: list[history.EventRow]) -> None:
            lines = [f"{row.batch} · {row.what} · by {row.actor} at {row.at:%Y-%m-%d %H:%M:%S}"]
            lines += [f"{e.did_number}  {e.action}: {e.describe()}" for e in events]
            if row.count > len(events):
                lines.append(f"... and {row.count - len(events):,} more")
            self.query_one("#batch-events", Static).update(_safe("\n".join(lines)))

        db_call(self, load, done=shown, group="batch-events", exclusive=True)

    # ---- undo ---------------------------------------------------------------------------

    def action_undo(self) -> None:
        row = self.current
        if row is None:
            return
        if row.undone_by:
            self.app.notify(f"batch {row.short} was already undone by {row.undone_by[:10]}", severity="warning")
            return
        db_call(
            self,
            lambda: undo.undo(row.batch, rest=True, dry_run=True),
            done=lambda plan: self._confirm(row, plan),
            failed=lambda message: self.app.notify(message, severity="error", timeout=10),
        )

    def _confirm(self, row: BatchRow, plan: UndoResult) -> None:
        text = f"Undo batch {row.short} ({row.what}, by {row.actor})? {plan.summary()}."
        if plan.blocked_count:
            examples = "; ".join(f"{n}: {why}" for n, why in plan.blocked[:3])
            text += f"\n{plan.blocked_count:,} DIDs cannot go back and stay as they are (e.g. {examples})."
        if plan.total == 0 and plan.blocked_count:
            self.app.notify(f"nothing of batch {row.short} can go back: {text}", severity="error", timeout=10)
            return
        rest = bool(plan.blocked_count)

        def answered(yes: bool | None) -> None:
            if yes:
                db_call(
                    self,
                    lambda: undo.undo(row.batch, rest=rest),
                    done=self._undone,
                    failed=lambda message: self.app.notify(message, severity="error", timeout=10),
                )

        self.app.push_screen(
            ConfirmScreen(_safe(text), title="Undo", yes="Undo the rest" if rest else "Undo"),  # type: ignore[arg-type]
            answered,
        )

    def _undone(self, result: UndoResult) -> None:
        self.app.notify(f"undid batch {result.batch.short}: {result.summary()}")
        self.app.post_message(DataChanged())
        self.refresh_data()

    def action_close(self) -> None:
        self.dismiss(None)
