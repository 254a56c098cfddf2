"""Snapshots of every tab and every modal at 80x24, in the default theme and in the
16-colour theme (what TERM=linux / xterm get over SSH): any layout change shows here.

Regenerate after an intended change, then LOOK at the pictures before committing:

    pytest tests/tui/test_snapshots.py --snapshot-update

The data is the demo inventory with every timestamp pinned, so the pictures are the same
on every run and every machine.
"""

from __future__ import annotations

import datetime as _dt
import re
import shutil
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from didtui.config import Profile
from didtui.core import demo, session
from didtui.models import DID, ClientPackage, Event
from didtui.tui.app import DidApp
from didtui.tui.widgets.did_table import DIDTable

SIZE = (80, 24)
PINNED = _dt.datetime(2026, 1, 15, 9, 30)
THEMES = {"default": "textual-dark", "16colour": "ansi-dark"}


def _pin_times() -> None:
    DID.update(created_at=PINNED, updated_at=PINNED).execute()
    DID.update(hold_until=PINNED + _dt.timedelta(days=7)).where(DID.hold_until.is_null(False)).execute()
    Event.update(at=PINNED).execute()
    stamp = re.compile(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d+)?")
    for event in Event.select(Event.id, Event.changes).where(Event.changes.contains("hold_until")):
        pinned = stamp.sub(str(PINNED + _dt.timedelta(days=7)), event.changes)
        Event.update(changes=pinned).where(Event.id == event.id).execute()
    ClientPackage.update(created_at=PINNED).execute()


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo inventory, built once, times pinned; each test works on its own copy."""
    work = tmp_path_factory.mktemp("snapdemo")
    profile = Profile(name="demo", database=f"sqlite:///{work / 'demo.db'}", user="noc-alice", sweep_interval=0)
    session.open_profile(profile)
    demo.build()
    _pin_times()
    session.close()
    return work / "demo.db"


@pytest.fixture
def demo_app(demo_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    shutil.copy(demo_file, tmp_path / "demo.db")
    monkeypatch.chdir(tmp_path)  # file paths in the CSV dialogs are relative: the same everywhere
    (tmp_path / "colt-numbers.csv").write_text(
        "Phone Number;Carrier;State;Comment\n"
        + "".join(f"+44 20 7946 {n:04d};Colt Numbers;in stock;ported batch 7\n" for n in range(100, 106))
        + "44207946012X;Nobody Telecom;in stock;typo in number\n",
        encoding="utf-8",
    )
    profile = Profile(name="demo", database=f"sqlite:///{tmp_path / 'demo.db'}", user="noc-alice", sweep_interval=0)
    session.open_profile(profile)

    def make(theme: str) -> DidApp:
        monkeypatch.setenv("DIDTUI_THEME", THEMES[theme])
        return DidApp(profile, {}, sweep_interval=0, watch_interval=0)

    yield make
    session.close()


async def _until(pilot: Pilot, condition: Callable[[], bool], timeout: float = 10.0) -> None:
    waited = 0.0
    while waited < timeout:
        try:
            if condition():
                break
        except Exception:  # noqa: BLE001 - mid screen switch
            pass
        await pilot.pause(0.05)
        waited += 0.05
    else:
        raise AssertionError(f"the screen never got ready: {condition}")


def _settled(app) -> bool:
    return all(t.is_settled() for t in app.screen.query(DIDTable))


def _text(app, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


async def _steady(pilot: Pilot) -> None:
    """Still pictures: no blinking cursor, every worker done, the last repaint made."""
    await pilot.pause(0.3)
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False
    await pilot.app.workers.wait_for_complete()
    await pilot.pause(0.2)


def _keys(*keys: str, ready: Callable[[DidApp], bool] | None = None) -> Callable[[Pilot], Awaitable[None]]:
    async def run(pilot: Pilot) -> None:
        app = pilot.app
        await _until(pilot, lambda: _settled(app))
        for key in keys:
            if key == "_":
                await pilot.pause(0.3)
            else:
                await pilot.press(key)
        if ready is not None:
            await _until(pilot, lambda: ready(app))
        await _until(pilot, lambda: _settled(app))
        await _steady(pilot)

    return run


def _import_step2() -> Callable[[Pilot], Awaitable[None]]:
    async def run(pilot: Pilot) -> None:
        app = pilot.app
        await _until(pilot, lambda: _settled(app))
        await pilot.press("i")
        await _until(pilot, lambda: app.screen.query_one("#path").has_focus)
        app.screen.query_one("#path").value = "colt-numbers.csv"
        await pilot.press("ctrl+s")
        await _until(pilot, lambda: app.screen.query_one("#step2").display)
        await pilot.press("ctrl+s")
        await _until(pilot, lambda: "wrong" in _text(app, "#summary"))
        await _steady(pilot)

    return run


def _export() -> Callable[[Pilot], Awaitable[None]]:
    async def run(pilot: Pilot) -> None:
        app = pilot.app
        await _until(pilot, lambda: _settled(app))
        await pilot.press("x")
        await _until(pilot, lambda: app.screen.query_one("#path").has_focus)
        app.screen.query_one("#path").value = "dids-all.csv"
        await _until(pilot, lambda: "match" in _text(app, "#form-info"))
        await _steady(pilot)

    return run


def _tab(n: str, table: str) -> Callable[[DidApp], bool]:
    return lambda app: app.screen.query_one(table).row_count > 0


SCREENS: dict[str, Callable[[Pilot], Awaitable[None]]] = {
    "dids": _keys("down", "space", "down", "down", "space"),
    "dids-columns-right": _keys("right", "right"),
    "dids-filter-bar": _keys("slash", "4", "4", "2", "0"),
    "dids-filtered": _keys("slash", "4", "4", "2", "0", "enter"),
    "operators": _keys("2", ready=_tab("2", "#operators-table")),
    "packages": _keys("3", ready=_tab("3", "#packages-table")),
    "clients": _keys("4", ready=_tab("4", "#cp-table")),
    "account-dids": _keys("4", "_", "d"),
    "help": _keys("question_mark", "_"),
    "palette": _keys("ctrl+p", "_", "_"),
    "edit-did": _keys("enter", ready=lambda app: "version" in _text(app, "#did-summary")),
    "new-dids": _keys("n", "_"),
    "new-dids-select-open": _keys("n", "_", "tab", "enter", "_"),
    "mass-edit": _keys("space", "space", "m", "_"),
    "import-wizard": _keys("i", "_"),
    "import-wizard-validated": _import_step2(),
    "export": _export(),
    "history": _keys("h", ready=lambda app: "loading" not in _text(app, "#history")),
    "release-confirm": _keys("slash", "s", "colon", "a", "c", "t", "i", "v", "e", "enter", "_", "r", "_"),
    "end-hold-confirm": _keys("e", "_"),
    "operator-form": _keys("2", "_", "n", "_"),
    "operator-delete": _keys("2", "_", "delete", "_"),
    "blocks": _keys("2", "_", "b", "_", "_"),
    "block-form": _keys("2", "_", "b", "_", "n", "_"),
    "block-costs": _keys("2", "_", "b", "_", "c", "_", "_"),
    "reconcile-wizard": _keys("2", "_", "R", "_"),
    "package-form": _keys("3", "_", "e", "_"),
    "client-form": _keys("4", "_", "n", "_"),
    "account-form": _keys("4", "_", "N", "_"),
    "assign-package": _keys("4", "_", "a", "_"),
    "pick": _keys("4", "_", "down", "p", ready=lambda app: "left" in _text(app, "#form-info")),
    "deactivate-confirm": _keys("4", "_", "down", "t", "_"),
    "unassign-confirm": _keys("4", "_", "down", "u", "_"),
    "client-rename": _keys("4", "_", "E", "_"),
    "resellers": _keys("5", ready=_tab("5", "#resellers-table")),
    "reseller-form": _keys("5", "_", "n", "_"),
}


@pytest.mark.parametrize("theme", list(THEMES))
@pytest.mark.parametrize("screen", list(SCREENS))
def test_snapshot(snap_compare, demo_app, screen: str, theme: str) -> None:
    assert snap_compare(demo_app(theme), terminal_size=SIZE, run_before=SCREENS[screen])
