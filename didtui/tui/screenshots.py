"""Make screenshots/*.svg: every tab and form over the demo data, by keys, headless.

    python -m didtui.tui.screenshots [--out screenshots] [--size 100x30]

Builds the demo inventory in a throwaway SQLite file (nothing else is touched), drives
the app with Pilot as a person would, and saves one SVG per screen.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from textual.widgets import DataTable, Input

from didtui.config import Profile
from didtui.core import demo, session
from didtui.core.filters import iter_rows, resolve_filter
from didtui.tui.app import DidApp
from didtui.tui.widgets.did_table import DIDTable

Step = Callable[..., Awaitable[None]]


async def _wait(pilot, condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                break
        except Exception:  # noqa: BLE001 - mid screen switch
            pass
        await pilot.pause(0.05)
    await pilot.pause(0.3)


def _carrier_list(work: Path) -> Path:
    """Bandwidth.com's list as it might send it: ours, less a few, plus two we lack."""

    numbers = [r.number for r in iter_rows(resolve_filter(operator="Bandwidth.com"))]
    path = work / "bandwidth-2026-12.csv"
    rows = [n for n in numbers[3:] if not n.endswith("7")] + [str(int(numbers[-1]) + 1), str(int(numbers[-1]) + 2)]
    path.write_text("TN;Rate center\n" + "\n".join(f"+{n};NEWYORK" for n in rows) + "\n", encoding="utf-8")
    return path


def _settled(app) -> bool:
    return all(t.is_settled() for t in app.screen.query(DIDTable))


async def _type(pilot, text: str) -> None:
    names = {" ": "space", "-": "minus", ":": "colon", "/": "slash", ",": "comma", "+": "plus"}
    await pilot.press(*[names.get(c, c) for c in text])


def _carrier_file(work: Path) -> Path:
    """A carrier's file as it comes: its own layout, semicolons, one bad row."""
    lines = ["Phone Number;Carrier;State;Comment"]
    lines += [f"+44 20 7946 {n:04d};Colt Numbers;in stock;ported batch 7" for n in range(100, 118)]
    lines += [
        "44207946012X;Colt Numbers;in stock;typo in number",
        "+44 20 7946 0200-0249;Colt Numbers;reserved;block",
    ]
    path = work / "colt-numbers.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


async def make(out: Path, size: tuple[int, int]) -> list[Path]:
    os.environ["DIDTUI_THEME"] = "textual-dark"  # the same pictures whatever $TERM says

    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="didtui-shots-"))
    profile = Profile(name="demo", database=f"sqlite:///{work / 'demo.db'}", user="noc-alice", sweep_interval=3600)
    session.open_profile(profile)
    demo.build()
    app = DidApp(profile, {})
    saved: list[Path] = []

    def shot(name: str) -> None:
        path = out / f"{name}.svg"
        app.save_screenshot(filename=path.name, path=str(out))
        saved.append(path)

    async with app.run_test(size=size) as pilot:
        await _wait(pilot, lambda: _settled(app))
        await pilot.press("down", "down", "space", "down", "space")
        await _wait(pilot, lambda: _settled(app))
        shot("dids")
        await pilot.press("slash")
        await _type(pilot, "4420 status:stock")
        await pilot.press("enter")
        await _wait(pilot, lambda: "filter:" in str(app.screen.query_one("#filter-active").render()) and _settled(app))
        shot("dids-filtered")
        await pilot.press("enter")
        await _wait(pilot, lambda: "version" in str(app.screen.query_one("#did-summary").render()))
        shot("form-edit-did")
        await pilot.press("escape", "escape")
        await _wait(pilot, lambda: _settled(app))
        await pilot.press("n")
        await _wait(pilot, lambda: app.screen.query_one("#numbers").has_focus)
        await _type(pilot, "+44 20 7946 0300-0399")
        await _wait(pilot, lambda: "makes" in str(app.screen.query_one("#form-info").render()))
        shot("form-new-dids")
        await pilot.press("escape")
        await pilot.press("space", "space", "m")
        await _wait(pilot, lambda: "changes" in str(app.screen.query_one("#form-info").render()))
        shot("form-mass-edit")
        await pilot.press("escape", "A", "i")
        await _wait(pilot, lambda: app.screen.query_one("#path").has_focus)
        app.screen.query_one("#path", Input).value = str(_carrier_file(work))
        await pilot.press("ctrl+s")  # read: detected options and the mapping preview
        await _wait(pilot, lambda: app.screen.query_one("#step2").display)
        await pilot.press("ctrl+s")  # validate
        await _wait(pilot, lambda: "wrong" in str(app.screen.query_one("#summary").render()))
        shot("import-wizard")
        await pilot.press("escape", "slash")
        await _type(pilot, "status:stock op:colt")
        await pilot.press("enter")
        await _wait(pilot, lambda: _settled(app))
        await pilot.press("x")
        await _wait(pilot, lambda: app.screen.query_one("#path").has_focus)
        app.screen.query_one("#path", Input).value = str(work / "dids-colt-in-stock.csv")
        await pilot.press("end")
        await pilot.pause(0.2)
        shot("export-dialog")
        await pilot.press("escape", "escape")
        await _wait(pilot, lambda: _settled(app))
        await pilot.press("h")
        await _wait(pilot, lambda: "loading" not in str(app.screen.query_one("#history").render()))
        shot("history")
        await pilot.press("escape", "question_mark")
        await pilot.pause(0.3)
        shot("help")
        await pilot.press("escape", "2")
        await _wait(pilot, lambda: app.screen.query_one("#operators-table", DataTable).row_count > 0)
        shot("operators")
        await pilot.press("b")
        await _wait(pilot, lambda: "…" not in str(app.screen.query_one("#blocks-table", DataTable).get_row_at(0)))
        shot("blocks")
        await pilot.press("c")
        await _wait(pilot, lambda: app.screen.query_one("#costs-table", DataTable).row_count > 0)
        shot("costs")
        await pilot.press("escape", "escape")
        await _wait(pilot, lambda: app.screen.query_one("#operators-table", DataTable).row_count > 0)
        await pilot.press("R")
        await _wait(pilot, lambda: app.screen.query_one("#path").has_focus)
        app.screen.query_one("#path", Input).value = str(_carrier_list(work))
        await pilot.press("enter")
        await _wait(pilot, lambda: "compares" in str(app.screen.query_one("#form-info").render()))
        await pilot.press("ctrl+s")
        await _wait(pilot, lambda: "listed" in str(app.screen.query_one("#result").render()))
        shot("reconcile-wizard")
        await pilot.press("escape")
        await pilot.press("n")
        await pilot.pause(0.3)
        shot("form-operator")
        await pilot.press("escape", "3")
        await _wait(pilot, lambda: app.screen.query_one("#packages-table", DataTable).row_count > 0)
        shot("packages")
        await pilot.press("e")
        await pilot.pause(0.3)
        shot("form-package")
        await pilot.press("escape", "4")
        await _wait(pilot, lambda: app.screen.query_one("#cp-table", DataTable).row_count > 0)
        await pilot.press("down")  # ACME Corp / support: an active package
        await _wait(pilot, lambda: app.screen.query_one("#cp-table", DataTable).get_row_at(0)[3] == "yes")
        shot("clients")
        await pilot.press("p")
        await _wait(pilot, lambda: "left" in str(app.screen.query_one("#form-info").render()))
        shot("form-pick")
        await pilot.press("escape", "t")
        await _wait(pilot, lambda: "Deactivate" in str(app.screen.query_one(".confirm-question").render()))
        shot("confirm-deactivate")
        await pilot.press("n", "d")
        await _wait(pilot, lambda: _settled(app))
        shot("account-dids")
        await pilot.press("escape")
        await _wait(pilot, lambda: app.screen.query_one("#cp-table", DataTable).row_count > 0)
        await pilot.press("u")
        await _wait(pilot, lambda: "Active DIDs go on Hold" in str(app.screen.query_one("#form-info").render()))
        shot("form-unassign")
        await pilot.press("escape", "5")
        await _wait(pilot, lambda: app.screen.query_one("#resellers-table", DataTable).row_count > 0)
        shot("resellers")
        await pilot.press("B")
        await _wait(pilot, lambda: app.screen.query_one("#batches-table", DataTable).row_count > 0)
        await _wait(pilot, lambda: "by " in str(app.screen.query_one("#batch-events").render()))
        shot("batches")
        await pilot.press("u")
        await _wait(pilot, lambda: "Undo batch" in str(app.screen.query_one(".confirm-question").render()))
        shot("confirm-undo")
        await pilot.press("n", "escape")
        await pilot.press("1")
        app.theme = "ansi-dark"  # what TERM=xterm / TERM=linux (16 colours) get
        await _wait(pilot, lambda: _settled(app))
        shot("dids-16-colours")
        # As people reach it over SSH: 80x24, in the default theme and in 16 colours.
        await pilot.resize_terminal(80, 24)
        for theme, suffix in (("textual-dark", "80x24"), ("ansi-dark", "80x24-16-colours")):
            app.theme = theme
            await _wait(pilot, lambda: _settled(app))
            shot(f"dids-{suffix}")
            await pilot.press("i")
            await _wait(pilot, lambda: app.screen.query_one("#path").has_focus)
            app.screen.query_one("#path", Input).value = str(_carrier_file(work))
            await pilot.press("ctrl+s")  # read
            await _wait(pilot, lambda: app.screen.query_one("#step2").display)
            await pilot.press("ctrl+s")  # validate
            await _wait(pilot, lambda: "wrong" in str(app.screen.query_one("#summary").render()))
            shot(f"import-wizard-{suffix}")
            await pilot.press("escape")
            await _wait(pilot, lambda: len(app.screen_stack) == 1)
    session.close()
    return saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="screenshots", help="directory for the SVG files")
    parser.add_argument("--size", default="100x30", help="terminal size, COLSxROWS")
    args = parser.parse_args()
    cols, rows = (int(x) for x in args.size.lower().split("x"))
    for path in asyncio.run(make(Path(args.out), (cols, rows))):
        print(path)


if __name__ == "__main__":
    main()
