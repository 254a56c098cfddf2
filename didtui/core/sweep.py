"""The hold sweep: Hold DIDs whose deadline passed go to their after-hold status.

Safe to run from several processes at once (cron on two hosts, two open apps): on
servers each sweeper takes only rows it could lock (FOR UPDATE SKIP LOCKED), on SQLite
the IMMEDIATE transaction makes sweepers take turns; the UPDATE re-checks the hold, so
each DID is released once and gets one event.

Together, concurrent sweeps release every hold that had expired when they started: a
server sweeper that finds nothing left to lock checks whether expired holds remain and,
if so, waits for their locks and takes what is still expired (issue 12 item 8: on
MariaDB, SKIP LOCKED alone let all four sweepers pass over the same rows).
"""

from __future__ import annotations

import datetime as _dt
import sqlite3
from collections import Counter
from dataclasses import dataclass
from typing import Any

from peewee import SQL, fn

from didtui.core import bulk, history
from didtui.core.filters import DIDFilter, Selection
from didtui.core.retry import retrying
from didtui.core.selection import selection_where
from didtui.core.statuses import AFTER_HOLD, Status, label
from didtui.db import current_actor
from didtui.dialect import dialect
from didtui.errors import Conflict, InputError, RuleViolation
from didtui.models import DID, Event, database_proxy, utcnow

CHUNK = 10_000


@dataclass(frozen=True)
class SweepResult:
    released: int
    by_status: dict[str, int]
    batch: str
    at: _dt.datetime
    skipped: str | None = None  # why nothing was tried (an import holds the SQLite write lock)


def expired_where(now: _dt.datetime) -> Any:
    return (
        (DID.status == Status.HOLD.value) & (DID.hold_until <= now) & DID.after_hold.in_([s.value for s in AFTER_HOLD])
    )


def preview(now: _dt.datetime | None = None) -> dict[str, int]:
    """What a sweep would release now, by after-hold status (for --dry-run)."""
    query = (
        DID.select(DID.after_hold, fn.COUNT(SQL("*"))).where(expired_where(now or utcnow())).group_by(DID.after_hold)
    )
    return dict(query.tuples())


def sweep(now: _dt.datetime | None = None, *, actor: str | None = None, skip_if_busy: bool = False) -> SweepResult:
    """Release every expired hold: the events, then the UPDATE, in one transaction per pass.

    A deadlock the server broke (two sweepers, or a sweep and a pick) is run again after
    a random wait, for a bounded time (core/retry.py). With `skip_if_busy` (the app's
    periodic sweep), a sweep that would wait for another session's import on SQLite
    returns at once with `skipped` saying so; without it, it waits for the import.
    """
    now = now or utcnow()
    actor = actor or current_actor() or "sweep"
    batch = history.new_batch()
    db = database_proxy.obj
    if skip_if_busy and (notice := dialect(db).import_running(db)) is not None:
        return SweepResult(0, {}, batch, now, skipped=f"{notice} holds the write lock")
    if dialect(db).single_writer:
        # SQLite: the write lock is ours until commit, so the predicate alone is exact.
        with db.atomic():
            by_status = _release_sqlite(expired_where(now), batch, actor, now)
    else:
        by_status = _sweep_server(now, actor, batch)
    by_status = {k: v for k, v in by_status.items() if v}
    return SweepResult(sum(by_status.values()), by_status, batch, now)


def _sweep_server(now: _dt.datetime, actor: str, batch: str) -> dict[str, int]:
    """Passes that skip rows other sweepers hold until nothing is left to take; then, if
    expired holds remain (held by a sweeper still running, or passed over by every
    SKIP LOCKED scan), one pass that waits for their locks and releases what is still
    expired. Rows another sweeper released no longer match once its lock is gone.
    PostgreSQL needs none of this: its UPDATE re-checks the predicate after a wait."""
    if dialect().name == "postgresql":
        return retrying(lambda: _in_transaction(lambda: _release_postgresql(batch, actor, now)))
    total: Counter[str] = Counter()
    while True:
        got = retrying(lambda: _locked_pass(now, actor, batch, skip_locked=True))
        total.update(got)
        if not got:
            break
    if DID.select(DID.id).where(expired_where(now)).exists():
        total.update(retrying(lambda: _locked_pass(now, actor, batch, skip_locked=False)))
    return dict(total)


def _in_transaction(work: Any) -> dict[str, int]:
    with database_proxy.obj.atomic():
        return work()


def _locked_pass(now: _dt.datetime, actor: str, batch: str, *, skip_locked: bool) -> dict[str, int]:
    with database_proxy.obj.atomic():
        return _release_locked_ids(now, batch, actor, skip_locked=skip_locked)


def _release_locked_ids(now: _dt.datetime, batch: str, actor: str, *, skip_locked: bool) -> dict[str, int]:
    """Lock the expired rows (in id order, so two waiting sweepers queue rather than
    deadlock), then release them by id: they are ours and were expired when locked.
    Adding the hold predicate to the UPDATE let InnoDB range-scan the hold_until index
    and share-lock other sweepers' rows: deadlocks."""
    query = DID.select(DID.id, DID.after_hold).where(expired_where(now)).order_by(DID.id)
    locked = list(dialect().lock(query, skip_locked=skip_locked).tuples())
    by_status: Counter[str] = Counter()
    for chunk in bulk.chunked(locked, CHUNK):
        ids = [i for i, _ in chunk]
        n = release_where(DID.id.in_(ids), batch, actor, now)
        if n != len(chunk):  # the rows are locked by us: cannot happen
            raise Conflict("the holds changed while they were being swept: nothing was released; run it again")
        by_status.update(after for _, after in chunk)
    return dict(by_status)


def _changes_sql() -> Any:
    """Each event's changes, {"hold_until": ["", null], "status": ["hold", AFTER]}, built
    in SQL from the row's after_hold, exactly as history.encode writes them."""
    head, tail = history.encode({"status": ["hold", _MARK], "hold_until": ["", None]}).split(_MARK)
    return dialect().concat(head, DID.after_hold, tail)


_MARK = "AFTERHOLD"


def _update(now: _dt.datetime) -> Any:
    return DID.update(
        {
            DID.status: DID.after_hold,
            DID.client_package: None,
            DID.hold_until: None,
            DID.version: DID.version + 1,
            DID.updated_at: now,
        }
    )


def _release_sqlite(where: Any, batch: str, actor: str, now: _dt.datetime) -> dict[str, int]:
    """SQLite, under the write lock: the events, then one UPDATE that says (RETURNING)
    which status each DID went to, so no third pass is needed to count them."""
    db = database_proxy.obj
    if sqlite3.sqlite_version_info < (3, 35):  # no RETURNING: count first
        by_status = preview(now)
        if sum(by_status.values()) and release_where(where, batch, actor, now) != sum(by_status.values()):
            raise Conflict("the holds changed while they were being swept: nothing was released; run it again")
        return by_status
    events = history.record_for(where, "sweep", None, batch, actor, now, changes_sql=_changes_sql())
    if not events:
        return {}
    sql, params = _update(now).where(where).sql()
    released = Counter(status for (status,) in db.execute_sql(sql + ' RETURNING "status"', params))
    if sum(released.values()) != events:
        raise Conflict("the holds changed while they were being swept: nothing was released; run it again")
    return dict(released)


def _release_postgresql(batch: str, actor: str, now: _dt.datetime) -> dict[str, int]:
    """PostgreSQL: one statement, the UPDATE first and the events from the rows it
    returns, so each released DID gets exactly one event. No separate row locks: the
    UPDATE takes them, and a sweeper that waited for another's rows re-checks the hold
    predicate on the committed row (READ COMMITTED), so a DID another sweeper released is
    passed over and every hold expired at the start is released once. Locking the rows
    first (SELECT ... FOR UPDATE, then the UPDATE) wrote every row twice: 1.47x the bare
    UPDATE + history (issue 14)."""
    db = database_proxy.obj
    head, tail = history.encode({"status": ["hold", _MARK], "hold_until": ["", None]}).split(_MARK)
    after = [s.value for s in AFTER_HOLD]
    did, event = DID._meta.table_name, Event._meta.table_name
    sql = f"""
        WITH released AS (
            UPDATE {did} SET status = after_hold, client_package_id = NULL, hold_until = NULL,
                version = version + 1, updated_at = %s
            WHERE status = %s AND hold_until <= %s AND after_hold IN (%s, %s, %s)
            RETURNING number, status
        ), events AS (
            INSERT INTO {event} (at, actor, did_number, action, changes, batch)
            SELECT %s, %s, number, 'sweep', concat(%s::text, status, %s::text), %s FROM released
        )
        SELECT status FROM released"""
    params = (now, Status.HOLD.value, now, *after, now, actor, head, tail, batch)
    return dict(Counter(status for (status,) in db.execute_sql(sql, params)))


def release_where(where: Any, batch: str, actor: str, now: _dt.datetime) -> int:
    """Each Hold DID matching `where` to its own after-hold status, detached; one event each."""
    history.record_for(where, "sweep", None, batch, actor, now, changes_sql=_changes_sql())
    return _update(now).where(where).execute()


def end_hold(
    filt_or_ids: Selection | DIDFilter | Any,
    actor: str | None = None,
    *,
    now: _dt.datetime | None = None,
    batch: str | None = None,
) -> SweepResult:
    """End the holds of the selected DIDs now: each goes to its after-hold status and
    leaves its client, exactly as the sweep releases an expired hold, in one batch.

    `filt_or_ids` is a Selection, a DIDFilter or an iterable of DID ids. Refused, with
    nothing changed, when the selection holds DIDs that are not on Hold.
    """
    if isinstance(filt_or_ids, Selection):
        selection = filt_or_ids
    elif isinstance(filt_or_ids, DIDFilter):
        selection = Selection.matching(filt_or_ids)
    else:
        selection = Selection.of_ids(filt_or_ids)
    if selection.is_empty():
        raise InputError("no DIDs selected")
    now = now or utcnow()
    actor = actor or current_actor()
    batch = batch or history.new_batch()
    with database_proxy.obj.atomic(), selection_where(selection) as where:
        other = DID.select(DID.number, DID.status).where(where & (DID.status != Status.HOLD.value))
        first = other.order_by(DID.number).first()
        if first is not None:
            raise RuleViolation(
                f"only Hold DIDs can end their hold: {other.count():,} selected are not "
                f"(e.g. {first.number}, {label(first.status)}); nothing was changed"
            )
        held = where & (DID.status == Status.HOLD.value) & DID.after_hold.in_([s.value for s in AFTER_HOLD])
        by_status = dict(DID.select(DID.after_hold, fn.COUNT(SQL("*"))).where(held).group_by(DID.after_hold).tuples())
        n = release_where(held, batch, actor, now) if by_status else 0
        if n != sum(by_status.values()):
            raise Conflict("the holds changed while they were being ended: nothing was changed; run it again")
    return SweepResult(n, {k: v for k, v in by_status.items() if v}, batch, now)
