"""Opening a profile's database: drivers, pragmas, schema versions and migrations.

The embedded SQLite default is created and upgraded on open. A shared server is upgraded
only by `didtui db upgrade` (under an advisory lock, so two people running it at once is
safe); opening a server with pending migrations is refused with the command to run.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import peewee
from playhouse.migrations import Runner
from playhouse.pool import PooledMySQLDatabase, PooledPostgresqlDatabase

from didtui.config import Numbering, Profile
from didtui.dialect import dialect
from didtui.errors import DatabaseBusy, DatabaseUnavailable, SchemaError
from didtui.models import database_proxy

MIGRATIONS_DIR = str(Path(__file__).with_name("migrations"))
MIGRATION_TABLE = "schema_migration"
STALE_AFTER = 300  # seconds: a pooled connection idle longer is closed rather than reused

_actor = {"name": "unknown"}


def current_actor() -> str:
    """The user recorded in history for changes made by this process."""
    return _actor["name"]


def set_actor(name: str) -> None:
    _actor["name"] = name


_numbering = {"current": Numbering()}


def current_numbering() -> Numbering:
    """How this process reads and shows numbers: the open profile's settings."""
    return _numbering["current"]


def set_numbering(numbering: Numbering) -> None:
    _numbering["current"] = numbering


class _Guarded:
    """Database mixin: driver failures a person can act on become the core's own errors
    (dialect.translate), and a ROLLBACK on a dead connection does not hide why the
    transaction failed (peewee's rollback would raise "the connection is closed")."""

    def execute_sql(self, sql: str, params: Any = None) -> Any:
        try:
            return super().execute_sql(sql, params)  # type: ignore[misc]
        except (peewee.DatabaseError, peewee.InterfaceError) as exc:
            translated = dialect(self).translate(exc)
            if translated is None:
                raise
            raise translated from exc

    def commit(self) -> Any:
        try:
            return super().commit()  # type: ignore[misc]
        except (peewee.DatabaseError, peewee.InterfaceError) as exc:
            translated = dialect(self).translate(exc, committing=True)
            if translated is None:
                raise
            raise translated from exc

    def rollback(self) -> Any:
        try:
            return super().rollback()  # type: ignore[misc]
        except (peewee.DatabaseError, peewee.InterfaceError) as exc:
            if dialect(self).is_connection_lost(exc):
                return None  # the server ended the transaction with the session
            raise


_wait_listener: list[Callable[[str], None]] = []


def set_wait_listener(listener: Callable[[str], None] | None) -> None:
    """Who to tell, from any thread, that a write waits for another session's import."""
    _wait_listener[:] = [listener] if listener is not None else []


def _tell_waiting(message: str) -> None:
    for listener in list(_wait_listener):
        try:
            listener(message)
        except Exception:  # noqa: BLE001 - telling is best effort; the wait goes on
            pass


class SqliteDatabase(_Guarded, peewee.SqliteDatabase):
    def begin(self, lock_type: str | None = None) -> None:
        """BEGIN IMMEDIATE that waits out another session's import instead of failing:
        while an import writes (dialect.import_running), each busy timeout that passes
        is retried, and the wait is announced (set_wait_listener)."""
        if (lock_type or getattr(self, "_lock_type", None) or "").upper() == "DEFERRED":
            return super().begin(lock_type)
        notice = dialect(self).import_running(self)
        if notice is not None:
            _tell_waiting(f"waiting for {notice}")
        while True:
            try:
                return super().begin(lock_type)
            except peewee.OperationalError as exc:
                if not dialect(self).is_busy(exc):
                    raise
                notice = dialect(self).import_running(self)
                if notice is None:
                    raise DatabaseBusy(
                        "the database is busy: another session held its write lock longer than the "
                        f"busy timeout ({self._busy_seconds:g} s); nothing was changed; try again"
                    ) from exc
                _tell_waiting(f"still waiting for {notice}")

    @property
    def _busy_seconds(self) -> float:
        return float(self.connect_params.get("timeout", 5))


class PostgresqlDatabase(_Guarded, peewee.PostgresqlDatabase):
    pass


class MySQLDatabase(_Guarded, peewee.MySQLDatabase):
    pass


class PooledPostgresql(_Guarded, PooledPostgresqlDatabase):
    pass


class PooledMySQL(_Guarded, PooledMySQLDatabase):
    pass


def make_database(profile: Profile, *, pooled: bool = False) -> peewee.Database:
    """The peewee database object for a profile, not yet connected.

    `pooled` (the app, whose background jobs each take a connection): a server profile
    gets a connection pool (playhouse.pool) capped at the profile's `pool_size`, so a job
    reuses a session instead of opening one (tests/bench/bench_pool.py measures both); a
    thread asking while all are in use waits up to `connect_timeout` for one. Otherwise
    (the CLI, scripts) `close()` really ends the session.
    """
    scheme = profile.scheme
    params = profile.connect_params()  # the URL's parts; the password from password_env or the URL
    if scheme == "sqlite":
        path = params.pop("database")
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        return SqliteDatabase(
            path,
            timeout=profile.busy_timeout,
            lock_type="IMMEDIATE",
            pragmas={
                "journal_mode": "wal",
                "foreign_keys": 1,
                "busy_timeout": int(profile.busy_timeout * 1000),
                "synchronous": "normal",
                "cache_size": -32_000,
            },
        )
    name = params.pop("database")
    pool = {
        "max_connections": max(1, profile.pool_size),
        "stale_timeout": STALE_AFTER,
        "timeout": max(1, int(profile.connect_timeout)),
    }
    params.setdefault("connect_timeout", int(profile.connect_timeout))
    if scheme in ("postgresql", "postgres"):
        return PooledPostgresql(name, **pool, **params) if pooled else PostgresqlDatabase(name, **params)
    params.setdefault("charset", "utf8mb4")
    return PooledMySQL(name, **pool, **params) if pooled else MySQLDatabase(name, **params)


def _where(profile: Profile) -> str:
    return profile.address


def open_unchecked(profile: Profile, *, pooled: bool = False) -> peewee.Database:
    """The profile's database, connected, without binding models or checking the schema."""
    try:
        db = make_database(profile, pooled=pooled)
    except ImportError as exc:
        raise DatabaseUnavailable(f"the driver for {profile.scheme} is not installed: {exc}") from None
    try:
        db.connect(reuse_if_open=True)
    except peewee.OperationalError as exc:
        raise DatabaseUnavailable(
            f"cannot reach the database of profile {profile.name!r} at {_where(profile)}: {_first_line(exc)}"
        ) from None
    except peewee.ImproperlyConfigured as exc:
        raise DatabaseUnavailable(f"the driver for {profile.scheme} is missing: {exc}") from None
    return db


def connect(profile: Profile, *, upgrade: bool | None = None, pooled: bool = False) -> peewee.Database:
    """Open the profile's database, bind the models to it and check its schema.

    `upgrade=None` upgrades SQLite automatically and refuses a server with pending
    migrations; True always upgrades; False never does (and refuses when pending).
    """
    db = open_unchecked(profile, pooled=pooled)
    database_proxy.initialize(db)
    set_actor(profile.user)
    set_numbering(profile.numbering)
    do_upgrade = (not profile.is_server) if upgrade is None else upgrade
    if do_upgrade:
        upgrade_schema(db, profile.numbering)
    else:
        pending = pending_migrations(db)
        if pending:
            raise SchemaError(
                f"the database of profile {profile.name!r} needs {len(pending)} schema "
                f"migration(s) ({', '.join(pending)}): run `didtui db upgrade --profile {profile.name}`"
            )
    return db


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or exc.__class__.__name__
    return text.splitlines()[0]


def pending_migrations(db: peewee.Database) -> list[str]:
    runner = Runner(db, MIGRATIONS_DIR, table_name=MIGRATION_TABLE)
    return [m.name for m in runner.status() if m.path and not m.applied]


def unreadable_numbers(db: peewee.Database, limit: int = 20) -> tuple[int, list[tuple[str, str]]]:
    """Numbers migration 0002 could not read (kept as they were): how many, and the first."""
    if "unreadable" not in {c.name for c in db.get_columns("did")}:
        return 0, []
    where = "FROM did WHERE unreadable <> ''"
    total = db.execute_sql(f"SELECT COUNT(*) {where}").fetchone()[0]
    rows = db.execute_sql(f"SELECT number, unreadable {where} ORDER BY number LIMIT {int(limit)}").fetchall()
    return total, [(number, why) for number, why in rows]


def upgrade_schema(db: peewee.Database, numbering: Numbering | None = None) -> list[str]:
    """Apply pending migrations under a lock that every didtui process shares.

    Migrations that read numbers (0002) find the profile's number settings on the
    migrator as `didtui_numbering` (country, level): they never import didtui itself.
    """
    settings = numbering or current_numbering()
    with dialect(db).migration_lock(db):
        runner = Runner(db, MIGRATIONS_DIR, table_name=MIGRATION_TABLE)
        runner.migrator.didtui_numbering = {"country": settings.country, "level": settings.level}
        return runner.up()


def backend(db: peewee.Database | None = None) -> str:
    """'sqlite', 'postgresql' or 'mysql', for tests and messages; code that behaves
    differently per backend asks the dialect (didtui/dialect.py) instead."""
    return dialect(db).name


READ_CACHE_KIB = 2_000


def use_small_cache() -> None:
    """For this thread's connection: a small SQLite page cache. Readers that count a
    million rows would otherwise each fill the profile's 32 MB cache, and the app's
    memory would grow with the inventory. Servers keep their own caches: no-op."""
    dialect().use_small_cache(database_proxy.obj, READ_CACHE_KIB)


def is_retryable(exc: BaseException) -> bool:
    """A server gave up on this transaction to break a lock cycle (dialect.is_retryable)."""
    return dialect().is_retryable(exc)


def close() -> None:
    db = database_proxy.obj
    if db is None:
        return
    if not db.is_closed():
        dialect(db).on_close(db)
        db.close()
    if isinstance(db, PooledPostgresqlDatabase | PooledMySQLDatabase):
        db.close_all()
