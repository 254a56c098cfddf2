"""Issue 7: whole at 80x24 (and usable at 60x20), the footer, 16 colours, the small things."""

from __future__ import annotations

import pytest
from textual.widgets import Select

from didtui.core import inventory, retail
from didtui.core.filters import Selection
from didtui.models import DID, Event
from didtui.tui.app import pick_theme
from didtui.tui.widgets.did_table import COLUMNS, FIXED, layout
from tests.tui.conftest import screen_text, table_of, type_text, wait_for


def table_lines(app) -> list[str]:
    """The table's header and rows as shown."""
    lines = screen_text(app).splitlines()
    start = next(i for i, line in enumerate(lines) if line.lstrip("◂ ").startswith("DID"))
    return lines[start:-1]


def test_columns_by_priority_fit_80_columns_with_did_fixed() -> None:
    shown = [c.title for c, _ in layout(78)]
    assert shown[:4] == ["DID", "Status", "Client", "Operator"]
    assert next(c.title for c, _ in layout(78, 1)) == FIXED.title == "DID"
    every = [c.title for c, _ in layout(400)]
    assert sorted(every) == sorted(c.title for c in COLUMNS)  # all of them on a wide screen
    assert sum(w + 1 for _, w in layout(400)) + 2 == 400  # and the spare room is used


async def test_dids_tab_at_80x24_shows_the_key_columns_and_scrolls_the_rest(make_app, seeded):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: table_of(app).is_settled(), what="table")
        header = table_lines(app)[0]
        for title in ("DID", "Status", "Client", "Operator"):
            assert title in header
        assert "ACME / main" in screen_text(app)
        assert "Tag" not in header and header.rstrip().endswith("▸")
        await pilot.press("right")
        header = table_lines(app)[0]
        assert header.lstrip("◂ ").startswith("DID") and "Tag" in header and "Status" not in header
        await pilot.press("right", "right", "right", "right", "right", "right", "right", "right", "right")
        header = table_lines(app)[0]
        assert "ID" in header.split() and not header.rstrip().endswith("▸")  # the last column reached
        await pilot.press("left", "left", "left", "left", "left", "left", "left", "left", "left", "left")
        assert "Status" in table_lines(app)[0]


@pytest.mark.parametrize("size", [(80, 24), (60, 20), (120, 30)])
async def test_after_G_the_last_row_is_on_screen_and_enter_edits_it(make_app, seeded, size):
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await wait_for(pilot, lambda: table_of(app).is_settled(), what="table")
        await pilot.press("G")
        await wait_for(pilot, lambda: table_of(app).is_settled() and "row 60" in screen_text(app), what="last")
        await pilot.pause(0.2)
        rows = table_lines(app)
        assert "44200000029" in rows[-1] or "44200000029" in rows[-2], rows[-3:]
        await pilot.press("enter")
        await wait_for(pilot, lambda: "Edit DID 44200000029" in screen_text(app), what="the visible row edited")


async def test_footer_keeps_help_and_quit_at_every_width(make_app, seeded):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: table_of(app).is_settled(), what="table")
        for width in (80, 60, 120, 80):
            await pilot.resize_terminal(width, 24)
            await pilot.pause(0.2)
            footer = screen_text(app).splitlines()[-1]
            assert "? Help" in footer and "^q Quit" in footer, footer
            assert len(footer) == width and "palettee" not in footer


async def test_operators_and_clients_fit_80_columns(make_app, seeded):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await wait_for(pilot, lambda: "Telia" in screen_text(app), what="operators")
        for title in ("Stock", "Active", "Hold", "Resvd", "Blockd", "Archvd"):
            assert title in screen_text(app)
        assert "2 operators" in screen_text(app)
        await pilot.press("4")
        await wait_for(pilot, lambda: "ACME" in screen_text(app), what="clients")
        assert "Active DIDs" in screen_text(app)
        assert "1 client · 1 account" in screen_text(app)  # singular where it is one


async def test_import_wizard_at_60x20_reaches_and_shows_its_policies(make_app, seeded, tmp_path):
    path = tmp_path / "in.csv"
    path.write_text("number,operator\n15559990000,Nobody Telecom\n", encoding="utf-8")
    app = make_app()
    async with app.run_test(size=(60, 20)) as pilot:
        await wait_for(pilot, lambda: table_of(app).is_settled(), what="table")
        await pilot.press("i")
        await wait_for(pilot, lambda: app.screen.query_one("#path").has_focus, what="wizard")
        app.screen.query_one("#path").value = str(path)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen.query_one("#step2").display, what="step 2")
        for _ in range(30):
            if app.screen.focused is app.screen.query_one("#unknown_operators", Select):
                break
            await pilot.press("tab")
        await pilot.pause(0.2)
        assert app.screen.focused.id == "unknown_operators"
        assert "Unknown ops" in screen_text(app)  # focused and visible, not scrolled away
        region = app.screen.focused.region
        assert 0 <= region.y < 20 and region.height >= 1


async def test_click_on_the_cursor_row_or_double_click_opens_the_edit_form(make_app, seeded):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: table_of(app).is_settled(), what="table")
        table = table_of(app)
        await pilot.click(table, offset=(5, 3))  # the third row: the cursor moves there
        assert table.cursor == 2 and len(app.screen_stack) == 1
        await pilot.click(table, offset=(5, 3))  # the cursor row: opens it
        await wait_for(pilot, lambda: "Edit DID 15550000002" in screen_text(app), what="edit by click")
        await pilot.press("escape")
        await wait_for(pilot, lambda: len(app.screen_stack) == 1)
        await pilot.double_click(table, offset=(5, 6))
        await wait_for(pilot, lambda: "Edit DID 15550000005" in screen_text(app), what="edit by double click")


async def test_filter_bar_shows_the_filter_that_is_active_after_a_drill_down(make_app, seeded):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("slash")
        await type_text(pilot, "status:active")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "3 DIDs" in screen_text(app), what="filtered")
        await pilot.press("2")
        await wait_for(pilot, lambda: "Telia" in screen_text(app), what="operators")
        await pilot.press("enter")  # Colt
        await wait_for(pilot, lambda: "filter: operator Colt" in screen_text(app), what="drilled down")
        assert "status:active" not in screen_text(app)
        await pilot.press("slash")
        await pilot.pause(0.1)
        assert app.screen.query_one("#filter-input").value == "op:Colt"


async def test_delete_of_an_active_did_is_refused_before_asking(make_app, seeded):
    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await wait_for(pilot, lambda: table_of(app).is_settled(), what="table")
        await pilot.press("delete")  # 15550000000 is Active
        await wait_for(pilot, lambda: "cannot be deleted" in screen_text(app), what="refusal")
        assert "press r to release" in screen_text(app) and "then e to end the hold" in screen_text(app)
        assert len(app.screen_stack) == 1 and DID.select().count() == 60


async def test_end_hold_releases_marked_hold_dids_with_history(make_app, seeded):
    app = make_app()
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await wait_for(pilot, lambda: table_of(app).is_settled(), what="table")
        await pilot.press("space", "space")  # the first two (Active)
        await pilot.press("r")
        await wait_for(pilot, lambda: "Release" in screen_text(app), what="release confirmation")
        await pilot.press("y")
        await wait_for(pilot, lambda: DID.select().where(DID.status == "hold").count() == 2, what="on hold")
        await pilot.press("g", "space", "space", "space", "e")  # two Hold, one Active: refused before asking
        await wait_for(pilot, lambda: "1 selected DID not on Hold (e.g. 15550000002" in screen_text(app))
        assert len(app.screen_stack) == 1
        await pilot.press("A", "g", "e")  # the row under the cursor, now on Hold
        await wait_for(pilot, lambda: "End the hold of DID 15550000000 (1 DID)" in screen_text(app), what="asked")
        await pilot.press("y")
        await wait_for(pilot, lambda: DID.get(DID.number == "15550000000").status == "in_stock", what="ended")
        assert DID.get(DID.number == "15550000001").status == "hold"
        ended = Event.get(Event.did_number == "15550000000", Event.action == "sweep")
        assert '"status": ["hold", "in_stock"]' in ended.changes
        await wait_for(pilot, lambda: "ended the hold of 1 DID: 1 DID to In Stock" in screen_text(app))


async def test_changes_by_others_appear_without_moving_the_cursor(make_app, seeded):
    app = make_app(watch_interval=0.2)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: table_of(app).is_settled(), what="table")
        await pilot.press("j", "j", "j", "j", "j")
        await wait_for(pilot, lambda: app.changes_seen == 0 and app._marker is not None, what="a first marker")
        # Another session (the CLI, cron) changes the DID under the cursor and adds DIDs.
        inventory.mass_edit(Selection.of_ids([table_of(app).current_row.id]), {"tag": "moved"})
        retail.create_client("Globex")
        await wait_for(pilot, lambda: "moved" in screen_text(app), what="the change shown")
        assert table_of(app).cursor == 5 and "row 6" in screen_text(app)


def test_theme_for_16_colour_terminals_and_no_color() -> None:
    assert pick_theme({"TERM": "linux"}) == "ansi-dark"
    assert pick_theme({"TERM": "xterm"}) == "ansi-dark"
    assert pick_theme({"TERM": "xterm-256color"}) == "textual-dark"
    assert pick_theme({"TERM": "xterm", "COLORTERM": "truecolor"}) == "textual-dark"


async def test_no_color_is_honoured(make_app, seeded, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: table_of(app).is_settled(), what="table")
        assert app.no_color
        await pilot.press("space")
        assert screen_text(app).splitlines()[5].startswith("• ")  # the mark, not a colour


async def test_pick_list_marks_checked_rows_with_a_tick(make_app, seeded):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("4")
        await wait_for(pilot, lambda: "ACME" in screen_text(app), what="clients")
        await pilot.press("p")
        await wait_for(pilot, lambda: "left" in screen_text(app), what="pick form")
        await pilot.press("tab", "space")
        await wait_for(pilot, lambda: "✓" in screen_text(app), what="tick")
        ticked = [line for line in screen_text(app).splitlines() if "✓" in line]
        assert len(ticked) == 1 and "15550000003" in ticked[0]
        assert "X" not in screen_text(app)


@pytest.mark.parametrize(
    ("keys", "title"),
    [
        (("enter",), "Edit DID"),
        (("n",), "New DIDs"),
        (("space", "m"), "Mass edit 1 DID"),
        (("x",), "Export DIDs"),
        (("4", "p"), "Pick DIDs"),
        (("2", "n"), "New operator"),
    ],
)
async def test_every_form_keeps_its_buttons_on_screen_at_60x20(make_app, seeded, keys, title):
    app = make_app()
    async with app.run_test(size=(60, 20)) as pilot:
        await wait_for(pilot, lambda: table_of(app).is_settled(), what="table")
        for key in keys:
            await pilot.press(key)
            await pilot.pause(0.2)
        await wait_for(pilot, lambda: title in screen_text(app), what=title)
        await pilot.pause(0.3)
        text = screen_text(app)
        assert "(esc)" in text and "(ctrl+s)" in text, text
