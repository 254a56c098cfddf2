"""The dialect: what differs per backend, exercised on each."""

from __future__ import annotations

import os

import peewee

from didtui.config import Profile
from didtui.core import operators
from didtui.dialect import dialect
from didtui.models import DID, Operator, Reseller, database_proxy


def test_upsert_inserts_then_updates_by_the_unique_key(profile: Profile) -> None:
    north = Reseller.create(name="North")
    query = Operator.insert(name="Telia", reseller=None)
    dialect().upsert(query, [Operator.name], {Operator.reseller: north.id}).execute()
    again = Operator.insert(name="Telia", reseller=north.id)
    dialect().upsert(again, [Operator.name], {Operator.reseller: north.id}).execute()
    assert Operator.select().count() == 1
    assert Operator.get(Operator.name == "Telia").reseller_id == north.id


def test_statistics_concat_and_locking_run_on_every_backend(profile: Profile) -> None:
    operators.create_operator("Colt")
    dialect().analyze(database_proxy.obj, DID)
    value = Operator.select(dialect().concat("<", Operator.name, ">")).scalar()
    assert value == "<Colt>"
    with database_proxy.atomic():
        assert [o.name for o in dialect().lock(Operator.select(), skip_locked=True)] == ["Colt"]


def test_retryable_and_lost_connection_errors_are_recognised() -> None:
    d = dialect(peewee.MySQLDatabase("x"))
    assert d.is_retryable(peewee.OperationalError(1213, "Deadlock found when trying to get lock"))
    assert d.is_retryable(peewee.OperationalError(1467, "Failed to read auto-increment value from storage engine"))
    assert not d.is_retryable(peewee.IntegrityError(1062, "Duplicate entry"))
    assert d.is_connection_lost(peewee.OperationalError(2013, "Lost connection to MySQL server during query"))
    assert d.is_connection_lost(peewee.InterfaceError(0, ""))
    pg = dialect(peewee.PostgresqlDatabase("x"))
    assert pg.is_retryable(peewee.OperationalError("deadlock detected"))
    assert pg.is_connection_lost(peewee.OperationalError("server closed the connection unexpectedly"))
    assert dialect(peewee.SqliteDatabase(":memory:")).is_busy(peewee.OperationalError("database is locked"))


def test_an_import_notice_names_the_importer_and_one_left_by_a_killed_import_is_dropped(tmp_path) -> None:
    import json
    import socket
    import subprocess

    db = peewee.SqliteDatabase(str(tmp_path / "x.db"))
    sqlite = dialect(db)
    assert sqlite.import_running(db) is None
    with sqlite.announce_import(db, "alice"):
        assert sqlite.import_running(db) is None  # this thread's own import
    dead = subprocess.Popen(["true"])
    dead.wait()
    left = tmp_path / "x.db-import-dead"
    left.write_text(
        json.dumps({"actor": "bob", "started": "2026-01-01T10:00:00", "host": socket.gethostname(), "pid": dead.pid})
    )
    assert sqlite.import_running(db) is None and not left.exists()
    other = tmp_path / "x.db-import-live"
    other.write_text(
        json.dumps(
            {"actor": "carol", "started": "2026-01-01T10:00:00", "host": socket.gethostname(), "pid": os.getppid()}
        )
    )
    notice = sqlite.import_running(db)
    assert notice is not None and str(notice) == "an import by carol (writing since 10:00:00 UTC)"
