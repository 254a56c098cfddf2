"""History: one Event per DID per change, all events of one operation sharing a batch id.

Bulk operations write their events with one INSERT ... SELECT over the rows they are
about to change, so a million-row change costs one statement, not a million.
"""

from __future__ import annotations

import datetime as _dt
import json
import uuid
from dataclasses import dataclass
from typing import Any

from peewee import Value

from didtui.core.statuses import label
from didtui.db import current_actor
from didtui.models import DID, Event, database_proxy, utcnow


def new_batch() -> str:
    return uuid.uuid4().hex


def encode(changes: dict[str, Any]) -> str:
    return json.dumps(changes, default=_json_default, sort_keys=True)


def _json_default(value: Any) -> Any:
    if isinstance(value, (_dt.datetime, _dt.date)):
        return value.isoformat(sep=" ")
    return str(value)


def record(
    action: str,
    did_number: str | None,
    changes: dict[str, Any],
    batch: str,
    actor: str | None = None,
    at: _dt.datetime | None = None,
) -> None:
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
) -> int:
    """One event per DID matching `where`, all with the same changes; returns the count.

    `changes_sql`, when given, is an SQL expression over the DID row yielding each
    event's JSON changes (so one statement covers rows whose changes differ).
    """
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
    return [EventRow(e.at, e.actor, e.did_number, e.action, json.loads(e.changes or "{}"), e.batch) for e in query]


def did_history(number: str, limit: int = 500) -> list[EventRow]:
    """The events of one DID, newest first."""
    query = Event.select().where(Event.did_number == number).order_by(Event.at.desc(), Event.id.desc())
    return _rows(query.limit(limit))


def batch_events(batch: str, limit: int | None = None) -> list[EventRow]:
    query = Event.select().where(Event.batch == batch).order_by(Event.id)
    return _rows(query.limit(limit) if limit else query)


def batch_size(batch: str) -> int:
    return Event.select().where(Event.batch == batch).count()
