"""Shared fixtures: one clean database per test, on every backend.

`profile` is parametrised over sqlite, postgresql and mysql. Each pytest run creates
its own server databases (didtui_test_<pid>, dropped at the end), so that several runs
on one machine never empty each other's tables; $DIDTUI_TEST_PG_URL and
$DIDTUI_TEST_MYSQL_URL name fixed databases instead. Tables are emptied before each
test. A server that cannot be reached skips its tests on a laptop, and fails them under
CI=true.
"""

from __future__ import annotations

import os
from pathlib import Path

import peewee
import pytest

from didtui import db as dbmod
from didtui.config import Profile
from didtui.models import ALL_MODELS, database_proxy

RUN_DB = f"didtui_test_{os.getpid()}"
PG_URL = os.environ.get("DIDTUI_TEST_PG_URL") or f"postgresql://postgres@127.0.0.1:5432/{RUN_DB}"
MYSQL_URL = os.environ.get("DIDTUI_TEST_MYSQL_URL") or f"mysql://root@127.0.0.1:3306/{RUN_DB}"
SERVER_URLS = {"postgresql": PG_URL, "mysql": MYSQL_URL}
_OWN_DATABASES = {
    kind: not os.environ.get(var)
    for kind, var in (("postgresql", "DIDTUI_TEST_PG_URL"), ("mysql", "DIDTUI_TEST_MYSQL_URL"))
}
BACKENDS = ["sqlite", "postgresql", "mysql"]
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

_reachable: dict[str, str | None] = {}


def _server_problem(kind: str) -> str | None:
    """None when the server's test database can be used, else why not."""
    if kind not in _reachable:
        profile = Profile(name=f"test-{kind}", database=SERVER_URLS[kind], user="tester")
        try:
            if _OWN_DATABASES[kind]:
                charset = " CHARACTER SET utf8mb4" if kind == "mysql" else ""
                _admin(kind, f"CREATE DATABASE {RUN_DB}{charset}")
                _created.append(kind)
            database = dbmod.open_unchecked(profile)
            dbmod.upgrade_schema(database)
            database.close()
            _reachable[kind] = None
        except Exception as exc:  # noqa: BLE001 - any failure means "not usable here"
            _reachable[kind] = f"{kind} test database unusable: {exc}"
    return _reachable[kind]


_created: list[str] = []


def _admin(kind: str, statement: str) -> None:
    """Run one statement on the server outside any test database (CREATE/DROP DATABASE)."""
    if kind == "postgresql":
        import psycopg

        with psycopg.connect(
            host="127.0.0.1", port=5432, user="postgres", dbname="postgres", autocommit=True, connect_timeout=5
        ) as conn:
            conn.execute(statement)
    else:
        import pymysql

        conn = pymysql.connect(
            host="127.0.0.1", port=3306, user="root", password="", autocommit=True, connect_timeout=5
        )
        try:
            with conn.cursor() as cur:
                cur.execute(statement)
        finally:
            conn.close()


def pytest_sessionfinish(session, exitstatus) -> None:
    """Drop the databases this run created."""
    db = database_proxy.obj
    if db is not None and not db.is_closed():
        db.close()
    for kind in _created:
        force = " WITH (FORCE)" if kind == "postgresql" else ""
        try:
            _admin(kind, f"DROP DATABASE IF EXISTS {RUN_DB}{force}")
        except Exception:  # noqa: BLE001 - a leftover test database is harmless
            pass


def make_profile(kind: str, tmp_path: Path, **options) -> Profile:
    if kind == "sqlite":
        url = f"sqlite:///{tmp_path / 'didtui-test.db'}"
    else:
        problem = _server_problem(kind)
        if problem:
            if IN_CI:
                pytest.fail(problem + " (CI=true: servers are required)")
            pytest.skip(problem)
        url = SERVER_URLS[kind]
    options.setdefault("user", "tester")
    # The seed's tests write bare digits (`111-222`, 1555...): the digits level reads them
    # as it did. Number-reading tests pass numbers="valid" and a country.
    options.setdefault("numbers", "digits")
    return Profile(name=f"test-{kind}", database=url, **options)


def empty_tables(database: peewee.Database) -> None:
    kind = dbmod.backend(database)
    names = [m._meta.table_name for m in ALL_MODELS]
    if kind == "postgresql":
        database.execute_sql(f"TRUNCATE {', '.join(names)} RESTART IDENTITY CASCADE")
    elif kind == "mysql":
        database.execute_sql("SET FOREIGN_KEY_CHECKS = 0")
        for name in names:
            database.execute_sql(f"TRUNCATE TABLE {name}")
        database.execute_sql("SET FOREIGN_KEY_CHECKS = 1")


@pytest.fixture(params=BACKENDS)
def backend_name(request) -> str:
    return request.param


@pytest.fixture
def profile(backend_name: str, tmp_path: Path) -> Profile:
    """A connected, empty database on each backend; models are bound to it."""
    prof = make_profile(backend_name, tmp_path)
    database = dbmod.connect(prof, upgrade=True)
    empty_tables(database)
    yield prof
    database.close()


@pytest.fixture
def sqlite_profile(tmp_path: Path) -> Profile:
    """A connected, empty SQLite file database (thread workers cannot share :memory:)."""
    prof = make_profile("sqlite", tmp_path)
    database = dbmod.connect(prof)
    yield prof
    database.close()


def bound_database() -> peewee.Database:
    return database_proxy.obj
