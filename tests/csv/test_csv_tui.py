"""The import wizard and export dialog driven by keys, on a bare app and on didtui's own."""

from __future__ import annotations

import csv
import threading

import pytest
from csv_helpers import inventory, make_dids, operator, snapshot, static_text, wait_for, write
from textual.app import App
from textual.widgets import Button, Input, Select

from didtui.core.filters import resolve_filter
from didtui.tui.modals import csv_io
from didtui.tui.modals.csv_io import ExportDialog, ImportWizard, PathSuggester


class Host(App):
    """Nothing but the modal under test; `result` is what it was dismissed with."""

    def __init__(self, screen) -> None:
        super().__init__()
        self.modal = screen
        self.result = "pending"

    def on_mount(self) -> None:
        self.push_screen(self.modal, self._done)

    def _done(self, value) -> None:
        self.result = value


async def type_path(pilot, text: str) -> None:
    pilot.app.screen.query_one("#path", Input).value = text
    await pilot.press("enter")


def mapping_of(screen) -> tuple:
    return screen.mapping()


async def test_wizard_reads_maps_validates_and_imports(sqlite_profile, tmp_path):
    operator("Telia")
    path = write(
        tmp_path,
        "Number;Carrier;State;Remarks here\n15551230001;Telia;Reserved;a\n15551230002;telia;;b\n15551230010-15551230012;Telia;blocked;c\n",
    )
    app = Host(ImportWizard())
    async with app.run_test(size=(120, 40)) as pilot:
        wizard = app.screen
        await type_path(pilot, str(path))
        await wait_for(
            pilot, lambda: wizard.query_one("#step2").display and len(mapping_of(wizard)) == 4, what="mapping"
        )
        assert "semicolon-separated, a header row, 4 columns" in static_text(wizard, "#detected")
        assert mapping_of(wizard) == ("did", "operator", "status", "ignore")
        assert wizard.query_one("#import_all", Button).disabled
        # Map the unknown column by hand: focus its select and pick Notes with the keys.
        select = list(wizard.query("#mapping Select").results(Select))[3]
        select.focus()
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("up", "up", "enter")  # Ignore -> Reseller -> Notes
        await wait_for(pilot, lambda: mapping_of(wizard)[3] == "notes", what="notes mapped")
        wizard.query_one("#d_tag", Input).value = "gold"
        await pilot.press("ctrl+s")  # validate
        await wait_for(pilot, lambda: wizard.report is not None, what="validation")
        assert "5 rows" not in static_text(wizard, "#summary")
        assert "3 rows: 5 new" in static_text(wizard, "#summary")
        assert inventory() == {}  # validation wrote nothing
        assert not wizard.query_one("#import_all", Button).disabled
        await pilot.press("ctrl+s")  # import
        await wait_for(pilot, lambda: app.result != "pending", what="dismissed")
    assert app.result == 5
    got = inventory()
    assert got["15551230002"] == ("in_stock", "Telia", "gold", "b", "in_stock")
    assert got["15551230011"] == ("blocked", "Telia", "gold", "c", "in_stock")


async def test_wizard_lists_wrong_rows_and_imports_the_good_ones(sqlite_profile, tmp_path):
    path = write(tmp_path, "DID,Operator\n15551230001,\n12ab,\n15551230001,\n15551230002,Ghost\n")
    app = Host(ImportWizard(str(path)))
    async with app.run_test(size=(120, 40)) as pilot:
        wizard = app.screen
        await pilot.press("ctrl+s")  # read the path given
        await wait_for(pilot, lambda: wizard.info is not None and len(mapping_of(wizard)) == 2, what="read")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: wizard.report is not None, what="validation")
        summary = static_text(wizard, "#summary")
        assert "3 wrong rows" in summary
        assert "line 3: '12ab' is not a DID number" in summary and "line 4: duplicate" in summary
        assert "line 5: unknown operator 'Ghost'" in summary
        assert wizard.query_one("#import_all", Button).disabled
        await pilot.press("ctrl+s")  # refused: not all rows are good
        await wait_for(pilot, lambda: "Import good rows" in static_text(wizard, "#form-error"), what="refusal")
        assert inventory() == {}
        # Creating unknown operators makes one more row good.
        wizard.query_one("#unknown_operators", Select).value = "create"
        await wait_for(pilot, lambda: wizard.report is None, what="invalidated")
        await pilot.click("#validate")
        await wait_for(pilot, lambda: wizard.report is not None, what="validation 2")
        assert wizard.report.wrong_rows == 2
        await pilot.click("#import_good")
        await wait_for(pilot, lambda: app.result != "pending", what="dismissed")
    assert app.result == 2 and set(inventory()) == {"15551230001", "15551230002"}
    rejected = list(csv.reader((tmp_path / "in.errors.csv").open(newline="")))
    assert [r[0] for r in rejected] == ["DID", "12ab", "15551230001"]


async def test_cancelling_an_import_leaves_the_inventory_unchanged(sqlite_profile, tmp_path, monkeypatch):
    make_dids("19990000000")
    path = write(tmp_path, "DID\n" + "".join(f"{15550000000 + i}\n" for i in range(12_000)))
    before = snapshot()
    # Hold the import at its first progress report, so esc lands while it is running.
    underway, release = threading.Event(), threading.Event()
    real = csv_io._progress_to

    def held(screen, bar):
        report = real(screen, bar)

        def progress(done: int, total: int) -> None:
            report(done, total)
            if screen._job == "import":
                underway.set()
                release.wait(10)

        return progress

    monkeypatch.setattr(csv_io, "_progress_to", held)
    app = Host(ImportWizard(str(path)))
    async with app.run_test(size=(120, 40)) as pilot:
        wizard = app.screen
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: wizard.info is not None and mapping_of(wizard), what="read")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: wizard.report is not None, timeout=30, what="validation")
        await pilot.press("ctrl+s")  # import
        await wait_for(pilot, underway.is_set, what="import under way")
        await pilot.press("escape")
        assert "cancelling the import" in static_text(wizard, "#form-info")
        release.set()
        await wait_for(pilot, lambda: "cancelled" in static_text(wizard, "#form-error"), timeout=30, what="cancel")
        assert "nothing was written" in static_text(wizard, "#form-error")
        assert app.result == "pending"  # still open, ready to try again
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.result is None, what="closed")
    assert snapshot() == before


async def test_unusable_file_is_reported_in_the_form(sqlite_profile, tmp_path):
    app = Host(ImportWizard())
    async with app.run_test(size=(120, 40)) as pilot:
        wizard = app.screen
        await type_path(pilot, str(tmp_path / "missing.csv"))
        await wait_for(pilot, lambda: "does not exist" in static_text(wizard, "#form-error"), what="error")
        assert not wizard.query_one("#step2").display and wizard.query_one("#validate", Button).disabled
        await type_path(pilot, str(write(tmp_path, b"\x00\x01binary\x00")))
        await wait_for(pilot, lambda: "binary file" in static_text(wizard, "#form-error"), what="binary")


async def test_path_completion(tmp_path):
    (tmp_path / "carrier-dids.csv").write_text("DID\n1\n")
    (tmp_path / "carrier-notes.txt").write_text("")
    (tmp_path / "cars").mkdir()
    suggester = PathSuggester()
    assert await suggester.get_suggestion(str(tmp_path / "carrier-d")) == str(tmp_path / "carrier-dids.csv")
    assert await suggester.get_suggestion(str(tmp_path / "car")) == str(tmp_path / "carrier-dids.csv")
    assert await suggester.get_suggestion(str(tmp_path / "cars")) == str(tmp_path / "cars") + "/"
    assert await suggester.get_suggestion(str(tmp_path / "zzz")) is None


async def test_export_dialog_writes_the_filtered_dids(sqlite_profile, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    telia = operator("Telia")
    make_dids("15551230001-15551230003", operator_id=telia)
    make_dids("15551230004")
    app = Host(ExportDialog(resolve_filter(operator="Telia"), "number"))
    async with app.run_test(size=(100, 30)) as pilot:
        dialog = app.screen
        await wait_for(pilot, lambda: "3 DIDs match" in static_text(dialog, "#form-info"), what="count")
        default = dialog.query_one("#path", Input).value
        assert default.startswith(str(tmp_path / "dids-")) and default.endswith(".csv")
        target = tmp_path / "mine.csv"
        target.write_text("old")
        dialog.query_one("#path", Input).value = str(target)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "exists" in static_text(dialog, "#form-error"), what="confirm")
        assert target.read_text() == "old"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.result != "pending", what="dismissed")
    assert app.result == str(target)
    rows = list(csv.reader(target.open(newline="")))
    assert [r[3] for r in rows[1:]] == ["15551230001", "15551230002", "15551230003"]


async def test_real_app_keys_i_and_x_on_the_dids_tab(sqlite_profile, tmp_path, monkeypatch):
    app_module = pytest.importorskip("didtui.tui.app")
    monkeypatch.chdir(tmp_path)
    make_dids("15550000000-15550000004", tag="old")
    path = write(tmp_path, "DID,Tag\n15559990000-15559990019,fresh\n")
    app = app_module.DidApp(sqlite_profile, None, sweep_interval=0)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.2)
        await pilot.press("i")
        await wait_for(pilot, lambda: isinstance(app.screen, ImportWizard), what="wizard")
        await type_path(pilot, str(path))
        await wait_for(pilot, lambda: app.screen.info is not None and app.screen.mapping(), what="read")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen.report is not None, what="validated")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: not isinstance(app.screen, ImportWizard), what="imported")
        assert len([n for n, v in inventory().items() if v[2] == "fresh"]) == 20
        await wait_for(
            pilot,
            lambda: "25 DIDs" in "\n".join(s.text for s in app.screen._compositor.render_strips()),
            what="the table shows the imported DIDs",
        )
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, ExportDialog), what="export dialog")
        target = tmp_path / "view.csv"
        app.screen.query_one("#path", Input).value = str(target)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: not isinstance(app.screen, ExportDialog), what="exported")
    assert len(list(csv.reader(target.open(newline="")))) == 1 + 25
