"""Undo of a batch: its DIDs go back to what they were before it, as one new batch.

What a batch kept (core/history.py): a `did_before` row per DID it changed or deleted,
an event per DID it touched, and (deactivate, activate, un-assign) the client package as
it was. Undo is all or nothing, in one transaction, set-based:

- DIDs the batch changed get their kept values back (one UPDATE ... FROM did_before);
- DIDs it deleted come back with their ids (their history was never deleted);
- DIDs it created (events, no kept row) are deleted;
- a client package it changed or removed is put back.

Refused, naming the DIDs, when one of them changed after the batch (a later event) or
could not go back without breaking a lifecycle rule (docs/lifecycle.md) (its client package, operator or
reseller is gone; its package is full or in the wrong state). `rest=True` undoes the
others. The undo is itself a batch, with its own kept rows: undoing it redoes the batch.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import peewee
from peewee import JOIN, SQL, Value, fn

from didtui.core import bulk, history, retail, sweep
from didtui.core.numbers import derived
from didtui.core.statuses import Status
from didtui.db import backend, current_actor, is_retryable
from didtui.errors import Conflict, InputError, NotFound, RuleViolation, UndoRefused
from didtui.models import (
    DID,
    Account,
    Batch,
    ClientPackage,
    DIDBefore,
    Event,
    Operator,
    Package,
    Reseller,
    database_proxy,
    utcnow,
)

SHOWN = 200  # blocked DIDs named in a refusal (all are counted)
GROUPS = 20  # SQLite: distinct earlier values restored by one UPDATE each
_RESTORED = (
    "status",
    "operator_id",
    "tag",
    "notes",
    "reseller_id",
    "after_hold",
    "hold_days",
    "hold_until",
    "client_package_id",
    "released_at",
)
_ATTACHED = (Status.ACTIVE.value, Status.HOLD.value)
_COLUMN = {c: getattr(DID, c.removesuffix("_id")) for c in _RESTORED}


# ---- batches ----------------------------------------------------------------------------


@dataclass(frozen=True)
class BatchRow:
    batch: str
    kind: str
    actor: str
    at: _dt.datetime
    count: int
    note: str
    undone_by: str | None
    undo_of: str | None

    @property
    def short(self) -> str:
        return self.batch[:10]

    @property
    def what(self) -> str:
        """The kind, what it did in a few words, and whether it was undone."""
        text = self.kind
        if self.undo_of:
            text = f"undo of {self.undo_of[:10]}"
        if self.note and not self.undo_of:
            text += f": {self.note}"
        if self.undone_by:
            text += f" (undone by {self.undone_by[:10]})"
        return text


def _row(b: Batch) -> BatchRow:
    return BatchRow(b.batch, b.kind, b.actor, b.at, b.count, b.note or "", b.undone_by, b.undo_of)


def list_batches(limit: int = 100, before: int | None = None) -> list[BatchRow]:
    """Recent batches, newest first."""
    query = Batch.select().order_by(Batch.id.desc()).limit(limit)
    if before is not None:
        query = query.where(Batch.id < before)
    return [_row(b) for b in query]


def resolve(text: str) -> str:
    """The batch id a unique prefix (at least 4 hex digits) names, as with git."""
    prefix = (text or "").strip().lower()
    if len(prefix) < 4 or any(c not in "0123456789abcdef" for c in prefix):
        raise InputError(f"{text!r} is not a batch id: give at least 4 of its hex digits")
    # A range, not LIKE: index-backed on every backend (SQLite's LIKE ignores case).
    query = Batch.select(Batch.batch).where((Batch.batch >= prefix) & (Batch.batch < prefix + "g")).limit(3)
    found = [b for (b,) in query.tuples()]
    if not found:
        raise NotFound(f"no batch {prefix} (batches from before version 0.2 cannot be undone)")
    if len(found) > 1:
        raise InputError(f"{prefix} names more than one batch ({', '.join(f[:12] for f in found)}): give more digits")
    return found[0]


def get_batch(text: str) -> BatchRow:
    batch = resolve(text)
    return _row(Batch.get(Batch.batch == batch))


# ---- the plan ---------------------------------------------------------------------------


@dataclass
class UndoResult:
    batch: BatchRow
    restored: int = 0  # DIDs changed back
    recreated: int = 0  # DIDs the batch deleted, back
    deleted: int = 0  # DIDs the batch created, deleted
    blocked: list[tuple[str, str]] = field(default_factory=list)
    blocked_count: int = 0
    undo_batch: str | None = None  # None on a dry run

    @property
    def total(self) -> int:
        return self.restored + self.recreated + self.deleted

    def summary(self) -> str:
        parts = [
            f"{n:,} {what}"
            for n, what in (
                (self.restored, "changed back"),
                (self.recreated, "brought back"),
                (self.deleted, "deleted"),
            )
            if n
        ]
        text = ", ".join(parts) or "no DID to change"
        if self.blocked_count:
            text += f"; {self.blocked_count:,} left as they are"
        return text


RETRIES = 3


def undo(text: str, *, rest: bool = False, dry_run: bool = False, actor: str | None = None) -> UndoResult:
    """Undo the batch `text` names (a unique prefix will do); see the module docstring.

    UndoRefused lists the DIDs that cannot go back unless `rest`; `dry_run` says what
    would be done and changes nothing. A deadlock the server broke (an undo and an edit
    of the same DIDs) is run again, as sweep and pick do: the checks then see the edit.
    """
    batch = resolve(text)
    actor = actor or current_actor()
    for attempt in range(RETRIES):
        try:
            return _undo_once(batch, rest, dry_run, actor)
        except peewee.DatabaseError as exc:
            if not is_retryable(exc) or attempt == RETRIES - 1:
                raise
            time.sleep(random.uniform(0.05, 0.2) * (attempt + 1))
    raise AssertionError("unreachable")


def _undo_once(batch: str, rest: bool, dry_run: bool, actor: str) -> UndoResult:
    db = database_proxy.obj
    if backend(db) == "mysql" and not db.in_transaction():
        # Each check must see what was committed up to it, as on PostgreSQL: InnoDB's
        # REPEATABLE READ would answer from a snapshot taken before the DIDs were
        # locked, and miss an edit that committed while the undo waited for them.
        db.execute_sql("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
    with db.atomic():
        query = Batch.select().where(Batch.batch == batch)
        if db.for_update:
            query = query.for_update()
        row = query.get()
        info = _row(row)
        if row.undone_by:
            raise RuleViolation(f"batch {batch[:10]} was already undone by batch {row.undone_by[:10]}")
        if info.kind == "sweep" and not DIDBefore.select().where(DIDBefore.batch == batch).exists():
            sweep.keep_before_images(batch)  # a sweep keeps them in its events
        creates = _creates(batch)
        _lock_dids(batch, creates)
        snapshot = json.loads(row.detail) if row.detail else None
        blocked = _blocked(batch, snapshot)
        result = UndoResult(info)
        result.blocked_count = len(blocked)
        result.blocked = sorted((n, why) for n, (_, why) in blocked.items())[:SHOWN]
        if blocked and not rest:
            raise UndoRefused(_refusal(info, result), result.blocked, result.blocked_count)
        blocked_ids = sorted({i for i, _ in blocked.values() if i is not None})
        with _excluded(blocked_ids) as keep:
            kept_rows = (DIDBefore.batch == batch) & keep(DIDBefore.did_id)
            created = DID.number.in_(_created_numbers(batch)) & keep(DID.id) if creates else None
            if dry_run:
                existing = DID.select(SQL("1")).where(DID.id == DIDBefore.did_id)
                all_kept = DIDBefore.select().where(kept_rows).count()
                result.recreated = DIDBefore.select().where(kept_rows & ~fn.EXISTS(existing)).count()
                result.restored = all_kept - result.recreated
                result.deleted = DID.select().where(created).count() if created is not None else 0
                return result
            # The writes count what they do (no separate counting pass).
            result.undo_batch = _apply(info, snapshot, keep, kept_rows, created, result, actor)
            if result.total == 0 and snapshot is None:
                raise UndoRefused(_refusal(info, result), result.blocked, result.blocked_count)
    return result


def _refusal(info: BatchRow, result: UndoResult) -> str:
    shown = "; ".join(f"{n}: {why}" for n, why in result.blocked[:5])
    more = f" and {result.blocked_count - 5:,} more" if result.blocked_count > 5 else ""
    return (
        f"batch {info.short} cannot be undone: {result.blocked_count:,} of its DIDs cannot go back "
        f"({shown}{more}); nothing was changed. Undo the rest (--rest) to leave those as they are"
    )


def _lock_dids(batch: str, creates: bool) -> None:
    """Servers: lock the batch's DIDs, so none changes between the checks and the writes.
    SQLite's IMMEDIATE transaction already holds the one write lock."""
    db = database_proxy.obj
    if not db.for_update:
        return
    kept = DIDBefore.select(DIDBefore.did_id).where(DIDBefore.batch == batch)
    wheres = [DID.id.in_(kept)]
    if creates:
        wheres.append(DID.number.in_(_created_numbers(batch)))
    for where in wheres:
        # Counted, not fetched: the locks without shipping 100,000 ids to Python.
        locking = DID.select(DID.id).where(where).for_update()
        if backend(db) == "postgresql":  # no FOR UPDATE beside an aggregate
            DID.select(fn.COUNT(SQL("*"))).from_(locking.alias("locked")).scalar()
        else:  # InnoDB locks every row a locking read scans, counted or not
            DID.select(fn.COUNT(SQL("*"))).where(where).for_update().scalar()


def _creates(batch: str) -> bool:
    """Whether the batch has creating events at all (most have none: the queries for
    what it created are skipped; MySQL plans them poorly even when they find nothing)."""
    return Event.select().where((Event.batch == batch) & Event.action.in_(history.CREATING)).exists()


def _created_numbers(batch: str) -> Any:
    """Numbers the batch brought into being: its creating events without a kept row."""
    kept = DIDBefore.select(DIDBefore.number).where(DIDBefore.batch == batch)
    return Event.select(Event.did_number).where(
        (Event.batch == batch) & Event.action.in_(history.CREATING) & Event.did_number.not_in(kept)
    )


def _blocked(batch: str, snapshot: dict[str, Any] | None) -> dict[str, tuple[int | None, str]]:
    """number -> (DID id, why) for every DID of the batch that cannot go back."""
    blocked: dict[str, tuple[int | None, str]] = {}

    def block(number: str, did_id: int | None, why: str) -> None:
        blocked.setdefault(number, (did_id, why))

    # Changed after the batch: a later event of another batch.
    mine, later = Event.alias("mine"), Event.alias("later")
    query = (
        later.select(later.did_number, later.action, later.actor, later.batch)
        .join(mine, on=(mine.did_number == later.did_number) & (later.id > mine.id))
        .where((mine.batch == batch) & (later.batch != batch))
        .distinct()
    )
    changed: dict[str, str] = {}
    for number, action, actor, other in query.tuples():
        changed.setdefault(number, f"changed since ({action} by {actor}, batch {other[:10]})")
    if changed:
        ids = _ids_of(batch, list(changed))
        for number, why in changed.items():
            block(number, ids.get(number), why)
    # Touched without a kept row, and not created by it: nothing to go back to. Only
    # looked for when the events outnumber the kept rows (two index-only counts).
    kept = DIDBefore.select(DIDBefore.number).where(DIDBefore.batch == batch)
    touched = Event.select().where((Event.batch == batch) & Event.action.not_in(history.CREATING)).count()
    if touched <= DIDBefore.select().where(DIDBefore.batch == batch).count():
        _blocked_by_rules(batch, snapshot, block)
        return blocked
    bare = (
        Event.select(Event.did_number)
        .where(
            (Event.batch == batch)
            & Event.action.not_in(history.CREATING)
            & Event.did_number.is_null(False)
            & Event.did_number.not_in(kept)
        )
        .distinct()
    )
    for (number,) in bare.tuples():
        block(number, _ids_of(batch, [number]).get(number), "this batch kept no earlier values for it")
    _blocked_by_rules(batch, snapshot, block)
    return blocked


def _ids_of(batch: str, numbers: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in bulk.chunked(numbers, 500):
        kept = DIDBefore.select(DIDBefore.number, DIDBefore.did_id).where(
            (DIDBefore.batch == batch) & DIDBefore.number.in_(chunk)
        )
        found.update(kept.tuples())
        found.update(
            {n: i for n, i in DID.select(DID.number, DID.id).where(DID.number.in_(chunk)).tuples() if n not in found}
        )
    return found


def _blocked_by_rules(batch: str, snapshot: dict[str, Any] | None, block: Any) -> None:
    """DIDs whose kept values would break a rule now (the client package the batch
    changed counts in the state undo puts it back to)."""
    b = DIDBefore
    own_cp = snapshot["id"] if snapshot else None
    # Only the rows with a problem come back (the state of the batch's own client
    # package is the one undo puts back, so its rows are judged below, not here).
    cp_problem = (
        b.client_package_id.is_null(False)
        & b.status.in_(_ATTACHED)
        & (
            ClientPackage.id.is_null()
            | ((b.status == Status.ACTIVE.value) & ~ClientPackage.active)
            | ((b.status == Status.HOLD.value) & ClientPackage.active)
        )
    )
    if own_cp is not None:
        cp_problem &= b.client_package_id != own_cp
    query = (
        b.select(
            b.number,
            b.did_id,
            b.status,
            b.client_package_id,
            ClientPackage.id,
            ClientPackage.active,
            b.operator_id,
            Operator.id,
            b.reseller_id,
            Reseller.id,
        )
        .join(ClientPackage, JOIN.LEFT_OUTER, on=(ClientPackage.id == b.client_package_id))
        .join_from(b, Operator, JOIN.LEFT_OUTER, on=(Operator.id == b.operator_id))
        .join_from(b, Reseller, JOIN.LEFT_OUTER, on=(Reseller.id == b.reseller_id))
        .where(
            (b.batch == batch)
            & (
                cp_problem
                | (b.operator_id.is_null(False) & Operator.id.is_null())
                | (b.reseller_id.is_null(False) & Reseller.id.is_null())
            )
        )
    )
    for number, did_id, status, cp, cp_now, cp_active, op, op_now, res, res_now in query.tuples():
        if op is not None and op_now is None:
            block(number, did_id, "its operator was deleted since")
        elif res is not None and res_now is None:
            block(number, did_id, "its reseller was deleted since")
        elif cp is not None and status in _ATTACHED and cp != own_cp:
            if cp_now is None:
                block(number, did_id, f"its client package #{cp} was deleted since (un-assigned)")
            elif status == Status.ACTIVE.value and not cp_active:
                block(number, did_id, f"its client package #{cp} is inactive now: activate it first")
            elif status == Status.HOLD.value and cp_active:
                block(number, did_id, f"its client package #{cp} is active again: it cannot hold DIDs on Hold")
    if snapshot is not None and "account_id" in snapshot:
        exists = ClientPackage.select().where(ClientPackage.id == own_cp).exists()
        if not exists and not (
            Account.select().where(Account.id == snapshot["account_id"]).exists()
            and Package.select().where(Package.id == snapshot["package_id"]).exists()
        ):
            for number, did_id in (
                b.select(b.number, b.did_id).where((b.batch == batch) & (b.client_package_id == own_cp)).tuples()
            ):
                block(number, did_id, f"the account or package of client package #{own_cp} was deleted since")
    _blocked_by_allowance(batch, block)


def _blocked_by_allowance(batch: str, block: Any) -> None:
    """Never beyond a package's allowed DIDs: what comes back plus what it holds now."""
    b = DIDBefore
    coming = dict(
        b.select(b.client_package_id, fn.COUNT(SQL("*")))
        .where((b.batch == batch) & b.status.in_(_ATTACHED) & b.client_package_id.is_null(False))
        .group_by(b.client_package_id)
        .tuples()
    )
    if not coming:
        return
    kept = DIDBefore.select(DIDBefore.did_id).where(DIDBefore.batch == batch)
    for chunk in bulk.chunked(sorted(coming), 500):
        held = dict(
            DID.select(DID.client_package, fn.COUNT(SQL("*")))
            .where(DID.client_package.in_(chunk) & DID.status.in_(_ATTACHED) & DID.id.not_in(kept))
            .group_by(DID.client_package)
            .tuples()
        )
        allowed = dict(
            ClientPackage.select(ClientPackage.id, Package.allowed_dids)
            .join(Package)
            .where(ClientPackage.id.in_(chunk))
            .tuples()
        )
        for cp in chunk:
            if cp in allowed and held.get(cp, 0) + coming[cp] > allowed[cp]:
                why = f"client package #{cp} allows {allowed[cp]} DIDs and holds {held.get(cp, 0)} now"
                for number, did_id in (
                    b.select(b.number, b.did_id)
                    .where((b.batch == batch) & (b.client_package_id == cp) & b.status.in_(_ATTACHED))
                    .tuples()
                ):
                    block(number, did_id, why)


@dataclass(frozen=True)
class _Keep:
    """`column NOT IN (the blocked ids)`, as an expression and as raw SQL."""

    ids: list[int]
    table: Any = None  # SQL "(SELECT id FROM tmp)" when many

    def __call__(self, column: Any) -> Any:
        if not self.ids:
            return SQL("1 = 1")
        return column.not_in(self.table if self.table is not None else self.ids)

    def raw(self, column: str) -> tuple[str, tuple[Any, ...]]:
        if not self.ids:
            return "1 = 1", ()
        if self.table is not None:
            return f"{column} NOT IN {self.table.sql}", ()
        marks = ", ".join([database_proxy.obj.param] * len(self.ids))
        return f"{column} NOT IN ({marks})", tuple(self.ids)


@contextlib.contextmanager
def _excluded(ids: list[int]) -> Iterator[_Keep]:
    """What is not blocked (a temporary table of the blocked ids when there are many)."""
    if len(ids) <= 500:
        yield _Keep(ids)
    else:
        with bulk.id_table(database_proxy.obj, ids) as subquery:
            yield _Keep(ids, subquery)


# ---- the writes -------------------------------------------------------------------------


def _apply(
    info: BatchRow,
    snapshot: dict[str, Any] | None,
    keep: _Keep,
    kept_rows: Any,
    created: Any,
    result: UndoResult,
    actor: str,
) -> str:
    now = utcnow()
    undo_batch = history.new_batch()
    note = f"undo of {info.short} ({info.kind})"
    cp_now = None
    if snapshot is not None:
        cp_now = ClientPackage.get_or_none(ClientPackage.id == snapshot["id"])
    # What undoing this undo needs: the client package as it is now (or that it was not).
    detail = None
    if snapshot is not None:
        detail = (
            retail.cp_snapshot(cp_now) if cp_now is not None else history.encode({"id": snapshot["id"], "absent": True})
        )
    history.open_batch(undo_batch, "undo", actor, now, note, detail)
    Batch.update({Batch.undo_of: info.batch}).where(Batch.batch == undo_batch).execute()
    if snapshot is not None and "account_id" in snapshot:
        _put_back_client_package(snapshot, cp_now)
    tag = {"undo": f"batch {info.short} ({info.kind})"}
    # DIDs changed by the batch: their kept values back, in one statement.
    to_restore = DID.id.in_(DIDBefore.select(DIDBefore.did_id).where(kept_rows))
    result.restored = history.record_for(to_restore, "undo", tag, undo_batch, actor, now)
    if result.restored and _restore(info.batch, keep, now) != result.restored:
        raise Conflict("the DIDs changed while they were being undone: nothing was changed; try again")
    # DIDs deleted by the batch (kept rows without a DID now): back with their ids;
    # undoing this undo deletes them again.
    if DIDBefore.select().where(kept_rows).count() > result.restored:
        existing = DID.select(SQL("1")).where(DID.id == DIDBefore.did_id)
        result.recreated = _recreate(kept_rows & ~fn.EXISTS(existing), undo_batch, actor, now, tag)
    # DIDs created by the batch: deleted (kept, so that undoing this brings them back).
    if created is not None:
        result.deleted = history.record_for(created, "undo", dict(tag, deleted=True), undo_batch, actor, now)
        if DID.delete().where(created).execute() != result.deleted:
            raise Conflict("the DIDs changed while they were being undone: nothing was changed; try again")
    if snapshot is not None and snapshot.get("absent"):
        _remove_client_package(snapshot["id"])
    Batch.update({Batch.undone_by: undo_batch}).where(Batch.batch == info.batch).execute()
    return undo_batch


def _when(text: str | None) -> _dt.datetime | None:
    return _dt.datetime.fromisoformat(text) if text else None


def _put_back_client_package(snapshot: dict[str, Any], cp: ClientPackage | None) -> None:
    values = {
        ClientPackage.active: snapshot["active"],
        ClientPackage.unassigned_at: _when(snapshot.get("unassigned_at")),
    }
    if cp is not None:
        ClientPackage.update(values).where(ClientPackage.id == cp.id).execute()
        return
    ClientPackage.insert(
        {
            ClientPackage.id: snapshot["id"],
            ClientPackage.account: snapshot["account_id"],
            ClientPackage.package: snapshot["package_id"],
            ClientPackage.created_at: _when(snapshot.get("created_at")),
            **values,
        }
    ).execute()


def _remove_client_package(cp_id: int) -> None:
    if DID.select().where(DID.client_package == cp_id).exists():
        raise RuleViolation(
            f"client package #{cp_id} holds DIDs this undo does not change: release them first; nothing was changed"
        )
    ClientPackage.delete().where(ClientPackage.id == cp_id).execute()


def _changed_columns(batch: str) -> list[str]:
    """The columns in which some kept row differs from its DID now, in one pass: the
    UPDATE sets only those (every column set costs its indexes' upkeep on every row)."""
    db = database_proxy.obj
    did, before = DID._meta.table_name, DIDBefore._meta.table_name
    terms = ", ".join(
        f"MAX(CASE WHEN b.{c} = d.{c} OR (b.{c} IS NULL AND d.{c} IS NULL) THEN 0 ELSE 1 END)" for c in _RESTORED
    )
    row = db.execute_sql(
        f"SELECT {terms} FROM {before} b JOIN {did} d ON d.id = b.did_id WHERE b.batch = {db.param}", (batch,)
    ).fetchone()
    return [c for c, differs in zip(_RESTORED, row or (), strict=False) if differs]


def _restore(batch: str, keep: _Keep, now: _dt.datetime) -> int:
    """One UPDATE ... FROM did_before (MySQL: a multi-table UPDATE); returns the rows."""
    db = database_proxy.obj
    columns = _changed_columns(batch)
    if backend(db) == "sqlite":
        # SQLite runs an UPDATE ... FROM through a materialised join (1.7x slower here).
        # A mass edit's DIDs had a handful of distinct earlier values: one plain UPDATE
        # per value, as the mass edit itself ran; else one row lookup per DID.
        did, before = DID._meta.table_name, DIDBefore._meta.table_name
        excluded, params = keep.raw("b.did_id")
        if columns:
            names = ", ".join(columns)
            groups = db.execute_sql(
                f"SELECT DISTINCT {names} FROM {before} b WHERE b.batch = ? AND {excluded} LIMIT {GROUPS + 1}",
                (batch, *params),
            ).fetchall()
            if len(groups) <= GROUPS:
                sets = ", ".join(f"{c} = ?" for c in columns)
                same = " AND ".join(f"b.{c} IS ?" for c in columns)
                done = 0
                for values in groups:
                    done += db.execute_sql(
                        f"UPDATE {did} SET {sets}, version = version + 1, updated_at = ? WHERE id IN "
                        f"(SELECT b.did_id FROM {before} b WHERE b.batch = ? AND {same} AND {excluded})",
                        (*values, now, batch, *values, *params),
                    ).rowcount
                return done
        targets = ", ".join(columns)
        values_sql = ", ".join(f"k.{c}" for c in columns)
        sets = (
            f"({targets}) = (SELECT {values_sql} FROM {before} k WHERE k.batch = ? AND k.did_id = {did}.id), "
            if columns
            else ""
        )
        sql = (
            f"UPDATE {did} SET {sets}version = version + 1, updated_at = ? "
            f"WHERE id IN (SELECT b.did_id FROM {before} b WHERE b.batch = ? AND {excluded})"
        )
        head = (batch,) if columns else ()
        return db.execute_sql(sql, (*head, now, batch, *params)).rowcount
    if backend(db) != "mysql":
        b = DIDBefore
        assignments: dict[Any, Any] = {_COLUMN[c]: getattr(b, c) for c in columns}
        assignments[DID.version] = DID.version + 1
        assignments[DID.updated_at] = now
        query = DID.update(assignments).from_(b).where((b.did_id == DID.id) & (b.batch == batch) & keep(b.did_id))
        return query.execute()
    did, before = DID._meta.table_name, DIDBefore._meta.table_name
    p = db.param
    sets = "".join(f"d.{c} = b.{c}, " for c in columns)
    excluded, params = keep.raw("b.did_id")
    sql = (
        f"UPDATE {did} d JOIN {before} b ON b.did_id = d.id "
        f"SET {sets}d.version = d.version + 1, d.updated_at = {p} WHERE b.batch = {p} AND {excluded}"
    )
    return db.execute_sql(sql, (now, batch, *params)).rowcount


def _refill_derived(ids: list[int]) -> None:
    """Country, type and place of restored DIDs, read again from their numbers (the
    before-images keep what a person set, not what the number says)."""
    groups: dict[tuple[str, str, str], list[int]] = {}
    for start in range(0, len(ids), 5_000):
        chunk = ids[start : start + 5_000]
        for did_id, number in DID.select(DID.id, DID.number).where(DID.id.in_(chunk)).tuples():
            groups.setdefault(derived(number), []).append(did_id)
    for (country, number_type, place), ids in groups.items():
        if not (country or number_type or place):
            continue
        for start in range(0, len(ids), 5_000):
            DID.update({DID.country: country, DID.number_type: number_type, DID.place: place}).where(
                DID.id.in_(ids[start : start + 5_000])
            ).execute()


def _recreate(where: Any, undo_batch: str, actor: str, now: _dt.datetime, tag: dict[str, Any]) -> int:
    b = DIDBefore
    rows = b.select(
        b.did_id,
        b.number,
        b.status,
        b.operator_id,
        b.tag,
        b.notes,
        b.reseller_id,
        b.after_hold,
        b.hold_days,
        b.hold_until,
        b.client_package_id,
        b.created_at,
        Value(now),
        b.version + 1,
        b.released_at,
    ).where(where)
    fields = history.KEPT_COLUMNS
    events = b.select(
        Value(now), Value(actor), b.number, Value("restore"), Value(history.encode(tag)), Value(undo_batch)
    )
    events = events.where(where)
    n = database_proxy.execute(
        Event.insert_from(events, [Event.at, Event.actor, Event.did_number, Event.action, Event.changes, Event.batch])
    ).rowcount
    history.count_batch(undo_batch, n)
    restored = [i for (i,) in b.select(b.did_id).where(where).tuples()]  # before they exist again
    database_proxy.execute(DID.insert_from(rows, fields))
    _refill_derived(restored)
    if backend(database_proxy.obj) == "postgresql":
        # Ids were given explicitly: the sequence must stay ahead of them.
        database_proxy.execute_sql(
            "SELECT setval(pg_get_serial_sequence('did', 'id'), GREATEST((SELECT MAX(id) FROM did), 1))"
        )
    return n
