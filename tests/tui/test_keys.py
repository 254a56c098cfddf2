"""Keys in order: a burst of keys (a paste, SSH coalescing) is handled key by key by the
widget focused when each key is reached, including forms opened by a key of the burst."""

from __future__ import annotations

from textual.widgets import Input

from didtui.core import retail
from tests.tui.conftest import burst, chars, screen_text, wait_for


async def test_a_burst_opening_a_client_form_fills_its_fields_in_order(make_app, seeded):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("4")
        await wait_for(pilot, lambda: "ACME" in screen_text(app), what="clients")
        burst(app, "n", *chars("Foo"), "tab", "tab", "ctrl+u", *chars("bar"))
        await wait_for(pilot, lambda: app.screen.query_one("#account", Input).value == "bar", what="account typed")
        assert app.screen.query_one("#name", Input).value == "Foo"
        burst(app, "ctrl+s")
        await wait_for(pilot, lambda: "Foo" in screen_text(app) and len(app.screen_stack) == 1, what="saved")
        client = next(c for c in retail.list_clients() if c.name == "Foo")
        assert [a.name for a in retail.list_accounts(client.id)] == ["bar"]


async def test_a_paste_lands_in_the_focused_input_in_order_with_keys(make_app, seeded):
    from textual import events

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("4")
        await wait_for(pilot, lambda: "ACME" in screen_text(app), what="clients")
        burst(app, "n")
        app._driver.send_message(events.Paste("Pasted Co"))  # bracketed paste, right behind the key
        burst(app, "tab", "tab", "ctrl+u")
        app._driver.send_message(events.Paste("ops"))
        await wait_for(pilot, lambda: app.screen.query_one("#account", Input).value == "ops", what="account pasted")
        assert app.screen.query_one("#name", Input).value == "Pasted Co"


async def test_a_burst_on_the_dids_tab_filters_then_acts_on_the_result(make_app, seeded):
    from tests.tui.conftest import table_of

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: table_of(app).is_settled(), what="table")
        burst(app, "slash", *chars("4420"), "enter", "G", "enter")
        await wait_for(pilot, lambda: "Edit DID 44200000029" in screen_text(app), what="the last Colt DID opened")
