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
