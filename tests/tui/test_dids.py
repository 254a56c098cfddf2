"""The DIDs tab by keys: filter, marks, mass edit, delete refusal, stale edit, history."""

from __future__ import annotations

import threading

from didtui.core import filters, inventory, operators
from didtui.core.filters import row_by_number
from didtui.core.numbers import parse_numbers
from didtui.models import DID
from didtui.tui.widgets import did_table
from tests.tui.conftest import screen_text, table_of, type_text, wait_for


async def open_filter(pilot, text: str) -> None:
    await pilot.press("slash")
    await pilot.pause()
    await type_text(pilot, text)
    await pilot.press("enter")


async def test_filter_mark_mass_edit(make_app, seeded):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: "60 DIDs" in screen_text(app), what="all DIDs counted")
        await open_filter(pilot, "op:Colt")
        await wait_for(
            pilot,
            lambda: "30 DIDs" in screen_text(app) and "filter: operator Colt" in screen_text(app),
            what="filtered",
        )
        await wait_for(pilot, lambda: table_of(app).is_settled())
        await pilot.press("space", "space")
        await wait_for(pilot, lambda: "2 selected" in screen_text(app), what="two marked")
        await pilot.press("m")
        await wait_for(pilot, lambda: "changes 2 DIDs" in screen_text(app), what="mass edit form")
        await pilot.press("tab")  # status -> tag
        await type_text(pilot, "vip")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: DID.select().where(DID.tag == "vip").count() == 2, what="mass edit saved")
        assert {d.number for d in DID.select().where(DID.tag == "vip")} == {"44200000000", "44200000001"}
        await wait_for(
            pilot,
            lambda: "vip" in screen_text(app) and "selected" not in screen_text(app),
            what="table shows the change",
        )
        # esc clears the filter
        await pilot.press("escape")
        await wait_for(pilot, lambda: "60 DIDs" in screen_text(app) and "filter:" not in screen_text(app))


async def test_mark_all_delete_refused_when_active(make_app, seeded):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await open_filter(pilot, "tag:gold")
        await wait_for(pilot, lambda: "30 DIDs" in screen_text(app), what="gold filtered")
        await pilot.press("a")
        await wait_for(pilot, lambda: "30 selected (all matching)" in screen_text(app))
        await pilot.press("m")
        await wait_for(pilot, lambda: "Mass edit 30 DIDs" in screen_text(app))
        await pilot.press("ctrl+d")  # refused before any confirmation is asked
        await wait_for(pilot, lambda: "cannot be deleted" in screen_text(app), what="refusal in the form")
        assert "Delete 30 DIDs" not in screen_text(app)
        assert DID.select().count() == 60
        await pilot.press("escape")
        await pilot.pause()
        # a plain delete of an In Stock DID, confirmed
        await pilot.press("A", "G", "delete")
        await wait_for(pilot, lambda: "Delete DID 15550000029" in screen_text(app), what="delete confirmation")
        await pilot.press("y")
        await wait_for(pilot, lambda: DID.select().count() == 59, what="deleted")
        await wait_for(pilot, lambda: "29 DIDs" in screen_text(app))


async def test_bad_filter_is_shown_in_place(make_app, seeded):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await open_filter(pilot, "op:Nobody")
        await wait_for(pilot, lambda: "unknown operator 'Nobody'" in screen_text(app), what="message in place")
        await pilot.press("escape")
        await open_filter(pilot, "12ab")
        await wait_for(pilot, lambda: "use digits" in screen_text(app))
        await pilot.press("escape")
        await wait_for(pilot, lambda: "60 DIDs" in screen_text(app))


async def test_stale_edit_shows_their_change_and_saves_nothing(make_app, seeded):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await open_filter(pilot, "4420000000")
        await wait_for(pilot, lambda: table_of(app).is_settled() and table_of(app).total == 10)
        await pilot.press("enter")
        await wait_for(pilot, lambda: "Edit DID 44200000000" in screen_text(app), what="edit form")
        await wait_for(pilot, lambda: "version 1" in screen_text(app))
        # someone else edits the same DID meanwhile
        row = row_by_number("44200000000")
        inventory.edit_did(row.id, row.version, {"tag": "theirs"}, actor="bob")
        await pilot.press("tab", "tab")  # status -> operator -> tag
        await pilot.press("end", *["backspace"] * 10)
        await type_text(pilot, "mine")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "changed by someone else" in screen_text(app), what="conflict shown")
        assert "theirs" in screen_text(app)
        assert row_by_number("44200000000").tag == "theirs"
        await pilot.press("escape")


async def test_history_and_release(make_app, seeded):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await open_filter(pilot, "status:active")
        await wait_for(pilot, lambda: table_of(app).is_settled() and table_of(app).total == 3)
        await pilot.press("h")
        await wait_for(pilot, lambda: "History of DID 15550000000" in screen_text(app) and "pick" in screen_text(app))
        await pilot.press("escape")
        await pilot.press("r")
        await wait_for(pilot, lambda: "Release DID 15550000000" in screen_text(app))
        await pilot.press("y")
        await wait_for(pilot, lambda: row_by_number("15550000000").status == "hold", what="released")
        await wait_for(pilot, lambda: table_of(app).total == 2)


async def test_new_dids_preview_lists_existing(make_app, seeded):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("n")
        await wait_for(pilot, lambda: app.screen.query_one("#numbers").has_focus)
        await type_text(pilot, "15550000028-15550000031")
        await wait_for(pilot, lambda: "makes 4 DIDs; 2 already exist: 15550000028, 15550000029" in screen_text(app))
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "already exist (15550000028" in screen_text(app), what="refusal")
        assert DID.select().count() == 60
        await pilot.press("escape")


async def test_keys_typed_in_one_burst_after_slash_reach_the_filter(make_app, seeded):
    """Over SSH a fast typist's keys arrive together: none may fall through to the table."""
    from textual import events

    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: "60 DIDs" in screen_text(app))
        names = {"/": "slash", ":": "colon", " ": "space"}
        for ch in "/tag:silver op:co":
            app.post_message(events.Key(names.get(ch, ch), ch))
        app.post_message(events.Key("enter", "\r"))
        await wait_for(
            pilot,
            lambda: "filter: operator Colt, tag silver" in screen_text(app) and "30 DIDs" in screen_text(app),
            what="burst filter",
        )
        assert "selected" not in screen_text(app)


async def test_filter_bar_keeps_backslashes_and_quoted_tag_blanks(make_app, seeded):
    slash = operators.create_operator("back\\slash")
    operators.create_operator("backslash")
    inventory.create_dids(parse_numbers("15559990000-15559990001"), operator_id=slash.id, tag="gold ")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await open_filter(pilot, "op:back\\slash")
        await wait_for(pilot, lambda: "filter: operator back\\slash" in screen_text(app), what="backslash kept")
        await wait_for(pilot, lambda: table_of(app).is_settled() and table_of(app).total == 2)
        await pilot.press("escape")
        await open_filter(pilot, 'tag:"gold "')
        await wait_for(pilot, lambda: 'filter: tag "gold "' in screen_text(app), what="quoted tag")
        await wait_for(pilot, lambda: table_of(app).is_settled() and table_of(app).total == 2)
        await pilot.press("slash")  # reopens on the same filter, written back in the syntax
        await pilot.pause()
        assert app.screen.query_one("#filter-input").value == 'tag:"gold "'
        await pilot.press("escape", "escape")  # close the bar, clear the filter
        await wait_for(pilot, lambda: "62 DIDs" in screen_text(app), what="cleared")
        await open_filter(pilot, "tag:gold")
        await wait_for(pilot, lambda: table_of(app).is_settled() and table_of(app).total == 30, what="exact tag")


async def test_a_filter_error_quoting_markup_is_shown_literally(make_app, seeded):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await open_filter(pilot, 'op:"[/]"x')
        await wait_for(pilot, lambda: "filter: op:\"[/]\" is followed by 'x'" in screen_text(app), what="literal")
        await pilot.press("escape")
        await wait_for(pilot, lambda: "62 DIDs" in screen_text(app) or "60 DIDs" in screen_text(app))


async def test_an_estimate_shows_while_the_exact_count_is_on_its_way(make_app, sqlite_profile, monkeypatch):
    """Over millions of DIDs the exact count of a broad filter takes a while: the summary
    says `~N DIDs (estimate)` meanwhile, then the exact count replaces it."""
    op = operators.create_operator("Telia")
    inventory.create_dids(parse_numbers("15550000000-15550000299"), operator_id=op.id, tag="gold")
    monkeypatch.setattr(filters, "ESTIMATE_IDS", 40)  # 300 DIDs count as a large table here
    exact = filters.count
    release = threading.Event()

    def slow_count(filt=None):
        release.wait(10)
        return exact(filt)

    monkeypatch.setattr(filters, "count", slow_count)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: "~300 DIDs (estimate)" in screen_text(app), what="the estimate")
        assert "15550000000" in screen_text(app)  # the rows did not wait for the count
        await pilot.press("m")
        await wait_for(pilot, lambda: "Mass edit" not in screen_text(app))
        release.set()
        await wait_for(
            pilot,
            lambda: "300 DIDs" in screen_text(app) and "estimate" not in screen_text(app),
            what="the exact count",
        )


async def test_a_scrollbar_jump_lands_on_the_right_rows_with_landmarks(make_app, sqlite_profile, monkeypatch):
    """Once the count is in, a background pass notes every N-th key; a jump to the middle
    then seeks from the nearest one and shows exactly the rows at that position."""
    op = operators.create_operator("Telia")
    inventory.create_dids(parse_numbers("15550000000-15550000999"), operator_id=op.id, tag="gold")
    monkeypatch.setattr(did_table, "LANDMARK_EVERY", 70)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        table = table_of(app)
        await wait_for(pilot, lambda: table.is_settled() and table._landmarks is not None, what="landmarks")
        assert len(table._landmarks.keys) == 1_000 // 70
        table.scroll_to(y=637, animate=False, immediate=True)
        await wait_for(pilot, lambda: table.is_settled() and table.row_at(637) is not None, what="the jump")
        assert table.row_at(637).number == "15550000637"
        assert "15550000637" in screen_text(app)
