"""The export dialog checks the target's kind when you confirm, and says what is wrong in
the dialog (issue 15): nothing is written or replaced until the target is usable."""

from __future__ import annotations

import os
import stat
import threading
import time

from csv_helpers import make_dids, static_text, wait_for
from textual.app import App
from textual.widgets import Input

from didtui.tui.modals.csv_io import ExportDialog


class Host(App):
    def __init__(self, screen) -> None:
        super().__init__()
        self.modal = screen
        self.result = "pending"

    def on_mount(self) -> None:
        self.push_screen(self.modal, self._done)

    def _done(self, value) -> None:
        self.result = value


async def confirm(pilot, dialog, path: str, expected: str) -> None:
    dialog.query_one("#path", Input).value = path
    await pilot.press("ctrl+s")
    await wait_for(pilot, lambda: expected in static_text(dialog, "#form-error"), what=expected)


async def test_export_dialog_refuses_unusable_targets_in_place(sqlite_profile, tmp_path):
    make_dids("15551230001-15551230003")
    (tmp_path / "folder").mkdir()
    readonly = tmp_path / "ro.csv"
    readonly.write_text("keep")
    readonly.chmod(0o444)
    db_file = sqlite_profile.database[len("sqlite:///") :]
    app = Host(ExportDialog())
    async with app.run_test(size=(100, 30)) as pilot:
        dialog = app.screen
        await wait_for(pilot, lambda: "3 DIDs match" in static_text(dialog, "#form-info"), what="count")
        await confirm(pilot, dialog, str(tmp_path / "folder"), "is a directory")
        await confirm(pilot, dialog, str(tmp_path / "missing" / "x.csv"), "does not exist")
        await confirm(pilot, dialog, str(readonly), "read-only")
        await confirm(pilot, dialog, db_file, "which this command reads from")
        await confirm(pilot, dialog, "-", "cannot write to standard output")
        fifo = tmp_path / "pipe"
        os.mkfifo(fifo)
        await confirm(pilot, dialog, str(fifo), "is a named pipe: the export is written into it")
        await pilot.press("ctrl+s")  # confirmed, but nobody reads the pipe
        await wait_for(pilot, lambda: "nothing is reading" in static_text(dialog, "#form-error"), what="no reader")
        assert app.result == "pending"
    assert readonly.read_text() == "keep" and stat.S_ISFIFO(fifo.lstat().st_mode)
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("didtui")) == ["folder", "pipe", "ro.csv"]


def open_reader(fifo) -> tuple[threading.Thread, list[bytes]]:
    """A reader that holds the pipe open before the export starts (so the dialog sees
    one), then reads until the writer is done."""
    fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    os.set_blocking(fd, True)
    got: list[bytes] = []

    def read() -> None:
        data, deadline = b"", time.monotonic() + 30
        while time.monotonic() < deadline:
            chunk = os.read(fd, 65536)  # b"" while no writer has connected, and at the end
            if chunk:
                data += chunk
            elif data:
                break
            else:
                time.sleep(0.01)
        os.close(fd)
        got.append(data)

    thread = threading.Thread(target=read)
    thread.start()
    return thread, got


async def test_export_dialog_writes_into_a_named_pipe_with_a_reader(sqlite_profile, tmp_path):
    make_dids("15551230001-15551230003")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    app = Host(ExportDialog())
    async with app.run_test(size=(100, 30)) as pilot:
        dialog = app.screen
        await wait_for(pilot, lambda: "3 DIDs match" in static_text(dialog, "#form-info"), what="count")
        await confirm(pilot, dialog, str(fifo), "is a named pipe")
        reader, got = open_reader(fifo)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.result != "pending", what="dismissed")
        reader.join(timeout=30)
    assert app.result == str(fifo) and got[0].count(b"\n") == 4
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
