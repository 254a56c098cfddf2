"""The app runs the config's hooks as the command line does: after a release commits, the
hook gets the JSON summary; a failing hook is a notification, and the change stays."""

from __future__ import annotations

import dataclasses
import datetime as _dt
import json
import sys

from didtui.config import Hooks
from didtui.core.filters import Selection, row_by_number
from didtui.core.retail import release
from didtui.models import DID
from didtui.tui.app import DidApp

from .conftest import screen_text, table_of, wait_for
from .test_dids import open_filter

RECORD = "import sys\nopen(sys.argv[1], 'w').write(sys.stdin.read())\n"


async def _release_first_active(app, pilot) -> None:
    await open_filter(pilot, "status:active")
    await wait_for(pilot, lambda: table_of(app).is_settled() and table_of(app).total == 3)
    await pilot.press("r")
    await wait_for(pilot, lambda: "Release DID 15550000000" in screen_text(app))
    await pilot.press("y")
    await wait_for(pilot, lambda: row_by_number("15550000000").status == "hold", what="released")


async def test_release_in_the_app_runs_after_release_with_the_summary(sqlite_profile, seeded, tmp_path):
    script, out = tmp_path / "record.py", tmp_path / "out.json"
    script.write_text(RECORD)
    hooks = Hooks((("after_release", (sys.executable, str(script), str(out))),), timeout=5)
    app = DidApp(dataclasses.replace(sqlite_profile, hooks=hooks), None, sweep_interval=0)
    async with app.run_test(size=(100, 30)) as pilot:
        await _release_first_active(app, pilot)
        await wait_for(pilot, lambda: out.exists() and out.read_text().endswith("\n"), what="the hook's output")
    summary = json.loads(out.read_text())
    assert summary["event"] == "release" and summary["dids"] == ["15550000000"]
    assert summary["counts"] == {"dids": 1} and summary["actor"] == "tester" and summary["batch"]


async def test_a_failing_hook_is_a_notification_and_the_release_stays(sqlite_profile, seeded, tmp_path):
    script = tmp_path / "fail.py"
    script.write_text("import sys\nsys.stdin.read()\nprint('[b]pager down[/b]', file=sys.stderr)\nsys.exit(4)\n")
    hooks = Hooks((("after_release", (sys.executable, str(script))),), timeout=5)
    app = DidApp(dataclasses.replace(sqlite_profile, hooks=hooks), None, sweep_interval=0)
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await _release_first_active(app, pilot)

        def toast() -> str:  # the toast's lines, joined: it wraps where its width says
            return " ".join(line.split("▌", 1)[-1].strip() for line in screen_text(app).splitlines() if "▌" in line)

        await wait_for(pilot, lambda: "exited with status 4" in toast(), what="the hook's failure")
        assert "[b]pager down[/b]" in screen_text(app)  # its stderr shown literally, not as markup
    assert row_by_number("15550000000").status == "hold"


async def test_the_apps_sweep_runs_after_sweep(sqlite_profile, seeded, tmp_path):
    release(Selection.of_ids([row_by_number("15550000000").id]))
    DID.update(hold_until=_dt.datetime(2000, 1, 1)).where(DID.status == "hold").execute()
    script, out = tmp_path / "record.py", tmp_path / "sweep.json"
    script.write_text(RECORD)
    hooks = Hooks((("after_sweep", (sys.executable, str(script), str(out))),), timeout=5)
    app = DidApp(dataclasses.replace(sqlite_profile, hooks=hooks), None, sweep_interval=0)
    async with app.run_test(size=(100, 30)) as pilot:
        app.action_sweep_now()
        await wait_for(pilot, lambda: out.exists() and out.read_text().endswith("\n"), what="the sweep hook")
    summary = json.loads(out.read_text())
    assert summary["event"] == "sweep" and summary["dids"] == ["15550000000"]
    assert summary["counts"] == {"dids": 1, "in_stock": 1} and summary["actor"] == "tester (sweep)"
