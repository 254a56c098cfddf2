"""Resellers, client and account changes, un-assigning, owners, safe reuse and the
history lines a person reads."""

from __future__ import annotations

import datetime as _dt

import pytest
from core_helpers import age_holds, assert_invariants, create, did, ids_of, make_world, statuses

from didtui.config import Profile
from didtui.core import history, operators, owners, resellers, retail, sweep, undo
from didtui.core.filters import Selection
from didtui.errors import AlreadyExists, InputError, NotFound, RuleViolation
from didtui.models import DID, Account, Client, ClientPackage, Reseller, utcnow

# ---- resellers --------------------------------------------------------------------------


def test_resellers_list_with_counts_create_and_rename(profile: Profile) -> None:
    world = make_world()
    empty = resellers.create_reseller(" Empty ")
    assert empty.name == "Empty"
    create("100-104", reseller_id=world.reseller_id)
    with pytest.raises(AlreadyExists):
        resellers.create_reseller("Northwind")
    with pytest.raises(InputError, match="needs a name"):
        resellers.create_reseller(" ")
    rows = {r.name: r for r in resellers.list_resellers()}
    assert (rows["Northwind"].operators, rows["Northwind"].dids, rows["Northwind"].clients) == (1, 5, 1)
    assert not rows["Empty"].in_use
    resellers.rename_reseller(empty.id, "Southwind")
    with pytest.raises(AlreadyExists):
        resellers.rename_reseller(empty.id, "Northwind")
    assert [r.name for r in resellers.list_resellers()] == ["Northwind", "Southwind"]
    assert_invariants()


def test_reseller_delete_refused_naming_what_or_moving_everything(profile: Profile) -> None:
    world = make_world()
    create("100-102", reseller_id=world.reseller_id)
    other = resellers.create_reseller("Southwind")
    with pytest.raises(RuleViolation, match="has 1 operator, 3 DIDs, 1 client: move them"):
        resellers.delete_reseller(world.reseller_id)
    with pytest.raises(InputError):
        resellers.delete_reseller(world.reseller_id, move_to=world.reseller_id)
    with pytest.raises(NotFound):
        resellers.delete_reseller(world.reseller_id, move_to=9999)
    assert Reseller.select().count() == 2
    assert resellers.delete_reseller(world.reseller_id, move_to=other.id) == 3
    assert {d.reseller_id for d in DID.select()} == {other.id}
    assert Client.get_by_id(world.client_id).reseller_id == other.id
    assert operators.list_operators()[0].reseller == "Southwind"
    assert history.did_history("100")[0].describe() == "reseller: Northwind → Southwind"
    resellers.delete_reseller(resellers.create_reseller("Unused").id)
    assert [r.name for r in resellers.list_resellers()] == ["Southwind"]
    assert_invariants()


# ---- clients and accounts ---------------------------------------------------------------


def test_client_and_account_rename(profile: Profile) -> None:
    world = make_world()
    retail.rename_client(world.client_id, "ACME Corp")
    retail.rename_account(world.account_id, "primary")
    with pytest.raises(AlreadyExists):
        retail.rename_account(world.account_id, "support")
    retail.create_client("Other")
    with pytest.raises(AlreadyExists):
        retail.rename_client(world.client_id, "Other")
    with pytest.raises(NotFound):
        retail.rename_client(999, "x")
    assert {a.name for a in retail.list_accounts(world.client_id)} == {"primary", "support"}
    assert Client.get_by_id(world.client_id).name == "ACME Corp"


def test_client_and_account_delete_refused_naming_what_is_attached(profile: Profile) -> None:
    world = make_world()
    create("100-101", tag="gold")
    retail.pick(world.cp_id, 2)
    with pytest.raises(RuleViolation, match="account 'main' has 1 package assignment, 2 Active DIDs"):
        retail.delete_account(world.account_id)
    with pytest.raises(RuleViolation, match="client 'ACME' has 2 package assignments, 2 Active DIDs"):
        retail.delete_client(world.client_id)
    lonely = retail.create_account(world.client_id, "lonely")
    retail.delete_account(lonely.id)
    retail.unassign(world.cp_id, at_once=True)
    retail.unassign(world.other_cp_id, at_once=True)
    retail.delete_client(world.client_id)
    assert Client.select().count() == 0 and Account.select().count() == 0
    assert_invariants()


# ---- un-assigning -----------------------------------------------------------------------


def test_unassign_holds_active_dids_and_the_sweep_removes_the_emptied_assignment(profile: Profile) -> None:
    world = make_world()
    create("100-102", tag="gold", hold_days=10)
    create("103", tag="gold", hold_days=0, after_hold="reserved")
    retail.pick(world.cp_id, 4)
    assert retail.unassign_preview(world.cp_id) == retail.UnassignPreview(active=4, held=0)
    assert retail.unassign(world.cp_id) == 4
    assert_invariants()
    assert statuses() == {"100": "hold", "101": "hold", "102": "hold", "103": "reserved"}
    cp = ClientPackage.get_by_id(world.cp_id)
    assert not cp.active and cp.unassigned_at is not None
    with pytest.raises(RuleViolation, match="un-assigned"):
        retail.activate(world.cp_id)
    with pytest.raises(RuleViolation, match="already un-assigned"):
        retail.unassign(world.cp_id)
    age_holds()
    sweep.sweep()
    assert not ClientPackage.select().where(ClientPackage.id == world.cp_id).exists()
    assert_invariants()


def test_unassign_at_once_releases_held_dids_and_removes_it_and_undo_puts_all_back(profile: Profile) -> None:
    world = make_world()
    create("100-102", tag="gold", after_hold="archived")
    retail.pick(world.cp_id, 3)
    before = {d.number: (d.status, d.client_package_id) for d in DID.select()}
    retail.release(Selection.of_ids(ids_of("100")))  # not attached any more: not counted
    undo.undo(undo.list_batches(1)[0].batch)
    assert retail.unassign_preview(world.cp_id) == retail.UnassignPreview(active=3, held=0)
    assert retail.unassign(world.cp_id, at_once=True) == 6  # 3 to Hold, then 3 released
    assert statuses() == {"100": "archived", "101": "archived", "102": "archived"}
    assert not ClientPackage.select().where(ClientPackage.id == world.cp_id).exists()
    assert_invariants()
    assert history.did_history("101")[0].describe().startswith("client: cleared, hold_until: 20")
    assert history.did_history("101")[0].describe().endswith(" → , status: Hold → Archived")
    undo.undo(undo.list_batches(1)[0].batch)
    assert_invariants()
    assert {d.number: (d.status, d.client_package_id) for d in DID.select()} == before
    assert ClientPackage.get_by_id(world.cp_id).active


# ---- owners and reuse -------------------------------------------------------------------


def test_owners_from_history(profile: Profile) -> None:
    world = make_world()
    create("100", tag="gold", hold_days=5)
    retail.pick(world.cp_id, 1)
    retail.release(Selection.of_ids(ids_of("100")))
    age_holds()
    sweep.sweep()
    retail.pick(world.other_cp_id, 1)
    retail.deactivate(world.other_cp_id)
    got = owners.owners("100")
    assert [(o.client, o.until is None) for o in got] == [("ACME/main", False), ("ACME/support", True)]
    age_holds()
    sweep.sweep()
    assert owners.owners("100")[-1].until is not None  # the sweep ended the second one
    undo.undo(undo.list_batches(1)[0].batch)  # undo the sweep: held for support again
    assert [(o.client, o.until is None) for o in owners.owners("100")][-1] == ("ACME/support", True)


def test_reuse_after_days_takes_the_longest_free_and_skips_recent(profile: Profile) -> None:
    world = make_world(allowed=10)
    create("100-103", tag="gold", hold_days=0)
    retail.pick(world.cp_id, None, numbers=["100", "101", "102"])
    retail.release(Selection.of_ids(ids_of("100", "101", "102")))  # hold 0: In Stock now
    old = utcnow() - _dt.timedelta(days=40)
    DID.update({DID.released_at: old}).where(DID.number == "101").execute()
    DID.update({DID.released_at: old - _dt.timedelta(days=1)}).where(DID.number == "102").execute()
    # Off: number order, as before.
    assert retail.pick(world.other_cp_id, 1) == ["100"]
    retail.release(Selection.of_ids(ids_of("100")))
    # On: the never-released one, then the longest free; 100 (just released) is skipped.
    assert retail.pick(world.cp_id, 3, reuse_after_days=30) == ["103", "102", "101"]
    with pytest.raises(RuleViolation, match="free"):
        retail.pick(world.cp_id, 1, reuse_after_days=30)
    warnings = retail.recently_released(["100"], 30)
    assert len(warnings) == 1 and "100 was released 0 day(s) ago" in warnings[0]
    assert retail.recently_released(["100"], 0) == []
    assert retail.pick(world.cp_id, None, numbers=["100"], reuse_after_days=30) == ["100"]
    assert_invariants()


# ---- history accuracy: the lines a person reads ----------------------------------------


def test_history_lines_of_a_lifecycle(profile: Profile) -> None:
    world = make_world()
    create("100", tag="gold", operator_id=world.operator_id, reseller_id=world.reseller_id, hold_days=3)
    retail.pick(world.cp_id, 1)
    retail.deactivate(world.cp_id)
    lines = [e.describe() for e in reversed(history.did_history("100"))]
    assert lines[0] == "operator: → Telia, reseller: → Northwind, status: → In Stock, tag: → gold"
    assert lines[1] == "client: → ACME/main, status: In Stock → Active"
    assert lines[2].startswith("hold_until: → ") and lines[2].endswith("status: Active → Hold")
    assert "client" not in lines[2]  # a deactivation does not "change" the client to itself
    retail.activate(world.cp_id)
    retail.release(Selection.of_ids(ids_of("100")))
    assert history.did_history("100")[0].describe().startswith("client: ACME/main → , hold_until: → ")
    assert did("100").released_at is not None
