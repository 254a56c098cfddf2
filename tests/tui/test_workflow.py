"""The spec's whole workflow, by keys: operator, range with a tag, package with that tag,
assign it to an account, pick, deactivate (Hold), sweep an expired hold (After Hold)."""

from __future__ import annotations

import datetime as _dt

from didtui.core.statuses import Status
from didtui.models import DID, ClientPackage, Operator, Package
from tests.tui.conftest import screen_text, type_text, wait_for


async def choose(pilot, downs: int) -> None:
    """Open the focused Select, move down `downs` options, choose."""
    await pilot.press("enter")
    await pilot.pause()
    await pilot.press(*(["down"] * downs), "enter")
    await pilot.pause()


async def test_spec_workflow(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        # 1. an operator
        await pilot.press("2", "n")
        await wait_for(pilot, lambda: app.screen.query_one("#name").has_focus, what="operator form")
        await type_text(pilot, "Acme Tel")
        await pilot.press("ctrl+s")
        await wait_for(
            pilot, lambda: Operator.select().where(Operator.name == "Acme Tel").exists(), what="operator saved"
        )
        await wait_for(pilot, lambda: "Acme Tel" in screen_text(app), what="operator listed")

        # 2. a range with a tag, previewed first
        await pilot.press("1", "n")
        await wait_for(pilot, lambda: app.screen.query_one("#numbers").has_focus, what="new DIDs form")
        await type_text(pilot, "15550001000-15550001019")
        await wait_for(pilot, lambda: "makes 20 DIDs" in screen_text(app), what="preview")
        await pilot.press("tab")  # operator
        await wait_for(pilot, lambda: len(app.screen.query_one("#operator")._options) > 1, what="operators loaded")
        await choose(pilot, 1)
        await pilot.press("tab")
        await type_text(pilot, "gold")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: DID.select().where(DID.tag == "gold").count() == 20, what="20 DIDs created")
        op = Operator.get(Operator.name == "Acme Tel")
        assert DID.select().where(DID.operator == op.id).count() == 20
        await wait_for(pilot, lambda: "20 DIDs" in screen_text(app), what="table shows 20")

        # 3. a package with that tag
        await pilot.press("3", "n")
        await wait_for(pilot, lambda: app.screen.query_one("#name").has_focus, what="package form")
        await type_text(pilot, "Gold 5")
        await pilot.press("tab")
        await type_text(pilot, "gold")
        await pilot.press("tab", "end")
        await pilot.press("backspace", "backspace", "5", "ctrl+s")
        await wait_for(pilot, lambda: Package.select().where(Package.name == "Gold 5").exists(), what="package")
        assert Package.get(Package.name == "Gold 5").allowed_dids == 5

        # 4. a client with an account, the package assigned to it
        await pilot.press("4", "n")
        await wait_for(pilot, lambda: app.screen.query_one("#name").has_focus, what="client form")
        await type_text(pilot, "ACME Corp")
        await pilot.press("ctrl+s")
        await wait_for(
            pilot, lambda: "ACME Corp" in screen_text(app) and "main" in screen_text(app), what="client listed"
        )
        await pilot.press("a")
        await wait_for(pilot, lambda: len(app.screen.query_one("#package")._options) > 1, what="packages loaded")
        await choose(pilot, 1)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: ClientPackage.select().count() == 1, what="assigned")
        await wait_for(pilot, lambda: "Gold 5" in screen_text(app), what="client package listed")

        # 5. pick three DIDs
        await pilot.press("p")
        await wait_for(pilot, lambda: "5 left" in screen_text(app), what="pick form with allowance")
        await type_text(pilot, "3")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: DID.select().where(DID.status == "active").count() == 3, what="3 picked")

        # 6. deactivate: they go on Hold, shown at once
        await pilot.press("t")
        await wait_for(pilot, lambda: "Deactivate" in screen_text(app), what="confirmation")
        await pilot.press("y")
        await wait_for(pilot, lambda: DID.select().where(DID.status == "hold").count() == 3, what="on hold")
        await pilot.press("1", "slash")
        await type_text(pilot, "status:hold")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "3 DIDs" in screen_text(app) and "Hold" in screen_text(app), what="hold listed")

        # 7. time passes: the hold expires; the sweep moves them to their after-hold status
        past = _dt.datetime.utcnow() - _dt.timedelta(days=1)
        DID.update(hold_until=past).where(DID.status == "hold").execute()
        await pilot.press("escape", "S")
        await wait_for(pilot, lambda: "released 3" in screen_text(app), what="sweep time shown")
        assert DID.select().where(DID.status == Status.IN_STOCK.value).count() == 20
        assert DID.select().where(DID.client_package.is_null(False)).count() == 0
        await wait_for(
            pilot,
            lambda: "Hold" not in screen_text(app).split("DID ▲")[1].replace("Hold until", ""),
            what="table refreshed",
        )
