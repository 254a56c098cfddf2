"""Opening a profile's database: drivers, pragmas, schema versions and migrations.

The embedded SQLite default is created and upgraded on open. A shared server is upgraded
only by `didtui db upgrade` (under an advisory lock, so two people running it at once is
safe); opening a server with pending migrations is refused with the command to run.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import peewee
from playhouse.migrations import Runner

from didtui.config import Profile
from didtui.errors import DatabaseUnavailable, SchemaError
from didtui.models import database_proxy

MIGRATIONS_DIR = str(Path(__file__).with_name("migrations"))
MIGRATION_TABLE = "schema_migration"
_LOCK_NAME = "didtui_migrate"
_LOCK_KEY = 72_417_001  # pg_advisory_lock key: any constant shared by all didtui processes

_actor = {"name": "unknown"}


def current_actor() -> str:
    """The user recorded in history for changes made by this process."""
    return _actor["name"]


def set_actor(name: str) -> None:
    _actor["name"] = name


def make_database(profile: Profile) -> peewee.Database:
    """The peewee database object for a profile, not yet connected."""
    scheme = profile.scheme
    params = profile.connect_params()  # the URL's parts; the password from password_env or the URL
    if scheme == "sqlite":
        path = params.pop("database")
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        return peewee.SqliteDatabase(
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
    if scheme in ("postgresql", "postgres"):
        params.setdefault("connect_timeout", int(profile.connect_timeout))
        return peewee.PostgresqlDatabase(name, **params)
    params.setdefault("connect_timeout", int(profile.connect_timeout))
    params.setdefault("charset", "utf8mb4")
    return peewee.MySQLDatabase(name, **params)


def _where(profile: Profile) -> str:
    return profile.address


def open_unchecked(profile: Profile) -> peewee.Database:
    """The profile's database, connected, without binding models or checking the schema."""
    try:
        db = make_database(profile)
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


def connect(profile: Profile, *, upgrade: bool | None = None) -> peewee.Database:
    """Open the profile's database, bind the models to it and check its schema.

    `upgrade=None` upgrades SQLite automatically and refuses a server with pending
    migrations; True always upgrades; False never does (and refuses when pending).
    """
    db = open_unchecked(profile)
    database_proxy.initialize(db)
    set_actor(profile.user)
    do_upgrade = (not profile.is_server) if upgrade is None else upgrade
    if do_upgrade:
        upgrade_schema(db)
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


def upgrade_schema(db: peewee.Database) -> list[str]:
    """Apply pending migrations under a lock that every didtui process shares."""
    with _migration_lock(db):
        runner = Runner(db, MIGRATIONS_DIR, table_name=MIGRATION_TABLE)
        return runner.up()


@contextlib.contextmanager
def _migration_lock(db: peewee.Database) -> Iterator[None]:
    if isinstance(db, peewee.PostgresqlDatabase):
        db.execute_sql("SELECT pg_advisory_lock(%s)", (_LOCK_KEY,))
        try:
            yield
        finally:
            db.execute_sql("SELECT pg_advisory_unlock(%s)", (_LOCK_KEY,))
    elif isinstance(db, peewee.MySQLDatabase):
        got = db.execute_sql("SELECT GET_LOCK(%s, 120)", (_LOCK_NAME,)).fetchone()[0]
        if got != 1:
            raise SchemaError("another didtui is upgrading this database: try again in a minute")
        try:
            yield
        finally:
            db.execute_sql("SELECT RELEASE_LOCK(%s)", (_LOCK_NAME,))
    else:
        # SQLite: BEGIN IMMEDIATE takes the write lock; the runner's own transactions
        # nest inside as savepoints.
        with db.atomic():
            yield


def backend(db: peewee.Database | None = None) -> str:
    """'sqlite', 'postgresql' or 'mysql': the few places that differ ask this."""
    target = db or database_proxy.obj
    if isinstance(target, peewee.PostgresqlDatabase):
        return "postgresql"
    if isinstance(target, peewee.MySQLDatabase):
        return "mysql"
    return "sqlite"


READ_CACHE_KIB = 2_000


def use_small_cache() -> None:
    """For this thread's connection: a small SQLite page cache. Readers that count a
    million rows would otherwise each fill the profile's 32 MB cache, and the app's
    memory would grow with the inventory. Servers keep their own caches: no-op."""
    if backend() == "sqlite":
        database_proxy.execute_sql(f"PRAGMA cache_size = -{READ_CACHE_KIB}")


_RETRYABLE = ("deadlock", "lock wait timeout", "could not serialize", "1213", "1205", "40001", "40p01")


def is_retryable(exc: BaseException) -> bool:
    """A server gave up on this transaction to break a lock cycle: running it again is
    the documented remedy (InnoDB 1213/1205, PostgreSQL 40P01/40001)."""
    if not isinstance(exc, peewee.OperationalError | peewee.InternalError):
        return False
    text = f"{exc} {getattr(exc.__cause__, 'sqlstate', '') or ''}".lower()
    return any(marker in text for marker in _RETRYABLE)


def close() -> None:
    db = database_proxy.obj
    if db is not None and not db.is_closed():
        if backend(db) == "sqlite":
            # SQLite's advice: keeps planner statistics fresh as the inventory grows.
            try:
                db.execute_sql("PRAGMA optimize")
            except peewee.DatabaseError:
                pass
        db.close()
