"""The faces' handle on the database: open a profile, run a job on a thread's connection,
close, and say what a database failure means in one line.

The TUI runs every job through here (tui/work.py), so it needs neither peewee nor db.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import peewee

from didtui import db as dbmod
from didtui.config import Profile
from didtui.errors import DidtuiError
from didtui.models import database_proxy


def open_profile(profile: Profile) -> None:
    """Connect to the profile's database (upgrading an embedded SQLite file), with a
    pool of server connections for the app's background jobs (db.make_database)."""
    dbmod.connect(profile, pooled=True)


def close() -> None:
    dbmod.set_wait_listener(None)
    dbmod.close()


def on_wait(listener: Callable[[str], None] | None) -> None:
    """`listener(message)` is called, from the job's thread, when a write waits for
    another session's import (SQLite: "waiting for an import by X ...")."""
    dbmod.set_wait_listener(listener)


@contextmanager
def job_connection(*, read_only: bool = False) -> Iterator[None]:
    """This thread's connection for one job; `read_only` jobs get a small SQLite page cache
    so a count over a million rows does not grow the app's memory (db.use_small_cache)."""
    with database_proxy.connection_context():
        if read_only:
            dbmod.use_small_cache()
        yield


def failure_message(exc: BaseException) -> str:
    """What to tell a person about a failure: core messages as they are."""
    if isinstance(exc, DidtuiError):
        return str(exc)
    if isinstance(exc, peewee.DatabaseError):
        first = (str(exc).strip().splitlines() or [exc.__class__.__name__])[0]
        return f"database error: {first} (nothing was changed; try again)"
    return f"unexpected error: {exc.__class__.__name__}: {exc}"


def failure_kind(exc: BaseException) -> str | None:
    """ "conflict" for a transaction a server aborted to break a lock cycle (a lost race:
    running it again is the remedy), "database" for any other database failure, None
    for failures that are not the database's."""
    if not isinstance(exc, peewee.DatabaseError):
        return None
    return "conflict" if dbmod.is_retryable(exc) else "database"
