"""Core functions the terminal needs: ending holds early, the change marker."""

from __future__ import annotations

import pytest
from core_helpers import assert_invariants, create, did, events, ids_of, make_world, statuses

from didtui.config import Profile
from didtui.core import changes, history, retail, sweep
from didtui.core.filters import DIDFilter, Selection, resolve_filter
from didtui.errors import RuleViolation


def test_end_hold_releases_selected_holds_as_the_sweep_would(profile: Profile) -> None:
    world = make_world(allowed=10)
    create("100-101", tag="gold", after_hold="in_stock")
    create("102", tag="gold", after_hold="reserved")
    create("103", tag="gold", after_hold="archived")
    create("104", tag="gold")
    retail.pick(world.cp_id, 5)
    retail.release(Selection.of_ids(ids_of("100", "102", "103", "104")))  # 101 stays Active

    with pytest.raises(RuleViolation, match="only Hold DIDs can end their hold"):
        sweep.end_hold(Selection.of_ids(ids_of("100", "101")))  # 101 is not on Hold
    assert statuses()["100"] == "hold"  # nothing changed
    deadline = {n: str(did(n).hold_until)[:19] for n in ("102", "103")}
    result = sweep.end_hold(Selection.of_ids(ids_of("100", "102", "103")))
    assert result.released == 3
    assert result.by_status == {"in_stock": 1, "reserved": 1, "archived": 1}
    assert statuses() == {"100": "in_stock", "101": "active", "102": "reserved", "103": "archived", "104": "hold"}
    for number in ("100", "102", "103"):
        d = did(number)
        assert d.client_package_id is None and d.hold_until is None
    ended = events(action="sweep")  # the sweep's own events
    assert sorted(e.did_number for e in ended) == ["100", "102", "103"]
    assert {e.batch for e in ended} == {result.batch}
    changes = history.shown_changes(next(e.changes for e in ended if e.did_number == "102"))
    assert changes["status"] == ["hold", "reserved"] and changes["hold_until"][0][:19] == deadline["102"]
    assert history.did_history("103")[0].describe().startswith(f"hold_until: {deadline['103']}")
    assert history.did_history("103")[0].describe().endswith(" → , status: Hold → Archived")
    assert_invariants()


def test_end_hold_of_a_filter_takes_every_matching_hold(profile: Profile) -> None:
    world = make_world(allowed=10)
    create("200-205", tag="gold")
    retail.pick(world.cp_id, 6)
    retail.deactivate(world.cp_id)
    assert sweep.end_hold(Selection.matching(resolve_filter(status="hold"))).released == 6
    assert set(statuses().values()) == {"in_stock"}
    assert sweep.end_hold(Selection.matching(resolve_filter(status="hold"))).released == 0  # none left
    with pytest.raises(RuleViolation):
        sweep.end_hold(Selection.matching(DIDFilter()))  # In Stock ones: refused
    assert_invariants()


def test_the_change_marker_moves_with_every_write(profile: Profile) -> None:
    first = changes.marker()
    world = make_world(allowed=10)
    second = changes.marker()
    assert second != first
    create("300-301", tag="gold")
    third = changes.marker()
    assert third != second
    assert changes.marker() == third  # reading changes nothing
    retail.pick(world.cp_id, 1)
    assert changes.marker() != third


def _world_for_sorting() -> list[str]:
    """Operators created out of name order (ids 1..3 = Zeta, Alpha, Mid), some DIDs with none;
    returns the numbers in (operator name, number) order, the operator-less last."""
    from didtui.core import inventory, operators
    from didtui.core.numbers import parse_numbers

    zeta = operators.create_operator("Zeta")
    alpha = operators.create_operator("Alpha")
    mid = operators.create_operator("Mid")
    inventory.create_dids(parse_numbers("500-504"), operator_id=zeta.id)
    inventory.create_dids(parse_numbers("600-606"), operator_id=alpha.id)
    inventory.create_dids(parse_numbers("700-702"), operator_id=None)
    inventory.create_dids(parse_numbers("400-401"), operator_id=mid.id)
    operators.create_operator("Empty")  # no DIDs: skipped
    return [*(str(n) for n in range(600, 607)), "400", "401", *(str(n) for n in range(500, 505)), "700", "701", "702"]


def test_operator_sort_is_by_name_by_keyset_in_both_directions(profile: Profile) -> None:
    from didtui.core import filters

    expected = _world_for_sorting()
    assert [r.number for r in filters.page(sort="operator", limit=100)] == expected
    # Key by key, 4 at a time, forwards...
    seen, after = [], None
    while True:
        rows = filters.page(sort="operator", after=after, limit=4)
        seen += [r.number for r in rows]
        if len(rows) < 4:
            break
        after = rows[-1].sort_key("operator")
    assert seen == expected
    # ...backwards from the end, and from any key.
    assert [r.number for r in filters.page(sort="operator", last=True, limit=5)] == expected[-5:]
    middle = filters.page(sort="operator", limit=10)[-1]
    assert [r.number for r in filters.page(sort="operator", before=middle.sort_key("operator"), limit=3)] == (
        expected[6:9]
    )
    # Jumps (a scrollbar drag) land on the same rows as paging does.
    for offset in (0, 3, 7, 9, 13, 16):
        assert [r.number for r in filters.page_at(None, sort="operator", offset=offset, limit=4)] == (
            expected[offset : offset + 4]
        )
    assert [r.number for r in filters.iter_rows(sort="operator", chunk=3)] == expected


def test_operator_sort_follows_a_rename_and_a_filter(profile: Profile) -> None:
    from didtui.core import filters, operators

    _world_for_sorting()
    zeta = next(o for o in operators.list_operators() if o.name == "Zeta")
    operators.rename_operator(zeta.id, "Aardvark")  # now first, nothing else rewritten
    rows = filters.page(sort="operator", limit=6)
    assert [r.number for r in rows] == ["500", "501", "502", "503", "504", "600"]
    filt = resolve_filter(number="60")
    assert [r.number for r in filters.page(filt, sort="operator", limit=3)] == ["600", "601", "602"]
