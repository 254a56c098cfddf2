"""Hostile names, tags and notes in every list, form, Select, toast and history line:
shown literally, nothing styled or clickable, no control character on screen, no crash,
and the forms still save (docs/untrusted-data.md)."""

from __future__ import annotations

import datetime as _dt
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from textual.keys import _character_to_key
from textual.widgets import Input, Select

from didtui.core import inventory, operators, retail
from didtui.core.filters import DIDRow
from didtui.core.numbers import parse_numbers
from didtui.core.text import is_unsafe
from didtui.models import DID, Event, Operator
from didtui.tui.modals.confirm import ConfirmScreen
from didtui.tui.modals.edit_did import EditDIDScreen
from didtui.tui.modals.history import HistoryScreen
from tests.tui.conftest import screen_text, table_of, wait_for

MARKUP = "[bold red]x[/]"
CLICK = "[@click=app.quit]X[/]"
CLOSE = "[/]"
TITLE = "op\x1b]0;PWN\x07x"  # stored before the input rules (or by another tool)
TITLE_SHOWN = "op␛]0;PWN␇x"
CLIPBOARD = "\x1b]52;c;aGk=\x07"
CLIPBOARD_SHOWN = "␛]52;c;aGk=␇"


@pytest.fixture
def hostile(sqlite_profile):
    """Operators, a reseller, a package, a client and an account named like markup; an
    operator, notes, a tag and a history line holding terminal escapes."""
    markup = operators.create_operator(MARKUP)
    operators.create_operator(CLICK)
    slash = operators.create_operator(CLOSE)
    legacy = operators.create_operator("legacy")
    Operator.update(name=TITLE).where(Operator.id == legacy.id).execute()
    reseller = retail.create_reseller(CLOSE)
    inventory.create_dids(
        parse_numbers("15550000000-15550000009"),
        operator_id=slash.id,
        tag=CLOSE,
        notes="[b]bold?[/b]",
        reseller_id=reseller.id,
    )
    inventory.create_dids(parse_numbers("15550000010-15550000012"), operator_id=legacy.id, tag="gold")
    inventory.create_dids(parse_numbers("15550000013"), operator_id=markup.id, tag="gold", notes="a\tb\r\nc")
    DID.update(notes=CLIPBOARD).where(DID.number == "15550000010").execute()
    DID.update(notes="pre\x1b[2Jpost", tag="t\x1b[?1049l").where(DID.number == "15550000011").execute()
    package = retail.create_package(CLOSE, f"{CLOSE}, gold", 5)
    client = retail.create_client(CLOSE, account=CLICK)
    account = retail.list_accounts(client.id)[0]
    cp = retail.assign_package(account.id, package.id)
    retail.pick(cp.id, count=2)
    Event.create(
        at=_dt.datetime.utcnow(),
        actor="x\x1b]0;T\x07",
        did_number="15550000010",
        action="edit",
        changes=json.dumps({"notes": ["\x1b[2J", CLOSE], "operator": [None, CLICK]}),
        batch="legacy",
    )
    return {"cp": cp.id, "legacy": legacy.id}


def raw_controls(app) -> list[str]:
    """Control characters in what the screen would write (every segment of every line)."""
    found = []
    for strip in app.screen._compositor.render_strips():
        for segment in strip:
            found += [repr(ch) for ch in segment.text if is_unsafe(ch)]
    return found


def clickable_quit(app) -> list[str]:
    """Segments that would run app.quit when clicked (a name parsed as markup)."""
    found = []
    for strip in app.screen._compositor.render_strips():
        for segment in strip:
            meta = segment.style.meta if segment.style else {}
            if "app.quit" in str(meta.get("@click", "")):
                found.append(segment.text)
    return found


def assert_literal(app, *texts: str) -> None:
    shown = screen_text(app)
    for text in texts:
        assert text in shown, f"{text!r} is not shown literally:\n{shown}"
    assert raw_controls(app) == []
    assert clickable_quit(app) == []
    assert app.is_running and app.return_code is None


async def type_chars(pilot, text: str) -> None:
    await pilot.press(*[ch if ch.isalnum() else _character_to_key(ch) for ch in text])


async def test_every_list_shows_hostile_names_literally(make_app, hostile):
    app = make_app()
    async with app.run_test(size=(140, 34)) as pilot:
        await pilot.press("2")
        await wait_for(pilot, lambda: TITLE_SHOWN in screen_text(app), what="operators")
        assert_literal(app, MARKUP, CLICK[:13], CLOSE, TITLE_SHOWN)  # the Name column is 14 wide
        await pilot.press("3")
        await wait_for(pilot, lambda: f"{CLOSE}, gold" in screen_text(app), what="packages")
        assert_literal(app, CLOSE)
        await pilot.press("4")
        await wait_for(pilot, lambda: CLICK[:18] in screen_text(app), what="clients")
        await wait_for(pilot, lambda: "yes" in screen_text(app), what="the account's client package")
        assert_literal(app, CLICK[:18], f"{CLOSE}, gold")
        await pilot.press("d")  # the account's DIDs
        await wait_for(pilot, lambda: f"DIDs of {CLOSE} / {CLICK}" in screen_text(app), what="account DIDs")
        await wait_for(pilot, lambda: table_of(app).is_settled())
        assert_literal(app, f"package {CLOSE}")


async def test_the_did_table_never_writes_a_control_character(make_app, hostile):
    app = make_app()
    async with app.run_test(size=(200, 30)) as pilot:
        table = table_of(app)
        await wait_for(pilot, lambda: table.is_settled() and "14 DIDs" in screen_text(app), what="DIDs")
        assert_literal(app, CLIPBOARD_SHOWN, "pre␛[2Jpost", "t␛[?1049l", TITLE_SHOWN, "[b]bold?[/b]", MARKUP)
        assert "a␉b␍ c" in screen_text(app)  # a line break in notes is a space in a one-line cell

        template = table.current_row
        assert template is not None

        @settings(max_examples=200, deadline=None)
        @given(
            st.text(max_size=30),
            st.text(alphabet=st.characters(codec=None, categories=("Cc", "Cf", "Zl", "Zp")), max_size=8),
            st.booleans(),
        )
        def rendered_rows_hold_no_control_character(text: str, controls: str, is_cursor: bool) -> None:
            value = text[:10] + controls + text[10:]
            row = DIDRow(**{**template.__dict__, "operator": value, "tag": controls, "notes": value, "client": value})
            strip = table._row_strip(row, is_cursor)
            assert [ch for segment in strip for ch in segment.text if is_unsafe(ch)] == []

        rendered_rows_hold_no_control_character()


async def test_history_and_edit_form_show_stored_text_literally_and_still_save(make_app, hostile):
    app = make_app()
    async with app.run_test(size=(140, 40), notifications=True) as pilot:
        table = table_of(app)
        await wait_for(pilot, lambda: table.is_settled(), what="DIDs")
        await pilot.press(*["down"] * 10)
        await wait_for(pilot, lambda: table.current_row.number == "15550000010")
        await pilot.press("h")
        await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen) and "␛[2J" in screen_text(app))
        assert_literal(app, "x␛]0;T␇", f"notes: ␛[2J → {CLOSE}", f"operator: → {CLICK}")
        await pilot.press("escape")

        await pilot.press("enter")
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, EditDIDScreen) and app.screen.row is not None,
            what="edit form",
        )
        form = app.screen
        await wait_for(pilot, lambda: form.query_one("#operator", Select).value == hostile["legacy"])
        assert form.query_one("#notes", Input).value == CLIPBOARD_SHOWN
        assert_literal(app, TITLE_SHOWN, "x␛]0;T␇")
        # The operator picker lists every name literally.
        form.query_one("#operator", Select).focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: CLICK in screen_text(app) and MARKUP in screen_text(app), what="options")
        assert_literal(app, CLICK, MARKUP, CLOSE, TITLE_SHOWN)
        await pilot.press("escape")
        # Saving another field keeps the stored notes byte for byte.
        form.query_one("#hold_days", Input).value = "7"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: DID.get(DID.number == "15550000010").hold_days == 7, what="saved")
        saved = DID.get(DID.number == "15550000010")
        assert (saved.notes, saved.operator_id) == (CLIPBOARD, hostile["legacy"])
        await wait_for(pilot, lambda: "saved DID 15550000010" in screen_text(app), what="toast")
        assert_literal(app)


async def test_notes_with_tabs_and_line_breaks_survive_the_edit_form(make_app, hostile):
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        table = table_of(app)
        await wait_for(pilot, lambda: table.is_settled(), what="DIDs")
        await pilot.press(*["down"] * 13)
        await wait_for(pilot, lambda: table.current_row.number == "15550000013")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, EditDIDScreen) and app.screen.row is not None)
        notes = app.screen.query_one("#notes", Input)
        assert notes.value == "a␉b␍␊c"
        notes.value = "a␉b␍␊c, and more"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: DID.get(DID.number == "15550000013").notes == "a\tb\r\nc, and more")


async def test_forms_toasts_and_confirmations_with_markup_names(make_app, hostile):
    app = make_app()
    async with app.run_test(size=(140, 40), notifications=True) as pilot:
        await pilot.press("2")
        await wait_for(pilot, lambda: TITLE_SHOWN in screen_text(app), what="operators")
        # A new operator named like markup: saved, listed and toasted literally.
        await pilot.press("n")
        await wait_for(pilot, lambda: "New operator" in screen_text(app))
        await type_chars(pilot, "[/]new[@click=app.quit]")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "saved operator [/]new[@click=app.quit]" in screen_text(app), what="toast")
        await wait_for(pilot, lambda: Operator.select().where(Operator.name == "[/]new[@click=app.quit]").exists())
        assert_literal(app)
        # Renaming form of the operator stored with an escape: shown visibly; saving it
        # unchanged leaves the name as it is (no rename into its visible form).
        table = app.screen.query_one("#operators-table")
        await wait_for(pilot, lambda: table.row_count == 5)
        while app.screen.query_one("#operators-tab").current.id != hostile["legacy"]:
            await pilot.press("down")
        await pilot.press("e")
        await wait_for(pilot, lambda: f"Edit operator {TITLE_SHOWN}" in screen_text(app), what="rename form")
        assert app.screen.query_one("#name", Input).value == TITLE_SHOWN
        assert_literal(app)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: f"saved operator {TITLE_SHOWN}" in screen_text(app), what="saved")
        assert Operator.get_by_id(hostile["legacy"]).name == TITLE
        # Deleting the package named [/]: the confirmation shows it literally.
        await pilot.press("3")
        await wait_for(pilot, lambda: f"{CLOSE}, gold" in screen_text(app), what="packages")
        await pilot.press("delete")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert_literal(app, f"Delete package {CLOSE}?")
        await pilot.press("n")
        # Deactivating the client package: the question quotes client, account and package.
        await pilot.press("4")
        await wait_for(pilot, lambda: "yes" in screen_text(app), what="clients")
        app.screen.query_one("#cp-table").focus()
        await pilot.press("t")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert_literal(app, f"Deactivate {CLOSE} for {CLOSE} / {CLICK}?")
        await pilot.press("y")
        await wait_for(pilot, lambda: f"deactivated {CLOSE}: 2 DIDs put on Hold" in screen_text(app), what="toast")
        assert_literal(app)


async def test_the_filter_bar_shows_names_and_errors_literally(make_app, hostile):
    app = make_app()
    async with app.run_test(size=(140, 30), notifications=True) as pilot:
        await wait_for(pilot, lambda: table_of(app).is_settled(), what="DIDs")
        await pilot.press("slash")
        await pilot.pause()
        await type_chars(pilot, "op:[/]")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "10 DIDs" in screen_text(app), what="filtered on the operator [/]")
        assert_literal(app, "filter: operator [/]")
        await pilot.press("slash")
        await pilot.pause()
        app.screen.query_one("#filter-input", Input).value = "op:[b]nobody[/b]"
        await pilot.press("enter")
        await wait_for(pilot, lambda: "[b]nobody[/b]" in screen_text(app), what="the error line")
        assert_literal(app, "[b]nobody[/b]")


async def test_pasted_escapes_are_shown_not_obeyed(make_app, hostile):
    from textual import events

    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("2")
        await wait_for(pilot, lambda: TITLE_SHOWN in screen_text(app), what="operators")
        await pilot.press("n")
        await wait_for(pilot, lambda: "New operator" in screen_text(app))
        app.post_message(events.Paste("pasted\x1b]0;T\x07\x1b[2J"))
        await wait_for(pilot, lambda: app.screen.query_one("#name", Input).value == "pasted␛]0;T␇␛[2J")
        assert_literal(app, "pasted␛]0;T␇␛[2J")


async def test_the_pick_list_shows_tags_literally_and_picks(make_app, hostile):
    from didtui.tui.modals.pick import PickScreen

    app = make_app()
    async with app.run_test(size=(140, 40), notifications=True) as pilot:
        await pilot.press("4")
        await wait_for(pilot, lambda: "yes" in screen_text(app), what="clients")
        app.screen.query_one("#cp-table").focus()
        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(app.screen, PickScreen) and "15550000002  [/]" in screen_text(app))
        assert_literal(app, f"Pick DIDs for {CLOSE} / {CLICK} ({CLOSE})", "15550000002  [/]")
        app.screen.query_one("#count", Input).value = "1"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "picked 1 DID: 15550000002" in screen_text(app), what="picked")
        assert DID.get(DID.number == "15550000002").status == "active"
        assert_literal(app)


async def test_the_package_form_edits_a_markup_named_package(make_app, hostile):
    from didtui.models import Package

    app = make_app()
    async with app.run_test(size=(140, 40), notifications=True) as pilot:
        await pilot.press("3")
        await wait_for(pilot, lambda: f"{CLOSE}, gold" in screen_text(app), what="packages")
        await pilot.press("e")
        await wait_for(pilot, lambda: f"Edit package {CLOSE}" in screen_text(app), what="package form")
        assert app.screen.query_one("#tags", Input).value == f"{CLOSE}, gold"
        app.screen.query_one("#allowed", Input).value = "6"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: f"saved package {CLOSE}" in screen_text(app), what="toast")
        package = Package.get()
        assert (package.name, package.tags, package.allowed_dids) == (CLOSE, f"{CLOSE},gold", 6)
        assert_literal(app)


async def test_the_blocks_view_shows_names_literally(make_app, hostile):
    from didtui.core import blocks

    blocks.add_block("15550000010-15550000012", hostile["legacy"], name=CLOSE, notes="a\tb")
    app = make_app()
    async with app.run_test(size=(160, 30)) as pilot:
        await pilot.press("2")
        await wait_for(pilot, lambda: TITLE_SHOWN in screen_text(app), what="operators")
        await pilot.press("b")
        await wait_for(pilot, lambda: "…" not in screen_text(app) and "1 block" in screen_text(app), what="blocks")
        assert_literal(app, CLOSE, TITLE_SHOWN)


def test_block_names_and_notes_follow_the_rules(sqlite_profile):
    from didtui.core import blocks
    from didtui.errors import InputError

    op = operators.create_operator("Telia")
    with pytest.raises(InputError, match="block name holds RIGHT-TO-LEFT OVERRIDE"):
        blocks.add_block("15550000000-15550000009", op.id, name="evil\u202etxt")
    with pytest.raises(InputError, match="notes holds ESC"):
        blocks.add_block("15550000000-15550000009", op.id, name="ok", notes=CLIPBOARD)
    assert blocks.add_block("15550000000-15550000009", op.id, name="ok", notes="a\tb\r\n").notes == "a\tb\r\n"
