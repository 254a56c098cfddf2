"""Hooks: a script given the JSON summary on stdin after each kind of committed change;
a failing hook and one that hangs past its timeout are reported and undo nothing."""

from __future__ import annotations

import datetime as _dt
import json
import sys
from pathlib import Path

import pytest
from cli_helpers import Runner, doc, seed, statuses

from didtui.config import parse_config
from didtui.core import hooks
from didtui.core.filters import Selection
from didtui.core.retail import release
from didtui.errors import ConfigError
from didtui.models import DID

RECORDER = """import json, os, sys
data = sys.stdin.read()
with open(sys.argv[1], "a", encoding="utf-8") as out:
    out.write(json.dumps({"hook": os.environ["DIDTUI_HOOK"], "stdin": json.loads(data)}) + "\\n")
"""


def hook_config(tmp_path: Path, **overrides: str) -> tuple[str, Path]:
    script = tmp_path / "record.py"
    script.write_text(RECORDER, encoding="utf-8")
    log = tmp_path / "hooks.log"
    names = ["after_pick", "after_release", "after_deactivate", "after_sweep", "after_import", "after_unassign"]
    lines = [f"{name} = '{sys.executable} {script} {log}'" for name in names if name not in overrides]
    lines += [f"{name} = '{value}'" for name, value in overrides.items()]
    return "[profiles.test.hooks]\ntimeout = 2\nmax_dids = 2\n" + "\n".join(lines) + "\n", log


def calls(log: Path) -> list[dict]:
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()] if log.exists() else []


@pytest.fixture
def hooked(profile, tmp_path):
    text, log = hook_config(tmp_path)
    return Runner(profile, tmp_path, text), log


def test_each_event_gives_its_hook_the_json_summary_after_commit(hooked, tmp_path):
    run, log = hooked
    seeded = seed()
    assert run("pick", "acme/main", "-n", "3").exit_code == 0
    (picked,) = calls(log)
    summary = picked["stdin"]
    assert picked["hook"] == "after_pick" and summary["event"] == "pick" and summary["actor"] == "cli-user"
    assert summary["counts"] == {"dids": 3} and len(summary["dids"]) == 2 and summary["dids_truncated"] is True
    assert summary["batch"] and summary["client"] == "ACME Corp" and summary["profile"] == "test"
    # The hook ran after commit: the batch it names is in the history.
    assert DID.select().where(DID.status == "active").count() == 6
    run("dids", "release", seeded["picked"][0])
    run("assignments", "deactivate", "acme/main")
    DID.update(hold_until=_dt.datetime(2000, 1, 1)).where(DID.status == "hold").execute()
    run("--sweep")
    csv_file = tmp_path / "in.csv"
    csv_file.write_text("DID,Operator\n15551260000,Colt Numbers\n", encoding="utf-8")
    assert run("import", str(csv_file)).exit_code == 0
    events = [c["stdin"]["event"] for c in calls(log)]
    assert events == ["pick", "release", "deactivate", "sweep", "import"]
    by_event = {c["stdin"]["event"]: c["stdin"] for c in calls(log)}
    assert by_event["release"]["dids"] == [seeded["picked"][0]] and by_event["release"]["counts"] == {"dids": 1}
    assert by_event["deactivate"]["counts"] == {"dids": 5}
    assert by_event["sweep"]["counts"]["dids"] == 6 and by_event["sweep"]["actor"] == "cli-user (sweep)"
    assert by_event["import"]["counts"] == {"dids": 1, "new": 1, "updated": 0}
    # A dry run changes nothing, so runs no hook.
    run("pick", "acme/main", "-n", "1", "--dry-run")
    assert len(calls(log)) == 5


def test_a_failing_hook_is_reported_and_the_change_stays(profile, tmp_path):
    fail = tmp_path / "fail.py"
    fail.write_text("import sys\nsys.stdin.read()\nprint('ticket system down', file=sys.stderr)\nsys.exit(7)\n")
    text, _ = hook_config(tmp_path, after_pick=f"{sys.executable} {fail}")
    run = Runner(profile, tmp_path, text)
    seed()
    result = run("pick", "acme/main", "-n", "1", "--json")
    assert result.exit_code == 0
    (hook,) = doc(result)["hooks"]
    assert hook["ok"] is False and hook["returncode"] == 7 and "ticket system down" in hook["stderr"]
    assert "hook after_pick" in result.stderr and "exited with status 7: ticket system down" in result.stderr
    assert statuses()[doc(result)["dids"][0]] == "active"


def test_a_hook_that_hangs_is_killed_at_its_timeout(profile, tmp_path):
    hang = tmp_path / "hang.sh"
    hang.write_text("#!/bin/sh\nsleep 60 &\nsleep 60\n")
    hang.chmod(0o755)
    text, _ = hook_config(tmp_path, after_release=str(hang))
    run = Runner(profile, tmp_path, text.replace("timeout = 2", "timeout = 0.5"))
    seeded = seed()
    result = run("dids", "release", seeded["picked"][0])
    assert result.exit_code == 0 and "timed out and was killed" in result.stderr
    assert statuses()[seeded["picked"][0]] == "hold"


def test_a_missing_hook_program_is_reported(sqlite_profile, tmp_path):
    config = parse_config(
        {"hooks": {"after_release": "/nonexistent/notify --x"}, "profiles": {"t": {"database": "sqlite:///x.db"}}}
    )
    seeded = seed()
    batch = "b1"
    release(Selection.of_ids([DID.get(DID.number == seeded["picked"][0]).id]), batch=batch)
    result = hooks.fire(config.profile("t").hooks, "after_release", batch=batch, actor="me", counts={"dids": 1})
    assert result is not None and not result.ok and "cannot run" in result.describe()
    assert hooks.fire(config.profile("t").hooks, "after_pick", batch=batch, actor="me", counts={}) is None


def test_hook_config_global_profile_override_and_errors():
    config = parse_config(
        {
            "hooks": {"after_pick": "notify --pick 'a b'", "after_sweep": "sweep-mon", "timeout": 5},
            "profiles": {
                "a": {"database": "sqlite:///a.db"},
                "b": {"database": "sqlite:///b.db", "hooks": {"after_sweep": "", "after_pick": "other"}},
            },
        }
    )
    a, b = config.profile("a").hooks, config.profile("b").hooks
    assert a.command("after_pick") == ("notify", "--pick", "a b") and a.command("after_sweep") == ("sweep-mon",)
    assert a.timeout == 5.0 and b.timeout == 5.0
    assert b.command("after_pick") == ("other",) and b.command("after_sweep") == ()
    for bad, message in (
        ({"after_picks": "x"}, "unknown key 'after_picks'"),
        ({"after_pick": ["x"]}, "must be a command line in quotes"),
        ({"after_pick": "x 'open"}, "close the quote"),
        ({"timeout": 0}, "timeout must be a number"),
    ):
        with pytest.raises(ConfigError, match=message):
            parse_config({"hooks": bad, "profiles": {"a": {"database": "sqlite:///a.db"}}})


def test_unknown_hook_name_in_the_config_is_exit_2(sqlite_profile, tmp_path):
    run = Runner(sqlite_profile, tmp_path, "[profiles.test.hooks]\nafter_lunch = 'x'\n")
    result = run("dids", "list", "--json")
    assert result.exit_code == 2 and "unknown key 'after_lunch'" in result.stderr
    assert json.loads(result.stderr)["error"]["code"] == "config"
