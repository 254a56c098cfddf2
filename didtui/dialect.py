"""What differs between SQLite, PostgreSQL and MariaDB, in one object per backend.

The core asks `dialect()` how to lock rows, load many rows, refresh statistics, page with
keys, recognise a retryable or a lost-connection error, and which index to pin; it never
tests the database's class itself. Table and column names come from the models
(`Model._meta`), so a renamed table is renamed here too. docs/architecture.md describes
each backend's choices and the measurements behind them.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
import socket
import sqlite3
import threading
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import peewee
from peewee import Database, Value, fn

from didtui.errors import ConnectionLost, DatabaseBusy, DidtuiError, InputError, SchemaError
from didtui.models import DID, database_proxy

_LOCK_NAME = "didtui_migrate"
_LOCK_KEY = 72_417_001  # pg_advisory_lock key: any constant shared by all didtui processes

# The servers' "run it again" errors: InnoDB 1213 (deadlock) and 1205 (lock wait timeout),
# PostgreSQL 40P01 (deadlock) and 40001 (serialization failure). MariaDB reports a
# deadlock met while waiting for a table's AUTO-INC lock (an INSERT ... SELECT into the
# history beside a sweeper waiting for row locks) as 1467, "Failed to read
# auto-increment value": seen by tests/core/test_core_concurrency.py, it is retried too.
_RETRYABLE = (
    "deadlock",
    "lock wait timeout",
    "could not serialize",
    "(1213,",
    "(1205,",
    "(1467,",
    "40001",
    "40p01",
)
# A connection that is gone: the server was restarted, the session killed, the network cut.
_LOST = (
    "connection is closed",
    "connection already closed",
    "server closed the connection",
    "terminating connection",
    "lost connection",
    "server has gone away",
    "connection was killed",
    "(2006",
    "(2013",
    "(1927",
    "consuming input failed",
    "ssl connection has been closed",
    "broken pipe",
    "connection reset",
    "the connection is lost",
)


@dataclass(frozen=True)
class ImportNotice:
    """An import holding (or about to hold) an SQLite file's write lock, in another
    session: who runs it and since when (naive UTC)."""

    actor: str
    started: _dt.datetime

    def __str__(self) -> str:
        return f"an import by {self.actor} (writing since {self.started:%H:%M:%S} UTC)"


def _text(exc: BaseException) -> str:
    cause = exc.__cause__ or exc.__context__
    sqlstate = getattr(cause, "sqlstate", "") or getattr(exc, "sqlstate", "") or ""
    return f"{exc} {cause or ''} {sqlstate}".lower()


class Dialect:
    """The SQL a backend needs for the few things that differ. One instance per backend."""

    name = "sqlite"
    #: the database is a file this process opens (no server)
    embedded = True
    #: a raw cursor returns DATETIME columns as ISO text (peewee's fields convert them)
    times_as_text = True
    #: one writer at a time: rows written in a transaction are the only new rows
    single_writer = True
    #: ascending ORDER BY puts NULLs first
    nulls_first = True
    #: the planner turns a row-value comparison (a, b) > (x, y) into one index range seek
    row_value_seek = True
    # pin_index pins (INDEXED BY, FORCE INDEX); without hints, queries are shaped instead.
    index_hints = True
    #: building indexes after a big load beats keeping them up to date during it
    defers_indexes = True
    #: rows of a load from which it does (SQLite, measured: below 100,000 keeping them
    #: up to date is as cheap)
    reindex_min = 100_000
    #: statement parameters a driver accepts (SQLite reads its own limit at run time)
    param_limit = 65_535
    #: rows per executemany call for bulk inserts
    insert_chunk = 5_000
    #: the type a digits column is CAST to for arithmetic (MariaDB's CAST knows no BIGINT)
    integer_type = "BIGINT"
    #: the planner keeps the left table of a CROSS JOIN as the outer loop (SQLite), so a
    #: join can be ordered by writing it so; servers plan inner joins themselves
    cross_join_keeps_order = True

    # ---- locking ------------------------------------------------------------------

    def lock(self, query: peewee.Select, *, skip_locked: bool = False) -> peewee.Select:
        """`query` as a locking read where the backend has one. SQLite's IMMEDIATE
        transaction already holds the only write lock, so the plain query is exact."""
        return query

    @contextlib.contextmanager
    def migration_lock(self, db: Database) -> Iterator[None]:
        """A lock every didtui process takes before migrating (playhouse.migrations has
        none). SQLite: BEGIN IMMEDIATE; the runner's transactions nest as savepoints."""
        with db.atomic():
            yield

    # ---- errors -------------------------------------------------------------------

    def is_retryable(self, exc: BaseException) -> bool:
        """The server gave up on this transaction to break a lock cycle: running it again
        is the documented remedy."""
        if not isinstance(exc, peewee.OperationalError | peewee.InternalError):
            return False
        text = _text(exc)
        return any(marker in text for marker in _RETRYABLE)

    def is_busy(self, exc: BaseException) -> bool:
        """SQLite: another connection held the write lock past the busy timeout."""
        return isinstance(exc, peewee.OperationalError) and "database is locked" in str(exc).lower()

    def is_connection_lost(self, exc: BaseException) -> bool:
        """The connection died under the statement (killed session, restarted server)."""
        if not isinstance(exc, peewee.DatabaseError | peewee.InterfaceError):
            return False
        if isinstance(exc, peewee.InterfaceError) and exc.args[:1] == (0,):
            return True  # PyMySQL's InterfaceError(0, ''): its socket is already gone
        text = _text(exc)
        return any(marker in text for marker in _LOST)

    def translate(self, exc: BaseException, *, committing: bool = False) -> DidtuiError | None:
        """The core's own error for a driver failure a person can act on, or None.

        A lost connection, SQLite's busy timeout, and a NUL character PostgreSQL refuses
        in text become ConnectionLost, DatabaseBusy and InputError, each with what to do.
        """
        if self.is_connection_lost(exc):
            cause = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
            if committing:
                return ConnectionLost(
                    f"the connection to the database was lost while saving ({cause}): the change may or may "
                    "not have been saved; check it, then try again"
                )
            return ConnectionLost(
                f"the connection to the database was lost ({cause}): the server rolled this change back; "
                "nothing was saved; try again when the database is reachable"
            )
        if self.is_busy(exc):
            return DatabaseBusy(
                "the database is busy: another session held its write lock too long; nothing was changed; "
                "try again in a moment"
            )
        text = str(exc).lower()
        if isinstance(exc, peewee.DataError | peewee.ProgrammingError) and ("nul (0x00)" in text or "0x00" in text):
            return InputError("text may not contain NUL characters (\\x00): remove them and try again")
        return None

    # ---- long writes that others wait for ------------------------------------------

    def _notice_base(self, db: Database) -> Path | None:
        name = str(getattr(db, "database", "") or "")
        if not name or name == ":memory:" or name.startswith("file:"):
            return None
        return Path(name)

    @contextlib.contextmanager
    def announce_import(self, db: Database, actor: str) -> Iterator[None]:
        """SQLite: a small file beside the database (`<db>-import-<id>`, one per import)
        says who is writing an import, so other sessions can say what they wait for
        (import_running) instead of failing."""
        base = self._notice_base(db)
        if base is None:
            yield
            return
        notice = {
            "actor": actor,
            "started": _dt.datetime.now(_dt.UTC).replace(tzinfo=None, microsecond=0).isoformat(),
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "thread": threading.get_ident(),
        }
        path = base.with_name(f"{base.name}-import-{uuid.uuid4().hex[:12]}")
        path.write_text(json.dumps(notice), encoding="utf-8")
        try:
            yield
        finally:
            with contextlib.suppress(OSError):
                path.unlink()

    def import_running(self, db: Database) -> ImportNotice | None:
        """Another session's import that holds or is taking the write lock, if any. A
        notice left by a process that died (same host, pid gone) is removed."""
        base = self._notice_base(db)
        if base is None:
            return None
        try:
            paths = sorted(base.parent.glob(f"{base.name}-import-*"))
        except OSError:
            return None
        for path in paths:
            notice = _read_notice(path)
            if notice is not None:
                return notice
        return None

    # ---- bulk load ----------------------------------------------------------------

    def max_params(self, db: Database) -> int:
        conn = db.connection()
        try:
            return int(conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))
        except AttributeError:  # not an sqlite3 connection
            return 999

    def load(self, db: Database, table: str, columns: Sequence[str], rows: list[Sequence[Any]]) -> None:
        """Write one chunk of rows the fastest way the driver has: executemany of a
        single-row INSERT (measured: as fast as sqlite3's own executemany, 5x faster than
        peewee's insert_many, which builds the SQL text in Python)."""
        marks = ", ".join([db.param] * len(columns))
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
        db.cursor().executemany(sql, rows)

    # Rows the server builds itself from numbers (core/did_writes.py): PostgreSQL only;
    # elsewhere the client sends every row through `load`.
    writes_from_numbers = False

    def insert_series(
        self,
        db: Database,
        table: str,
        number_column: str,
        span: tuple[int, int, int],
        values: dict[str, Any],
    ) -> int:
        """One row per number of `span` (first, last, width: zero-padded text), the other
        columns the constants of `values` (None left to the column's default NULL)."""
        raise NotImplementedError

    def insert_per_number(
        self, db: Database, table: str, number_column: str, numbers: list[str], values: dict[str, Any]
    ) -> int:
        """One row per number of `numbers`, in that order, the other columns constant."""
        raise NotImplementedError

    def create_id_table(self, db: Database, name: str) -> None:
        db.execute_sql(f"CREATE TEMPORARY TABLE {name} (id INTEGER PRIMARY KEY)")

    def after_id_table_load(self, db: Database, name: str) -> None:
        """Statistics for a freshly filled temporary table, where the planner needs them."""

    def drop_id_table(self, db: Database, name: str) -> None:
        db.execute_sql(f"DROP TABLE IF EXISTS temp.{name}")

    def drop_temporary_table(self, db: Database, name: str) -> None:
        """Drop a temporary table now, inside the caller's transaction."""
        db.execute_sql(f"DROP TABLE IF EXISTS {name}")

    def rows_by_number(self, db: Database, columns: str, numbers: list[str]) -> Iterator[tuple[Any, ...]]:
        """`SELECT columns FROM did WHERE number IN numbers`, in as few statements as the
        parameter limit allows."""
        size = max(1, min(5_000, self.max_params(db) - 1))
        table = DID._meta.table_name
        for start in range(0, len(numbers), size):
            part = numbers[start : start + size]
            marks = ", ".join([db.param] * len(part))
            yield from db.execute_sql(f"SELECT {columns} FROM {table} WHERE number IN ({marks})", part).fetchall()

    # ---- upsert -------------------------------------------------------------------

    def upsert(self, query: peewee.Insert, conflict: Sequence[peewee.Field], update: dict[Any, Any]) -> peewee.Insert:
        """INSERT ... ON CONFLICT (conflict) DO UPDATE (SQLite, PostgreSQL) or
        ON DUPLICATE KEY UPDATE (MariaDB, which takes the conflict from any unique key)."""
        return query.on_conflict(conflict_target=list(conflict), update=update)

    # ---- indexes dropped for a big load (core/bulk.py deferred_indexes) -------------

    def secondary_indexes(self, db: Database, tables: Sequence[str]) -> list[tuple[str, str]]:
        """(name, the statement that builds it again) of every index of `tables` but the
        primary keys."""
        marks = ", ".join("?" * len(tables))
        rows = db.execute_sql(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            f"AND tbl_name IN ({marks}) ORDER BY name",
            tuple(tables),
        ).fetchall()
        return [(name, sql) for name, sql in rows]

    # ---- statistics and caches ----------------------------------------------------

    def analyze(self, db: Database, model: type[peewee.Model]) -> None:
        """Fresh planner statistics for one table after a big load (measured: filtered
        pages 100x slower without). SQLite: a full ANALYZE of the table; PRAGMA optimize
        skips tables this connection has not queried, and a sampled analysis misjudged
        the status index."""
        db.execute_sql(f"ANALYZE {model._meta.table_name}")

    def on_close(self, db: Database) -> None:
        """SQLite's advice for long-lived connections: PRAGMA optimize before closing."""
        try:
            db.execute_sql("PRAGMA optimize")
        except peewee.DatabaseError:
            pass

    def use_small_cache(self, db: Database, kib: int) -> None:
        """A small page cache for this connection (readers that count a million rows would
        otherwise each fill the profile's 32 MB cache). Servers keep their own caches."""
        db.execute_sql(f"PRAGMA cache_size = -{int(kib)}")

    # ---- queries ------------------------------------------------------------------

    def concat(self, *parts: Any) -> Any:
        """String concatenation of columns and values (SQLite has concat() only from 3.44)."""
        expr = _as_node(parts[0])
        for part in parts[1:]:
            expr = expr.concat(_as_node(part))
        return expr

    def concat_sql(self, *parts: str) -> str:
        """`concat`, for statements written as text: `parts` are SQL expressions."""
        return "(" + " || ".join(parts) + ")"

    def timestamp_text(self, column: str) -> str:
        """SQL for a timestamp column as text that `json_value(..., "timestamp")` and the
        column read back exactly. SQLite keeps times as text: as they are."""
        return column

    def json_value(self, column: str, path: tuple[str | int, ...], sql_type: str) -> str:
        """SQL for the value at `path` (keys and array positions) of the JSON text in
        `column`, as `sql_type` ("integer" or "timestamp"); null or missing gives NULL."""
        return f"json_extract({column}, '{_json_path(path)}')"

    def pin_index(self, sql: str, model: type[peewee.Model], index: str) -> str:
        """`sql`, a SELECT generated by peewee over `model` (aliased "t1"), with `index`
        pinned where the backend allows it, so that fresh statistics (a whole-database
        ANALYZE by a DBA or a backup tool) cannot flip the plan to a scan and a sort
        (issue 14: 30-300x slower first pages). SQLite: INDEXED BY."""
        target = f'FROM "{model._meta.table_name}" AS "t1"'
        return sql.replace(target, f'{target} INDEXED BY "{index}"', 1)

    def pin_primary_key(self, sql: str, model: type[peewee.Model]) -> str:
        """`sql` reading `model` by its primary key only (a range of ids): SQLite's NOT
        INDEXED still seeks the rowid, but no other index can drive the query."""
        target = f'FROM "{model._meta.table_name}" AS "t1"'
        return sql.replace(target, f"{target} NOT INDEXED", 1)

    def stream_cursor(self, db: Database) -> Any:
        """A cursor that streams a large result instead of buffering it all."""
        return db.cursor()

    def snapshot_read(self, db: Database) -> contextlib.AbstractContextManager[Any]:
        """What to wrap a long read in so it sees one snapshot. SQLite's single SELECT
        already does; didtui's transactions would take the write lock."""
        return contextlib.nullcontext()


class PostgresqlDialect(Dialect):
    name = "postgresql"
    embedded = False
    times_as_text = False
    cross_join_keeps_order = False
    single_writer = False
    nulls_first = False
    index_hints = False
    defers_indexes = True
    reindex_min = 10_000  # measured: a 100,000-row import 3.0 s -> 2.7 s (psql \copy: 2.2 s)
    insert_chunk = 20_000

    def lock(self, query: peewee.Select, *, skip_locked: bool = False) -> peewee.Select:
        return query.for_update(skip_locked=skip_locked)

    @contextlib.contextmanager
    def migration_lock(self, db: Database) -> Iterator[None]:
        db.execute_sql("SELECT pg_advisory_lock(%s)", (_LOCK_KEY,))
        try:
            yield
        finally:
            db.execute_sql("SELECT pg_advisory_unlock(%s)", (_LOCK_KEY,))

    def is_busy(self, exc: BaseException) -> bool:
        return False

    def import_running(self, db: Database) -> ImportNotice | None:
        """Servers lock rows, not the database: an import blocks nobody."""
        return None

    def max_params(self, db: Database) -> int:
        return self.param_limit

    def load(self, db: Database, table: str, columns: Sequence[str], rows: list[Sequence[Any]]) -> None:
        """COPY FROM STDIN (measured: 4x faster than executemany)."""
        with db.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def secondary_indexes(self, db: Database, tables: Sequence[str]) -> list[tuple[str, str]]:
        """Indexes that back no constraint (the primary keys stay: foreign keys point at them)."""
        rows = db.execute_sql(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema() "
            "AND i.tablename = ANY(%s) AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
            "WHERE c.conindid = (quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))::regclass) "
            "ORDER BY i.indexname",
            (list(tables),),
        ).fetchall()
        return [(name, sql) for name, sql in rows]

    writes_from_numbers = True

    def insert_series(
        self,
        db: Database,
        table: str,
        number_column: str,
        span: tuple[int, int, int],
        values: dict[str, Any],
    ) -> int:
        """INSERT ... SELECT over generate_series: the server writes the rows from the
        span's two ends, none of them crosses the wire."""
        first, last, width = span
        kept = {k: v for k, v in values.items() if v is not None}
        columns = ", ".join((number_column, *kept))
        marks = "".join(", %s" for _ in kept)
        sql = (
            f"INSERT INTO {table} ({columns}) SELECT lpad(g::text, %s::int, '0'){marks} "
            "FROM generate_series(%s::bigint, %s::bigint) AS g"
        )
        return int(db.execute_sql(sql, (width, *kept.values(), first, last)).rowcount)

    def insert_per_number(
        self, db: Database, table: str, number_column: str, numbers: list[str], values: dict[str, Any]
    ) -> int:
        """INSERT ... SELECT over one array of the numbers, kept in order (WITH ORDINALITY)."""
        kept = {k: v for k, v in values.items() if v is not None}
        columns = ", ".join((number_column, *kept))
        marks = "".join(", %s" for _ in kept)
        sql = (
            f"INSERT INTO {table} ({columns}) SELECT n.number{marks} "
            "FROM unnest(%s::text[]) WITH ORDINALITY AS n(number, i) ORDER BY n.i"
        )
        return int(db.execute_sql(sql, (*kept.values(), numbers)).rowcount)

    def create_id_table(self, db: Database, name: str) -> None:
        db.execute_sql(f"CREATE TEMPORARY TABLE {name} (id BIGINT PRIMARY KEY) ON COMMIT DROP")

    def after_id_table_load(self, db: Database, name: str) -> None:
        db.execute_sql(f"ANALYZE {name}")  # else the planner guesses 2,550 rows

    def drop_id_table(self, db: Database, name: str) -> None:
        """Dropped at commit (ON COMMIT DROP)."""

    def rows_by_number(self, db: Database, columns: str, numbers: list[str]) -> Iterator[tuple[Any, ...]]:
        """One array parameter per 20,000 numbers (`= ANY(%s)`): psycopg refuses more than
        65,535 parameters in one statement."""
        table = DID._meta.table_name
        for start in range(0, len(numbers), 20_000):
            part = numbers[start : start + 20_000]
            yield from db.execute_sql(f"SELECT {columns} FROM {table} WHERE number = ANY(%s)", (part,)).fetchall()

    def on_close(self, db: Database) -> None:
        """The server runs its own autovacuum/analyze."""

    def use_small_cache(self, db: Database, kib: int) -> None:
        """The server's shared buffers serve every session."""

    def concat(self, *parts: Any) -> Any:
        """concat(); its parameters have no type of their own, so values are cast to text."""
        return fn.CONCAT(*(Value(p).cast("text") if isinstance(p, str) else p for p in parts))

    def concat_sql(self, *parts: str) -> str:
        return "concat(" + ", ".join(parts) + ")"

    def timestamp_text(self, column: str) -> str:
        """to_char, not ::text (DateStyle is the session's to choose); no trailing zeros."""
        return f"rtrim(rtrim(to_char({column}, 'YYYY-MM-DD HH24:MI:SS.US'), '0'), '.')"

    def json_value(self, column: str, path: tuple[str | int, ...], sql_type: str) -> str:
        keys = ",".join(str(k) for k in path)
        return f"({column}::json #>> '{{{keys}}}')::{sql_type}"

    def pin_index(self, sql: str, model: type[peewee.Model], index: str) -> str:
        """PostgreSQL has no index hints: the queries are shaped instead (a keyset over
        the sort index, ORDER BY ... LIMIT, which every plan serves from that index)."""
        return sql

    def pin_primary_key(self, sql: str, model: type[peewee.Model]) -> str:
        return sql

    def stream_cursor(self, db: Database) -> Any:
        """A named (server-side) cursor: psycopg's default one reads the whole result."""
        cursor = db.connection().cursor(name=f"didtui_stream_{uuid.uuid4().hex[:8]}")
        cursor.itersize = 2_000
        return cursor

    def snapshot_read(self, db: Database) -> contextlib.AbstractContextManager[Any]:
        """A server-side cursor needs a transaction (which also gives one snapshot)."""
        return db.atomic()


class MariaDialect(Dialect):
    name = "mysql"
    embedded = False
    times_as_text = False
    integer_type = "INTEGER"
    cross_join_keeps_order = False
    single_writer = False
    row_value_seek = False  # MariaDB does not plan row values as a range
    defers_indexes = False
    insert_chunk = 2_000

    def lock(self, query: peewee.Select, *, skip_locked: bool = False) -> peewee.Select:
        return query.for_update(skip_locked=skip_locked)

    @contextlib.contextmanager
    def migration_lock(self, db: Database) -> Iterator[None]:
        got = db.execute_sql("SELECT GET_LOCK(%s, 120)", (_LOCK_NAME,)).fetchone()[0]
        if got != 1:
            raise SchemaError("another didtui is upgrading this database: try again in a minute")
        try:
            yield
        finally:
            db.execute_sql("SELECT RELEASE_LOCK(%s)", (_LOCK_NAME,))

    def is_busy(self, exc: BaseException) -> bool:
        return False

    def import_running(self, db: Database) -> ImportNotice | None:
        """Servers lock rows, not the database: an import blocks nobody."""
        return None

    def max_params(self, db: Database) -> int:
        return self.param_limit

    def load(self, db: Database, table: str, columns: Sequence[str], rows: list[Sequence[Any]]) -> None:
        """executemany, which PyMySQL rewrites into multi-row INSERTs."""
        marks = ", ".join([db.param] * len(columns))
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
        db.cursor().executemany(sql, rows)

    def create_id_table(self, db: Database, name: str) -> None:
        db.execute_sql(f"CREATE TEMPORARY TABLE {name} (id BIGINT PRIMARY KEY)")

    def drop_id_table(self, db: Database, name: str) -> None:
        db.execute_sql(f"DROP TEMPORARY TABLE IF EXISTS {name}")

    def drop_temporary_table(self, db: Database, name: str) -> None:
        """DROP TEMPORARY TABLE: a plain DROP TABLE would commit the transaction."""
        db.execute_sql(f"DROP TEMPORARY TABLE IF EXISTS {name}")

    def upsert(self, query: peewee.Insert, conflict: Sequence[peewee.Field], update: dict[Any, Any]) -> peewee.Insert:
        return query.on_conflict(update=update)

    def analyze(self, db: Database, model: type[peewee.Model]) -> None:
        db.execute_sql(f"ANALYZE TABLE {model._meta.table_name}")

    def on_close(self, db: Database) -> None:
        """InnoDB keeps persistent statistics itself."""

    def use_small_cache(self, db: Database, kib: int) -> None:
        """The server's buffer pool serves every session."""

    def concat(self, *parts: Any) -> Any:
        return fn.CONCAT(*(Value(p) if isinstance(p, str) else p for p in parts))

    def concat_sql(self, *parts: str) -> str:
        return "CONCAT(" + ", ".join(parts) + ")"

    def timestamp_text(self, column: str) -> str:
        return f"CAST({column} AS CHAR)"

    def json_value(self, column: str, path: tuple[str | int, ...], sql_type: str) -> str:
        return f"JSON_VALUE({column}, '{_json_path(path)}')"

    def pin_index(self, sql: str, model: type[peewee.Model], index: str) -> str:
        target = f"FROM `{model._meta.table_name}` AS `t1`"
        return sql.replace(target, f"{target} FORCE INDEX (`{index}`)", 1)

    def pin_primary_key(self, sql: str, model: type[peewee.Model]) -> str:
        target = f"FROM `{model._meta.table_name}` AS `t1`"
        return sql.replace(target, f"{target} FORCE INDEX (PRIMARY)", 1)

    def stream_cursor(self, db: Database) -> Any:
        """PyMySQL's unbuffered cursor: the default one reads the whole result first."""
        # Imported here: an SQLite session never loads the server drivers (launch.py).
        import pymysql.cursors

        return db.connection().cursor(pymysql.cursors.SSCursor)


def _read_notice(path: Path) -> ImportNotice | None:
    """The import a notice file announces, unless it is this thread's own or its
    process is gone."""
    try:
        notice = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(notice, dict):
        return None
    pid = notice.get("pid")
    if notice.get("host") == socket.gethostname() and isinstance(pid, int):
        if pid == os.getpid():
            if notice.get("thread") == threading.get_ident():
                return None  # this very import
        else:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                with contextlib.suppress(OSError):
                    path.unlink()  # left by an import that was killed
                return None
            except PermissionError:
                pass
    try:
        started = _dt.datetime.fromisoformat(str(notice.get("started")))
    except ValueError:
        started = _dt.datetime(1970, 1, 1)
    return ImportNotice(str(notice.get("actor") or "someone"), started)


def _as_node(part: Any) -> Any:
    return Value(part) if isinstance(part, str) else part


_SQLITE, _POSTGRESQL, _MARIA = Dialect(), PostgresqlDialect(), MariaDialect()


def dialect(db: Database | None = None) -> Dialect:
    """The dialect of `db`, or of the database the models are bound to."""
    target = db if db is not None else database_proxy.obj
    if isinstance(target, peewee.PostgresqlDatabase):
        return _POSTGRESQL
    if isinstance(target, peewee.MySQLDatabase):
        return _MARIA
    return _SQLITE


def _json_path(path: tuple[str | int, ...]) -> str:
    """SQL/JSON path of keys and array positions: ("a", 0) -> $.a[0]."""
    return "$" + "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in path)
