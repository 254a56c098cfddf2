"""Schema versions: SQLite upgraded on open, servers refused until `didtui db upgrade`,
which is safe from several processes at once; and the core's import graph."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from click.testing import CliRunner
from core_workers import run_all, upgrade_worker

from didtui import db as dbmod
from didtui.cli import cli
from didtui.config import Profile
from didtui.errors import SchemaError
from didtui.models import ALL_MODELS, database_proxy

# Every migration the package ships, in order: the lists the commands print.
MIGRATIONS = sorted(p.stem for p in Path(dbmod.MIGRATIONS_DIR).glob("[0-9][0-9][0-9][0-9]_*.py"))
SCRATCH = f"didtui_mig_test_{os.getpid()}"  # per run: concurrent runs never share it
ROOT = Path(__file__).resolve().parents[2]


def _core_modules() -> list[str]:
    """didtui.models/db/config and every module under didtui/core, as committed.

    Files git does not track yet are someone's work in progress in a shared tree; in a
    clean checkout (CI) every file is tracked, so nothing is left out there.
    """
    files = [ROOT / "didtui" / n for n in ("models.py", "db.py", "config.py")]
    listed = subprocess.run(["git", "ls-files", "didtui/core"], cwd=ROOT, capture_output=True, text=True)
    if listed.returncode == 0 and listed.stdout.strip():
        files += [ROOT / line for line in listed.stdout.split() if line.endswith(".py")]
    else:
        files += sorted((ROOT / "didtui" / "core").rglob("*.py"))
    names = []
    for path in files:
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names.append(".".join(parts))
    return names


def test_core_imports_neither_textual_nor_click() -> None:
    modules = _core_modules()
    assert "didtui.core.inventory" in modules and "didtui.db" in modules
    code = f"""
import importlib, sys
for name in {modules!r}:
    importlib.import_module(name)
bad = sorted(m for m in sys.modules if m.split(".")[0] in ("textual", "click"))
print(" ".join(bad))
"""
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "", f"the core imports {out.stdout.strip()}"


def test_sqlite_is_created_and_upgraded_on_open(tmp_path: Path) -> None:
    path = tmp_path / "new" / "didtui.db"
    profile = Profile(name="fresh", database=f"sqlite:///{path}", user="tester")
    saved = database_proxy.obj
    try:
        database = dbmod.connect(profile)
        assert path.is_file()
        assert dbmod.pending_migrations(database) == []
        assert set(database.get_tables()) >= {m._meta.table_name for m in ALL_MODELS}
        assert database.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert database.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
        database.close()
    finally:
        if saved is not None:
            database_proxy.initialize(saved)


def _server_admin(url: str):
    parts = urlsplit(url)
    if parts.scheme.startswith("postgres"):
        import psycopg

        return psycopg.connect(
            host=parts.hostname,
            port=parts.port or 5432,
            user=parts.username,
            password=parts.password,
            dbname="postgres",
            autocommit=True,
        )
    import pymysql

    return pymysql.connect(
        host=parts.hostname,
        port=parts.port or 3306,
        user=parts.username,
        password=parts.password or "",
        autocommit=True,
    )


@pytest.fixture
def scratch_url(profile: Profile, backend_name: str) -> Iterator[str]:
    """A fresh, empty server database (dropped and recreated) beside the test database
    (whose fixture skips, or under CI fails, when the server is unreachable)."""
    if backend_name == "sqlite":
        pytest.skip("server schemas only")
    base = profile.database
    parts = urlsplit(base)
    url = urlunsplit((parts.scheme, parts.netloc, "/" + SCRATCH, parts.query, parts.fragment))
    drop = f"DROP DATABASE IF EXISTS {SCRATCH}" + (" WITH (FORCE)" if backend_name == "postgresql" else "")
    _admin(base, drop, f"CREATE DATABASE {SCRATCH}")
    saved = database_proxy.obj
    yield url
    if saved is not None:
        database_proxy.initialize(saved)
    _admin(base, drop)


def _admin(url: str, *statements: str) -> None:
    admin = _server_admin(url)
    try:
        with admin.cursor() as cur:
            for statement in statements:
                cur.execute(statement)
    finally:
        admin.close()


def _config(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "mig.toml"
    path.write_text(f'[profiles.shared]\ndatabase = "{url}"\nuser = "tester"\n', encoding="utf-8")
    return path


def test_server_with_pending_migrations_is_refused_with_the_command(scratch_url: str, tmp_path: Path) -> None:
    profile = Profile(name="shared", database=scratch_url, user="tester")
    with pytest.raises(SchemaError) as err:
        dbmod.connect(profile)
    assert f"needs {len(MIGRATIONS)} schema migration(s) ({', '.join(MIGRATIONS)})" in str(err.value)
    assert "run `didtui db upgrade --profile shared`" in str(err.value)
    config = _config(tmp_path, scratch_url)
    runner = CliRunner()
    result = runner.invoke(cli, ["--config", str(config), "--sweep"])
    assert result.exit_code == 2 and "didtui db upgrade --profile shared" in result.output
    status = runner.invoke(cli, ["--config", str(config), "db", "status"])
    assert status.exit_code == 0 and status.output.strip() == "pending: " + ", ".join(MIGRATIONS)
    database = dbmod.open_unchecked(profile)
    assert database.get_tables() == ["schema_migration"] or database.get_tables() == []
    database.close()


def test_db_upgrade_from_four_processes_at_once(scratch_url: str, tmp_path: Path) -> None:
    config = _config(tmp_path, scratch_url)
    reports = run_all(upgrade_worker, [(str(config), i) for i in range(4)])
    problems = [r for r in reports if r["error"] or r["exit"] != 0]
    assert not problems, problems
    outputs = sorted(r["output"].strip() for r in reports)
    assert outputs.count("applied " + ", ".join(MIGRATIONS)) == 1, outputs
    assert outputs.count("the schema is up to date") == 3, outputs
    profile = Profile(name="shared", database=scratch_url, user="tester")
    database = dbmod.connect(profile)  # no longer refused
    assert dbmod.pending_migrations(database) == []
    assert set(database.get_tables()) >= {m._meta.table_name for m in ALL_MODELS}
    database.close()


def _schema(database) -> dict[str, tuple[set, set]]:
    """Each table's columns (name, type, null) and indexes (columns, unique)."""
    out = {}
    for table in database.get_tables():
        if table == dbmod.MIGRATION_TABLE:
            continue
        cols = {(c.name, c.data_type.lower(), c.null) for c in database.get_columns(table)}
        idx = {(tuple(i.columns), i.unique) for i in database.get_indexes(table)}
        out[table] = (cols, idx)
    return out


def _schema_by_models(url: str):
    import peewee
    from playhouse.db_url import connect

    database = connect(url)
    with database.bind_ctx(ALL_MODELS):
        database.create_tables(ALL_MODELS)
    try:
        return _schema(database)
    finally:
        with database.bind_ctx(ALL_MODELS):
            database.drop_tables(list(reversed(ALL_MODELS)))
        database.close()
        assert isinstance(database, peewee.Database)


def test_the_migrations_build_exactly_the_models_schema_on_sqlite(tmp_path: Path) -> None:
    saved = database_proxy.obj
    try:
        migrated = dbmod.open_unchecked(Profile(name="m", database=f"sqlite:///{tmp_path / 'm.db'}", user="t"))
        dbmod.upgrade_schema(migrated)
        by_migrations = _schema(migrated)
        migrated.close()
    finally:
        if saved is not None:
            database_proxy.initialize(saved)
    assert by_migrations == _schema_by_models(f"sqlite:///{tmp_path / 'models.db'}")


def test_the_migrations_build_exactly_the_models_schema_on_servers(scratch_url: str) -> None:
    migrated = dbmod.open_unchecked(Profile(name="m", database=scratch_url, user="t"))
    dbmod.upgrade_schema(migrated)
    by_migrations = _schema(migrated)
    migrated.close()
    assert by_migrations == _schema_by_models(scratch_url)
