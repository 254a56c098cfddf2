"""Migration 0002 from a database made by the previous schema (0001 only), on every
backend: numbers rewritten to E.164 under the profile's country, derived columns filled,
history followed, an unreadable number kept and listed, a collision stopping everything."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import peewee
import pytest
from click.testing import CliRunner
from playhouse.migrations import Runner
from test_core_schema import _admin

from didtui import db as dbmod
from didtui.cli import cli
from didtui.config import Numbering, Profile
from didtui.models import database_proxy

SCRATCH = f"didtui_mig2_test_{os.getpid()}"
GB = Numbering("GB", "valid", "international")


@pytest.fixture
def old_database(profile: Profile, backend_name: str, tmp_path: Path) -> Iterator[tuple[peewee.Database, str]]:
    """A fresh database at schema 0001 (the seed's), and its URL."""
    saved = database_proxy.obj
    if backend_name == "sqlite":
        url = f"sqlite:///{tmp_path / 'old.db'}"
    else:
        parts = urlsplit(profile.database)
        url = urlunsplit((parts.scheme, parts.netloc, "/" + SCRATCH, parts.query, parts.fragment))
        drop = f"DROP DATABASE IF EXISTS {SCRATCH}" + (" WITH (FORCE)" if backend_name == "postgresql" else "")
        _admin(profile.database, drop, f"CREATE DATABASE {SCRATCH}")
    old_dir = tmp_path / "migrations"
    old_dir.mkdir()
    shutil.copy(Path(dbmod.MIGRATIONS_DIR) / "0001_initial.py", old_dir)
    database = dbmod.open_unchecked(Profile(name="old", database=url, user="t"))
    Runner(database, str(old_dir), table_name=dbmod.MIGRATION_TABLE).up()
    yield database, url
    database.close()
    if saved is not None:
        database_proxy.initialize(saved)
    if backend_name != "sqlite":
        _admin(profile.database, drop)


def _insert(database: peewee.Database, *numbers: str) -> None:
    p = database.param
    for number in numbers:
        database.execute_sql(
            f"INSERT INTO did (number, status, tag, notes, after_hold, hold_days, created_at, updated_at, version) "
            f"VALUES ({p}, 'in_stock', '', '', 'in_stock', 30, '2026-01-01 00:00:00', '2026-01-01 00:00:00', 1)",
            (number,),
        )
        database.execute_sql(
            f"INSERT INTO event (at, actor, did_number, action, changes, batch) "
            f"VALUES ('2026-01-01 00:00:00', 'seed', {p}, 'create', '{{}}', 'b1')",
            (number,),
        )


def test_numbers_become_e164_with_country_type_place(old_database, tmp_path: Path) -> None:
    database, url = old_database
    _insert(database, "02079460000", "442079460001", "12015550123", "08001234567", "123", "07400123456")
    applied = dbmod.upgrade_schema(database, GB)
    assert applied[0] == "0002_numbers_e164"
    rows = {
        r[0]: r[1:]
        for r in database.execute_sql(
            "SELECT number, country, number_type, place, unreadable FROM did ORDER BY number"
        ).fetchall()
    }
    assert rows["442079460000"] == ("GB", "fixed", "London", "")
    assert rows["442079460001"] == ("GB", "fixed", "London", "")
    assert rows["12015550123"][:2] == ("US", "fixed-or-mobile")  # not GB: read as E.164
    assert rows["448001234567"][:2] == ("GB", "tollfree")
    assert rows["447400123456"][:2] == ("GB", "mobile")
    assert rows["123"][:3] == ("", "", "") and "kept as it was" in rows["123"][3]
    history = sorted(n for (n,) in database.execute_sql("SELECT did_number FROM event").fetchall())
    assert history == sorted(rows)
    config = tmp_path / "c.toml"
    config.write_text(f'[profiles.p]\ndatabase = "{url}"\nuser = "t"\ncountry = "GB"\n', encoding="utf-8")
    status = CliRunner().invoke(cli, ["--config", str(config), "db", "status"])
    assert status.exit_code == 0, status.output
    assert "1 numbers could not be read" in status.output and "  123: not a valid number for GB" in status.output


def test_two_numbers_that_become_one_stop_the_migration(old_database) -> None:
    database, _url = old_database
    _insert(database, "02079460005", "442079460005", "02079460006")
    with pytest.raises(Exception, match=r"02079460005 and 442079460005 are both \+442079460005") as err:
        dbmod.upgrade_schema(database, GB)
    assert "nothing was changed" in str(err.value)
    numbers = sorted(n for (n,) in database.execute_sql("SELECT number FROM did").fetchall())
    assert numbers == ["02079460005", "02079460006", "442079460005"]
    assert "country" not in {c.name for c in database.get_columns("did")}
    assert dbmod.pending_migrations(database)[0] == "0002_numbers_e164"
    database.execute_sql("DELETE FROM did WHERE number = '02079460005'")
    assert dbmod.upgrade_schema(database, GB)[0] == "0002_numbers_e164"
    numbers = sorted(n for (n,) in database.execute_sql("SELECT number FROM did").fetchall())
    assert numbers == ["442079460005", "442079460006"]


def test_the_digits_level_rewrites_nothing(old_database) -> None:
    database, _url = old_database
    _insert(database, "02079460000", "111")
    dbmod.upgrade_schema(database, Numbering("GB", "digits", "international"))
    rows = database.execute_sql("SELECT number, country, unreadable FROM did ORDER BY number").fetchall()
    assert [tuple(r) for r in rows] == [("02079460000", "", ""), ("111", "", "")]
