"""The hold sweep: Hold DIDs whose deadline passed go to their after-hold status.

Safe to run from several processes at once (cron on two hosts, two open apps): on
servers each sweeper takes only rows it could lock (FOR UPDATE SKIP LOCKED), on SQLite
the IMMEDIATE transaction makes sweepers take turns; the UPDATE re-checks the hold, so
each DID is released once and gets one event.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

from peewee import fn

from didtui.core import bulk, history
from didtui.core.statuses import AFTER_HOLD, Status
from didtui.db import backend, current_actor
from didtui.models import DID, database_proxy, utcnow

CHUNK = 10_000


@dataclass(frozen=True)
class SweepResult:
    released: int
    by_status: dict[str, int]
    batch: str
    at: _dt.datetime


def expired_where(now: _dt.datetime):
    return (DID.status == Status.HOLD.value) & (DID.hold_until <= now)


def preview(now: _dt.datetime | None = None) -> dict[str, int]:
    """What a sweep would release now, by after-hold status (for --dry-run)."""
    query = (
        DID.select(DID.after_hold, fn.COUNT(DID.id))
        .where(expired_where(now or utcnow()))
        .group_by(DID.after_hold)
    )
    return dict(query.tuples())


def sweep(now: _dt.datetime | None = None, *, actor: str | None = None) -> SweepResult:
    now = now or utcnow()
    actor = actor or current_actor() or "sweep"
    batch = history.new_batch()
    db = database_proxy.obj
    by_status: dict[str, int] = {}
    with db.atomic():
        if backend(db) == "sqlite":
            # The write lock is ours until commit: the predicate alone is exact.
            for after in AFTER_HOLD:
                by_status[after.value] = _release(expired_where(now) & (DID.after_hold == after.value), after.value, batch, actor, now)
        else:
            ids = [
                i for (i,) in DID.select(DID.id).where(expired_where(now))
                .order_by(DID.id).for_update(skip_locked=True).tuples()
            ]
            for chunk in bulk.chunked(ids, CHUNK):
                in_chunk = DID.id.in_(chunk) & expired_where(now)
                for after in AFTER_HOLD:
                    n = _release(in_chunk & (DID.after_hold == after.value), after.value, batch, actor, now)
                    by_status[after.value] = by_status.get(after.value, 0) + n
    by_status = {k: v for k, v in by_status.items() if v}
    return SweepResult(sum(by_status.values()), by_status, batch, now)


def _release(where, after: str, batch: str, actor: str, now: _dt.datetime) -> int:
    history.record_for(where, "sweep", {"status": ["hold", after], "hold_until": ["", None]}, batch, actor, now)
    return (
        DID.update({DID.status: after, DID.client_package: None, DID.hold_until: None,
                    DID.version: DID.version + 1, DID.updated_at: now})
        .where(where).execute()
    )
