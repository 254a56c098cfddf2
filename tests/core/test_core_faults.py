"""A connection lost mid-operation: the core says so in its own words, and nothing is half-written."""

from __future__ import annotations

import pytest
from conftest import _admin
from core_helpers import span

from didtui import db as dbmod
from didtui.config import Profile
from didtui.core import filters, inventory
from didtui.core.filters import DIDFilter
from didtui.errors import ConnectionLost, InputError
from didtui.models import DID, database_proxy


def _own_session_id() -> int:
    if dbmod.backend() == "postgresql":
        return database_proxy.execute_sql("SELECT pg_backend_pid()").fetchone()[0]
    return database_proxy.execute_sql("SELECT CONNECTION_ID()").fetchone()[0]


def _kill(kind: str, session_id: int) -> None:
    if kind == "postgresql":
        _admin(kind, f"SELECT pg_terminate_backend({int(session_id)})")
    else:
        _admin(kind, f"KILL {int(session_id)}")


@pytest.mark.parametrize("pooled", [False, True], ids=["cli", "app-pool"])
def test_a_connection_killed_during_create_dids_raises_connection_lost_and_writes_nothing(
    profile: Profile, pooled: bool
) -> None:
    kind = dbmod.backend()
    if kind == "sqlite":
        pytest.skip("an embedded database has no connection to lose")
    if pooled:
        database_proxy.obj.close()
        dbmod.connect(profile, pooled=True)
    session_id = _own_session_id()
    killed: list[int] = []

    def progress(done: int, total: int) -> None:
        if not killed:  # after the first chunk is written, inside the transaction
            _kill(kind, session_id)
            killed.append(done)

    with pytest.raises(ConnectionLost, match="connection to the database was lost") as caught:
        inventory.create_dids([span(15550000000, 60_000)], progress=progress)
    assert "try again" in str(caught.value)
    assert "connection is closed" not in str(caught.value)
    assert killed
    # A fresh connection from the pool (the dead one is discarded): nothing was written.
    database_proxy.obj.close()
    database_proxy.obj.connect()
    assert DID.select().count() == 0
    if pooled:
        dbmod.close()


def test_a_read_on_a_killed_connection_raises_connection_lost(profile: Profile) -> None:
    kind = dbmod.backend()
    if kind == "sqlite":
        pytest.skip("an embedded database has no connection to lose")
    inventory.create_dids([span(15550000000, 10)])
    _kill(kind, _own_session_id())
    with pytest.raises(ConnectionLost):
        filters.count(DIDFilter())
    database_proxy.obj.close()
    database_proxy.obj.connect()
    assert filters.count(DIDFilter()) == 10


def test_a_nul_in_a_filter_value_is_an_input_error_on_every_backend(profile: Profile) -> None:
    inventory.create_dids([span(15550000000, 3)], tag="gold")
    try:
        assert filters.count(DIDFilter(tag="go\x00ld")) == 0
    except InputError as exc:
        assert "NUL" in str(exc)
