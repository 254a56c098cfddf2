"""Edit one DID: every editable field plus its history; never overwrites a change made
meanwhile by someone else (the core compares versions and the form shows theirs)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Input, Label, Select, Static

from didtui.core import history, inventory, owners
from didtui.core.filters import DIDRow, get_row
from didtui.core.numbers import display_number
from didtui.core.statuses import SETTABLE, Status, label
from didtui.errors import Conflict, DidtuiError
from didtui.tui.modals import fields
from didtui.tui.modals.base import FormScreen
from didtui.tui.work import db_call, error_message


def describe_events(events: list[history.EventRow]) -> str:
    if not events:
        return "(no history)"
    return "\n".join(f"{e.at:%Y-%m-%d %H:%M} {e.actor:<10} {e.action:<10} {e.describe()}" for e in events)


def describe_owners(had: list[owners.Owner]) -> str:
    if not had:
        return "(never given to a client)"
    return "\n".join(
        f"{o.client}  {o.since:%Y-%m-%d %H:%M} → {f'{o.until:%Y-%m-%d %H:%M}' if o.until else 'now'}" for o in had
    )


def _status_choices(current: str) -> list[Status]:
    if current == Status.ACTIVE.value:
        return [Status.ACTIVE, Status.HOLD]
    if current == Status.HOLD.value:
        return [Status.HOLD, *SETTABLE]
    return list(SETTABLE)


class EditDIDScreen(FormScreen[bool]):
    """Dismissed with True when the DID was saved."""

    TITLE_TEXT = "Edit DID"

    def __init__(self, did_id: int) -> None:
        super().__init__()
        self.did_id = did_id
        self.row: DIDRow | None = None

    def fields(self) -> ComposeResult:
        yield Static("loading…", id="did-summary")
        with Vertical(id="edit-fields"):
            yield self.field_row("Status", Select([], id="status", allow_blank=True, compact=True))
            yield self.field_row("Operator", fields.name_select("operator", "(none)"))
            yield self.field_row("Tag", Input(id="tag", compact=True))
            yield self.field_row("Reseller", fields.name_select("reseller", "(none)"))
            yield self.field_row("After hold", fields.after_hold_select("after_hold"))
            yield self.field_row("Hold days", Input(id="hold_days", compact=True))
            yield self.field_row("Notes", Input(id="notes", compact=True))
        yield Label("Owners", classes="section")
        yield Static("", id="owners")
        yield Label("History (newest first)", classes="section")
        yield Static("", id="history")

    def on_mount(self) -> None:
        self.query_one("#edit-fields").disabled = True
        self.set_busy(True)

        def load() -> tuple[DIDRow, list[history.EventRow], list[owners.Owner]]:
            row = get_row(self.did_id)
            return row, history.did_history(row.number, limit=200), owners.owners(row.number)

        db_call(self, load, done=self._loaded, failed=self.show_error)

    def _loaded(self, result: tuple[DIDRow, list[history.EventRow], list[owners.Owner]]) -> None:
        row, events, had = result
        self.query_one("#owners", Static).update(Content(describe_owners(had)))
        self.row = row
        self.query_one("#form-title", Label).update(f"Edit DID {display_number(row.number, row.country)}")
        number_facts = " · ".join(p for p in (row.country, row.number_type, row.place) if p)
        self.query_one("#did-summary", Static).update(
            f"#{row.id} · {row.status_label}"
            + (f" · {number_facts}" if number_facts else "")
            + (f" · {row.client_account} ({row.package})" if row.client else "")
            + (f" · hold until {row.hold_until:%Y-%m-%d %H:%M}" if row.hold_until else "")
            + f" · version {row.version}"
        )
        status = self.query_one("#status", Select)
        status.set_options(
            [
                (s.label + (" (release)" if s is Status.HOLD and row.status == "active" else ""), s.value)
                for s in _status_choices(row.status)
            ]
        )
        status.value = row.status
        fields.operators(self, self.query_one("#operator", Select), row.operator_id)
        fields.resellers(self, self.query_one("#reseller", Select), row.reseller_id)
        self.query_one("#after_hold", Select).value = row.after_hold
        self.query_one("#tag", Input).value = row.tag
        self.query_one("#hold_days", Input).value = str(row.hold_days)
        self.query_one("#notes", Input).value = row.notes
        self.query_one("#history", Static).update(describe_events(events))
        self.query_one("#edit-fields").disabled = False
        self.set_busy(False)
        self.query_one("#status", Select).focus()

    def submit(self) -> None:
        row = self.row
        if row is None:
            return
        try:
            hold_days = fields.whole_number(self.query_one("#hold_days", Input).value, "hold days")
        except DidtuiError as exc:
            self.show_error(str(exc))
            return
        changes = {
            "status": fields.chosen(self.query_one("#status", Select)) or row.status,
            "operator_id": fields.chosen(self.query_one("#operator", Select)),
            "tag": self.query_one("#tag", Input).value.strip(),
            "reseller_id": fields.chosen(self.query_one("#reseller", Select)),
            "after_hold": fields.chosen(self.query_one("#after_hold", Select)) or row.after_hold,
            "hold_days": hold_days,
            "notes": self.query_one("#notes", Input).value,
        }
        self.set_busy(True)

        def save() -> DIDRow | Conflict:
            try:
                return inventory.edit_did(row.id, row.version, changes)
            except Conflict as exc:
                return exc

        db_call(self, save, done=self._saved, failed=self.show_error)

    def _saved(self, result: DIDRow | Conflict) -> None:
        if isinstance(result, Conflict):
            self.show_error(f"{error_message(result)}\nnow: {self._describe(result.current)}")
            return
        self.app.notify(f"saved DID {display_number(result.number, result.country)}")
        self.dismiss(True)

    def _describe(self, current: dict) -> str:
        """Their values, with names for ids (from the pickers' own choices)."""
        names = {}
        for key in ("operator", "reseller"):
            names[f"{key}_id"] = {v: str(label_) for label_, v in self.query_one(f"#{key}", Select)._options}
        parts = []
        for key, value in current.items():
            if key == "version":
                continue
            if key in ("status", "after_hold"):
                value = label(value)
            elif key in names:
                value = names[key].get(value, "-" if value is None else f"#{value}")
            parts.append(f"{key.removesuffix('_id').replace('_', ' ')} {value if value not in ('', None) else '-'}")
        return ", ".join(parts)
