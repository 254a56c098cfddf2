"""Numbers in the app by keys, under a GB profile: New DIDs previews a range as people
write it, the filter bar takes a national prefix, the table shows Country/Type/Place."""

from __future__ import annotations

from pathlib import Path

import pytest

from didtui import db as dbmod
from didtui.config import Profile
from didtui.core import inventory
from didtui.core.numbers import parse_numbers
from didtui.models import DID
from didtui.tui.app import DidApp
from tests.conftest import make_profile
from tests.tui.conftest import screen_text, table_of, type_text, wait_for


@pytest.fixture
def gb_profile(tmp_path: Path) -> Profile:
    saved = dbmod.current_numbering()
    profile = make_profile("sqlite", tmp_path, country="GB", numbers="valid")
    database = dbmod.connect(profile)
    yield profile
    database.close()
    dbmod.set_numbering(saved)


def _app(profile: Profile) -> DidApp:
    return DidApp(profile, None, sweep_interval=0)


async def test_new_dids_previews_a_gb_range_as_100_dids_and_creates_them(gb_profile):
    app = _app(gb_profile)
    async with app.run_test(size=(160, 40)) as pilot:
        await wait_for(pilot, lambda: "0 DIDs" in screen_text(app), what="empty table")
        await pilot.press("n")
        await wait_for(pilot, lambda: "New DIDs" in screen_text(app), what="the form")
        await type_text(pilot, "+44 20 7946 0100-0199")
        await wait_for(
            pilot,
            lambda: (
                "makes 100 DIDs" in screen_text(app)
                and "read as +44 20 7946 0100 … +44 20 7946 0199 (100) GB fixed London" in screen_text(app)
            ),
            what="the preview with its reading",
        )
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: DID.select().count() == 100, what="created")
        assert {d.country for d in DID.select()} == {"GB"}
        assert DID.select().where(DID.number == "442079460150", DID.place == "London").exists()


async def test_new_dids_shows_the_refusal_with_the_token(gb_profile):
    app = _app(gb_profile)
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.press("n")
        await wait_for(pilot, lambda: "New DIDs" in screen_text(app), what="the form")
        await type_text(pilot, "020 7946 000")
        await wait_for(
            pilot, lambda: "is not a valid number for GB" in screen_text(app), what="the refusal with the token"
        )
        await pilot.press("ctrl+s")
        await pilot.pause(0.2)
        assert DID.select().count() == 0


async def test_filter_by_national_prefix_and_the_derived_columns(gb_profile):
    inventory.create_dids(parse_numbers("+44 20 7946 0000-0009, 0800 123 4567, +1 201 555 0123"))
    app = _app(gb_profile)
    async with app.run_test(size=(210, 30)) as pilot:
        await wait_for(pilot, lambda: "12 DIDs" in screen_text(app), what="all counted")
        await wait_for(pilot, lambda: table_of(app).is_settled())
        text = screen_text(app)
        assert "Country" in text and "Type" in text and "Place" in text
        assert "+44 20 7946 0000" in text and "London" in text and "tollfree" in text and "New Jersey" in text
        await pilot.press("slash")
        await pilot.pause()
        await type_text(pilot, "020 7946")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "10 DIDs" in screen_text(app), what="the prefix filter")
        await pilot.press("escape")
        await pilot.press("slash")
        await pilot.pause()
        await type_text(pilot, "country:US")
        await pilot.press("enter")
        await wait_for(
            pilot, lambda: "1 DIDs" in screen_text(app) or "1 DID" in screen_text(app), what="country filter"
        )
