"""The hold sweep: Hold DIDs whose deadline passed go to their after-hold status.

Safe to run from several processes at once (cron on two hosts, two open apps), and
together concurrent sweeps release every hold that had expired when they started, each
once, with one event: on PostgreSQL the UPDATE re-checks the hold on the committed row
after waiting for another sweeper's lock; on SQLite the IMMEDIATE transaction makes
sweepers take turns, and on MariaDB a named lock does (`_one_sweeper`).

A sweep keeps no before-images (did_before): each event carries what the sweep
overwrote (the deadline, and the client package under "_cp"), and undo rebuilds the
before-image from it and the DID's row (core/undo.py). A sweep is the most frequent
large write; this keeps it to the raw UPDATE and its history (docs/performance.md).
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
from peewee import SQL, fn

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
    """Release every expired hold: the events and the UPDATE, in one transaction.

    A deadlock the server broke (two sweepers, or a sweep and a pick) is run again after
    a random wait, for a bounded time (core/retry.py). With `skip_if_busy` (the app's
    periodic sweep), a sweep that would wait for another session's import on SQLite, or
    for another sweep on MariaDB, returns at once with `skipped` saying so; without it,
    it waits its turn.
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
        with _one_sweeper(db, wait=not skip_if_busy) as ours:
            if not ours:
                return SweepResult(0, {}, batch, now, skipped="another sweep is running")
            by_status = _sweep_server(now, actor, batch)
            with db.atomic():
                purge_unassigned()
    by_status = {k: v for k, v in by_status.items() if v}
    return SweepResult(sum(by_status.values()), by_status, batch, now)


def _sweep_server(now: _dt.datetime, actor: str, batch: str) -> dict[str, int]:
    """One pass in one transaction, run again after a deadlock the server broke.

    PostgreSQL's UPDATE re-checks the hold predicate on the committed row after waiting
    for another sweeper's lock, so sweepers may overlap. MariaDB's sweepers take turns
    (`_one_sweeper`, around this call)."""
    if dialect().name == "postgresql":
        return retrying(lambda: _in_transaction(lambda: _release_postgresql(batch, actor, now)))
    return retrying(lambda: _in_transaction(lambda: _release_mariadb(now, batch, actor)))


SWEEPER_WAIT = 600  # seconds a MariaDB sweep waits for another to finish


@contextlib.contextmanager
def _one_sweeper(db: Any, *, wait: bool) -> Iterator[bool]:
    """MariaDB: one sweeper at a time per database, by a named lock of the server (a
    session's, freed when its connection closes, whatever happens to the process).

    Yields False when another sweep runs and `wait` is off (the app's periodic sweep
    skips); a sweep told to wait takes its turn and releases what is still expired. Two
    sweepers at once used to share the work by FOR UPDATE SKIP LOCKED, which needs a
    table of each pass's own rows to join the UPDATE to (2x the raw UPDATE + history,
    docs/performance.md); taking turns lets the sweep be the raw statements themselves.
    PostgreSQL's sweepers need no turns (`_release_postgresql`)."""
    if dialect(db).name != "mysql":
        yield True
        return
    name = f"didtui.sweep.{db.database}"[:64]
    (got,) = db.execute_sql("SELECT GET_LOCK(%s, %s)", (name, SWEEPER_WAIT if wait else 0)).fetchone()
    if not got:
        if wait:
            raise Conflict(f"another sweep has run for {SWEEPER_WAIT} s and still runs; nothing was released")
        yield False
        return
    try:
        yield True
    finally:
        db.execute_sql("SELECT RELEASE_LOCK(%s)", (name,))


def _in_transaction(work: Any) -> dict[str, int]:
    with database_proxy.obj.atomic():
        return work()


def _release_mariadb(now: _dt.datetime, batch: str, actor: str) -> dict[str, int]:
    """MariaDB (no UPDATE ... RETURNING), the sweepers taking turns: the events written
    by a locking read of the expired holds, then one UPDATE over the same predicate
    that counts, in session variables, how many DIDs went to each after-hold status.

    Both statements walk the hold_until index, pinned: a scan by primary key would lock
    every DID (InnoDB's locking reads lock each row they scan in REPEATABLE READ). The
    locking read's next-key locks keep the range as it is until commit, so the UPDATE
    changes the rows it saw. Counting by status in a pass of its own cost 1.2 s of a
    sweep of 200,000 holds at 1M DIDs, grouping the events afterwards 0.5-0.9 s, an
    UPDATE per status more than that (each walks the delete-marked entries of the ones
    before it): docs/performance.md. The counts are checked against the row counts."""
    db = database_proxy.obj
    did, event = DID._meta.table_name, Event._meta.table_name
    pinned = f"{did} FORCE INDEX ({did}_hold_until)"
    after = [s.value for s in AFTER_HOLD]
    expired = "hold_until <= %s AND status = %s AND after_hold IN (%s, %s, %s)"
    params = (now, Status.HOLD.value, *after)
    written = db.execute_sql(
        f"INSERT INTO {event} (at, actor, did_number, action, changes, batch) "
        f"SELECT %s, %s, number, 'sweep', {_changes_text()}, %s FROM {pinned} WHERE {expired} FOR UPDATE",
        (now, actor, batch, *params),
    ).rowcount
    if not written:
        return {}  # no batch row either: the app sweeps every minute
    history.open_batch(batch, "sweep", actor, now, "hold ended")
    counted = ", ".join(f"@didtui_swept_{i} := 0" for i in range(len(after)))
    db.execute_sql(f"SET {counted}")
    # Each branch counts its row: IF() must evaluate the assignment, whatever it returns.
    branches = " ".join(
        f"WHEN %s THEN IF((@didtui_swept_{i} := @didtui_swept_{i} + 1) > 0, %s, %s)" for i in range(len(after))
    )
    released = db.execute_sql(
        f"UPDATE {pinned} SET status = CASE after_hold {branches} END, client_package_id = NULL, "
        f"hold_until = NULL, version = version + 1, updated_at = %s WHERE {expired}",
        (*(v for s in after for v in (s, s, s)), now, *params),
    ).rowcount
    (counts,) = db.execute_sql("SELECT " + ", ".join(f"@didtui_swept_{i}" for i in range(len(after)))).fetchall()
    by_status = {s: int(n) for s, n in zip(after, counts, strict=True)}
    if not written == released == sum(by_status.values()):  # the rows are locked by us: cannot happen
        raise Conflict("the holds changed while they were being swept: nothing was released; run it again")
    history.count_batch(batch, written)
    return by_status


CLIENT_PACKAGE = "_cp"  # an event's key for the client package the sweep took the DID from


def _changes_text() -> str:
    """SQL over the DID's row as it is before the sweep: its event's changes,
    `{"_cp": ID, "client": ["", null], "hold_until": [DEADLINE, null], "status": ["hold",
    AFTER]}` ("_cp" and "client" only for a DID still attached to its client: it leaves
    it now), as history.encode would write them. The old deadline and "_cp" (which
    history views leave out) are what undo needs besides the row (`keep_before_images`)."""
    d = dialect()
    attached = d.concat_sql(f"""'{{"{CLIENT_PACKAGE}": '""", "client_package_id", """', "client": ["", null], '""")
    head = f"CASE WHEN client_package_id IS NULL THEN '{{' ELSE {attached} END"
    deadline = d.timestamp_text("hold_until")
    return d.concat_sql(
        head, """'"hold_until": ["'""", deadline, """'", null], "status": ["hold", "'""", "after_hold", """'"]}'"""
    )


def _changes_sql() -> Any:
    return SQL(_changes_text())


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
    if not DID.select(DID.id).where(where).exists():
        return {}  # no batch row either: the app sweeps every minute
    events = history.record_for(where, "sweep", None, batch, actor, now, changes_sql=_changes_sql(), keep=False)
    sql, params = _update(now).where(where).sql()
    released = Counter(status for (status,) in db.execute_sql(sql + ' RETURNING "status"', params))
    if sum(released.values()) != events:
        raise Conflict("the holds changed while they were being swept: nothing was released; run it again")
    return dict(released)


def _release_postgresql(batch: str, actor: str, now: _dt.datetime) -> dict[str, int]:
    """PostgreSQL: one statement, the UPDATE first and the events from the rows it
    returns, so each released DID gets exactly one event. No separate row locks: the
    UPDATE takes them, and a sweeper that waited for another's rows re-checks the hold
    predicate and the version on the committed row (READ COMMITTED), so a DID another
    sweeper released (or someone edited meanwhile) is passed over and every hold expired
    at the start is released once. The old values its events keep come from the
    UPDATE's FROM list, read before the update. Locking the rows first (SELECT ... FOR
    UPDATE, then the UPDATE) wrote every row twice: 1.47x the bare UPDATE + history."""
    db = database_proxy.obj
    after = [s.value for s in AFTER_HOLD]
    did, event = DID._meta.table_name, Event._meta.table_name
    old = "id, number, after_hold, client_package_id, hold_until, version"  # what the events need
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
            SELECT %s, %s, number, 'sweep', {_changes_text()}, %s
            FROM released
        )
        SELECT new_status FROM released"""
    params = (
        now, Status.HOLD.value, now, *after, Status.HOLD.value, now,
        now, actor, batch,
    )  # fmt: skip
    released = dict(Counter(status for (status,) in db.execute_sql(sql, params)))
    if released:  # else no batch row: the app sweeps every minute
        history.open_batch(batch, "sweep", actor, now, "hold ended")
        history.count_batch(batch, sum(released.values()))
    return released


def keep_before_images(batch: str) -> int:
    """The before-images (did_before) of the sweep `batch`'s DIDs, rebuilt for its undo
    from each event (the old deadline and "_cp", the client package) and the DID's row
    for the rest, which the sweep left as it was but for its version (one more) and its
    last update (which undo does not put back). A DID changed since has a later event,
    and undo refuses it whatever its image says (core/undo.py). Returns the rows."""
    db = database_proxy.obj
    d = dialect(db)
    p = db.param
    rebuilt = {
        "id": "d.id",
        "status": p,
        "hold_until": d.json_value("e.changes", ("hold_until", 0), "timestamp"),
        "client_package_id": d.json_value("e.changes", (CLIENT_PACKAGE,), "integer"),
        "version": "d.version - 1",
    }
    columns = [f.column_name for f in history.KEPT_COLUMNS]
    values = ", ".join(rebuilt.get(c, f"d.{c}") for c in columns)
    did, event, before = DID._meta.table_name, Event._meta.table_name, DIDBefore._meta.table_name
    names = ", ".join(f.column_name for f in history.BEFORE_FIELDS)
    sql = (
        f"INSERT INTO {before} ({names}) SELECT e.batch, {values} "
        f"FROM {event} e JOIN {did} d ON d.number = e.did_number WHERE e.batch = {p} AND e.action = 'sweep'"
    )
    return int(db.execute_sql(sql, (Status.HOLD.value, batch)).rowcount)


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
