"""A carrier's file with terminal escapes, NULs or bidi overrides in its text cells: the
rows are refused, naming the line and the field; nothing is stored (docs/untrusted-data.md)."""

from __future__ import annotations

import pytest
from csv_helpers import do_import, do_validate, inventory, operator, snapshot, write

from didtui.core.csvio import UnusableInput
from didtui.models import Operator


def _file(rows: list[str]) -> str:
    return "DID,Operator,Tag,Notes\n" + "".join(row + "\n" for row in rows)


def test_rows_with_control_characters_are_refused_naming_line_and_field(profile, tmp_path):
    operator("Telia")
    before = snapshot()
    good = [f"1555123{n:04d},Telia,gold,ok" for n in range(100)]
    rows = [
        *good[:10],
        "15559990001,Telia,gold,\x1b]52;c;aGk=\x07",  # line 12: OSC 52 in notes
        "15559990002,Telia,g\x1b[2Jx,fine",  # line 13: screen clear in the tag
        "15559990003,op\x1b]0;PWN\x07x,gold,",  # line 14: window title in a new operator's name
        "15559990004,Telia,gold,pre\u202epost",  # line 15: a bidi override in notes
        *good[10:],
    ]
    path = write(tmp_path, _file(rows))
    report = do_validate(path, create_operators=True)
    assert report.wrong_rows == 4
    reasons = {e.line: e.reason for e in report.errors}
    assert "notes holds ESC (U+001B)" in reasons[12]
    assert "tag holds ESC (U+001B)" in reasons[13]
    assert "operator name holds ESC (U+001B)" in reasons[14]
    assert "notes holds RIGHT-TO-LEFT OVERRIDE (U+202E)" in reasons[15]
    report = do_import(path, create_operators=True)
    assert not report.written and snapshot() == before
    # The good rows alone: the hostile ones stay out, and no operator named with an escape.
    report = do_import(path, create_operators=True, skip_invalid=True)
    assert report.written and report.new == 100
    assert all("\x1b" not in str(v) and "\u202e" not in str(v) for row in inventory().values() for v in row)
    assert [o.name for o in Operator.select()] == ["Telia"]


def test_notes_keep_tabs_and_line_breaks(profile, tmp_path):
    operator("Telia")
    path = write(tmp_path, 'DID,Operator,Notes\n15551230001,Telia,"two\r\nlines\tand a tab"\n')
    report = do_import(path)
    assert report.written
    assert inventory()["15551230001"][3] == "two\r\nlines\tand a tab"


def test_a_nul_in_a_text_cell_is_a_wrong_row(profile, tmp_path):
    """Past the reader's first-MiB binary check a NUL is still refused, with its line."""
    operator("Telia")
    filler = "".join(f"1555{n:07d},Telia,gold,{'x' * 60}\n" for n in range(20_000))  # about 1.5 MiB
    path = write(tmp_path, "DID,Operator,Tag,Notes\n" + filler + "15559990002,Telia,gold,a\x00b\n")
    report = do_validate(path)
    assert [(e.line, "NUL" in e.reason) for e in report.errors] == [(20_002, True)]


def test_a_default_tag_with_a_control_character_is_refused(profile, tmp_path):
    path = write(tmp_path, "DID\n15551230001\n")
    with pytest.raises(UnusableInput, match=r"default tag: tag holds ESC"):
        do_validate(path, tag="x\x1b[2J")


async def test_the_wizard_shows_the_file_literally(sqlite_profile, tmp_path):
    """Column names and preview cells as they are in the file, escapes made visible;
    the wrong rows' reasons too. Nothing parsed as markup, nothing written raw."""
    from textual.app import App
    from textual.widgets import Input

    from didtui.core.text import is_unsafe
    from didtui.tui.modals.csv_io import ImportWizard
    from tests.tui.conftest import screen_text, wait_for

    class Host(App):
        def on_mount(self) -> None:
            self.push_screen(ImportWizard())

    operator("[/]")
    path = write(
        tmp_path,
        "DID,[/]x,Notes\n15551230001,[/],pre\x1b[2Jpost\n15551230002,[@click=app.quit]X,ok\n",
    )
    app = Host()
    async with app.run_test(size=(140, 50)) as pilot:
        wizard = app.screen
        wizard.query_one("#path", Input).value = str(path)
        await pilot.press("enter")
        await wait_for(pilot, lambda: wizard.query_one("#step2").display, what="mapping")
        await wait_for(pilot, lambda: "pre␛[2Jpost" in screen_text(app), what="preview")
        shown = screen_text(app)
        assert "[/]x" in shown and "[@click=app.quit]X" in shown
        await pilot.press("ctrl+s")  # validate
        await wait_for(pilot, lambda: wizard.report is not None, what="validation")
        await wait_for(pilot, lambda: "notes holds ESC (U+001B)" in screen_text(app), what="the reason")
        raw = [ch for strip in app.screen._compositor.render_strips() for s in strip for ch in s.text if is_unsafe(ch)]
        assert raw == []
        assert app.is_running
