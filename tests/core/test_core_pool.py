"""Server profiles: background jobs take pooled connections, never more than pool_size."""

from __future__ import annotations

import threading
import time

import pytest
from conftest import make_profile

from didtui import db as dbmod
from didtui.core import session
from didtui.models import database_proxy


@pytest.fixture(params=["postgresql", "mysql"])
def server(request, tmp_path):
    profile = make_profile(request.param, tmp_path, pool_size=2)
    database = dbmod.connect(profile, upgrade=True, pooled=True)
    yield database
    dbmod.close()


def _session_id() -> int:
    sql = "SELECT pg_backend_pid()" if dbmod.backend() == "postgresql" else "SELECT CONNECTION_ID()"
    return database_proxy.execute_sql(sql).fetchone()[0]


def test_jobs_reuse_a_pooled_server_session(server) -> None:
    server.close()  # the main thread's connection back to the pool
    seen = []

    def job() -> None:
        with session.job_connection():
            seen.append(_session_id())

    for _ in range(3):
        thread = threading.Thread(target=job)
        thread.start()
        thread.join(10)
    assert len(seen) == 3 and len(set(seen)) == 1, "each job opened a new server session"


def test_the_cli_closes_its_server_session_for_real(tmp_path, server) -> None:
    """Without `pooled` (the CLI, scripts), close() ends the session, so a script can drop
    or copy the database right after."""
    profile = make_profile(dbmod.backend(server), tmp_path)
    plain = dbmod.open_unchecked(profile)
    assert not isinstance(plain, type(server))
    plain.close()
    assert plain.is_closed()


def test_a_job_beyond_pool_size_waits_for_a_free_connection(server) -> None:
    """pool_size 2: the app's own connection and one job; a second job waits, then runs."""
    held = threading.Event()
    release = threading.Event()
    order: list[str] = []

    def first() -> None:
        with session.job_connection():
            _session_id()
            held.set()
            release.wait(10)
            order.append("first done")

    def second() -> None:
        with session.job_connection():
            order.append("second ran")

    a = threading.Thread(target=first)
    a.start()
    assert held.wait(10)
    b = threading.Thread(target=second)
    b.start()
    time.sleep(0.5)
    assert order == []  # waiting for a connection, not failing
    release.set()
    a.join(10)
    b.join(10)
    assert order == ["first done", "second ran"]
