"""Dry runs: the real operation, run inside a transaction that is rolled back.

A preview computed beside the operation could disagree with it; running the operation
itself and reading what it wrote (its events: one per DID changed) before rolling back
cannot. The faces get counts and the first few numbers, and nothing is changed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from peewee import fn

from didtui.models import Event, database_proxy

T = TypeVar("T")
SAMPLE = 10


@dataclass(frozen=True)
class Rehearsal:
    """What an operation would do: its result, how many DIDs it would change (its events)
    and the first of them."""

    result: Any
    dids_changed: int
    first_dids: list[str]


class _Rollback(Exception):
    pass


def rehearse(operation: Callable[[], T], *, sample: int = SAMPLE) -> Rehearsal:
    """Run `operation` and undo it; errors it raises (rules, conflicts) come out as they would."""
    db = database_proxy.obj
    outcome: dict[str, Any] = {}
    try:
        with db.atomic():
            before = Event.select(fn.MAX(Event.id)).scalar() or 0
            outcome["result"] = operation()
            written = Event.select().where((Event.id > before) & Event.did_number.is_null(False))
            outcome["count"] = written.count()
            outcome["first"] = [
                n for (n,) in written.select(Event.did_number).order_by(Event.id).limit(sample).tuples()
            ]
            raise _Rollback
    except _Rollback:
        pass
    return Rehearsal(outcome["result"], outcome["count"], outcome["first"])
