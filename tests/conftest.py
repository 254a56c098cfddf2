"""Shared fixtures: one clean database per test, on every backend.

`profile` is parametrised over sqlite, postgresql and mysql. Server databases are
created once per session (the URL may be overridden with $DIDTUI_TEST_PG_URL and
$DIDTUI_TEST_MYSQL_URL) and emptied before each test. A server that cannot be reached
skips its tests on a laptop, and fails them under CI=true.
"""
from __future__ import annotations

import os
from pathlib import Path

import peewee
import pytest

from didtui import db as dbmod
from didtui.config import Profile
from didtui.models import ALL_MODELS, database_proxy

PG_URL = os.environ.get("DIDTUI_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/didtui_test")
MYSQL_URL = os.environ.get("DIDTUI_TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306/didtui_test")
SERVER_URLS = {"postgresql": PG_URL, "mysql": MYSQL_URL}
BACKENDS = ["sqlite", "postgresql", "mysql"]
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

_reachable: dict[str, str | None] = {}


def _server_problem(kind: str) -> str | None:
    """None when the server's test database can be used, else why not."""
    if kind not in _reachable:
        profile = Profile(name=f"test-{kind}", database=SERVER_URLS[kind], user="tester")
        try:
            database = dbmod.open_unchecked(profile)
            dbmod.upgrade_schema(database)
            database.close()
            _reachable[kind] = None
        except Exception as exc:  # noqa: BLE001 - any failure means "not usable here"
            _reachable[kind] = f"{kind} test database unusable: {exc}"
    return _reachable[kind]


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
