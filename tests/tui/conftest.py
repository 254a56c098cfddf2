"""Pilot helpers: an app over a file database, typing, and waiting for conditions."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from didtui.config import Profile
from didtui.tui.app import DidApp

KEY_NAMES = {
    " ": "space",
    "-": "minus",
    ",": "comma",
    "/": "slash",
    ":": "colon",
    "*": "asterisk",
    ".": "full_stop",
    "_": "underscore",
    "+": "plus",
    '"': "quotation_mark",
}


async def type_text(pilot, text: str) -> None:
    """Type text as a person would, key by key."""
    await pilot.press(*[KEY_NAMES.get(ch, ch) for ch in text])


async def wait_for(pilot, condition: Callable[[], bool], timeout: float = 5.0, what: str = "") -> None:
    """Pause until `condition()` holds (workers run in threads), or fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if condition():
                return
        except Exception:  # noqa: BLE001 - the screen may be mid-switch
            pass
        if time.monotonic() > deadline:
            try:
                shown = screen_text(pilot.app)
            except Exception:  # noqa: BLE001
                shown = "?"
            raise AssertionError(f"timed out waiting for {what or condition}; the screen shows:\n{shown}")
        await pilot.pause(0.02)


def screen_text(app) -> str:
    """Everything the current screen shows (modals over their background), as plain text."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


@pytest.fixture
def make_app(sqlite_profile: Profile):
    def make(**kwargs) -> DidApp:
        kwargs.setdefault("sweep_interval", 0)
        kwargs.setdefault("watch_interval", 0)
        keymap = kwargs.pop("keymap", None)
        return DidApp(sqlite_profile, keymap, **kwargs)

    return make


@pytest.fixture
def seeded(sqlite_profile: Profile):
    """Two operators with 30 DIDs each (gold / silver), 3 gold DIDs Active for ACME/main."""
    from didtui.core import inventory, operators, retail
    from didtui.core.numbers import parse_numbers

    telia = operators.create_operator("Telia")
    colt = operators.create_operator("Colt")
    inventory.create_dids(parse_numbers("15550000000-15550000029"), operator_id=telia.id, tag="gold")
    inventory.create_dids(parse_numbers("44200000000-44200000029"), operator_id=colt.id, tag="silver")
    package = retail.create_package("Gold 5", "gold", 5)
    client = retail.create_client("ACME")
    account = retail.create_account(client.id, "main")
    cp = retail.assign_package(account.id, package.id)
    retail.pick(cp.id, count=3)
    return {"telia": telia.id, "colt": colt.id, "cp": cp.id}


def table_of(app):
    from didtui.tui.widgets.did_table import DIDTable

    return app.screen.query_one(DIDTable)


def burst(app, *keys: str) -> None:
    """Send keys as one burst (a paste, SSH coalescing keystrokes): all queued at once,
    with no pause for the app to handle any of them."""
    import unicodedata

    from textual import events
    from textual.keys import REPLACED_KEYS, _character_to_key, _get_unicode_name_from_key

    for key in keys:
        if len(key) == 1 and not key.isalnum():
            key = _character_to_key(key)
        try:
            char: str | None = unicodedata.lookup(_get_unicode_name_from_key(REPLACED_KEYS.get(key, key)))
        except KeyError:
            char = key if len(key) == 1 else None
        event = events.Key(key, char)
        event.set_sender(app)
        app._driver.send_message(event)


def chars(text: str) -> list[str]:
    """The key names that type `text`."""
    return [KEY_NAMES.get(ch, ch) for ch in text]
