"""Bulk statements that differ per backend: many-row inserts and large id sets.

Measured here: peewee's `insert_many` builds SQL text in Python and is 5x a
cursor `executemany`; COPY is 4x faster again on PostgreSQL; a temporary table of ids beats
chunked IN lists for large selections. Everything here runs inside the caller's
transaction.
"""

from __future__ import annotations

import contextlib
import itertools
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import peewee
from peewee import SQL, Database

from didtui.dialect import dialect
from didtui.errors import Cancelled

CHUNK = 5_000


def chunked(items: Iterable[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def max_params(db: Database) -> int:
    """How many bound parameters one statement may carry on this backend."""
    return dialect(db).max_params(db)


def insert_rows(
    db: Database,
    table: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    on_chunk: Callable[[int], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> int:
    """Insert rows with the backend's fastest path; returns how many were written.

    `on_chunk(n)` is told after each chunk; `cancel()` returning True stops the work with
    `Cancelled`, and the caller's transaction rolls everything back.
    """
    # The driver's own exceptions (a duplicate number: psycopg's UniqueViolation,
    # sqlite3's IntegrityError) become peewee's, as for every other statement, so callers
    # catch one peewee.IntegrityError on every backend.
    try:
        with peewee.__exception_wrapper__:
            return _insert_rows(db, table, columns, rows, on_chunk, cancel)
    except (peewee.DatabaseError, peewee.InterfaceError) as exc:
        translated = dialect(db).translate(exc)
        if translated is None:
            raise
        raise translated from exc


def _insert_rows(
    db: Database,
    table: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    on_chunk: Callable[[int], None] | None,
    cancel: Callable[[], bool] | None,
) -> int:
    load = dialect(db)
    written = 0
    for chunk in chunked(rows, load.insert_chunk):
        _check(cancel)
        load.load(db, table, columns, chunk)
        written += len(chunk)
        if on_chunk:
            on_chunk(len(chunk))
    return written


def _check(cancel: Callable[[], bool] | None) -> None:
    if cancel is not None and cancel():
        raise Cancelled("cancelled: nothing was written")


@contextlib.contextmanager
def id_table(db: Database, ids: Iterable[int]) -> Iterator[SQL]:
    """A temporary table holding `ids`, yielded as `SELECT id FROM ...` for IN clauses."""
    name = f"tmp_ids_{uuid.uuid4().hex[:12]}"
    backend = dialect(db)
    backend.create_id_table(db, name)
    try:
        insert_rows(db, name, ["id"], ((int(i),) for i in ids))
        backend.after_id_table_load(db, name)
        yield SQL(f"(SELECT id FROM {name})")
    finally:
        backend.drop_id_table(db, name)


@contextlib.contextmanager
def deferred_indexes(db: Database, tables: Sequence[str]) -> Iterator[None]:
    """Drop the secondary indexes of `tables` and build them again, identical, at the end.

    For a load that is large next to what the tables hold (measured: building the
    indexes after a load beats maintaining them during it; SQLite: 1M DIDs with their
    events took 10.5 s instead of 13-15 s). Runs inside the caller's write transaction,
    so the DDL commits or rolls back with the rows; a duplicate the dropped UNIQUE index
    did not catch fails its rebuild with the same IntegrityError. SQLite and PostgreSQL,
    whose DDL is transactional; MariaDB (DDL commits the transaction): no-op.
    """
    if not tables or not dialect(db).defers_indexes or not db.in_transaction():
        yield
        return
    indexes = dialect(db).secondary_indexes(db, tables)
    for name, _ in indexes:
        db.execute_sql(f'DROP INDEX "{name}"')
    yield
    for _, sql in indexes:
        db.execute_sql(sql)
