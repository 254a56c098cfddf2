"""Operators, clients, packages, client packages, picking, release, sweep and history."""

from __future__ import annotations

import datetime as _dt
import json

import pytest
from core_helpers import age_holds, assert_invariants, create, did, events, ids_of, make_world, statuses

from didtui.config import Profile
from didtui.core import filters, history, inventory, operators, retail, sweep
from didtui.core.filters import DIDFilter, Selection
from didtui.errors import AlreadyExists, InputError, NotFound, RuleViolation
from didtui.models import DID, Event, utcnow

# ---- operators --------------------------------------------------------------------------


def test_operator_create_rename_and_duplicates(profile: Profile) -> None:
    op = operators.create_operator(" Telia ")
    assert op.name == "Telia"
    with pytest.raises(AlreadyExists, match="'Telia' already exists"):
        operators.create_operator("Telia")
    with pytest.raises(InputError, match="needs a name"):
        operators.create_operator("  ")
    with pytest.raises(NotFound, match="reseller #42"):
        operators.create_operator("Colt", reseller_id=42)
    other = operators.create_operator("Colt")
    assert operators.rename_operator(op.id, "Telia Carrier").name == "Telia Carrier"
    with pytest.raises(NotFound, match="reseller #42 does not exist"):
        operators.update_operator(op.id, reseller_id=42)
    res = retail.create_reseller("Northwind")
    assert operators.update_operator(op.id, reseller_id=res.id).reseller_id == res.id
    assert operators.update_operator(op.id, reseller_id=None).reseller_id is None
    with pytest.raises(AlreadyExists):
        operators.rename_operator(other.id, "Telia Carrier")
    assert [o.name for o in operators.list_operators()] == ["Colt", "Telia Carrier"]


def test_operator_list_counts_by_status(profile: Profile) -> None:
    world = make_world()
    empty = operators.create_operator("Empty")
    create("100-109", operator_id=world.operator_id, tag="gold")
    create("200-202", operator_id=world.operator_id, status="reserved")
    create("300", status="blocked")  # no operator: counted nowhere
    retail.pick(world.cp_id, 2)
    rows = {r.name: r for r in operators.list_operators()}
    assert rows["Telia"].by_status == {"in_stock": 8, "active": 2, "reserved": 3}
    assert rows["Telia"].did_count == 13
    assert rows["Telia"].reseller == "Northwind"
    assert rows["Empty"].by_status == {} and rows["Empty"].did_count == 0
    assert rows["Empty"].id == empty.id


def test_operator_delete_refused_while_it_owns_dids(profile: Profile) -> None:
    telia = operators.create_operator("Telia")
    colt = operators.create_operator("Colt")
    create("100-104", operator_id=telia.id)
    with pytest.raises(RuleViolation, match="Telia owns 5 DIDs.*nothing was deleted"):
        operators.delete_operator(telia.id)
    with pytest.raises(InputError):
        operators.delete_operator(telia.id, move_to=telia.id)
    with pytest.raises(NotFound):
        operators.delete_operator(telia.id, move_to=999)
    assert {o.name for o in operators.list_operators()} == {"Telia", "Colt"}
    assert operators.delete_operator(telia.id, move_to=colt.id) == 5
    assert {o.name for o in operators.list_operators()} == {"Colt"}
    assert DID.select().where(DID.operator == colt.id).count() == 5
    moved = events(action="edit")
    assert len(moved) == 5 and len({e.batch for e in moved}) == 1
    assert json.loads(moved[0].changes) == {"operator": ["Telia", "Colt"]}
    empty = operators.create_operator("Empty")
    assert operators.delete_operator(empty.id) == 0
    with pytest.raises(NotFound):
        operators.delete_operator(empty.id)


# ---- clients, accounts, packages --------------------------------------------------------


def test_clients_accounts_packages(profile: Profile) -> None:
    res = retail.create_reseller("Northwind")
    with pytest.raises(AlreadyExists):
        retail.create_reseller("Northwind")
    acme = retail.create_client("ACME", res.id)
    with pytest.raises(AlreadyExists):
        retail.create_client("ACME")
    retail.create_account(acme.id, "main")
    with pytest.raises(AlreadyExists, match="already has an account named 'main'"):
        retail.create_account(acme.id, "main")
    with pytest.raises(NotFound, match="reseller #999 does not exist"):
        retail.create_client("Initech", 999)
    globex = retail.create_client("Globex")
    retail.create_account(globex.id, "main")  # account names are unique per client only
    with pytest.raises(NotFound):
        retail.create_account(999, "x")
    assert [(a.client, a.name, a.reseller) for a in retail.list_accounts()] == [
        ("ACME", "main", "Northwind"),
        ("Globex", "main", ""),
    ]

    pkg = retail.create_package("City", "london; berlin, london", 15)
    assert pkg.tag_list == ["london", "berlin"]
    with pytest.raises(InputError, match="at least one tag"):
        retail.create_package("Empty", " , ", 5)
    with pytest.raises(InputError, match="from 1 to"):
        retail.create_package("Zero", "gold", 0)
    with pytest.raises(AlreadyExists):
        retail.create_package("City", "gold", 5)
    updated = retail.update_package(pkg.id, name="Cities", tags="paris", allowed_dids=3)
    assert (updated.name, updated.tag_list, updated.allowed_dids) == ("Cities", ["paris"], 3)
    assert [(p.name, p.tags, p.allowed_dids, p.client_packages) for p in retail.list_packages()] == [
        ("Cities", ["paris"], 3, 0)
    ]


def test_package_allowance_cannot_go_below_use_and_assigned_package_kept(profile: Profile) -> None:
    world = make_world(allowed=5)
    create("100-109", tag="gold")
    retail.pick(world.cp_id, 3)
    with pytest.raises(RuleViolation, match="already holds 3 DIDs"):
        retail.update_package(world.package_id, allowed_dids=2)
    assert retail.update_package(world.package_id, allowed_dids=3).allowed_dids == 3
    with pytest.raises(RuleViolation, match="assigned to client accounts"):
        retail.delete_package(world.package_id)


def test_client_with_first_account_is_both_or_neither(profile: Profile) -> None:
    client = retail.create_client("Globex", account="main")
    assert [(a.client, a.name) for a in retail.list_accounts(client.id)] == [("Globex", "main")]
    with pytest.raises(InputError):
        retail.create_client("Initech", account="x" * 101)
    assert [c.name for c in retail.list_clients()] == ["Globex"]


def test_client_packages_list_usage(profile: Profile) -> None:
    world = make_world(allowed=5)
    create("100-109", tag="gold")
    retail.pick(world.cp_id, 2)
    (row,) = retail.list_client_packages(world.account_id)
    assert (row.client, row.account, row.package, row.used, row.remaining, row.active) == (
        "ACME",
        "main",
        "Gold 5",
        2,
        3,
        True,
    )
    with pytest.raises(NotFound):
        retail.assign_package(999, world.package_id)
    with pytest.raises(NotFound):
        retail.assign_package(world.account_id, 999)
    assert {a.name: a.active_dids for a in retail.list_accounts()} == {"main": 2, "support": 0}


# ---- pick -------------------------------------------------------------------------------


def test_pick_by_count_takes_in_stock_dids_with_a_package_tag(profile: Profile) -> None:
    world = make_world(allowed=5, tags="gold,platinum")
    create("100-101", tag="silver")
    create("102", tag="gold", status="reserved")
    create("103-104", tag="gold")
    create("105", tag="platinum")
    create("106-110", tag="gold")
    picked = retail.pick(world.cp_id, 4)
    assert picked == ["103", "104", "105", "106"]
    for number in picked:
        d = did(number)
        assert (d.status, d.client_package_id, d.hold_until) == ("active", world.cp_id, None)
    assert did("100").status == "in_stock" and did("102").status == "reserved"
    evs = events(action="pick")
    assert sorted(e.did_number for e in evs) == picked and len({e.batch for e in evs}) == 1
    assert json.loads(evs[0].changes) == {"status": ["in_stock", "active"], "client": [None, "ACME/main"]}
    assert_invariants()


def test_pick_never_beyond_allowed_dids(profile: Profile) -> None:
    world = make_world(allowed=5)
    create("100-119", tag="gold")
    retail.pick(world.cp_id, 4)
    with pytest.raises(RuleViolation) as err:
        retail.pick(world.cp_id, 2)
    assert str(err.value) == "package Gold 5 allows 5 DIDs for ACME/main: 4 used, 1 left, 2 asked"
    assert retail.pick(world.cp_id, 1) == ["104"]
    with pytest.raises(RuleViolation, match="0 left, 1 asked"):
        retail.pick(world.cp_id, numbers=["110"])
    # The allowance is per client package: the other account has its own.
    assert len(retail.pick(world.other_cp_id, 5)) == 5
    # DIDs on Hold still waiting to come back count against the allowance.
    retail.deactivate(world.cp_id)
    retail.activate(world.cp_id)
    with pytest.raises(RuleViolation, match="5 used, 0 left"):
        retail.pick(world.cp_id, 1)
    assert DID.select().where(DID.status == "active").count() == 10
    assert_invariants()


def test_pick_refusals_pick_nothing(profile: Profile) -> None:
    world = make_world(allowed=5)
    create("100-101", tag="gold")
    create("200", tag="silver")
    create("300", tag="gold", status="blocked")
    with pytest.raises(
        RuleViolation, match="only 2 In Stock DIDs with tag gold or platinum are free: 3 asked; nothing was picked"
    ):
        retail.pick(world.cp_id, 3)
    with pytest.raises(RuleViolation, match="DID 200 has tag silver: this package takes gold, platinum"):
        retail.pick(world.cp_id, numbers=["100", "200"])
    with pytest.raises(RuleViolation, match="DID 300 is Blocked, not In Stock"):
        retail.pick(world.cp_id, numbers=["300"])
    with pytest.raises(RuleViolation, match="DID 999 does not exist"):
        retail.pick(world.cp_id, numbers=["999"])
    with pytest.raises(InputError):
        retail.pick(world.cp_id, 0)
    with pytest.raises(InputError):
        retail.pick(world.cp_id)
    with pytest.raises(InputError):
        retail.pick(world.cp_id, 1, numbers=["100"])
    with pytest.raises(InputError, match="'12x'"):
        retail.pick(world.cp_id, numbers=["12x"])
    with pytest.raises(InputError, match="100 is given twice"):
        retail.pick(world.cp_id, numbers=["+100", "100"])
    with pytest.raises(NotFound):
        retail.pick(999, 1)
    assert set(statuses().values()) == {"in_stock", "blocked"}
    assert events(action="pick") == []
    retail.deactivate(world.cp_id)
    with pytest.raises(RuleViolation, match="inactive: activate it before picking"):
        retail.pick(world.cp_id, 1)


def test_pick_named_and_never_twice(profile: Profile) -> None:
    world = make_world(allowed=5)
    create("100-104", tag="gold")
    assert retail.pick(world.cp_id, numbers=["+103", "101"]) == ["101", "103"]
    with pytest.raises(RuleViolation, match="DID 103 is Active, not In Stock"):
        retail.pick(world.other_cp_id, numbers=["103"])
    assert did("103").client_package_id == world.cp_id
    assert retail.pick(world.other_cp_id, 3) == ["100", "102", "104"]
    assert retail.pickable_count(world.cp_id) == 0
    assert_invariants()


# ---- release, deactivate, activate ------------------------------------------------------


def test_release_puts_active_on_hold_for_its_hold_days(profile: Profile) -> None:
    world = make_world(allowed=5)
    create("100-101", tag="gold", hold_days=10)
    create("102", tag="gold", hold_days=0, after_hold="archived")
    retail.pick(world.cp_id, 3)
    before = utcnow()
    assert retail.release(Selection.of_ids(ids_of("100", "102"))) == 2
    held = did("100")
    assert held.status == "hold" and held.client_package_id is None
    assert before + _dt.timedelta(days=10) <= held.hold_until <= utcnow() + _dt.timedelta(days=10)
    gone = did("102")  # hold days 0: straight to its after-hold status
    assert (gone.status, gone.client_package_id, gone.hold_until) == ("archived", None, None)
    assert did("101").status == "active"
    evs = events(action="release")
    assert sorted(e.did_number for e in evs) == ["100", "102"] and len({e.batch for e in evs}) == 1
    assert_invariants()


def test_release_refuses_dids_that_are_not_active(profile: Profile) -> None:
    world = make_world(allowed=5)
    create("100-101", tag="gold")
    retail.pick(world.cp_id, numbers=["100"])
    with pytest.raises(
        RuleViolation,
        match="only Active DIDs can be released: 1 selected are not .*101, In Stock.*nothing was released",
    ):
        retail.release(Selection.of_ids(ids_of("100", "101")))
    assert did("100").status == "active"
    assert_invariants()


def test_deactivate_puts_dids_on_hold_and_reactivate_brings_them_back(profile: Profile) -> None:
    world = make_world(allowed=5)
    create("100-102", tag="gold", hold_days=30)
    create("103", tag="gold", hold_days=0, after_hold="reserved")
    retail.pick(world.cp_id, 4)
    before = utcnow()
    assert retail.deactivate(world.cp_id) == 4
    for number in ("100", "101", "102"):
        d = did(number)
        assert d.status == "hold" and d.client_package_id == world.cp_id
        assert before + _dt.timedelta(days=30) <= d.hold_until <= utcnow() + _dt.timedelta(days=30)
    detached = did("103")
    assert (detached.status, detached.client_package_id, detached.hold_until) == ("reserved", None, None)
    assert_invariants()
    with pytest.raises(RuleViolation, match="already inactive"):
        retail.deactivate(world.cp_id)

    assert retail.activate(world.cp_id) == 3
    for number in ("100", "101", "102"):
        d = did(number)
        assert (d.status, d.client_package_id, d.hold_until) == ("active", world.cp_id, None)
    assert did("103").status == "reserved"
    with pytest.raises(RuleViolation, match="already active"):
        retail.activate(world.cp_id)
    assert len(events(action="deactivate")) == 4
    assert len(events(action="activate")) == 3
    assert_invariants()


def test_reactivate_after_the_hold_ended_releases_the_did(profile: Profile) -> None:
    world = make_world(allowed=5)
    create("100-101", tag="gold")
    retail.pick(world.cp_id, 2)
    retail.deactivate(world.cp_id)
    age_holds(["100"])  # 100's hold ended; 101's has not
    assert retail.activate(world.cp_id) == 1
    assert did("101").status == "active"
    ended = did("100")  # released as the sweep would: a hold that ended never comes back
    assert (ended.status, ended.client_package_id, ended.hold_until) == ("in_stock", None, None)
    (activated,) = events("101", "activate")
    (swept,) = events("100", "sweep")
    assert swept.batch == activated.batch
    assert_invariants()


# ---- sweep ------------------------------------------------------------------------------


def test_sweep_releases_expired_holds_only(profile: Profile) -> None:
    world = make_world(allowed=10)
    create("100-101", tag="gold", after_hold="in_stock")
    create("102", tag="gold", after_hold="reserved")
    create("103", tag="gold", after_hold="archived")
    create("104-105", tag="gold")
    retail.pick(world.cp_id, 6)
    retail.release(Selection.of_ids(ids_of("100", "102")))
    retail.deactivate(world.cp_id)  # 101, 103, 104, 105 on Hold, still attached
    age_holds(["100", "101", "102", "103"])

    assert sweep.preview() == {"in_stock": 2, "reserved": 1, "archived": 1}
    assert statuses()["100"] == "hold"  # preview changed nothing
    held = {n: did(n) for n in ("102", "103")}
    result = sweep.sweep()
    assert result.released == 4
    assert result.by_status == {"in_stock": 2, "reserved": 1, "archived": 1}
    expected = {
        "100": "in_stock",
        "101": "in_stock",
        "102": "reserved",
        "103": "archived",
        "104": "hold",
        "105": "hold",
    }
    assert statuses() == expected
    for number in ("100", "101", "102", "103"):
        d = did(number)
        assert d.client_package_id is None and d.hold_until is None
    assert did("104").client_package_id == world.cp_id
    evs = events(action="sweep")
    assert sorted(e.did_number for e in evs) == ["100", "101", "102", "103"]
    assert {e.batch for e in evs} == {result.batch}
    shown = {e.did_number: history.shown_changes(e.changes) for e in evs}
    deadline = {n: str(d.hold_until)[:19] for n, d in held.items()}
    assert shown["102"]["status"] == ["hold", "reserved"] and shown["102"]["hold_until"][1] is None
    assert shown["102"]["hold_until"][0][:19] == deadline["102"]  # the deadline it had
    # What undo needs besides the row (no did_before rows): the deadline, and the client
    # package under "_cp", which history leaves out.
    kept = {e.did_number: json.loads(e.changes) for e in evs}
    assert kept["103"]["_cp"] == world.cp_id and "_cp" not in kept["102"] and "_cp" not in shown["103"]
    # 103 was held for its deactivated client: the sweep's event says it leaves it now;
    # 102 had left its client when it was released.
    assert history.did_history("103")[0].describe().startswith(f"client: cleared, hold_until: {deadline['103']}")
    assert history.did_history("103")[0].describe().endswith(" → , status: Hold → Archived")
    assert history.did_history("102")[0].describe().startswith(f"hold_until: {deadline['102']}")
    assert history.did_history("102")[0].describe().endswith(" → , status: Hold → Reserved")
    assert sweep.sweep().released == 0  # nothing left to do: nothing done twice
    assert len(events(action="sweep")) == 4
    assert_invariants()
    # After the sweep the package can be reactivated: only the unexpired holds come back.
    assert retail.activate(world.cp_id) == 2
    assert_invariants()


def test_sweep_at_a_given_time(profile: Profile) -> None:
    world = make_world(allowed=5)
    create("100", tag="gold", hold_days=5)
    retail.pick(world.cp_id, 1)
    retail.release(Selection.of_ids(ids_of("100")))
    assert sweep.sweep(utcnow() + _dt.timedelta(days=4)).released == 0
    assert sweep.sweep(utcnow() + _dt.timedelta(days=5, minutes=1)).released == 1
    assert did("100").status == "in_stock"
    assert_invariants()


def test_a_sweep_that_finds_nothing_leaves_no_batch(profile: Profile) -> None:
    """The app sweeps every minute: sweeps with nothing to release must not fill the
    Batches view with empty batches."""
    from didtui.models import Batch

    world = make_world(allowed=5)
    create("100-101", tag="gold")
    retail.pick(world.cp_id, 2)
    retail.release(Selection.of_ids(ids_of("100", "101")))  # on Hold, not yet expired
    batches = Batch.select().count()
    for _ in range(3):
        assert sweep.sweep().released == 0
    assert Batch.select().count() == batches
    age_holds(["100"])
    swept = sweep.sweep()
    assert swept.released == 1
    assert Batch.get(Batch.batch == swept.batch).count == 1
    assert Batch.select().count() == batches + 1


def test_mariadb_sweepers_take_turns(profile: Profile) -> None:
    """MariaDB: while another sweep runs (it holds the database's named lock), the app's
    periodic sweep skips and says so, changing nothing; a sweep told to wait releases
    the holds once the other ends."""
    import threading

    import pymysql

    from didtui.dialect import dialect
    from didtui.models import database_proxy

    if dialect().name != "mysql":
        pytest.skip("MariaDB's sweepers take turns by a named lock")
    db = database_proxy.obj
    world = make_world(allowed=5)
    create("100-102", tag="gold")
    retail.pick(world.cp_id, 3)
    retail.release(Selection.of_ids(ids_of("100", "101", "102")))
    age_holds()
    params = {k: v for k, v in db.connect_params.items() if k in ("host", "port", "user", "password")}
    other = pymysql.connect(database=db.database, autocommit=True, **params)
    try:
        with other.cursor() as cur:
            cur.execute("SELECT GET_LOCK(%s, 0)", (f"didtui.sweep.{db.database}",))
            assert cur.fetchone()[0] == 1
        skipped = sweep.sweep(skip_if_busy=True)
        assert (skipped.released, skipped.skipped) == (0, "another sweep is running")
        assert set(statuses().values()) == {"hold"}
        threading.Timer(
            0.5, lambda: other.cursor().execute("SELECT RELEASE_LOCK(%s)", (f"didtui.sweep.{db.database}",))
        ).start()
        assert sweep.sweep().released == 3
    finally:
        other.close()
    assert set(statuses().values()) == {"in_stock"}
    assert_invariants()


# ---- history ----------------------------------------------------------------------------


def test_history_by_did_and_by_batch(profile: Profile) -> None:
    world = make_world(allowed=5)
    created = create("100-102", tag="gold")
    retail.pick(world.cp_id, numbers=["101"])
    row = filters.row_by_number("100")
    inventory.edit_did(row.id, row.version, {"notes": "hello"})
    retail.release(Selection.of_ids(ids_of("101")))

    trail = history.did_history("101")
    assert [e.action for e in trail] == ["release", "pick", "create"]  # newest first
    assert {e.actor for e in trail} == {"tester"}
    assert trail[1].changes["client"] == [None, "ACME/main"]
    assert "In Stock → Active" in trail[1].describe()
    assert [e.action for e in history.did_history("100")] == ["edit", "create"]
    assert history.did_history("100")[0].changes == {"notes": ["", "hello"]}

    batch = history.batch_events(created.batch)
    assert [e.did_number for e in batch] == ["100", "101", "102"]
    assert history.batch_size(created.batch) == 3
    assert history.batch_events("no-such-batch") == []


def test_one_event_per_did_per_change_in_one_batch_per_operation(profile: Profile) -> None:
    world = make_world(allowed=10)
    create("100-109", tag="gold")
    operations = [
        lambda: retail.pick(world.cp_id, 4),
        lambda: retail.deactivate(world.cp_id),
        lambda: retail.activate(world.cp_id),
        lambda: retail.release(Selection.matching(DIDFilter(statuses=("active",)))),
        lambda: inventory.mass_edit(Selection.matching(DIDFilter(statuses=("in_stock",))), {"tag": "x"}),
        lambda: inventory.mass_delete(Selection.matching(DIDFilter(tag="x"))),
    ]
    for operation in operations:
        first = Event.select().count()
        operation()
        new = list(Event.select().order_by(Event.id).offset(first))
        assert new, "every change is recorded"
        numbers = [e.did_number for e in new]
        assert len(numbers) == len(set(numbers)), "one event per DID"
        assert len({e.batch for e in new}) == 1, "one batch per operation"
        assert_invariants()
