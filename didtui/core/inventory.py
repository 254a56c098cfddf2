"""The inventory: creating, editing, mass editing and deleting DIDs.

Every operation is one transaction: all or nothing. Bulk ones are a few set-based
statements (their events first, INSERT ... SELECT, then the UPDATE or DELETE), each
guarded by the rule it must not break, so a row changed meanwhile by someone else makes
the counts differ and the whole operation roll back instead of breaking an invariant.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import peewee
from peewee import fn

from didtui.core import bulk, did_rules, did_writes, history
from didtui.core.filters import DIDRow, Selection, get_row
from didtui.core.numbers import NumberSpan, count_numbers, display_number
from didtui.core.retail import release
from didtui.core.selection import selection_where
from didtui.core.statuses import Status
from didtui.db import current_actor
from didtui.errors import AlreadyExists, Conflict, InputError, NotFound, RuleViolation
from didtui.models import DID, Event, Operator, Reseller, database_proxy, utcnow

EDITABLE = ("status", "operator_id", "tag", "notes", "reseller_id", "after_hold", "hold_days")
MASS_EDITABLE = ("status", "tag", "hold_days", "after_hold", "operator_id", "reseller_id")
_COLUMNS = {
    "status": DID.status,
    "operator_id": DID.operator,
    "tag": DID.tag,
    "notes": DID.notes,
    "reseller_id": DID.reseller,
    "after_hold": DID.after_hold,
    "hold_days": DID.hold_days,
}
EXISTING_SHOWN = 50


# ---- create -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CreatePreview:
    count: int
    existing: list[str]  # at most EXISTING_SHOWN of them
    existing_count: int


@dataclass(frozen=True)
class Created:
    count: int
    batch: str


def _span_where(span: NumberSpan) -> Any:
    if len(span) == 1:
        return DID.number == span.first_text
    return (DID.number >= span.first_text) & (DID.number <= span.last_text) & (fn.LENGTH(DID.number) == span.width)


def existing_numbers(spans: list[NumberSpan], limit: int = EXISTING_SHOWN) -> tuple[list[str], int]:
    """Numbers among `spans` that already exist: the first `limit` of them, and how many."""
    found: list[str] = []
    total = 0
    singles = [s.first_text for s in spans if len(s) == 1]
    ranges = [s for s in spans if len(s) > 1]
    for chunk in bulk.chunked(singles, 500):
        rows = [r for (r,) in DID.select(DID.number).where(DID.number.in_(chunk)).order_by(DID.number).tuples()]
        total += len(rows)
        found.extend(rows[: max(0, limit - len(found))])
    for span in ranges:
        where = _span_where(span)
        n = DID.select().where(where).count()
        if n:
            total += n
            room = max(0, limit - len(found))
            if room:
                found.extend(
                    r for (r,) in DID.select(DID.number).where(where).order_by(DID.number).limit(room).tuples()
                )
    return sorted(found), total


def preview_create(spans: list[NumberSpan]) -> CreatePreview:
    existing, total = existing_numbers(spans)
    return CreatePreview(count_numbers(spans), existing, total)


def check_fields(values: dict[str, Any]) -> None:
    """The field rules of core/did_rules.py for the values being set, and that the
    operator and reseller named exist."""
    if values.get("status") is not None:
        did_rules.check_status(values["status"])
    if values.get("after_hold") is not None:
        did_rules.check_after_hold(values["after_hold"])
    if values.get("hold_days") is not None:
        did_rules.check_hold_days(values["hold_days"])
    if (
        values.get("operator_id") is not None
        and not Operator.select().where(Operator.id == values["operator_id"]).exists()
    ):
        raise NotFound(f"operator #{values['operator_id']} does not exist (deleted meanwhile?)")
    if (
        values.get("reseller_id") is not None
        and not Reseller.select().where(Reseller.id == values["reseller_id"]).exists()
    ):
        raise NotFound(f"reseller #{values['reseller_id']} does not exist (deleted meanwhile?)")
    if values.get("tag") is not None:
        did_rules.check_tag_value(values["tag"])
    if values.get("notes") is not None:
        did_rules.check_notes_value(values["notes"])


_check_fields = check_fields  # the name edit_did and mass_edit call


def create_dids(
    spans: list[NumberSpan],
    *,
    status: str = Status.IN_STOCK.value,
    operator_id: int | None = None,
    tag: str = "",
    notes: str = "",
    reseller_id: int | None = None,
    after_hold: str = Status.IN_STOCK.value,
    hold_days: int = 30,
    actor: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> Created:
    """Create every number of `spans`, or none: AlreadyExists lists numbers already there."""
    values = dict(
        status=status,
        operator_id=operator_id,
        tag=tag or "",
        notes=notes or "",
        reseller_id=reseller_id,
        after_hold=after_hold,
        hold_days=hold_days,
    )
    check_fields(values)
    total = count_numbers(spans)
    if total == 0:
        raise InputError("no DID number given")
    db = database_proxy.obj
    actor = actor or current_actor()
    batch = history.new_batch()
    now = utcnow()
    done = 0

    def advance(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress(done, total)

    with db.atomic():
        existing, n_existing = existing_numbers(spans)
        if n_existing:
            raise _already_exists(existing, n_existing)
        changes: dict[str, Any] = {"status": [None, status]}
        if tag:
            changes["tag"] = [None, tag]
        for key in ("operator_id", "reseller_id"):
            if values[key] is not None:
                changes[key.removesuffix("_id")] = [None, _event_value(key, values[key])]
        creator = did_writes.Creator(db, did_writes.Creation(batch, "create", changes, actor, now, hold_days))
        fields = did_writes.Fields(status, operator_id, tag or "", notes or "", reseller_id, after_hold)
        # One writer (SQLite): a load as large as the tables themselves builds their
        # indexes afterwards (bulk.deferred_indexes; a no-op elsewhere).
        tables = (
            [
                t
                for t, size in ((DID._meta.table_name, creator.max_before), (Event._meta.table_name, _max_event_id()))
                if total >= creator.backend.reindex_min and size <= total
            ]
            if creator.single_writer
            else []
        )
        try:
            with bulk.deferred_indexes(db, tables):
                creator.add_spans(spans, fields, on_chunk=advance, cancel=cancel)
                creator.finish()
        except peewee.IntegrityError as exc:  # someone created some of them meanwhile
            raise AlreadyExists(
                "some of these numbers were created by someone else meanwhile: nothing was written; "
                "check again and retry"
            ) from exc
    did_writes.refresh_statistics(total)
    return Created(total, batch)


def _max_event_id() -> int:
    return Event.select(fn.MAX(Event.id)).scalar() or 0


def _already_exists(existing: list[str], n: int) -> AlreadyExists:
    shown = ", ".join(display_number(e) for e in existing[:10]) + (f" and {n - 10:,} more" if n > 10 else "")
    return AlreadyExists(f"{n:,} of these numbers already exist ({shown}): nothing was created", existing)


def _optimize_after_bulk(n: int) -> None:
    """Refresh planner statistics after big loads (core/did_writes.py)."""
    did_writes.refresh_statistics(n)


# ---- edit one ---------------------------------------------------------------------------


def _values_of(row: DIDRow) -> dict[str, Any]:
    return {
        "status": row.status,
        "operator_id": row.operator_id,
        "tag": row.tag,
        "notes": row.notes,
        "reseller_id": row.reseller_id,
        "after_hold": row.after_hold,
        "hold_days": row.hold_days,
    }


def edit_did(did_id: int, version: int, changes: dict[str, Any], *, actor: str | None = None) -> DIDRow:
    """Change fields of one DID read at `version`; Conflict if it changed meanwhile."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise InputError(f"cannot edit {', '.join(sorted(unknown))}: editable are {', '.join(EDITABLE)}")
    db = database_proxy.obj
    with db.atomic():
        row = get_row(did_id)
        if row.version != version:
            raise Conflict(_conflict_message(row), current=_values_of(row) | {"version": row.version})
        old = _values_of(row)
        changed = {k: v for k, v in changes.items() if v != old[k]}
        if not changed:
            return row
        if changed.get("status") == Status.HOLD.value and row.status == Status.ACTIVE.value:
            rest = {k: v for k, v in changed.items() if k != "status"}
            batch = history.new_batch()  # one edit, one batch: its field changes and the release
            if rest:
                _check_fields(rest)
                _apply_one(row, rest, actor, batch)
                row = get_row(did_id)
            release(Selection.of_ids([did_id]), actor=actor, batch=batch)
            return get_row(did_id)
        if "status" in changed:
            _check_fields({"status": changed["status"]})
            if row.status == Status.ACTIVE.value:
                raise RuleViolation(f"DID {row.number} is Active for {row.client}/{row.account}: release it first")
        _check_fields(changed)
        _apply_one(row, changed, actor)
    return get_row(did_id)


def _apply_one(row: DIDRow, changed: dict[str, Any], actor: str | None, batch: str | None = None) -> None:
    now = utcnow()
    update: dict[Any, Any] = {_COLUMNS[k]: v for k, v in changed.items()}
    update[DID.version] = DID.version + 1
    update[DID.updated_at] = now
    old_names = {"operator_id": row.operator or None, "reseller_id": row.reseller or None}
    event = {
        k.removesuffix("_id"): [old_names[k] if k in old_names else _old(row, k), _event_value(k, v)]
        for k, v in changed.items()
    }
    if "status" in changed and row.status == Status.HOLD.value:
        # Ending a hold early: the DID leaves its client for good.
        update[DID.client_package] = None
        update[DID.hold_until] = None
        event["hold_until"] = [row.hold_until, None]
    # The event first: it keeps the row as it was, for undo; a conflict rolls both back.
    history.record("edit", row.number, event, batch or history.new_batch(), actor, now)
    n = DID.update(update).where((DID.id == row.id) & (DID.version == row.version)).execute()
    if n != 1:
        current = get_row(row.id)
        raise Conflict(_conflict_message(current), current=_values_of(current) | {"version": current.version})


def _event_value(key: str, value: Any) -> Any:
    """History shows operators and resellers by name (as import and delete do), not id."""
    model = {"operator_id": Operator, "reseller_id": Reseller}.get(key)
    if model is None or value is None:
        return value
    row = model.get_or_none(model.id == value)
    return row.name if row else value


def _old(row: DIDRow, key: str) -> Any:
    return _values_of(row)[key]


def _conflict_message(current: DIDRow) -> str:
    return (
        f"DID {current.number} was changed by someone else since you opened it "
        f"(now {current.status_label}, operator {current.operator or '-'}, tag {current.tag or '-'}); "
        "nothing was saved: reopen it to see the current values"
    )


# ---- mass edit and delete ---------------------------------------------------------------


def _first_with(where: Any, statuses: tuple[str, ...]) -> tuple[int, DIDRow | None]:
    query = DID.select().where(where & DID.status.in_(list(statuses)))
    n = query.count()
    if not n:
        return 0, None
    first = query.order_by(DID.number).first()
    return n, get_row(first.id)


def mass_edit(
    selection: Selection, changes: dict[str, Any], *, actor: str | None = None, batch: str | None = None
) -> int:
    """Set fields on every selected DID at once; returns how many DIDs changed.

    `batch` names the history batch (a face passes its own to report it)."""
    changes = {k: v for k, v in changes.items() if v is not None}
    unknown = set(changes) - set(MASS_EDITABLE)
    if unknown:
        raise InputError(f"mass edit cannot set {', '.join(sorted(unknown))}")
    if not changes:
        raise InputError("nothing to change: choose at least one field to set")
    if selection.is_empty():
        raise InputError("no DIDs selected")
    _check_fields(changes)
    db = database_proxy.obj
    actor = actor or current_actor()
    batch = batch or history.new_batch()
    now = utcnow()
    with db.atomic(), selection_where(selection) as where:
        guard = where
        if "status" in changes:
            n_active, example = _first_with(where, (Status.ACTIVE.value,))
            if example is not None:
                raise RuleViolation(
                    f"{n_active:,} of the selected DIDs are Active (e.g. {example.number} for "
                    f"{example.client}/{example.account}): release them first; nothing was changed"
                )
            guard = where & (DID.status != Status.ACTIVE.value)
        update: dict[Any, Any] = {_COLUMNS[k]: v for k, v in changes.items()}
        update[DID.version] = DID.version + 1
        update[DID.updated_at] = now
        plain = {k.removesuffix("_id"): [None, _event_value(k, v)] for k, v in changes.items() if k != "status"}
        # The events come first, one per selected row: how many were written is how many
        # rows the UPDATE must change (no separate count of the selection).
        if "status" in changes:
            new = changes["status"]
            recorded = 0
            for old in [s.value for s in Status if s is not Status.ACTIVE]:
                event = dict(plain, status=[old, new])
                if old == Status.HOLD.value:
                    event["hold_until"] = ["", None]
                recorded += history.record_for(guard & (DID.status == old), "mass_edit", event, batch, actor, now)
        else:
            recorded = history.record_for(guard, "mass_edit", plain, batch, actor, now)
        if selection.ids is not None and recorded != len(selection.ids):
            raise Conflict(
                f"{len(selection.ids) - recorded:,} of the selected DIDs were deleted meanwhile: nothing was changed"
            )
        if "status" in changes:
            # The rows not on Hold first: the new status is never Hold, so the second
            # statement still finds exactly the held ones, which leave their client for
            # good in the same UPDATE (detaching them first could drop them from a
            # client or package filter before their status changed).
            n = DID.update(update).where(guard & (DID.status != Status.HOLD.value)).execute()
            held = {**update, DID.client_package: None, DID.hold_until: None}
            n += DID.update(held).where(guard & (DID.status == Status.HOLD.value)).execute()
        else:
            n = DID.update(update).where(guard).execute()
        if n != recorded:
            raise Conflict("the selection changed while it was being edited: nothing was changed; try again")
    return n


def mass_delete(selection: Selection, *, actor: str | None = None, batch: str | None = None) -> int:
    """Delete every selected DID, refused (nothing deleted) if any is Active or on Hold.

    `batch` names the history batch (a face passes its own to report it)."""
    if selection.is_empty():
        raise InputError("no DIDs selected")
    db = database_proxy.obj
    actor = actor or current_actor()
    batch = batch or history.new_batch()
    now = utcnow()
    attached = (Status.ACTIVE.value, Status.HOLD.value)
    with db.atomic(), selection_where(selection) as where:
        n_attached, example = _first_with(where, attached)
        if example is not None:
            whose = f" for {example.client}/{example.account}" if example.client else ""
            raise RuleViolation(
                f"{n_attached:,} of the selected DIDs are Active or on Hold (e.g. {example.number}, "
                f"{example.status_label}{whose}): Active and Hold DIDs cannot be deleted; nothing was deleted"
            )
        guard = where & DID.status.not_in(list(attached))
        expected = DID.select().where(guard).count()
        history.record_for(guard, "delete", {"deleted": True}, batch, actor, now)
        n = DID.delete().where(guard).execute()
        if n != expected:
            raise Conflict("the selection changed while it was being deleted: nothing was deleted; try again")
    return n


def attached(selection: Selection) -> tuple[int, DIDRow | None]:
    """How many selected DIDs are Active or on Hold (delete refuses them), and the first:
    so a face can say so before asking for a confirmation."""
    with selection_where(selection) as where:
        return _first_with(where, (Status.ACTIVE.value, Status.HOLD.value))


def not_on_hold(selection: Selection) -> tuple[int, DIDRow | None]:
    """How many selected DIDs are not on Hold (ending holds refuses them), and the first."""
    others = tuple(s.value for s in Status if s is not Status.HOLD)
    with selection_where(selection) as where:
        return _first_with(where, others)


def delete_did(did_id: int, *, actor: str | None = None) -> int:
    return mass_delete(Selection.of_ids([did_id]), actor=actor)


def hold_deadline(days: int, now: _dt.datetime | None = None) -> _dt.datetime:
    return (now or utcnow()) + _dt.timedelta(days=days)
