"""Who had a DID, and when: its owners (client/account, from, to), read from its history.

A pick starts an ownership; an event that clears the client (release, the sweep of a
deactivated client's hold, un-assigning) or moves the DID to a free status ends it; an
undo puts back the owner the DID had before the batch it undoes. A DID has a few dozen
events at most, so this walks them in Python.
"""

from __future__ import annotations

import datetime as _dt
import json
from dataclasses import dataclass

from didtui.core.numbers import lookup_number
from didtui.models import Batch, Event

_OWNED = ("active", "hold")


@dataclass(frozen=True)
class Owner:
    client: str  # "client/account" as it was named then
    since: _dt.datetime
    until: _dt.datetime | None  # None: owns it now


def owners(number: str) -> list[Owner]:
    """The owners of the DID `number` (as stored, or as a person writes it), oldest first.

    A stored number is looked up as it is: re-reading it could refuse a number stored
    under another profile's rules (or the demo's fictional ones)."""
    number = lookup_number(number)
    events = list(
        Event.select(Event.at, Event.action, Event.changes, Event.batch)
        .where(Event.did_number == number)
        .order_by(Event.id)
        .tuples()
    )
    undo_of = (
        dict(
            Batch.select(Batch.batch, Batch.undo_of)
            .where(Batch.batch.in_(list({e[3] for e in events if e[1] == "undo"})) & Batch.undo_of.is_null(False))
            .tuples()
        )
        if any(e[1] == "undo" for e in events)
        else {}
    )
    result: list[Owner] = []
    current: tuple[str, _dt.datetime] | None = None
    before: dict[str, str | None] = {}  # batch -> owner before its first event

    def close(at: _dt.datetime) -> None:
        nonlocal current
        if current is not None:
            result.append(Owner(current[0], current[1], at))
            current = None

    for at, action, text, batch in events:
        before.setdefault(batch, current[0] if current else None)
        changes = json.loads(text or "{}")
        if action == "undo":
            wanted = before.get(undo_of.get(batch, ""))
            if (current[0] if current else None) != wanted:
                close(at)
                if wanted:
                    current = (wanted, at)
            continue
        client = changes.get("client")
        status = changes.get("status")
        new_status = status[1] if isinstance(status, list) and len(status) == 2 else None
        if isinstance(client, list) and len(client) == 2:
            if client[1]:
                if current is None or current[0] != client[1]:
                    close(at)
                    current = (client[1], at)
                continue
            close(at)
            continue
        if changes.get("deleted") or (new_status is not None and new_status not in _OWNED):
            close(at)
        elif action == "release" and new_status == "hold":
            close(at)  # a release detaches at once (events from before the client was named)
    if current is not None:
        result.append(Owner(current[0], current[1], None))
    return result
