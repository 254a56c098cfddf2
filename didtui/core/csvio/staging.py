"""SQLite imports: the rows of a file staged in TEMP tables, then written in one short step.

SQLite has one write lock per database file. An import that held it while reading and
checking 2.5 million rows (about 50 s) made every other session fail after its 30 s busy
timeout (issue 12 item 10). A TEMP table lives in the connection's own temporary database,
so filling it takes no lock on the main file: the whole file is read, checked and staged
while others keep working, and the write lock is held only for the final
INSERT ... SELECT, UPDATE ... FROM and history rows, in one transaction (all or nothing).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import peewee
from peewee import Database

from didtui.core.csvio.rows import DIDUpdate
from didtui.core.did_writes import NEW_COLUMNS
from didtui.dialect import dialect
from didtui.errors import Conflict
from didtui.models import DID, Event

UPDATABLE = ("status", "operator_id", "tag", "notes", "reseller_id", "after_hold")
EVENT_COLUMNS = ("at", "actor", "did_number", "action", "changes", "batch")


class Stage:
    """TEMP tables for one import's new rows, updates and their events."""

    def __init__(self, db: Database) -> None:
        self.db = db
        tag = uuid.uuid4().hex[:10]
        self.new, self.updates, self.events = f"stage_new_{tag}", f"stage_upd_{tag}", f"stage_ev_{tag}"
        self._run(f"CREATE TEMP TABLE {self.new} ({', '.join(NEW_COLUMNS)})")
        self._run(f"CREATE TEMP TABLE {self.updates} (shape TEXT, id INTEGER, version INTEGER, {', '.join(UPDATABLE)})")
        self._run(f"CREATE TEMP TABLE {self.events} ({', '.join(EVENT_COLUMNS)})")
        self.counts = {"new": 0, "updates": 0}
        self._shapes: dict[str, int] = {}

    def _run(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self.db.execute_sql(sql, params)

    def _many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            with peewee.__exception_wrapper__:
                self.db.cursor().executemany(sql, rows)

    # ---- staging (no lock on the main database) ---------------------------------------

    def add_new(self, rows: Sequence[Sequence[Any]]) -> None:
        """New DIDs (core/did_writes.py's NEW_COLUMNS), in file order."""
        marks = ", ".join("?" * len(NEW_COLUMNS))
        self._many(f"INSERT INTO temp.{self.new} VALUES ({marks})", rows)
        self.counts["new"] += len(rows)

    def add_updates(self, updates: Sequence[DIDUpdate]) -> None:
        """The planned changes of existing DIDs, each guarded by its version at the load."""
        rows: list[tuple[Any, ...]] = []
        for update in updates:
            fields_ = update.fields
            shape = ",".join(sorted(fields_))
            self._shapes[shape] = self._shapes.get(shape, 0) + 1
            rows.append((shape, update.did_id, update.version, *(fields_.get(name) for name in UPDATABLE)))
        marks = ", ".join("?" * (3 + len(UPDATABLE)))
        self._many(f"INSERT INTO temp.{self.updates} VALUES ({marks})", rows)
        self.counts["updates"] += len(rows)

    def add_events(self, events: Sequence[Sequence[Any]]) -> None:
        self._many(f"INSERT INTO temp.{self.events} VALUES ({', '.join('?' * len(EVENT_COLUMNS))})", events)

    def set_operator(self, placeholder: int, operator_id: int) -> None:
        """An operator created at the final step replaces its placeholder id."""
        for table in (self.new, self.updates):
            self._run(f"UPDATE temp.{table} SET operator_id = ? WHERE operator_id = ?", (operator_id, placeholder))

    def set_reseller(self, placeholder: int, reseller_id: int) -> None:
        """A reseller created at the final step (import --create-resellers) replaces its placeholder id."""
        for table in (self.new, self.updates):
            self._run(f"UPDATE temp.{table} SET reseller_id = ? WHERE reseller_id = ?", (reseller_id, placeholder))

    # ---- the final step (under the write lock, in the caller's transaction) ------------

    def load(self, hold_days: int, now: Any) -> None:
        """New rows in file order (ids grow with it), then the guarded updates, then the
        updates' events. A DID created or changed by someone since it was checked trips
        the unique index or the version guard, and the caller's transaction rolls back."""
        did = DID._meta.table_name
        columns = ", ".join(NEW_COLUMNS)
        self._run(
            f"INSERT INTO {did} ({columns}, hold_days, created_at, updated_at, version) "
            f"SELECT {columns}, ?, ?, ?, 1 FROM temp.{self.new} ORDER BY rowid",
            (int(hold_days), now, now),
        )
        for shape, expected in self._shapes.items():
            names = shape.split(",")
            sets = ", ".join(f"{name} = u.{name}" for name in names)
            cursor = self._run(
                f"UPDATE {did} SET {sets}, version = {did}.version + 1, updated_at = ? "
                f"FROM temp.{self.updates} AS u "
                f"WHERE u.shape = ? AND {did}.id = u.id AND {did}.version = u.version",
                (now, shape),
            )
            if cursor.rowcount != expected:
                raise Conflict(
                    "some DIDs of the file were changed by someone else during the import: "
                    "nothing was written; import the file again"
                )
        event = Event._meta.table_name
        self._run(
            f"INSERT INTO {event} ({', '.join(EVENT_COLUMNS)}) SELECT {', '.join(EVENT_COLUMNS)} "
            f"FROM temp.{self.events} ORDER BY rowid"
        )

    def drop(self) -> None:
        for table in (self.new, self.updates, self.events):
            try:
                self._run(f"DROP TABLE IF EXISTS temp.{table}")
            except peewee.DatabaseError:
                pass


def stages_imports(db: Database) -> bool:
    return dialect(db).single_writer
