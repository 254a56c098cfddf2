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

import contextlib
import datetime as _dt
import sqlite3
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import peewee
from peewee import SQL, Case, Value, fn

from didtui.core import history
from didtui.core.filters import DIDFilter, Selection
from didtui.core.retry import retrying
from didtui.core.selection import selection_where
from didtui.core.statuses import AFTER_HOLD, Status, label
from didtui.db import current_actor
from didtui.dialect import dialect
from didtui.errors import Conflict, InputError, RuleViolation
from didtui.models import DID, ClientPackage, DIDBefore, Event, database_proxy, utcnow


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
            purge_unassigned()
    else:
        by_status = _sweep_server(now, actor, batch)
        with db.atomic():
            purge_unassigned()
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
        return _release_mariadb(now, batch, actor, skip_locked=skip_locked)


def _release_mariadb(now: _dt.datetime, batch: str, actor: str, *, skip_locked: bool) -> dict[str, int]:
    """MariaDB (no UPDATE ... RETURNING): the before-images (for undo) are written by the
    locking read itself, INSERT ... SELECT ... FOR UPDATE, so they are the rows this pass
    holds and were expired when locked; the events and the UPDATE then read them
    (did_before by its (batch, did_id) index, the DIDs by id), touching no other row.

    The locking read walks the hold_until index, pinned: sorted by id, as it was, the
    planner scanned the whole table by primary key, and a locking read in REPEATABLE
    READ locks every row it scans (every DID, for as long as the sweep ran; with the ids
    sent back in lists, 2x the raw UPDATE + history at 20,000 holds: docs/performance.md).
    Every sweeper walks that index in the same order, so two that wait for each other's
    rows queue rather than deadlock. Adding the hold predicate to the UPDATE let InnoDB
    range-scan the hold_until index and share-lock other sweepers' rows (deadlocks): the
    UPDATE joins this pass's before-images."""
    db = database_proxy.obj
    did, event, before = DID._meta.table_name, Event._meta.table_name, DIDBefore._meta.table_name
    kept = ", ".join(f.column_name for f in history.BEFORE_FIELDS[1:])
    old = ", ".join(f.column_name for f in history.KEPT_COLUMNS)
    after = [s.value for s in AFTER_HOLD]
    history.open_batch(batch, "sweep", actor, now, "hold ended")
    # This batch's earlier passes (their rows are released): this pass's rows come after.
    (mark,) = db.execute_sql(f"SELECT COALESCE(MAX(id), 0) FROM {before} WHERE batch = %s", (batch,)).fetchone()
    locked = db.execute_sql(
        f"INSERT INTO {before} (batch, {kept}) SELECT %s, {old} FROM {did} FORCE INDEX ({did}_hold_until) "
        f"WHERE hold_until <= %s AND status = %s AND after_hold IN (%s, %s, %s) "
        f"ORDER BY hold_until, id FOR UPDATE{' SKIP LOCKED' if skip_locked else ''}",
        (batch, now, Status.HOLD.value, *after),
    ).rowcount
    if not locked:
        return {}
    attached, detached, tail = _heads()
    db.execute_sql(
        f"INSERT INTO {event} (at, actor, did_number, action, changes, batch) "
        "SELECT %s, %s, number, 'sweep', "
        "CONCAT(CASE WHEN client_package_id IS NULL THEN %s ELSE %s END, after_hold, %s), batch "
        f"FROM {before} WHERE batch = %s AND id > %s",
        (now, actor, detached, attached, tail, batch, mark),
    )
    with _update_buffer_in_memory(db, locked):
        released = db.execute_sql(
            f"UPDATE {did} JOIN {before} b ON {did}.id = b.did_id "
            f"SET {did}.status = {did}.after_hold, {did}.client_package_id = NULL, {did}.hold_until = NULL, "
            f"{did}.version = {did}.version + 1, {did}.updated_at = %s WHERE b.batch = %s AND b.id > %s",
            (now, batch, mark),
        ).rowcount
    if released != locked:  # the rows are locked by us: cannot happen
        raise Conflict("the holds changed while they were being swept: nothing was released; run it again")
    history.count_batch(batch, locked)
    by_status = db.execute_sql(
        f"SELECT after_hold, COUNT(*) FROM {before} WHERE batch = %s AND id > %s GROUP BY after_hold", (batch, mark)
    )
    return dict(by_status.fetchall())


UPDATE_BUFFER_ROW = 512  # bytes a row of the UPDATE's buffer may take (MEMORY rows are fixed-width)
UPDATE_BUFFER_MAX = 1 << 30


@contextlib.contextmanager
def _update_buffer_in_memory(db: Any, rows: int) -> Iterator[None]:
    """Room in memory for MariaDB's buffer of a multi-table UPDATE's rows, for this
    session and this statement only. MariaDB updates a table that is not first in the
    join afterwards, from a temporary table of its rows; past `tmp_table_size` (16 MB by
    default, about 100,000 DIDs) that table goes to disk, and the sweep of 200,000 holds
    took 3.2-3.9 s for its UPDATE instead of 2.8-2.9 s (docs/performance.md)."""
    wanted = min(rows * UPDATE_BUFFER_ROW, UPDATE_BUFFER_MAX)
    tmp, heap = db.execute_sql("SELECT @@SESSION.tmp_table_size, @@SESSION.max_heap_table_size").fetchone()
    if wanted <= min(int(tmp), int(heap)):
        yield
        return
    db.execute_sql("SET SESSION tmp_table_size = %s, max_heap_table_size = %s", (wanted, wanted))
    try:
        yield
    finally:
        db.execute_sql("SET SESSION tmp_table_size = %s, max_heap_table_size = %s", (int(tmp), int(heap)))


def _heads() -> tuple[str, str, str]:
    """The JSON before the after-hold status, for a DID still attached to its client (it
    leaves it now: "client: cleared") and for one released earlier; and the JSON after."""
    attached, tail = history.encode({"client": ["", None], "status": ["hold", _MARK], "hold_until": ["", None]}).split(
        _MARK
    )
    detached, _ = history.encode({"status": ["hold", _MARK], "hold_until": ["", None]}).split(_MARK)
    return attached, detached, tail


def _changes_sql() -> Any:
    """Each event's changes, {"client": ["", null], "hold_until": ["", null], "status":
    ["hold", AFTER]}, built in SQL from the row, exactly as history.encode writes them
    ("client" only for a DID still attached to its client: it leaves it now)."""
    attached, detached, tail = _heads()
    cast = dialect().name == "postgresql"  # parameters of concat() have no type of their own
    head = Case(
        None,
        [(DID.client_package.is_null(), Value(detached).cast("text") if cast else Value(detached))],
        Value(attached).cast("text") if cast else Value(attached),
    )
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
    """PostgreSQL: one statement, the UPDATE first and the events and before-images (for
    undo) from the rows it returns, so each released DID gets exactly one event. No
    separate row locks: the UPDATE takes them, and a sweeper that waited for another's
    rows re-checks the hold predicate and the version on the committed row (READ
    COMMITTED), so a DID another sweeper released (or someone edited meanwhile) is passed
    over and every hold expired at the start is released once. The old values come from
    the UPDATE's FROM list, read before the update. Locking the rows first (SELECT ... FOR
    UPDATE, then the UPDATE) wrote every row twice: 1.47x the bare UPDATE + history."""
    db = database_proxy.obj
    attached, detached, tail = _heads()
    after = [s.value for s in AFTER_HOLD]
    did, event, before = DID._meta.table_name, Event._meta.table_name, DIDBefore._meta.table_name
    kept = ", ".join(f.column_name for f in history.BEFORE_FIELDS[1:])
    old = ", ".join(f.column_name for f in history.KEPT_COLUMNS)
    history.open_batch(batch, "sweep", actor, now, "hold ended")
    sql = f"""
        WITH released AS (
            UPDATE {did} SET status = {did}.after_hold, client_package_id = NULL, hold_until = NULL,
                version = {did}.version + 1, updated_at = %s
            FROM (SELECT {old} FROM {did}
                  WHERE status = %s AND hold_until <= %s AND after_hold IN (%s, %s, %s)) o
            WHERE {did}.id = o.id AND {did}.version = o.version
                AND {did}.status = %s AND {did}.hold_until <= %s
            RETURNING {did}.status AS new_status, o.*
        ), events AS (
            INSERT INTO {event} (at, actor, did_number, action, changes, batch)
            SELECT %s, %s, number, 'sweep',
                concat(CASE WHEN client_package_id IS NULL THEN %s::text ELSE %s::text END,
                       after_hold, %s::text), %s
            FROM released
        ), kept AS (
            INSERT INTO {before} (batch, {kept})
            SELECT %s, {old} FROM released
        )
        SELECT new_status FROM released"""
    params = (
        now, Status.HOLD.value, now, *after, Status.HOLD.value, now,
        now, actor, detached, attached, tail, batch,
        batch,
    )  # fmt: skip
    released = dict(Counter(status for (status,) in db.execute_sql(sql, params)))
    history.count_batch(batch, sum(released.values()))
    return released


def release_where(where: Any, batch: str, actor: str, now: _dt.datetime, action: str = "sweep") -> int:
    """Each Hold DID matching `where` to its own after-hold status, detached; one event each."""
    history.record_for(where, action, None, batch, actor, now, changes_sql=_changes_sql())
    return _update(now).where(where).execute()


def purge_unassigned(client_package_id: int | None = None) -> int:
    """Remove un-assigned client packages that hold no DIDs any more (core/retail.unassign).

    Plain reads first (there are rarely any): a DELETE ... WHERE NOT EXISTS over the DIDs
    would share-lock the DIDs it reads on InnoDB, and other sweepers' SKIP LOCKED would
    then pass over them."""
    candidates = ClientPackage.select(ClientPackage.id).where(ClientPackage.unassigned_at.is_null(False))
    if client_package_id is not None:
        candidates = candidates.where(ClientPackage.id == client_package_id)
    empty = [i for (i,) in candidates.tuples() if not DID.select().where(DID.client_package == i).exists()]
    if not empty:
        return 0
    try:
        with database_proxy.atomic():
            return ClientPackage.delete().where(ClientPackage.id.in_(empty)).execute()
    except peewee.IntegrityError:  # a DID came to it meanwhile: the next sweep tries again
        return 0


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
