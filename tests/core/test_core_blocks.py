"""Blocks: ranges bought from an operator; their counts, free runs and costs, on every
backend, against fixtures computed by hand."""

from __future__ import annotations

import datetime as _dt
from decimal import Decimal

import pytest
from core_helpers import assert_invariants, create, ids_of

from didtui.config import Profile
from didtui.core import blocks, filters, inventory, operators, retail, runs
from didtui.core.filters import Selection
from didtui.errors import AlreadyExists, InputError, NotFound, RuleViolation
from didtui.models import DID


@pytest.fixture
def world(profile: Profile) -> dict:
    """Operator Telia with block A (100 numbers, 0.50 a month each) holding 60 DIDs:
    10 Active, 30 In Stock (runs of 12 and 18), 5 Reserved, 5 Blocked, 10 Archived;
    and operator Colt with block B (10 numbers, no cost) holding none."""
    res = retail.create_reseller("Northwind")
    telia = operators.create_operator("Telia", reseller_id=res.id)
    colt = operators.create_operator("Colt")
    create("44207946000-44207946059", operator_id=telia.id, tag="gold")
    # 000-009 Active, 010-021 In Stock (12), 022 Reserved, 023-040 In Stock (18),
    # 041-044 Reserved, 045-049 Blocked, 050-059 Archived
    pkg = retail.create_package("Gold", "gold", 20)
    client = retail.create_client("Acme", account="main")
    account = retail.list_accounts(client.id)[0]
    cp = retail.assign_package(account.id, pkg.id)
    retail.pick(cp.id, numbers=[f"442079460{n:02d}" for n in range(10)])
    inventory.mass_edit(Selection.of_ids(ids_of("44207946022")), {"status": "reserved"})
    inventory.mass_edit(Selection.of_ids(ids_of(*[f"442079460{n:02d}" for n in range(41, 45)])), {"status": "reserved"})
    inventory.mass_edit(Selection.of_ids(ids_of(*[f"442079460{n:02d}" for n in range(45, 50)])), {"status": "blocked"})
    inventory.mass_edit(Selection.of_ids(ids_of(*[f"442079460{n:02d}" for n in range(50, 60)])), {"status": "archived"})
    a = blocks.add_block(
        "44207946000-44207946099",
        telia.id,
        name="London A",
        monthly_cost=Decimal("0.50"),
        setup_cost=Decimal("100"),
        bought_on=_dt.date(2026, 1, 15),
    )
    b = blocks.add_block("4930123450-4930123459", colt.id)
    return {"telia": telia, "colt": colt, "a": a, "b": b, "cp": cp}


def test_block_counts_and_costs_match_the_hand_computed_fixture(world: dict) -> None:
    rows = {r.name: r for r in blocks.list_blocks()}
    a = rows["London A"]
    assert a.size == 100 and a.in_inventory == 60 and a.not_in_inventory == 40
    assert a.by_status == {"active": 10, "in_stock": 30, "reserved": 5, "blocked": 5, "archived": 10}
    assert a.in_use_pct == 10.0 and a.free_pct == 30.0
    assert a.billed == 90 and a.unused == 80
    assert a.monthly_total == Decimal("45.00") and a.monthly_unused == Decimal("40.00")
    assert a.operator == "Telia" and a.reseller == "Northwind" and a.bought_on == _dt.date(2026, 1, 15)
    b = rows["4930123450-4930123459"]  # named by its range when no name is given
    assert b.size == 10 and b.by_status == {} and b.monthly_total is None
    assert blocks.longest_free_runs() == {world["a"].id: 18}
    assert_invariants()


def test_blocks_sort_and_filter_by_operator(world: dict) -> None:
    assert [r.name for r in blocks.list_blocks(sort="size")] == ["London A", "4930123450-4930123459"]
    assert blocks.list_blocks(sort="free")[0].name == "4930123450-4930123459"
    assert [r.name for r in blocks.list_blocks(operator_id=world["colt"].id)] == ["4930123450-4930123459"]
    with pytest.raises(InputError, match="sort blocks by"):
        blocks.list_blocks(sort="colour")


def test_drill_down_filter_holds_exactly_the_block_dids(world: dict) -> None:
    create("442079460999", operator_id=world["telia"].id)  # 12 digits: not in the block
    create("44207946100", operator_id=world["telia"].id)  # past its end
    filt = blocks.block_by_name("london").did_filter()
    assert filters.count(filt) == 60
    assert filt.describe() == "block London A"
    numbers = [r.number for r in filters.iter_rows(filt)]
    assert numbers[0] == "44207946000" and numbers[-1] == "44207946059"


def test_blocks_never_overlap_and_never_touch_dids(world: dict) -> None:
    before = list(DID.select(DID.id, DID.number, DID.status, DID.version).order_by(DID.id).tuples())
    with pytest.raises(AlreadyExists, match="overlaps block London A"):
        blocks.add_block("44207946050-44207946149", world["telia"].id)
    with pytest.raises(AlreadyExists, match="already exists"):
        blocks.add_block("44207947000-44207947009", world["telia"].id, name="london a")
    other = blocks.add_block("442079460000-442079460999", world["telia"].id)  # 12 digits: no overlap
    blocks.edit_block(other.id, monthly_cost=Decimal("1"), name="Twelve")
    assert blocks.block_by_name("twel").monthly_cost == Decimal("1")
    with pytest.raises(AlreadyExists, match="overlaps"):
        blocks.edit_block(other.id, range_text="44207946090-44207946199")
    assert blocks.delete_block(other.id) == "Twelve"
    with pytest.raises(NotFound):
        blocks.delete_block(other.id)
    after = list(DID.select(DID.id, DID.number, DID.status, DID.version).order_by(DID.id).tuples())
    assert before == after


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("111-222, 333-444", "a block is one range"),
        ("1-2-3", "1-2-3"),
        ("", "no DID number"),
    ],
)
def test_bad_block_ranges_are_refused(world: dict, text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        blocks.add_block(text, world["telia"].id)


def test_money_and_dates_as_typed() -> None:
    assert blocks.parse_money("1.25", "monthly cost") == Decimal("1.25")
    assert blocks.parse_money("0,75", "monthly cost") == Decimal("0.75")
    assert blocks.parse_money("", "monthly cost") is None
    for bad in ("-1", "abc", "NaN", "Infinity", "1e20"):
        with pytest.raises(InputError, match="monthly cost"):
            blocks.parse_money(bad, "monthly cost")
    assert blocks.parse_day("2026-03-01") == _dt.date(2026, 3, 1)
    with pytest.raises(InputError, match="YYYY-MM-DD"):
        blocks.parse_day("01/03/2026")


def test_cost_report_by_every_grouping(world: dict) -> None:
    by_op = {line.key: line for line in blocks.cost_report("operator")}
    assert by_op["Telia"].monthly == Decimal("45.00") and by_op["Telia"].monthly_unused == Decimal("40.00")
    assert by_op["Telia"].setup == Decimal("100") and by_op["Colt"].numbers == 10
    by_status = {line.key: line for line in blocks.cost_report("status")}
    assert by_status["active"].monthly == Decimal("5.00") and by_status["active"].unused == 0
    assert by_status["in_stock"].monthly_unused == Decimal("15.00")
    assert by_status[blocks.NOT_IN_INVENTORY].numbers == 50  # 40 of A, 10 of B
    assert "archived" not in by_status
    by_res = {line.key: line for line in blocks.cost_report("reseller")}
    assert set(by_res) == {"Northwind", "(none)"}
    total = blocks.report_total(blocks.cost_report("block"))
    assert total.monthly == Decimal("45.00") and total.numbers == 100
    with pytest.raises(InputError):
        blocks.cost_report("colour")


# ---- consecutive picking --------------------------------------------------------------


def test_consecutive_pick_takes_the_first_run_long_enough_inside_one_block(world: dict) -> None:
    # Free runs in block A: 010-021 (12) and 023-040 (18). Package Gold allows 20, 10 used.
    retail.update_package(retail.list_packages()[0].id, allowed_dids=60)
    picked = runs.pick_consecutive(world["cp"].id, 15)
    assert picked == [f"442079460{n:02d}" for n in range(23, 38)]
    assert all(DID.get(DID.number == n).status == "active" for n in picked)
    assert_invariants()


def test_consecutive_pick_refused_names_the_longest_run(world: dict) -> None:
    retail.update_package(retail.list_packages()[0].id, allowed_dids=60)
    before = filters.count_by_status()
    with pytest.raises(RuleViolation, match="the longest free run is 18"):
        runs.pick_consecutive(world["cp"].id, 19)
    assert filters.count_by_status() == before


def test_consecutive_runs_stop_at_block_edges(world: dict) -> None:
    # 20 free numbers 44207947000-019 across two blocks of 10 each, plus a pool outside.
    create("44207947000-44207947019", operator_id=world["telia"].id, tag="gold")
    blocks.add_block("44207947000-44207947009", world["telia"].id, name="C1")
    blocks.add_block("44207947010-44207947019", world["telia"].id, name="C2")
    retail.update_package(retail.list_packages()[0].id, allowed_dids=60)
    assert runs.longest_run(["gold"]) == 18
    picked = runs.pick_consecutive(world["cp"].id, 10)
    assert picked[0] == "44207946010" and len(picked) == 10  # the first run long enough
    picked = runs.pick_consecutive(world["cp"].id, 10)
    assert picked[0] == "44207946023"
    picked = runs.pick_consecutive(world["cp"].id, 10)
    assert picked == [f"442079470{n:02d}" for n in range(10)]  # C1 whole, not across into C2
    assert_invariants()


def test_consecutive_pick_without_blocks_uses_the_pool(profile: Profile) -> None:
    create("15550001000-15550001004, 15550001006-15550001010", tag="pool")
    pkg = retail.create_package("Pool", "pool", 10)
    client = retail.create_client("Zed", account="a")
    cp = retail.assign_package(retail.list_accounts(client.id)[0].id, pkg.id)
    assert runs.pick_consecutive(cp.id, 5) == [f"1555000100{n}" for n in range(5)]
    with pytest.raises(RuleViolation, match="longest free run is 5"):
        runs.pick_consecutive(cp.id, 6)
    assert_invariants()


def test_creating_a_range_as_a_block_is_both_or_neither(world: dict) -> None:
    from didtui.core.numbers import parse_numbers

    n, row = blocks.create_dids_as_block(
        parse_numbers("44207948000-44207948049"), block_name="New 50", monthly_cost=Decimal("0.1"),
        operator_id=world["telia"].id, tag="gold",
    )  # fmt: skip
    assert n == 50 and row.size == 50 and row.by_status == {"in_stock": 50}
    before = filters.count()
    with pytest.raises(AlreadyExists, match="overlaps block New 50"):
        blocks.create_dids_as_block(
            parse_numbers("44207948040-44207948099"), block_name="Clash", operator_id=world["telia"].id
        )
    with pytest.raises(AlreadyExists, match="already exists"):  # the block name: DIDs rolled back too
        blocks.create_dids_as_block(
            parse_numbers("44207949000-44207949009"), block_name="new 50", operator_id=world["telia"].id
        )
    assert filters.count() == before
    with pytest.raises(InputError, match="choose the operator"):
        blocks.create_dids_as_block(parse_numbers("44207949000-44207949009"), block_name="X")
    assert_invariants()
