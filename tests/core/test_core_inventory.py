"""Creating, editing, mass editing and deleting DIDs, on every backend."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from core_helpers import assert_invariants, create, did, events, ids_of, make_world, statuses
from peewee import fn

from didtui.config import Profile
from didtui.core import filters, inventory, operators, retail
from didtui.core.filters import DIDFilter, Selection
from didtui.core.numbers import parse_numbers
from didtui.errors import AlreadyExists, Conflict, InputError, NotFound, RuleViolation
from didtui.models import DID, Event

# ---- create -----------------------------------------------------------------------------


def test_create_one_range_and_list_with_fields(profile: Profile) -> None:
    op = operators.create_operator("Telia")
    res = retail.create_reseller("Northwind")
    one = create(
        "+15551230001",
        operator_id=op.id,
        tag="gold",
        notes="ported",
        reseller_id=res.id,
        after_hold="reserved",
        hold_days=7,
    )
    assert one.count == 1
    row = filters.row_by_number("15551230001")
    assert (row.status, row.operator, row.tag, row.notes, row.reseller, row.after_hold, row.hold_days) == (
        "in_stock",
        "Telia",
        "gold",
        "ported",
        "Northwind",
        "reserved",
        7,
    )
    assert row.version == 1 and row.client_package_id is None and row.hold_until is None

    ranged = create("0044200000098-0044200000102", status="reserved")
    assert ranged.count == 5
    assert sorted(n for n, s in statuses().items() if s == "reserved") == [
        "0044200000098",
        "0044200000099",
        "0044200000100",
        "0044200000101",
        "0044200000102",
    ]

    listed = create("15552220001, 15552220005-15552220006\n15552220009", status="blocked")
    assert listed.count == 4
    assert filters.count(DIDFilter(statuses=("blocked",))) == 4
    assert filters.count() == 10


@pytest.mark.parametrize("status", ["in_stock", "reserved", "blocked", "archived"])
def test_create_with_each_settable_status(profile: Profile, status: str) -> None:
    create("100-102", status=status)
    assert set(statuses().values()) == {status}


@pytest.mark.parametrize("status, why", [("active", "only picking"), ("hold", "only releasing")])
def test_create_active_or_hold_refused(profile: Profile, status: str, why: str) -> None:
    with pytest.raises(RuleViolation, match=why):
        inventory.create_dids(parse_numbers("100-102"), status=status)
    assert filters.count() == 0


def test_create_refuses_bad_fields(profile: Profile) -> None:
    with pytest.raises(NotFound, match="operator #999"):
        inventory.create_dids(parse_numbers("100"), operator_id=999)
    with pytest.raises(NotFound, match="reseller #999"):
        inventory.create_dids(parse_numbers("100"), reseller_id=999)
    with pytest.raises(InputError, match="hold days"):
        inventory.create_dids(parse_numbers("100"), hold_days=-1)
    with pytest.raises(InputError, match="after hold"):
        inventory.create_dids(parse_numbers("100"), after_hold="blocked")
    assert filters.count() == 0


def test_create_is_all_or_nothing_and_reports_every_existing_number(profile: Profile) -> None:
    create("15550000005, 15550000007, 15550000100")
    before = Event.select().count()
    with pytest.raises(AlreadyExists) as err:
        inventory.create_dids(parse_numbers("15550000001-15550000010, 15550000100, 15550000200"))
    assert err.value.existing == ["15550000005", "15550000007", "15550000100"]
    message = str(err.value)
    assert "3 of these numbers already exist" in message
    for number in err.value.existing:
        assert number in message
    assert "nothing was created" in message
    assert filters.count() == 3
    assert Event.select().count() == before


def test_create_same_digits_other_width_is_another_number(profile: Profile) -> None:
    create("0100-0102")
    create("100-102")  # no clash: 100 is not 0100
    assert filters.count() == 6


def test_create_writes_one_event_per_did_in_one_batch(profile: Profile) -> None:
    created = create("500-509", tag="gold")
    evs = Event.select().where(Event.batch == created.batch)
    assert sorted(e.did_number for e in evs) == [str(n) for n in range(500, 510)]
    assert {e.action for e in evs} == {"create"}
    assert {e.actor for e in evs} == {"tester"}


# ---- edit one ---------------------------------------------------------------------------


def test_edit_changes_fields_and_bumps_version(profile: Profile) -> None:
    op = operators.create_operator("Colt")
    create("15551230001")
    row = filters.row_by_number("15551230001")
    new = inventory.edit_did(
        row.id,
        row.version,
        {
            "tag": "silver",
            "notes": "vip",
            "operator_id": op.id,
            "status": "reserved",
            "hold_days": 0,
            "after_hold": "archived",
        },
    )
    assert (new.tag, new.notes, new.operator, new.status, new.hold_days, new.after_hold) == (
        "silver",
        "vip",
        "Colt",
        "reserved",
        0,
        "archived",
    )
    assert new.version == row.version + 1
    (event,) = events("15551230001", "edit")
    assert event.batch and '"tag": ["", "silver"]' in event.changes
    assert_invariants()


def test_history_names_operators_not_ids(profile: Profile) -> None:
    colt = operators.create_operator("Colt")
    telia = operators.create_operator("Telia")
    create("15551230001", operator_id=colt.id)
    row = filters.row_by_number("15551230001")
    inventory.edit_did(row.id, row.version, {"operator_id": telia.id})
    inventory.mass_edit(Selection.of_ids([row.id]), {"operator_id": colt.id})
    edit, mass = events("15551230001", "edit")[0], events("15551230001", "mass_edit")[0]
    assert '"operator": ["Colt", "Telia"]' in edit.changes
    assert '"operator": [null, "Colt"]' in mass.changes


def test_stale_edit_raises_conflict_with_current_values(profile: Profile) -> None:
    create("15551230001", tag="gold")
    row = filters.row_by_number("15551230001")
    inventory.edit_did(row.id, row.version, {"tag": "silver"})  # someone else, first
    with pytest.raises(Conflict) as err:
        inventory.edit_did(row.id, row.version, {"notes": "mine"})
    assert err.value.current["tag"] == "silver"
    assert err.value.current["version"] == row.version + 1
    assert "changed by someone else" in str(err.value)
    assert did("15551230001").notes == ""


def test_edit_refuses_unknown_fields_and_missing_did(profile: Profile) -> None:
    create("100")
    row = filters.row_by_number("100")
    with pytest.raises(InputError, match="cannot edit number"):
        inventory.edit_did(row.id, row.version, {"number": "200"})
    with pytest.raises(NotFound):
        inventory.edit_did(row.id + 1000, 1, {"tag": "x"})


def test_edit_to_active_refused_only_picking(profile: Profile) -> None:
    create("100")
    row = filters.row_by_number("100")
    with pytest.raises(RuleViolation, match="only picking makes a DID Active"):
        inventory.edit_did(row.id, row.version, {"status": "active"})
    assert did("100").status == "in_stock"


def test_edit_status_of_active_did_refused_release_it_first(profile: Profile) -> None:
    world = make_world()
    create("15551230001", tag="gold")
    retail.pick(world.cp_id, numbers=["15551230001"])
    row = filters.row_by_number("15551230001")
    with pytest.raises(RuleViolation) as err:
        inventory.edit_did(row.id, row.version, {"status": "in_stock"})
    assert str(err.value) == "DID 15551230001 is Active for ACME/main: release it first"
    assert did("15551230001").status == "active"
    # Other fields of an Active DID may change.
    inventory.edit_did(row.id, row.version, {"notes": "customer line"})
    assert did("15551230001").notes == "customer line"
    assert_invariants()


def test_edit_active_to_hold_releases_it(profile: Profile) -> None:
    world = make_world()
    create("15551230001", tag="gold", hold_days=10)
    retail.pick(world.cp_id, numbers=["15551230001"])
    row = filters.row_by_number("15551230001")
    new = inventory.edit_did(row.id, row.version, {"status": "hold"})
    assert new.status == "hold" and new.hold_until is not None and new.client_package_id is None
    assert_invariants()


def test_edit_active_to_hold_with_other_fields_is_one_batch(profile: Profile) -> None:
    world = make_world()
    create("15551230001", tag="gold")
    retail.pick(world.cp_id, numbers=["15551230001"])
    row = filters.row_by_number("15551230001")
    new = inventory.edit_did(row.id, row.version, {"status": "hold", "notes": "moving out"})
    assert (new.status, new.notes) == ("hold", "moving out")
    edit_events = [e for e in events("15551230001") if e.action in ("edit", "release")]
    assert sorted(e.action for e in edit_events) == ["edit", "release"]
    assert len({e.batch for e in edit_events}) == 1
    assert_invariants()


def test_edit_hold_to_other_status_ends_hold_and_detaches(profile: Profile) -> None:
    world = make_world()
    create("15551230001", tag="gold")
    retail.pick(world.cp_id, numbers=["15551230001"])
    retail.deactivate(world.cp_id)
    row = filters.row_by_number("15551230001")
    assert row.status == "hold" and row.client_package_id == world.cp_id
    new = inventory.edit_did(row.id, row.version, {"status": "archived"})
    assert (new.status, new.client_package_id, new.hold_until) == ("archived", None, None)
    assert_invariants()


# ---- mass edit --------------------------------------------------------------------------


def test_mass_edit_by_ids_every_field(profile: Profile) -> None:
    a, b = operators.create_operator("A"), operators.create_operator("B")
    res = retail.create_reseller("R")
    create("100-119", operator_id=a.id)
    chosen = ids_of("100", "105", "119")
    n = inventory.mass_edit(
        Selection.of_ids(chosen),
        {
            "status": "blocked",
            "tag": "gold",
            "hold_days": 3,
            "after_hold": "reserved",
            "operator_id": b.id,
            "reseller_id": res.id,
        },
    )
    assert n == 3
    changed = {d.number for d in DID.select().where(DID.status == "blocked")}
    assert changed == {"100", "105", "119"}
    for number in changed:
        d = did(number)
        assert (d.tag, d.hold_days, d.after_hold, d.operator_id, d.reseller_id, d.version) == (
            "gold",
            3,
            "reserved",
            b.id,
            res.id,
            2,
        )
    assert did("101").version == 1 and did("101").operator_id == a.id
    assert_invariants()


def test_mass_edit_by_many_ids_uses_one_batch(profile: Profile) -> None:
    create("10000-11999")
    chosen = [i for (i,) in DID.select(DID.id).where(DID.number >= "10500").tuples()]
    assert len(chosen) == 1500  # above the IN-list limit: the temporary table path
    assert inventory.mass_edit(Selection.of_ids(chosen), {"tag": "bulk"}) == 1500
    assert filters.count(DIDFilter(tag="bulk")) == 1500
    assert filters.count(DIDFilter(tag="")) == 500
    batches = {b for (b,) in Event.select(Event.batch).where(Event.action == "mass_edit").tuples()}
    assert len(batches) == 1
    assert Event.select().where(Event.action == "mass_edit").count() == 1500
    assert_invariants()


def test_mass_edit_refusals_change_nothing(profile: Profile) -> None:
    world = make_world()
    create("100-104", tag="gold")
    retail.pick(world.cp_id, numbers=["102"])
    all_ids = ids_of("100", "101", "102", "103", "104")
    before = statuses()
    with pytest.raises(
        RuleViolation, match="1 of the selected DIDs are Active .*102 for ACME/main.*release them first"
    ):
        inventory.mass_edit(Selection.of_ids(all_ids), {"status": "reserved"})
    with pytest.raises(RuleViolation, match="only picking"):
        inventory.mass_edit(Selection.of_ids(all_ids[:2]), {"status": "active"})
    with pytest.raises(RuleViolation, match="only releasing"):
        inventory.mass_edit(Selection.of_ids(all_ids[:2]), {"status": "hold"})
    with pytest.raises(InputError, match="cannot set notes"):
        inventory.mass_edit(Selection.of_ids(all_ids), {"notes": "x"})
    with pytest.raises(InputError, match="nothing to change"):
        inventory.mass_edit(Selection.of_ids(all_ids), {})
    with pytest.raises(InputError, match="no DIDs selected"):
        inventory.mass_edit(Selection.of_ids([]), {"tag": "x"})
    with pytest.raises(Conflict, match="deleted meanwhile"):
        inventory.mass_edit(Selection.of_ids([*all_ids, 99999]), {"tag": "x"})
    assert statuses() == before
    assert filters.count(DIDFilter(tag="x")) == 0
    # A non-status field on Active DIDs is fine.
    assert inventory.mass_edit(Selection.of_ids(all_ids), {"hold_days": 9}) == 5
    assert_invariants()


@pytest.fixture
def filter_world(profile: Profile) -> dict[str, Any]:
    """DIDs spread over operators, tags, resellers, clients, packages and statuses."""
    world = make_world(allowed=5, tags="gold")
    colt = operators.create_operator("Colt")
    other_res = retail.create_reseller("Quanta")
    globex = retail.create_client("Globex")
    globex_main = retail.create_account(globex.id, "main")
    silver = retail.create_package("Silver", "silver", 5)
    silver_cp = retail.assign_package(globex_main.id, silver.id)
    create("15550000001-15550000010", tag="gold", operator_id=world.operator_id, reseller_id=world.reseller_id)
    create("15550000011-15550000020", tag="silver", operator_id=colt.id, reseller_id=other_res.id)
    create("4420000001-4420000005", tag="gold", operator_id=colt.id)
    create("15559990000-15559990004", tag="")
    retail.pick(world.cp_id, 3)
    retail.pick(world.other_cp_id, 2)
    retail.pick(silver_cp.id, 2)
    retail.deactivate(world.other_cp_id)  # its 2 DIDs go on Hold, still ACME's
    inventory.mass_edit(Selection.of_ids(ids_of("15550000019", "4420000005")), {"status": "reserved"})
    return dict(
        world=world, colt=colt.id, quanta=other_res.id, globex=globex.id, silver=silver.id, silver_cp=silver_cp.id
    )


def _filter_cases(w: dict[str, Any]) -> dict[str, tuple[DIDFilter, Callable[[filters.DIDRow], bool]]]:
    world = w["world"]
    return {
        "status": (DIDFilter(statuses=("reserved", "hold")), lambda r: r.status in ("reserved", "hold")),
        "operator": (DIDFilter(operator_id=w["colt"]), lambda r: r.operator == "Colt"),
        "tag": (DIDFilter(tag="silver"), lambda r: r.tag == "silver"),
        "no tag": (DIDFilter(tag=""), lambda r: r.tag == ""),
        "reseller": (DIDFilter(reseller_id=w["quanta"]), lambda r: r.reseller == "Quanta"),
        "client": (DIDFilter(client_id=world.client_id), lambda r: r.client == "ACME"),
        "account": (DIDFilter(account_id=world.other_account_id), lambda r: r.account == "support"),
        "package": (DIDFilter(package_id=w["silver"]), lambda r: r.package == "Silver"),
        "prefix": (DIDFilter(number="4420"), lambda r: r.number.startswith("4420")),
        "prefix ending in 9": (DIDFilter(number="+1555999"), lambda r: r.number.startswith("1555999")),
        "substring": (DIDFilter(number="*0001"), lambda r: "0001" in r.number),
        "combined": (DIDFilter(tag="gold", operator_id=w["colt"]), lambda r: r.tag == "gold" and r.operator == "Colt"),
    }


FILTER_NAMES = [
    "status",
    "operator",
    "tag",
    "no tag",
    "reseller",
    "client",
    "account",
    "package",
    "prefix",
    "prefix ending in 9",
    "substring",
    "combined",
]


@pytest.mark.parametrize("case", FILTER_NAMES)
def test_mass_edit_by_filter(filter_world: dict[str, Any], case: str) -> None:
    filt, predicate = _filter_cases(filter_world)[case]
    expected = {r.number for r in filters.iter_rows() if predicate(r)}
    assert expected, "the case must select something"
    assert filters.count(filt) == len(expected)
    last_event = Event.select(fn.MAX(Event.id)).scalar()
    n = inventory.mass_edit(Selection.matching(filt), {"hold_days": 77})
    assert n == len(expected)
    assert {d.number for d in DID.select().where(DID.hold_days == 77)} == expected
    new_events = list(Event.select().where(Event.id > last_event))
    assert sorted(e.did_number for e in new_events) == sorted(expected)  # one per DID
    assert {e.action for e in new_events} == {"mass_edit"} and len({e.batch for e in new_events}) == 1
    assert_invariants()


@pytest.mark.parametrize("case", FILTER_NAMES)
def test_mass_delete_by_filter_of_free_dids(filter_world: dict[str, Any], case: str) -> None:
    filt, predicate = _filter_cases(filter_world)[case]
    rows = [r for r in filters.iter_rows() if predicate(r)]
    attached = [r for r in rows if r.status in ("active", "hold")]
    before = filters.count()
    if attached:
        with pytest.raises(RuleViolation, match="Active and Hold DIDs cannot be deleted; nothing was deleted"):
            inventory.mass_delete(Selection.matching(filt))
        assert filters.count() == before
    else:
        assert inventory.mass_delete(Selection.matching(filt)) == len(rows)
        assert filters.count() == before - len(rows)
        assert {e.did_number for e in events(action="delete")} == {r.number for r in rows}
    assert_invariants()


def test_mass_edit_status_of_held_dids_by_account_filter(filter_world: dict[str, Any]) -> None:
    """Held DIDs given another status leave their client, even when selected by client."""
    world = filter_world["world"]
    filt = DIDFilter(account_id=world.other_account_id)
    held = {r.number for r in filters.iter_rows(filt)}
    assert len(held) == 2
    assert inventory.mass_edit(Selection.matching(filt), {"status": "archived"}) == 2
    for number in held:
        d = did(number)
        assert (d.status, d.client_package_id, d.hold_until) == ("archived", None, None)
    assert filters.count(filt) == 0
    assert_invariants()


def test_mass_edit_status_by_status_filter(filter_world: dict[str, Any]) -> None:
    """Selecting by the field being changed: every selected row changes once."""
    filt = DIDFilter(statuses=("in_stock", "hold"))
    n_before = filters.count(filt)
    assert inventory.mass_edit(Selection.matching(filt), {"status": "blocked"}) == n_before
    assert filters.count(DIDFilter(statuses=("in_stock", "hold"))) == 0
    assert_invariants()


def test_filter_refuses_non_digits(profile: Profile) -> None:
    with pytest.raises(InputError, match="'12a'"):
        filters.resolve_filter(number="12a")
    with pytest.raises(NotFound, match="unknown operator 'Nope'"):
        filters.resolve_filter(operator="Nope")


def test_resolve_filter_by_names(filter_world: dict[str, Any]) -> None:
    filt = filters.resolve_filter(client="ACME", account="support", status="hold")
    assert filters.count(filt) == 2
    assert filters.count(filters.resolve_filter(package="Silver")) == 2
    assert filters.count(filters.resolve_filter(operator="Colt", tag="gold")) == 5


# ---- delete -----------------------------------------------------------------------------


def test_mass_delete_by_ids_and_events(profile: Profile) -> None:
    created = create("100-109")
    chosen = ids_of("100", "101", "109")
    assert inventory.mass_delete(Selection.of_ids(chosen)) == 3
    assert sorted(statuses()) == [str(n) for n in range(102, 109)]
    deletes = events(action="delete")
    assert sorted(e.did_number for e in deletes) == ["100", "101", "109"]
    assert len({e.batch for e in deletes}) == 1 and deletes[0].batch != created.batch


@pytest.mark.parametrize("attached", ["active", "hold"])
def test_mass_delete_refuses_active_and_hold_nothing_deleted(profile: Profile, attached: str) -> None:
    world = make_world()
    create("100-104", tag="gold")
    retail.pick(world.cp_id, numbers=["103"])
    if attached == "hold":
        retail.release(Selection.of_ids(ids_of("103")))
    with pytest.raises(RuleViolation) as err:
        inventory.mass_delete(Selection.of_ids(ids_of("100", "101", "102", "103", "104")))
    message = str(err.value)
    assert "103" in message and "cannot be deleted" in message and "nothing was deleted" in message
    assert filters.count() == 5
    with pytest.raises(RuleViolation):
        inventory.delete_did(ids_of("103")[0])
    assert filters.count() == 5
    assert events(action="delete") == []
    assert inventory.delete_did(ids_of("100")[0]) == 1
    assert filters.count() == 4
    assert_invariants()


def _index_sql(table: str) -> list[tuple[str, tuple[str, ...], bool]]:
    from didtui.models import database_proxy

    db = database_proxy.obj
    return sorted((i.name, tuple(i.columns), i.unique) for i in db.get_indexes(table))


def test_large_create_keeps_every_index(profile: Profile, monkeypatch: pytest.MonkeyPatch) -> None:
    """A load as large as the table builds the indexes after it: they come back identical."""
    from didtui.dialect import dialect

    monkeypatch.setattr(dialect(), "reindex_min", 50)
    before = {t: _index_sql(t) for t in ("did", "event")}
    created = create("15550000000-15550000199", tag="gold")
    assert created.count == 200
    assert {t: _index_sql(t) for t in ("did", "event")} == before
    assert len(events(action="create")) == 200
    with pytest.raises(AlreadyExists):
        inventory.create_dids(parse_numbers("15550000199-15550000399"))
    assert filters.count() == 200


def test_large_create_with_overlapping_spans_writes_nothing(profile: Profile, monkeypatch: pytest.MonkeyPatch) -> None:
    """Spans that overlap each other (not checked by create_dids itself) still fail whole."""
    from didtui.core.numbers import NumberSpan
    from didtui.dialect import dialect

    monkeypatch.setattr(dialect(), "reindex_min", 50)
    before = _index_sql("did")
    with pytest.raises(AlreadyExists):
        inventory.create_dids([NumberSpan(1000, 1099, 4), NumberSpan(1050, 1149, 4)])
    assert filters.count() == 0 and Event.select().count() == 0
    assert _index_sql("did") == before
    create("1000-1099")  # the unique index still refuses what exists
    with pytest.raises(AlreadyExists):
        inventory.create_dids([NumberSpan(1099, 1099, 4)])


def test_create_with_overlapping_spans_writes_nothing(profile: Profile) -> None:
    """Spans that overlap each other (create_dids does not check) fail whole, as AlreadyExists."""
    from didtui.core.numbers import NumberSpan

    with pytest.raises(AlreadyExists):
        inventory.create_dids([NumberSpan(1000, 1099, 4), NumberSpan(1050, 1149, 4)])
    assert filters.count() == 0 and Event.select().count() == 0
