"""The DIDs tab: the summary line, the filter bar and the lazy table, with every DID action."""

from __future__ import annotations

from typing import Any

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Static

from didtui.core import inventory, retail, sweep, views
from didtui.core.filters import SORTS, DIDFilter, Selection, resolve_filter
from didtui.core.history import new_batch
from didtui.core.numbers import display_number
from didtui.core.statuses import Status, label
from didtui.tui.keyhelp import help_group
from didtui.tui.messages import DataChanged
from didtui.tui.modals.confirm import ConfirmScreen
from didtui.tui.modals.csv_io import ExportDialog, ImportWizard
from didtui.tui.modals.edit_did import EditDIDScreen
from didtui.tui.modals.history import HistoryScreen
from didtui.tui.modals.mass_edit import MassEditScreen
from didtui.tui.modals.new_dids import NewDIDsScreen
from didtui.tui.screens.help import key_text
from didtui.tui.widgets.did_table import SORT_TITLES, DIDTable
from didtui.tui.widgets.filter_bar import FilterBar, filter_text, parse_filter_text
from didtui.tui.words import count
from didtui.tui.work import db_call, fire_hook


def approximate(n: int) -> str:
    """An estimate in two or three figures: `~9.8M`, `~625k`, `~1,200`."""
    if n >= 1_000_000:
        return f"~{n / 1_000_000:.1f}M"
    if n >= 10_000:
        return f"~{n / 1_000:.0f}k"
    return f"~{n:,}"


def summary_text(table: DIDTable) -> str:
    """`1,000,000 DIDs · 312 selected · sorted by DID` (`~9.8M DIDs (estimate)` while
    the exact count of a broad filter is on its way)."""
    if table.total is None or table.counting:
        total = "counting…" if table.estimate is None else f"{approximate(table.estimate)} DIDs (estimate)"
    else:
        total = count(table.total, "DID")
    parts = [total]
    if table.marked_all:
        parts.append("all matching selected" if table.counting else f"{table.marked_count:,} selected (all matching)")
    elif table.marked_ids:
        parts.append(f"{table.marked_count:,} selected")
    parts.append(f"sorted by {SORT_TITLES[table.sort]}")
    if table.total and not table.counting:
        parts.append(f"row {table.cursor + 1:,}")
    return " · ".join(parts)


@help_group("DIDs tab", tab="dids", order=30, target="#dids-tab")
class DIDListPanel(Vertical):
    """The parts every DID list shares (the DIDs tab, an account's DIDs): summary, table,
    and the actions on the row under the cursor or the marked rows."""

    BINDINGS = [
        Binding("space", "mark", "Mark", tooltip="Mark or unmark the row", id="dids.mark"),
        Binding("a", "mark_all", "All", tooltip="Mark all matching the filter", id="dids.mark_all"),
        Binding("A", "clear_marks", "Clear marks", show=False, id="dids.clear_marks"),
        Binding("r", "release", "Release", tooltip="Release Active DIDs to Hold", id="dids.release"),
        Binding("e", "end_hold", "End hold", show=False, tooltip="End the hold of Hold DIDs now", id="dids.end_hold"),
        Binding("h", "history", "Hist", tooltip="History of the DID", id="dids.history"),
        Binding("s", "sort", "Sort", show=False, tooltip="Sort by DID / status / operator / tag", id="dids.sort"),
        Binding("ctrl+r", "refresh", "Refresh", show=False, id="dids.refresh"),
    ]

    def compose_summary(self) -> ComposeResult:
        yield Static("counting…", classes="summary")

    @property
    def table(self) -> DIDTable:
        return self.query_one(DIDTable)

    def on_didtable_changed(self, event: DIDTable.Changed) -> None:
        event.stop()
        self.query_one(".summary", Static).update(summary_text(event.table))

    def on_didtable_failed(self, event: DIDTable.Failed) -> None:
        event.stop()
        self.app.notify(event.error, title="Error", severity="error", timeout=8)

    def targets(self) -> tuple[Selection, int, str] | None:
        """The marked DIDs, else the one under the cursor: (selection, count, words)."""
        table = self.table
        selection = table.selection()
        if selection is not None:
            words = f"all matching {table.filter.describe()}" if table.marked_all else "the marked DIDs"
            return selection, table.marked_count, words
        row = table.current_row
        if row is None:
            self.app.notify("no DID under the cursor", severity="warning")
            return None
        return Selection.of_ids([row.id]), 1, f"DID {display_number(row.number, row.country)}"

    def refresh_data(self) -> None:
        self.table.reload()

    def action_mark(self) -> None:
        self.table.action_toggle_mark()

    def action_mark_all(self) -> None:
        self.table.action_mark_all()

    def action_clear_marks(self) -> None:
        self.table.action_clear_marks()

    def focus_main(self) -> None:
        self.screen.set_focus(self.table)

    def action_refresh(self) -> None:
        self.refresh_data()

    def action_sort(self) -> None:
        table = self.table
        table.load(sort=SORTS[(SORTS.index(table.sort) + 1) % len(SORTS)], keep_marks=True)

    def action_history(self) -> None:
        row = self.table.current_row
        if row is None:
            return

        self.app.push_screen(HistoryScreen(row.number))

    def action_release(self) -> None:
        found = self.targets()
        if found is None:
            return
        selection, n, words = found
        row = self.table.current_row
        if self.table.selection() is None and row is not None and row.status != Status.ACTIVE.value:
            self.app.notify(
                f"DID {display_number(row.number, row.country)} is {row.status_label}: only Active DIDs can be released",
                severity="warning",
            )
            return

        def answered(yes: bool | None) -> None:
            if yes:
                batch = new_batch()  # the release's history batch, for the after_release hook
                db_call(self, lambda: retail.release(selection, batch=batch), done=lambda n: self._released(n, batch))

        self.app.push_screen(
            ConfirmScreen(f"Release {words} ({n:,}) to Hold? They leave their client.", title="Release", yes="Release"),
            answered,
        )

    def key_for(self, binding_id: str) -> str:
        """The key that runs `binding_id`, as the user's keymap has it."""
        for cls in type(self).__mro__:
            for binding in getattr(cls, "BINDINGS", ()):
                if isinstance(binding, Binding) and binding.id == binding_id:
                    return key_text(self.app, binding)
        return binding_id

    def action_end_hold(self) -> None:
        """End the hold of the marked (or the highlighted) Hold DIDs now: each goes to its
        After Hold status, exactly as the sweep would release it, with history."""
        found = self.targets()
        if found is None:
            return
        selection, n, words = found
        row = self.table.current_row
        if self.table.selection() is None and row is not None and row.status != Status.HOLD.value:
            self.app.notify(
                f"DID {row.number} is {row.status_label}: only Hold DIDs have a hold to end", severity="warning"
            )
            return
        actor = getattr(getattr(self.app, "profile", None), "user", None)

        def answered(yes: bool | None) -> None:
            if yes:
                db_call(self, lambda: sweep.end_hold(selection, actor), done=self._hold_ended)

        def ask() -> None:
            question = (
                f"End the hold of {words} ({count(n, 'DID')}) now? They go to their After Hold "
                "status and leave their client, as the sweep would release them."
            )
            self.app.push_screen(ConfirmScreen(question, title="End hold", yes="End hold"), answered)

        if self.table.selection() is None:
            ask()
            return

        def checked(result: tuple[int, Any]) -> None:
            others, first = result
            if others:
                self.app.notify(
                    f"{count(others, 'selected DID')} not on Hold (e.g. {first.number}, {first.status_label}): "
                    "only Hold DIDs have a hold to end; nothing was changed",
                    severity="warning",
                    timeout=10,
                )
            else:
                ask()

        db_call(self, lambda: inventory.not_on_hold(selection), done=checked, read_only=True)

    def _hold_ended(self, result: sweep.SweepResult) -> None:
        if result.released:
            where = ", ".join(f"{count(v, 'DID')} to {label(k)}" for k, v in sorted(result.by_status.items()))
            self.app.notify(f"ended the hold of {count(result.released, 'DID')}: {where}")
        else:
            self.app.notify("none of them was on Hold: nothing changed", severity="warning")
        self.table.action_clear_marks()
        self.app.post_message(DataChanged())

    def _released(self, n: int, batch: str | None = None) -> None:
        if batch is not None and n:
            fire_hook(self, "after_release", batch=batch, counts={"dids": n})
        self.app.notify(f"released {count(n, 'DID')}")
        self.table.action_clear_marks()
        self.app.post_message(DataChanged())


@help_group("DIDs tab", tab="dids", order=30, target="#dids-tab")
class DidsTab(DIDListPanel):
    """The whole inventory, filtered and sorted; drill-downs arrive here."""

    BINDINGS = [
        Binding("n", "new", "New", tooltip="New DIDs", id="dids.new"),
        Binding("enter", "edit", "Edit", tooltip="Edit the DID", id="dids.edit"),
        Binding("m", "mass_edit", "Mass", tooltip="Mass edit the marked DIDs", id="dids.mass_edit"),
        Binding("delete", "delete", "Del", tooltip="Delete (with confirmation)", id="dids.delete"),
        Binding("slash", "open_filter", "Filter", priority=True, tooltip="Filter DIDs", id="dids.filter"),
        Binding("escape", "clear_filter", "Clear filter / back", show=False, id="dids.clear_filter"),
        Binding("i", "import_csv", "Import CSV", show=False, tooltip="Import DIDs from CSV", id="dids.import"),
        Binding(
            "x", "export_csv", "Export CSV", show=False, tooltip="Export the filtered DIDs to CSV", id="dids.export"
        ),
    ]

    class Back(Message):
        """Esc after a drill-down: go back to where it came from."""

        def __init__(self, tab: str) -> None:
            super().__init__()
            self.tab = tab

    def __init__(self, *, hold_days: int = 30, max_range: int = 1_000_000, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.hold_days = hold_days
        self.max_range = max_range
        self.filter_values: dict[str, Any] = {}
        self.back_to: str | None = None

    def compose(self) -> ComposeResult:
        yield from self.compose_summary()
        yield FilterBar()
        yield DIDTable(id="dids-table")

    def on_mount(self) -> None:
        self.table.load(DIDFilter())

    # ---- filter -------------------------------------------------------------------------

    def action_open_filter(self) -> None:
        self.query_one(FilterBar).open(filter_text(self.filter_values))

    def apply_filter(self, values: dict[str, Any], *, back_to: str | None = None) -> None:
        """Resolve typed names in a worker; show the filter or say what was wrong."""
        bar = self.query_one(FilterBar)

        def done(filt: DIDFilter) -> None:
            self.filter_values = values
            self.back_to = back_to
            bar.close()
            bar.show_active(None if filt.is_empty() else filt.describe())
            self.table.load(filt)
            self.table.focus()

        def failed(message: str) -> None:
            bar.show_error(message)
            if not bar.has_class("-editing"):
                self.app.notify(message, severity="error")

        def resolve() -> DIDFilter:
            completed = views.complete_filter_names(values)
            values.update(completed)
            return resolve_filter(**completed)

        db_call(self, resolve, done=done, failed=failed, group="filter", exclusive=True)

    def drill_down(self, values: dict[str, Any], back_to: str) -> None:
        self.apply_filter(values, back_to=back_to)

    @on(FilterBar.Submitted)
    def filter_submitted(self, event: FilterBar.Submitted) -> None:
        event.stop()
        bar = self.query_one(FilterBar)
        try:
            values = parse_filter_text(event.text)
        except Exception as exc:  # noqa: BLE001 - InputError and any parser failure: shown in place
            bar.show_error(str(exc))
            return
        self.apply_filter(values)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # `/` is a priority binding (run before the key is passed on, so keys typed in
        # the same burst already land in the input); inside the input it is a character.
        return not (action == "open_filter" and self.screen.focused is self.query_one("#filter-input", Input))

    def on_paste(self, event: events.Paste) -> None:
        """Text pasted (or typed in one burst over SSH) on the table goes to the filter."""
        event.stop()
        text = event.text.strip().splitlines()[0] if event.text.strip() else ""
        self.query_one(FilterBar).open(text.removeprefix("/").strip())

    @on(FilterBar.Closed)
    def filter_closed(self, event: FilterBar.Closed) -> None:
        event.stop()
        self.table.focus()

    def action_clear_filter(self) -> None:
        back = self.back_to
        if self.filter_values or not self.table.filter.is_empty():
            self.filter_values = {}
            self.back_to = None
            self.query_one(FilterBar).show_active(None)
            self.table.load(DIDFilter())
        if back:
            self.post_message(self.Back(back))

    # ---- actions ------------------------------------------------------------------------

    def action_new(self) -> None:
        def created(n: int | None) -> None:
            if n:
                self.app.post_message(DataChanged())

        self.app.push_screen(NewDIDsScreen(hold_days=self.hold_days, max_range=self.max_range), created)

    def on_didtable_activated(self, event: DIDTable.Activated) -> None:
        event.stop()
        self.action_edit()

    def action_edit(self) -> None:
        row = self.table.current_row
        if row is None:
            return

        def saved(ok: bool | None) -> None:
            if ok:
                self.app.post_message(DataChanged())

        self.app.push_screen(EditDIDScreen(row.id), saved)

    def action_mass_edit(self) -> None:
        table = self.table
        if table.counting:
            self.app.notify("still counting the DIDs that match: try again in a moment", severity="warning")
            return
        selection = table.selection()
        if selection is None:
            self.app.notify("mark DIDs first: space marks a row, a marks all matching the filter", severity="warning")
            return

        words = f"all matching {table.filter.describe()}" if table.marked_all else "the marked DIDs"

        def closed(result: str | None) -> None:
            if result:
                table.action_clear_marks()
                self.app.post_message(DataChanged())

        self.app.push_screen(MassEditScreen(selection, table.marked_count, words), closed)

    def action_delete(self) -> None:
        """Active and Hold DIDs cannot be deleted: say so (and which keys free them) before
        asking, rather than after a confirmation that was bound to fail."""
        found = self.targets()
        if found is None:
            return
        selection, n, words = found
        row = self.table.current_row
        if self.table.selection() is None and row is not None:
            if row.status in (Status.ACTIVE.value, Status.HOLD.value):
                self._refuse_delete(1, row.number, row.status)
            else:
                self._confirm_delete(selection, n, words)
            return

        def checked(result: tuple[int, Any]) -> None:
            attached, first = result
            if attached:
                self._refuse_delete(attached, first.number, first.status)
            else:
                self._confirm_delete(selection, n, words)

        db_call(self, lambda: inventory.attached(selection), done=checked, read_only=True)

    def _refuse_delete(self, attached: int, number: str, status: str) -> None:
        how = (
            f"press {self.key_for('dids.release')} to release Active DIDs to Hold, "
            f"then {self.key_for('dids.end_hold')} to end the hold"
        )
        if attached == 1:
            subject = f"DID {number} is {label(status)}"
        else:
            subject = f"{count(attached, 'selected DID')} are Active or on Hold (e.g. {number}, {label(status)})"
        self.app.notify(f"{subject}: Active and Hold DIDs cannot be deleted; {how}", severity="warning", timeout=10)

    def _confirm_delete(self, selection: Selection, n: int, words: str) -> None:
        def answered(yes: bool | None) -> None:
            if yes:
                db_call(self, lambda: inventory.mass_delete(selection), done=self._deleted)

        self.app.push_screen(
            ConfirmScreen(
                f"Delete {words} ({count(n, 'DID')})? This cannot be undone.", title="Delete DIDs", yes="Delete"
            ),
            answered,
        )

    def _deleted(self, n: int) -> None:
        self.app.notify(f"deleted {count(n, 'DID')}")
        self.table.action_clear_marks()
        self.app.post_message(DataChanged())

    def action_import_csv(self) -> None:
        def imported(n: int | None) -> None:
            if n is not None:
                self.app.post_message(DataChanged())

        self.app.push_screen(ImportWizard(), imported)

    def action_export_csv(self) -> None:
        def exported(path: str | None) -> None:
            if path:
                self.app.notify(f"exported to {path}")

        self.app.push_screen(ExportDialog(self.table.filter, self.table.sort), exported)
