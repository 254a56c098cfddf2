"""The dialect: what differs per backend, exercised on each."""

from __future__ import annotations

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
