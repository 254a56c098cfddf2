"""History: one Event per DID per change, all events of one operation sharing a batch id.

Bulk operations write their events with one INSERT ... SELECT over the rows they are
about to change, so a million-row change costs one statement, not a million. The same
calls keep what undo needs (core/undo.py): a `batch` row (kind, actor, when, how many)
and each changed DID's row as it was before (`did_before`), again one INSERT ... SELECT.
DIDs a batch creates have events but no before-row: that is how undo knows them.
"""

from __future__ import annotations

import datetime as _dt
import json
import uuid
from dataclasses import dataclass
from typing import Any

from peewee import Value, fn

from didtui.core.statuses import label
from didtui.db import current_actor
from didtui.models import DID, Batch, DIDBefore, Event, database_proxy, utcnow

CREATING = ("create", "import", "restore")  # actions that may bring a DID into being
# The DID columns a before-image keeps, in BEFORE_FIELDS[1:]'s order: what undo puts back.
KEPT_COLUMNS = [
    DID.id,
    DID.number,
    DID.status,
    DID.operator,
    DID.tag,
    DID.notes,
    DID.reseller,
    DID.after_hold,
    DID.hold_days,
    DID.hold_until,
    DID.client_package,
    DID.created_at,
    DID.updated_at,
    DID.version,
    DID.released_at,
]
BEFORE_FIELDS = [
    DIDBefore.batch,
    DIDBefore.did_id,
    DIDBefore.number,
    DIDBefore.status,
    DIDBefore.operator_id,
    DIDBefore.tag,
    DIDBefore.notes,
    DIDBefore.reseller_id,
    DIDBefore.after_hold,
    DIDBefore.hold_days,
    DIDBefore.hold_until,
    DIDBefore.client_package_id,
    DIDBefore.created_at,
    DIDBefore.updated_at,
    DIDBefore.version,
    DIDBefore.released_at,
]


def new_batch() -> str:
    return uuid.uuid4().hex


def encode(changes: dict[str, Any]) -> str:
    return json.dumps(changes, default=_json_default, sort_keys=True)


def _json_default(value: Any) -> Any:
    if isinstance(value, _dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, _dt.date):  # a date has no time part, so no separator
        return value.isoformat()
    return str(value)


def open_batch(
    batch: str,
    kind: str,
    actor: str | None = None,
    at: _dt.datetime | None = None,
    note: str = "",
    detail: str | None = None,
) -> bool:
    """The batch's row, created on first use; True if it already recorded DIDs."""
    row = Batch.select(Batch.count).where(Batch.batch == batch).first()
    if row is not None:
        return row.count > 0
    Batch.create(
        batch=batch, kind=kind, actor=actor or current_actor(), at=at or utcnow(), note=note[:200], detail=detail
    )
    return False


def count_batch(batch: str, n: int) -> None:
    if n:
        Batch.update({Batch.count: Batch.count + n}).where(Batch.batch == batch).execute()


def capture(where: Any, batch: str, *, once: bool = True) -> int:
    """Keep the rows matching `where` as they are now, before `batch` changes them.

    `once`: a DID this batch already kept keeps its first image (an edit that also
    releases changes one DID twice in one batch).
    """
    select = DID.select(Value(batch), *KEPT_COLUMNS).where(where)
    if once:
        kept = DIDBefore.alias("kept")
        select = select.where(~fn.EXISTS(kept.select(Value(1)).where((kept.batch == batch) & (kept.did_id == DID.id))))
    cursor = database_proxy.execute(DIDBefore.insert_from(select, BEFORE_FIELDS))
    return cursor.rowcount


def _note(changes: dict[str, Any] | None) -> str:
    if not changes:
        return ""
    return EventRow(utcnow(), "", None, "", changes, "").describe()


def record(
    action: str,
    did_number: str | None,
    changes: dict[str, Any],
    batch: str,
    actor: str | None = None,
    at: _dt.datetime | None = None,
    *,
    keep: bool = True,
) -> None:
    """One event; `keep` also keeps the DID's row as it is, for undo."""
    existed = open_batch(batch, action, actor, at, _note(changes))
    if keep and did_number is not None:
        capture(DID.number == did_number, batch, once=existed)
    count_batch(batch, 1)
    Event.create(
        at=at or utcnow(),
        actor=actor or current_actor(),
        did_number=did_number,
        action=action,
        changes=encode(changes),
        batch=batch,
    )


def record_for(
    where: Any,
    action: str,
    changes: dict[str, Any] | None,
    batch: str,
    actor: str | None = None,
    at: _dt.datetime | None = None,
    *,
    changes_sql: Any = None,
    keep: bool = True,
) -> int:
    """One event per DID matching `where`, all with the same changes; returns the count.

    `changes_sql`, when given, is an SQL expression over the DID row yielding each
    event's JSON changes (so one statement covers rows whose changes differ). `keep`
    (the default) also keeps the rows as they are, for undo; creations pass False.
    """
    existed = open_batch(batch, action, actor, at, _note(changes))
    if keep:
        capture(where, batch, once=existed)
    select = DID.select(
        Value(at or utcnow()),
        Value(actor or current_actor()),
        DID.number,
        Value(action),
        changes_sql if changes_sql is not None else Value(encode(changes or {})),
        Value(batch),
    ).where(where)
    query = Event.insert_from(
        select, [Event.at, Event.actor, Event.did_number, Event.action, Event.changes, Event.batch]
    )
    cursor = database_proxy.execute(query)
    count_batch(batch, cursor.rowcount)
    return cursor.rowcount


@dataclass(frozen=True)
class EventRow:
    at: _dt.datetime
    actor: str
    did_number: str | None
    action: str
    changes: dict[str, Any]
    batch: str

    def describe(self) -> str:
        """The change as one line: `status: In Stock → Active, tag: → gold`."""

        parts = []
        for field, value in self.changes.items():
            if isinstance(value, list) and len(value) == 2:
                old, new = value
                if field in ("status", "after_hold"):
                    old, new = label(old), label(new)
                if old in (None, "") and new in (None, ""):
                    parts.append(f"{field}: cleared")  # bulk events know only that it went
                    continue
                old_text = "" if old in (None, "") else f"{old} "
                parts.append(f"{field}: {old_text}→ {'' if new is None else new}")
            else:
                parts.append(f"{field}: {value}")
        return ", ".join(parts)


def _rows(query: Any) -> list[EventRow]:
    return [EventRow(e.at, e.actor, e.did_number, e.action, shown_changes(e.changes), e.batch) for e in query]


def shown_changes(text: str | None) -> dict[str, Any]:
    """An event's changes as people see them: without the keys that start with "_",
    kept for undo (core/sweep.py's "_cp")."""
    return {k: v for k, v in json.loads(text or "{}").items() if not k.startswith("_")}


def did_history(number: str, limit: int = 500) -> list[EventRow]:
    """The events of one DID, newest first."""
    query = Event.select().where(Event.did_number == number).order_by(Event.at.desc(), Event.id.desc())
    return _rows(query.limit(limit))


def batch_events(batch: str, limit: int | None = None) -> list[EventRow]:
    query = Event.select().where(Event.batch == batch).order_by(Event.id)
    return _rows(query.limit(limit) if limit else query)


def batch_size(batch: str) -> int:
    return Event.select().where(Event.batch == batch).count()
