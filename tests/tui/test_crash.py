"""A bug in the app: a non-zero exit, one line naming a report file, no wall of locals."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from didtui import db as dbmod
from didtui.cli import cli
from didtui.models import database_proxy
from didtui.tui import crash
from didtui.tui.app import DidApp


def _config(tmp_path: Path, profile) -> Path:
    path = tmp_path / "didtui.toml"
    path.write_text(f'default_profile = "t"\n[profiles.t]\ndatabase = "{profile.database}"\nuser = "tester"\n')
    return path


@pytest.fixture
def headless(monkeypatch):
    """`didtui` runs the app headless (no terminal under pytest), 100x30."""
    original = DidApp.run

    def run(self, **kwargs):
        return original(self, headless=True, size=(100, 30))

    monkeypatch.setattr(DidApp, "run", run)


def _invoke(args: list[str]):
    saved = database_proxy.obj
    try:
        return CliRunner().invoke(cli, args, catch_exceptions=False)
    finally:
        if saved is not None:
            database_proxy.initialize(saved)
            dbmod.set_actor("tester")


def test_a_crash_exits_non_zero_with_one_line_and_a_report(sqlite_profile, tmp_path, monkeypatch, headless):
    crashes = tmp_path / "crashes"
    monkeypatch.setenv(crash.CRASH_DIR_ENV, str(crashes))

    def broken(self, tab: str) -> None:
        secret_local = "\x1b]0;PWN\x07 and a long local value nobody should see on the terminal"  # noqa: F841
        raise RuntimeError("boom in \x1b[2J the app")

    monkeypatch.setattr(DidApp, "_focus_tab", broken)
    result = _invoke(["--config", str(_config(tmp_path, sqlite_profile))])
    assert result.exit_code == 1
    reports = list(crashes.glob("crash-*.txt"))
    assert len(reports) == 1
    output = result.output
    assert "didtui stopped on an internal error (RuntimeError: boom in ␛[2J the app)" in output
    assert str(reports[0]) in output
    assert "secret_local" not in output and "Traceback" not in output and "\x1b]0;" not in output
    report = reports[0].read_text(encoding="utf-8")
    assert "Traceback" in report and "RuntimeError: boom in ␛[2J the app" in report and "_focus_tab" in report
    assert "\x1b" not in report
    assert reports[0].stat().st_mode & 0o077 == 0  # the owner's only


def test_a_quit_exits_zero(sqlite_profile, tmp_path, monkeypatch, headless):
    monkeypatch.setenv(crash.CRASH_DIR_ENV, str(tmp_path / "crashes"))
    monkeypatch.setattr(DidApp, "on_ready", lambda self: self.exit(), raising=False)
    result = _invoke(["--config", str(_config(tmp_path, sqlite_profile))])
    assert result.exit_code == 0
    assert not (tmp_path / "crashes").exists()


def test_a_report_that_cannot_be_written_still_gives_the_line(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv(crash.CRASH_DIR_ENV, str(blocker / "sub"))
    try:
        raise ValueError("x")
    except ValueError as exc:
        assert crash.write_report(exc) is None
        assert crash.crash_line(exc, None).endswith("no report could be written")


async def test_a_failure_showing_a_result_is_reported_and_the_app_goes_on(sqlite_profile, tmp_path, monkeypatch):
    """A bug in a result's callback (once, a name with `[/]` in a history line) left the
    form on "loading…" with no word; now a toast names the report and the app runs on."""
    import asyncio
    import time

    from textual.app import App

    from didtui.tui.work import db_call

    monkeypatch.setenv(crash.CRASH_DIR_ENV, str(tmp_path / "crashes"))

    def show(value: int) -> None:
        raise ValueError(f"cannot show {value}")

    app = App()
    async with app.run_test(notifications=True):
        db_call(app, lambda: 41, done=show)
        deadline = time.monotonic() + 10
        while not list(app._notifications) and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        messages = [n.message for n in app._notifications]
        assert app.is_running
    assert len(messages) == 1 and messages[0].startswith("internal error (ValueError: cannot show 41)")
    assert len(list((tmp_path / "crashes").glob("crash-*.txt"))) == 1
