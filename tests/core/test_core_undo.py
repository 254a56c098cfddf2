"""Undo of every kind of batch, refused and partial undos, and undoing an undo."""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Any

import pytest
from core_helpers import age_holds, assert_invariants, create, did, events, ids_of, make_world, statuses

from didtui.config import Profile
from didtui.core import history, inventory, retail, sweep, undo
from didtui.core.csvio import ImportOptions, inspect_file, run_import
from didtui.core.filters import DIDFilter, Selection
from didtui.errors import InputError, NotFound, RuleViolation, UndoRefused
from didtui.models import DID, Batch, ClientPackage, DIDBefore, Event


def snapshot() -> dict[str, tuple[Any, ...]]:
    """Every DID as undo must put it back: id and every value but version/updated_at."""
    return {
        d.number: (
            d.id,
            d.status,
            d.operator_id,
            d.tag,
            d.notes,
            d.reseller_id,
            d.after_hold,
            d.hold_days,
            d.hold_until,
            d.client_package_id,
            d.released_at,
        )
        for d in DID.select()
    }


def last_batch() -> str:
    return Batch.select().order_by(Batch.id.desc()).first().batch


def undo_last(**kw: Any) -> undo.UndoResult:
    result = undo.undo(last_batch(), **kw)
    assert_invariants()
    return result


def test_mass_edit_undone_and_redone(profile: Profile) -> None:
    world = make_world()
    create("100-109", tag="gold", operator_id=world.operator_id)
    create("200-201", tag="silver", status="reserved")
    before = snapshot()
    inventory.mass_edit(Selection.matching(DIDFilter(tag="gold")), {"tag": "bronze", "status": "blocked"})
    edited = snapshot()
    (row,) = undo.list_batches(1)
    assert row.kind == "mass_edit" and row.count == 10 and row.actor == "tester"
    result = undo_last()
    assert (result.restored, result.recreated, result.deleted) == (10, 0, 0)
    assert snapshot() == before
    assert Batch.get(Batch.batch == row.batch).undone_by == result.undo_batch
    assert history.did_history("100")[0].describe() == f"undo: batch {row.batch[:10]} (mass_edit)"
    # The undo is a batch too: undoing it redoes the mass edit.
    again = undo.undo(result.undo_batch[:8])
    assert again.restored == 10 and snapshot() == edited
    assert_invariants()
    with pytest.raises(RuleViolation, match="already undone"):
        undo.undo(row.batch)


def test_creation_undone_deletes_and_undoing_that_brings_them_back(profile: Profile) -> None:
    make_world()
    create("300")
    before = snapshot()
    create("100-104", tag="gold")
    created = snapshot()
    result = undo_last()
    assert result.deleted == 5 and snapshot() == before
    back = undo.undo(result.undo_batch)
    assert back.recreated == 5 and snapshot() == created  # same ids
    assert_invariants()


def test_mass_delete_undone_brings_ids_and_history_back(profile: Profile) -> None:
    create("100-104", tag="gold", notes="n")
    inventory.mass_edit(Selection.matching(DIDFilter(tag="gold")), {"tag": "blue"})
    before = snapshot()
    inventory.mass_delete(Selection.of_ids(ids_of("100", "101", "102")))
    assert DID.select().count() == 2
    result = undo_last()
    assert result.recreated == 3 and snapshot() == before
    actions = [e.action for e in events("101")]
    assert actions == ["create", "mass_edit", "delete", "restore"]
    # New DIDs still get fresh ids after the restored ones.
    create("900")
    assert did("900").id > max(i for i, *_ in before.values())


def test_pick_release_deactivate_activate_sweep_all_undo(profile: Profile) -> None:
    world = make_world(allowed=10)
    create("100-105", tag="gold", hold_days=10)
    create("106", tag="gold", hold_days=0)
    s0 = snapshot()
    retail.pick(world.cp_id, 7)
    s1 = snapshot()
    assert undo_last().restored == 7 and snapshot() == s0
    undo.undo(last_batch())  # redo the pick
    assert snapshot() == s1
    retail.release(Selection.of_ids(ids_of("100", "106")))
    s2 = snapshot()
    assert statuses()["100"] == "hold" and statuses()["106"] == "in_stock"
    assert undo_last().restored == 2 and snapshot() == s1
    undo.undo(last_batch())
    assert snapshot() == s2
    retail.deactivate(world.cp_id)
    assert not ClientPackage.get_by_id(world.cp_id).active
    undo_last()
    assert ClientPackage.get_by_id(world.cp_id).active and snapshot() == s2
    retail.deactivate(world.cp_id)
    s3 = snapshot()
    retail.activate(world.cp_id)
    undo_last()
    assert not ClientPackage.get_by_id(world.cp_id).active and snapshot() == s3
    age_holds()
    s4 = snapshot()
    swept = sweep.sweep()
    assert swept.released == 6
    undo_last()
    assert snapshot() == s4


def test_single_edit_and_edit_with_release_undo(profile: Profile) -> None:
    world = make_world()
    create("100-101", tag="gold", notes="old")
    before = snapshot()
    row = inventory.edit_did(ids_of("100")[0], 1, {"notes": "new", "tag": "platinum"})
    undo_last()
    assert snapshot() == before
    retail.pick(world.cp_id, None, numbers=["101"])
    picked = snapshot()
    current = did("101")
    inventory.edit_did(current.id, current.version, {"status": "hold", "notes": "bye"})
    assert statuses()["101"] == "hold"
    result = undo_last()
    assert result.restored == 1 and snapshot() == picked
    assert row.notes == "new"


def test_import_undo_deletes_new_and_restores_updated(profile: Profile, tmp_path: Path) -> None:
    create("15550000001", tag="old")
    before = snapshot()
    path = tmp_path / "in.csv"
    path.write_text("number,tag\n15550000001,new\n15550000002,new\n15550000003,new\n", encoding="utf-8")
    report = run_import(inspect_file(path), ImportOptions(on_existing="update"))
    assert report.new == 2 and report.updated == 1
    result = undo.undo(report.batch)
    assert_invariants()
    assert (result.restored, result.deleted) == (1, 2) and snapshot() == before


def test_changed_later_refuses_naming_them_and_rest_undoes_the_others(profile: Profile) -> None:
    create("100-104", tag="gold")
    inventory.mass_edit(Selection.matching(DIDFilter(tag="gold")), {"tag": "blue"})
    edit = last_batch()
    d = did("102")
    inventory.edit_did(d.id, d.version, {"notes": "mine now"})
    preview = undo.undo(edit[:6], dry_run=True, rest=True)
    assert preview.restored == 4 and preview.undo_batch is None and preview.blocked_count == 1
    with pytest.raises(UndoRefused) as err:
        undo.undo(edit)
    assert err.value.count == 1 and err.value.blocked[0][0] == "102"
    assert "changed since (edit by tester" in str(err.value) and "nothing was changed" in str(err.value)
    assert {did(n).tag for n in ("100", "101", "102", "103", "104")} == {"blue"}
    result = undo.undo(edit, rest=True)
    assert_invariants()
    assert result.restored == 4 and result.blocked == [("102", err.value.blocked[0][1])]
    assert {n: did(n).tag for n in ("100", "102")} == {"100": "gold", "102": "blue"}
    assert did("102").notes == "mine now"


def test_a_sweep_keeps_its_earlier_values_in_its_events_and_undo_rebuilds_them(profile: Profile) -> None:
    """A sweep writes no did_before rows; undo rebuilds them from the events' "_kept":
    DIDs changed or deleted since are refused by name, the rest go back exactly."""
    world = make_world(allowed=10)
    create("100-104", tag="gold", hold_days=10)
    retail.pick(world.cp_id, 5)
    retail.deactivate(world.cp_id)  # on Hold, still attached to their client
    age_holds()
    held = snapshot()
    swept = sweep.sweep()
    assert swept.released == 5
    assert DIDBefore.select().where(DIDBefore.batch == swept.batch).count() == 0
    d = did("101")
    inventory.edit_did(d.id, d.version, {"notes": "mine now"})
    inventory.delete_did(ids_of("103")[0])
    preview = undo.undo(swept.batch, dry_run=True, rest=True)
    assert (preview.restored, preview.blocked_count) == (3, 2)
    with pytest.raises(UndoRefused) as err:
        undo.undo(swept.batch)
    assert sorted(n for n, _ in err.value.blocked) == ["101", "103"]
    assert statuses() == {"100": "in_stock", "101": "in_stock", "102": "in_stock", "104": "in_stock"}
    result = undo.undo(swept.batch, rest=True)
    assert_invariants()
    assert result.restored == 3
    now = snapshot()
    for number in ("100", "102", "104"):
        assert now[number] == held[number]  # Hold, its client package and its deadline back
    assert now["101"][1] == "in_stock" and "103" not in now


def test_undoing_a_release_whose_package_was_removed_is_refused_for_those(profile: Profile) -> None:
    world = make_world()
    create("100-103", tag="gold")
    retail.pick(world.cp_id, 2)
    retail.pick(world.other_cp_id, 2)
    retail.release(Selection.of_ids(ids_of("100", "101", "102", "103")))
    release = last_batch()
    retail.unassign(world.cp_id, at_once=True)
    with pytest.raises(UndoRefused, match=f"client package #{world.cp_id} was deleted since"):
        undo.undo(release)
    assert_invariants()
    # The release changed more DIDs than the unassign touched: those can go back.
    result = undo.undo(release, rest=True)
    assert_invariants()
    assert result.restored == 2 and result.blocked_count == 2
    assert statuses()["102"] == "active" and statuses()["100"] == "hold"


def test_undo_never_exceeds_allowed_dids(profile: Profile) -> None:
    world = make_world(allowed=2)
    create("100-103", tag="gold")
    retail.pick(world.cp_id, None, numbers=["100"])
    retail.pick(world.cp_id, None, numbers=["101"])
    retail.release(Selection.of_ids(ids_of("100", "101")))
    release = last_batch()
    retail.pick(world.cp_id, None, numbers=["102", "103"])  # the package is full again
    with pytest.raises(UndoRefused, match="allows 2 DIDs and holds 2 now"):
        undo.undo(release)
    assert_invariants()
    assert statuses() == {"100": "hold", "101": "hold", "102": "active", "103": "active"}


def test_prefixes_and_unusable_ids(profile: Profile) -> None:
    create("100")
    batch = last_batch()
    assert undo.resolve(batch[:4]) == batch
    assert undo.get_batch(batch[:5]).kind == "create"
    with pytest.raises(InputError, match="at least 4"):
        undo.resolve("ab")
    with pytest.raises(InputError):
        undo.resolve("zzzzzz")
    with pytest.raises(NotFound):
        undo.resolve("0000000000")


def test_every_batch_is_listed_newest_first_with_its_events(profile: Profile) -> None:
    world = make_world()
    create("100-104", tag="gold")
    retail.pick(world.cp_id, 2)
    inventory.mass_edit(Selection.of_ids(ids_of("104")), {"notes": "x"} if False else {"tag": "blue"})
    kinds = [b.kind for b in undo.list_batches()]
    assert kinds == ["mass_edit", "pick", "create"]
    assert undo.list_batches()[1].count == 2
    assert Event.select().where(Event.batch == undo.list_batches()[1].batch).count() == 2


def test_a_mass_edit_that_ended_holds_puts_them_back_for_their_client(profile: Profile) -> None:
    world = make_world()
    create("100-102", tag="gold")
    retail.pick(world.cp_id, 3)
    retail.deactivate(world.cp_id)  # held, still attached to the inactive package
    held = snapshot()
    inventory.mass_edit(Selection.of_ids(ids_of("100", "101", "102")), {"status": "reserved"})
    assert {did(n).client_package_id for n in ("100", "101", "102")} == {None}
    undo_last()
    assert snapshot() == held
    # Reactivated meanwhile (a later change to the held DIDs): refused, nothing changes.
    inventory.mass_edit(Selection.of_ids(ids_of("100", "101", "102")), {"status": "reserved"})
    edit = last_batch()
    ClientPackage.update({ClientPackage.active: True}).where(ClientPackage.id == world.cp_id).execute()
    with pytest.raises(UndoRefused, match="active again"):
        undo.undo(edit)
    assert_invariants()


def test_moving_a_resellers_dids_undoes(profile: Profile) -> None:
    from didtui.core import resellers

    world = make_world()
    create("100-101", reseller_id=world.reseller_id)
    other = resellers.create_reseller("Southwind")
    before = snapshot()
    resellers.delete_reseller(world.reseller_id, move_to=other.id)
    # The reseller itself is gone: its DIDs cannot go back to it.
    with pytest.raises(UndoRefused, match="its reseller was deleted since"):
        undo.undo(last_batch())
    assert {d.reseller_id for d in DID.select()} == {other.id} and len(before) == 2
    assert_invariants()


def test_undoing_a_delete_reads_country_type_and_place_again(profile: Profile) -> None:
    from didtui import db as dbmod
    from didtui.config import Numbering

    saved = dbmod.current_numbering()
    dbmod.set_numbering(Numbering("GB", "valid", "international"))
    try:
        create("020 7946 0100-0104")
        assert did("442079460100").country == "GB"
        batch_of_delete = history.new_batch()
        inventory.mass_delete(Selection.of_ids(ids_of("442079460100", "442079460101")), batch=batch_of_delete)
        undo.undo(batch_of_delete)
        back = did("442079460101")
        assert (back.country, back.number_type, back.place) == ("GB", "fixed", "London")
        assert_invariants()
    finally:
        dbmod.set_numbering(saved)


def test_history_encodes_dates_and_datetimes() -> None:
    """A datetime keeps its space-separated form; a date, which has no time, encodes too."""
    at = _dt.datetime(2026, 3, 1, 12, 30)
    assert history.encode({"at": at, "on": at.date()}) == '{"at": "2026-03-01 12:30:00", "on": "2026-03-01"}'
