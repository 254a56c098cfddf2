"""The Blocks view: reached by `b` on Operators, counts and costs shown, sort, a new block
by keys, drill-down to the block's DIDs and back."""

from __future__ import annotations

from decimal import Decimal

from didtui.core import blocks, operators
from didtui.models import Block
from tests.tui.conftest import screen_text, type_text, wait_for


async def test_blocks_view_counts_sort_new_and_drill_down(make_app, seeded):
    telia = next(o for o in operators.list_operators() if o.name == "Telia")
    blocks.add_block("15550000000-15550000099", telia.id, name="NY Gold", monthly_cost=Decimal("0.5"))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await wait_for(pilot, lambda: "Telia" in screen_text(app), what="operators")
        await pilot.press("b")
        await wait_for(pilot, lambda: "NY Gold" in screen_text(app) and "…" not in screen_text(app), what="blocks")
        text = screen_text(app)
        # 100 numbers, 30 DIDs (3 Active, 27 In Stock), 70 missing; 50.00 a month, 48.50 unused
        assert "1 block · 50.00/month, 48.50 unused · by name" in text
        row = next(line for line in text.splitlines() if "NY Gold" in line)
        assert row.split()[:8] == ["NY", "Gold", "100", "3", "27", "27", "50.00", "48.50"], row
        await pilot.press("s")
        await wait_for(pilot, lambda: "by operator" in screen_text(app))
        # a new block, by keys
        await pilot.press("n")
        await wait_for(pilot, lambda: "New block" in screen_text(app), what="form")
        await type_text(pilot, "44200000000-44200000049")
        await pilot.press("tab", "enter")
        await wait_for(pilot, lambda: "Colt" in screen_text(app), what="operator list")
        await pilot.press("down", "enter")
        await pilot.press("tab")
        await type_text(pilot, "London")
        await pilot.press("tab")
        await type_text(pilot, "1.5")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "London" in screen_text(app) and "New block" not in screen_text(app))
        saved = Block.get(Block.name == "London")
        assert (saved.first, saved.last, saved.monthly_cost) == ("44200000000", "44200000049", Decimal("1.5"))
        # drill down into NY Gold's DIDs
        while app.screen.current is None or app.screen.current.name != "NY Gold":  # type: ignore[attr-defined]
            await pilot.press("down")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "filter: block NY Gold" in screen_text(app) and "30 DIDs" in screen_text(app))
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.query_one("TabbedContent").active == "operators", what="back")


async def test_costs_report_in_the_app(make_app, seeded):
    telia = next(o for o in operators.list_operators() if o.name == "Telia")
    blocks.add_block("15550000000-15550000029", telia.id, name="NY", monthly_cost=Decimal("2"), setup_cost=Decimal(9))
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("2")
        await wait_for(pilot, lambda: "Telia" in screen_text(app))
        await pilot.press("b")
        await wait_for(pilot, lambda: "NY" in screen_text(app))
        await pilot.press("c")
        await wait_for(pilot, lambda: "by operator" in screen_text(app) and "60.00" in screen_text(app))
        await pilot.press("b")
        await wait_for(pilot, lambda: "by block" in screen_text(app))
        await pilot.press("b")
        await pilot.press("b")
        await wait_for(pilot, lambda: "by status" in screen_text(app) and "active" in screen_text(app))
        await pilot.press("escape")


async def test_new_dids_form_records_the_range_as_a_block(make_app, seeded):
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("n")
        await wait_for(pilot, lambda: "New DIDs" in screen_text(app), what="form")
        await type_text(pilot, "15559990000-15559990099")
        await pilot.press("tab", "enter")
        await wait_for(pilot, lambda: "Telia" in screen_text(app), what="operators")
        await pilot.press("down", "down", "enter")  # (none), Colt, Telia
        for _ in range(7):
            await pilot.press("tab")
        await type_text(pilot, "NY new")
        await pilot.press("tab")
        await type_text(pilot, "0.2")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "New DIDs" not in screen_text(app), what="created")
        row = blocks.block_by_name("NY new")
        assert (row.first, row.last, row.operator, row.monthly_cost) == (
            "15559990000", "15559990099", "Telia", Decimal("0.2000"),
        )  # fmt: skip
        assert row.by_status == {"in_stock": 100}


async def test_reconcile_wizard_compares_then_applies(make_app, seeded, tmp_path):
    from didtui.models import DID

    listed = [f"4420000{n:04d}" for n in range(3, 30)] + ["44200009999"]
    path = tmp_path / "colt.csv"
    path.write_text("Number;Status\n" + "\n".join(f"{n};in stock" for n in listed) + "\n", encoding="utf-8")
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("2")
        await wait_for(pilot, lambda: "Colt" in screen_text(app))
        await pilot.press("R")  # on Colt, the first row
        await wait_for(pilot, lambda: "Reconcile an operator's list" in screen_text(app))
        await type_text(pilot, str(path))
        await pilot.press("enter")
        await wait_for(pilot, lambda: "ctrl+s compares" in screen_text(app), what="inspected")
        await pilot.press("ctrl+s")
        await wait_for(
            pilot,
            lambda: (
                "28 listed · 1 not held · 3 no longer listed · 0 differ" in screen_text(app)
                and "missing  44200009999" in screen_text(app)
                and "gone     44200000000" in screen_text(app)
            ),
            what="summary and samples",
        )
        assert DID.get(DID.number == "44200000000").status == "in_stock"
        app.screen.query_one("#missing").value = "add-reserved"
        app.screen.query_one("#gone").value = "archive"
        app.screen.query_one("#apply").press()
        await wait_for(pilot, lambda: "One batch, all or nothing" in screen_text(app), what="confirm")
        await pilot.press("y")
        await wait_for(pilot, lambda: "applied: 1 added, 3 archived" in screen_text(app), what="applied")
        assert DID.get(DID.number == "44200000000").status == "archived"
        assert DID.get(DID.number == "44200009999").status == "reserved"
        await pilot.press("escape")


async def test_pick_consecutive_numbers_from_the_app(make_app, seeded):
    from didtui.models import DID

    telia = next(o for o in operators.list_operators() if o.name == "Telia")
    blocks.add_block("15550000000-15550000004", telia.id, name="Small")  # free in it: 003, 004
    blocks.add_block("15550000005-15550000029", telia.id, name="Rest")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("4")
        await wait_for(pilot, lambda: "Gold 5" in screen_text(app), what="client package listed")
        await pilot.press("p")
        await wait_for(pilot, lambda: "27 In Stock DIDs free" in screen_text(app), what="pick form")
        await type_text(pilot, "2")
        await pilot.press("tab", "tab", "space")
        assert app.screen.query_one("#consecutive").value is True
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "Pick DIDs for" not in screen_text(app), what="picked")
        active = [d.number for d in DID.select().where(DID.status == "active").order_by(DID.number)]
        assert active[-2:] == ["15550000003", "15550000004"]
