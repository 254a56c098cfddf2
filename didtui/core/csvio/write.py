"""The write stage of an import: new DIDs through the core's one creation path
(core/did_writes.py: the rows and one "import" event each), existing DIDs changed under
a guard on their version, each kept as it was (undo, core/undo.py) with one event.

Servers write each good chunk as it comes (`ServerWriter`), in the import's transaction.
SQLite stages the chunks in TEMP tables (`StagedWriter`, core/csvio/staging.py) and
writes them all at the final step (`load_staged`), under the write lock.
"""

from __future__ import annotations

from typing import Any

import peewee
from peewee import SQL, Database

from didtui.core import bulk, history
from didtui.core.csvio.rows import DIDUpdate, EventRow, NewDID
from didtui.core.csvio.staging import Stage
from didtui.core.did_writes import EVENT_COLUMNS, Creation, Creator
from didtui.errors import AlreadyExists, Conflict
from didtui.models import DID, Event

CHANGED_MEANWHILE = (
    "the inventory changed during the import (a DID of the file created, or an operator "
    "deleted, by someone else): nothing was written; import the file again"
)
UPDATED_MEANWHILE = (
    "some DIDs of the file were changed by someone else during the import: nothing was written; import the file again"
)


def update_events(updates: list[DIDUpdate], creation: Creation) -> list[EventRow]:
    """One "import" event per changed DID, saying what changed."""
    c = creation
    return [(c.at, c.actor, u.number, c.action, history.encode(u.changes), c.batch) for u in updates]


class ServerWriter:
    """PostgreSQL, MariaDB: each chunk written as it is validated."""

    def __init__(self, db: Database, creation: Creation) -> None:
        self.db = db
        self.creation = creation
        self.creator = Creator(db, creation)

    def write(self, inserts: list[NewDID], updates: list[DIDUpdate]) -> None:
        if inserts:
            try:
                self.creator.add_rows(inserts)
            except peewee.IntegrityError as exc:
                raise AlreadyExists(CHANGED_MEANWHILE) from exc
        if updates:
            c = self.creation
            note = history.EventRow(c.at, "", None, "", c.changes, "").describe()
            existed = history.open_batch(c.batch, c.action, c.actor, c.at, note)
            for part in bulk.chunked([u.did_id for u in updates], 500):
                history.capture(DID.id.in_(part), c.batch, once=existed)
                existed = True
            history.count_batch(c.batch, len(updates))
            apply_updates(self.db, updates, c.at)
            bulk.insert_rows(self.db, Event._meta.table_name, EVENT_COLUMNS, update_events(updates, c))

    def finish(self) -> None:
        self.creator.finish()


class StagedWriter:
    """SQLite: each chunk staged in TEMP tables, no lock on the main database."""

    def __init__(self, stage: Stage, creation: Creation) -> None:
        self.stage = stage
        self.creation = creation

    def write(self, inserts: list[NewDID], updates: list[DIDUpdate]) -> None:
        self.stage.add_new(inserts)
        self.stage.add_updates(updates)
        self.stage.add_events(update_events(updates, self.creation))


def load_staged(db: Database, stage: Stage, creation: Creation) -> Creator:
    """The final step (under the write lock, in the caller's transaction): the updated DIDs
    kept as they are (undo), the staged rows written, the new DIDs' events."""
    creator = Creator(db, creation)
    _keep_updated(db, stage, creation)
    try:
        stage.load(creation.hold_days, creation.at)
    except peewee.IntegrityError as exc:
        raise AlreadyExists(CHANGED_MEANWHILE) from exc
    creator.loaded(stage.counts["new"])
    creator.finish()
    return creator


def _keep_updated(db: Database, stage: Stage, creation: Creation) -> None:
    """The staged updates' DIDs as they are before the import, for undo (core/undo.py)."""
    staged = f"temp.{stage.updates}"
    n = db.execute_sql(f"SELECT COUNT(*) FROM {staged}").fetchone()[0]
    if n:
        c = creation
        note = history.EventRow(c.at, "", None, "", c.changes, "").describe()
        existed = history.open_batch(c.batch, c.action, c.actor, c.at, note)
        history.capture(DID.id.in_(SQL(f"(SELECT id FROM {staged})")), c.batch, once=existed)
        history.count_batch(c.batch, n)


def apply_updates(db: Database, updates: list[DIDUpdate], now: Any) -> None:
    """One UPDATE per DID guarded by its version: a DID changed meanwhile aborts all."""
    by_shape: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
    for update in updates:
        names = tuple(sorted(update.fields))
        values = tuple(update.fields[n] for n in names)
        by_shape.setdefault(names, []).append((*values, now, update.did_id, update.version))
    p = db.param
    table = DID._meta.table_name
    for names, params in by_shape.items():
        sets = ", ".join(f"{n} = {p}" for n in names)
        sql = f"UPDATE {table} SET {sets}, version = version + 1, updated_at = {p} WHERE id = {p} AND version = {p}"
        for part in bulk.chunked(params, 2_000):
            cursor = db.cursor()
            with peewee.__exception_wrapper__:
                cursor.executemany(sql, part)
            if cursor.rowcount is not None and 0 <= cursor.rowcount < len(part):
                raise Conflict(UPDATED_MEANWHILE)
