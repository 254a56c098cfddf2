"""Every command as a script uses it: output (tables and JSON against the documented
schema), the database afterwards, and the exit code of each class of outcome.

Reading commands run on SQLite; changing ones on every backend (the `profile` fixture).
"""

from __future__ import annotations

import datetime as _dt
import json

import pytest
from cli_helpers import Runner, doc, error, lines, seed, statuses

from didtui.core import retail
from didtui.core.filters import DIDFilter, Selection
from didtui.core.sweep import end_hold
from didtui.models import DID, Event, Operator, Package


@pytest.fixture
def run(profile, tmp_path):
    return Runner(profile, tmp_path)


@pytest.fixture
def sq(backend_name, profile, tmp_path):
    """Reading commands: SQLite only (the queries are the core's, tested on every backend)."""
    if backend_name != "sqlite":
        pytest.skip("reading commands are checked on SQLite")
    return Runner(profile, tmp_path)


# ---- reading ----------------------------------------------------------------------------


def test_dids_list_table_json_filters_and_nothing_matched(sq):
    seed()
    result = sq("dids", "list")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0].split()[:3] == ["Number", "Status", "Operator"]
    assert len(result.stdout.splitlines()) == 16
    rows = lines(sq("dids", "list", "--json"), "did")
    assert [r["number"] for r in rows][:2] == ["15551230000", "15551230001"] and len(rows) == 15
    assert rows[0]["status"] == "active" and rows[0]["client"] == "ACME Corp" and rows[0]["account"] == "main"
    # Names as in the app: any case, a unique prefix; the filter bar's line too.
    by_op = lines(sq("dids", "list", "--json", "--operator", "telia"), "did")
    assert {r["operator"] for r in by_op} == {"Telia Carrier"} and len(by_op) == 5
    same = lines(sq("dids", "list", "--json", "--filter", "op:tel status:in_stock"), "did")
    assert [r["number"] for r in same] == [r["number"] for r in by_op]
    active = lines(sq("dids", "list", "--json", "--status", "active", "--account", "acme/main"), "did")
    assert len(active) == 3
    assert len(lines(sq("dids", "list", "--json", "--number", "1555124", "--limit", "2"), "did")) == 2
    assert len(lines(sq("dids", "list", "--json", "--tag", "-"), "did")) == 0
    none = sq("dids", "list", "--status", "archived")
    assert none.exit_code == 1 and "no DIDs match (status Archived)" in none.stdout
    unknown = sq("dids", "list", "--json", "--operator", "zzz")
    assert unknown.exit_code == 1 and error(unknown)["code"] == "not_found" and unknown.stdout == ""
    bad = sq("dids", "list", "--json", "--filter", "colour:red")
    assert bad.exit_code == 2 and error(bad)["code"] == "input"


def test_dids_show_and_history(sq):
    seeded = seed()
    number = seeded["picked"][0]
    shown = doc(sq("dids", "show", "+" + number, "--json"), "did")
    assert shown["number"] == number and shown["version"] == 2 and shown["package"] == "Gold 10"
    human = sq("dids", "show", number)
    assert "status      Active" in human.stdout and "version     2" in human.stdout
    events = lines(sq("dids", "history", number, "--json"), "event")
    assert [e["action"] for e in events] == ["pick", "create"]
    assert events[0]["changes"]["status"] == ["in_stock", "active"]
    assert "pick" in sq("dids", "history", number).stdout
    missing = sq("dids", "show", "15550000000")
    assert missing.exit_code == 1 and "DID 15550000000 does not exist" in missing.stderr


def test_noun_lists_as_tables_and_json_lines(sq):
    seed()
    ops = lines(sq("operators", "list", "--json"), "operator")
    assert [(o["name"], o["dids"], o["by_status"]) for o in ops] == [
        ("Colt Numbers", 10, {"active": 3, "in_stock": 7}),
        ("Telia Carrier", 5, {"in_stock": 5}),
    ]
    assert "Colt Numbers" in sq("operators", "list").stdout
    pkgs = lines(sq("packages", "list", "--json"), "package")
    assert pkgs == [{"id": pkgs[0]["id"], "name": "Gold 10", "tags": ["gold"], "allowed_dids": 10, "assignments": 1}]
    clients = lines(sq("clients", "list", "--json"), "client")
    assert clients[0]["name"] == "ACME Corp" and clients[0]["accounts"] == ["main", "support"]
    accounts = lines(sq("accounts", "list", "--json", "--client", "acme"), "account")
    assert [(a["name"], a["active_dids"]) for a in accounts] == [("main", 3), ("support", 0)]
    assigned = lines(sq("assignments", "list", "--json"), "assignment")
    assert [(a["account"], a["used"], a["remaining"], a["active"]) for a in assigned] == [("main", 3, 7, True)]
    table = sq("assignments", "list")
    assert "ACME Corp" in table.stdout and "3/10" in table.stdout


def test_a_table_fits_the_terminal_width_and_shows_names_literally(sq):
    seed()
    Operator.update(name="Evil\x1b]0;pwned\x07 Carrier with a very long name indeed").where(
        Operator.name == "Colt Numbers"
    ).execute()
    result = sq("dids", "list", env={"COLUMNS": "60"})
    assert result.exit_code == 0
    assert all(len(line) <= 60 for line in result.stdout.splitlines())
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "…" in result.stdout


# ---- changing (every backend) -----------------------------------------------------------


def test_add_edit_with_expect_version_and_dry_runs(run):
    seed()
    dry = run("dids", "add", "15551250000-15551250099", "--operator", "colt", "--tag", "gold", "--dry-run", "--json")
    assert doc(dry)["dry_run"] is True and doc(dry)["count"] == 100
    assert DID.select().where(DID.number.startswith("1555125")).count() == 0
    added = run("dids", "add", "15551250000-15551250099", "--operator", "colt", "--tag", "gold", "--json")
    assert added.exit_code == 0 and doc(added)["count"] == 100 and doc(added)["batch"]
    again = run("dids", "add", "15551250005", "--json")
    assert again.exit_code == 1 and error(again)["code"] == "exists"
    edited = run(
        "dids", "edit", "15551250000", "--expect-version", "1", "--status", "reserved", "--notes", "n", "--json"
    )
    assert edited.exit_code == 0 and doc(edited)["did"]["version"] == 2 and doc(edited)["did"]["status"] == "reserved"
    stale = run("dids", "edit", "15551250000", "--expect-version", "1", "--tag", "x", "--json")
    assert stale.exit_code == 3 and error(stale)["code"] == "conflict" and "changed by someone else" in stale.stderr
    rule = run("dids", "edit", "15551250001", "--status", "active")
    assert rule.exit_code == 1 and "only picking makes a DID Active" in rule.stderr
    bad = run("dids", "edit", "15551250001", "--status", "purple")
    assert bad.exit_code == 2 and "unknown status 'purple'" in bad.stderr
    dry_edit = run("dids", "edit", "15551250001", "--tag", "silver", "--dry-run")
    assert dry_edit.exit_code == 0 and "dry run" in dry_edit.stdout
    assert DID.get(DID.number == "15551250001").tag == "gold"


def test_mass_edit_delete_release_end_hold(run):
    seeded = seed()
    # A changing command without numbers or filters refuses (exit 2), never means "all".
    assert run("dids", "mass-edit", "--set-tag", "x").exit_code == 2
    dry = run("dids", "mass-edit", "--operator", "telia", "--set-status", "blocked", "--dry-run", "--json")
    assert doc(dry)["count"] == 5 and len(doc(dry)["dids"]) == 5 and set(statuses().values()) == {"active", "in_stock"}
    done = run("dids", "mass-edit", "--operator", "telia", "--set-status", "blocked", "--json")
    assert doc(done)["count"] == 5 and doc(done)["batch"] and len(doc(done)["dids"]) == 5
    assert statuses()["15551240000"] == "blocked"
    refused = run("dids", "mass-edit", "--account", "acme/main", "--set-status", "reserved")
    assert refused.exit_code == 1 and "Active" in refused.stderr
    nothing = run("dids", "delete", "--status", "archived", "--json")
    assert nothing.exit_code == 1 and error(nothing)["code"] == "nothing_matched"
    deleted = run("dids", "delete", "15551240000", "15551240001")
    assert (
        deleted.exit_code == 0 and "deleted 2 DIDs" in deleted.stdout and "15551240000, 15551240001" in deleted.stdout
    )
    assert "15551240000" not in statuses()
    missing = run("dids", "delete", "15559999999")
    assert missing.exit_code == 1 and "does not exist" in missing.stderr
    picked = seeded["picked"]
    wrong = run("dids", "release", "15551230009")
    assert wrong.exit_code == 1 and "only Active DIDs can be released" in wrong.stderr
    dry_release = run("dids", "release", "--account", "acme/main", "--dry-run", "--json")
    assert doc(dry_release)["dids"] == picked and statuses()[picked[0]] == "active"
    released = run("dids", "release", "--account", "ACME Corp/main", "--json")
    assert doc(released)["count"] == 3 and doc(released)["dids"] == picked
    assert {statuses()[n] for n in picked} == {"hold"}
    ended = run("dids", "end-hold", picked[0], "--json")
    assert doc(ended)["count"] == 1 and statuses()[picked[0]] == "in_stock"
    assert DID.get(DID.number == picked[0]).client_package is None
    assert Event.select().where((Event.did_number == picked[0]) & (Event.action == "sweep")).count() == 1
    not_held = run("dids", "end-hold", "15551230009")
    assert not_held.exit_code == 1 and "only Hold DIDs" in not_held.stderr


def test_operators_packages_clients_accounts_assignments_pick(run):
    seed()
    assert doc(run("operators", "add", "Lumen", "--json"))["name"] == "Lumen"
    assert run("operators", "add", "lumen2", "--dry-run").exit_code == 0
    assert not Operator.select().where(Operator.name == "lumen2").exists()
    assert run("operators", "add", "Lumen").exit_code == 1
    assert doc(run("operators", "rename", "lum", "Lumen Wholesale", "--json"))["old_name"] == "Lumen"
    refused = run("operators", "delete", "telia")
    assert refused.exit_code == 1 and "owns 5 DIDs" in refused.stderr
    moved = run("operators", "delete", "telia", "--move-to", "colt", "--json")
    assert doc(moved)["count"] == 5 and not Operator.select().where(Operator.name == "Telia Carrier").exists()
    ambiguous = run("operators", "delete", "l")  # Lumen Wholesale only: a unique prefix
    assert ambiguous.exit_code == 0
    assert doc(run("packages", "add", "Silver", "--tags", "silver,gold", "--allowed", "2", "--json"))["tags"] == [
        "silver",
        "gold",
    ]
    assert run("packages", "add", "Bad", "--tags", "", "--allowed", "2").exit_code == 2
    assert doc(run("packages", "edit", "silv", "--allowed", "4", "--json"))["allowed_dids"] == 4
    assert run("packages", "edit", "silv").exit_code == 2
    in_use = run("packages", "delete", "gold")
    assert in_use.exit_code == 1 and "assigned" in in_use.stderr
    assert doc(run("clients", "add", "Globex", "--account", "main", "--json"))["name"] == "Globex"
    assert doc(run("accounts", "add", "glob", "ops", "--json"))["name"] == "ops"
    assigned = run("assignments", "assign", "globex/ops", "silver", "--json")
    assert doc(assigned)["assignment"]["package"] == "Silver"
    # pick: by count (numbers one a line), by named numbers, over the limit, dry run.
    picked = run("pick", "globex/ops", "-n", "2")
    assert picked.exit_code == 0 and picked.stdout.split() == ["15551230003", "15551230004"]
    over = run("pick", "globex/ops", "-n", "3", "--json")
    assert over.exit_code == 1 and error(over)["code"] == "rule"
    dry = run("pick", "globex/ops", "15551230008", "--dry-run", "--json")
    assert doc(dry)["dids"] == ["15551230008"] and statuses()["15551230008"] == "in_stock"
    named = run("pick", "globex/ops", "15551230008", "--json")
    assert doc(named)["dids"] == ["15551230008"] and doc(named)["client"] == "Globex"
    assert run("pick", "globex/ops").exit_code == 2
    # deactivate / activate
    dry = run("assignments", "deactivate", "globex/ops", "--dry-run", "--json")
    assert doc(dry)["count"] == 3 and statuses()["15551230008"] == "active"
    off = run("assignments", "deactivate", "globex/ops", "--json")
    assert doc(off)["count"] == 3 and statuses()["15551230008"] == "hold"
    assert run("assignments", "deactivate", "globex/ops").exit_code == 1
    on = run("assignments", "activate", "globex/ops", "--json")
    assert doc(on)["count"] == 3 and statuses()["15551230008"] == "active"
    assert Package.select().count() == 2


def test_sweep_json_and_quiet(run):
    seeded = seed()
    retail.release(
        Selection.of_ids([d for (d,) in DID.select(DID.id).where(DID.number.in_(seeded["picked"])).tuples()])
    )
    DID.update(hold_until=_dt.datetime(2000, 1, 1)).where(DID.status == "hold").execute()
    preview = run("--sweep", "--dry-run", "--json")
    assert doc(preview, "sweep")["count"] == 3 and doc(preview, "sweep")["by_status"] == {"in_stock": 3}
    swept = run("--json", "--sweep")
    assert swept.exit_code == 0
    body = doc(swept, "sweep")
    assert body["count"] == 3 and body["batch"] and sorted(body["dids"]) == sorted(seeded["picked"])
    quiet = run("--quiet", "--sweep")
    assert quiet.exit_code == 0 and quiet.stdout == "" and quiet.stderr == ""


def test_dids_list_streams_on_every_backend(run):
    seeded = seed()
    held = DID.get(DID.number == seeded["picked"][0])
    retail.release(Selection.of_ids([held.id]))
    (hold,) = lines(run("dids", "list", "--json", "--status", "hold"), "did")
    assert hold["hold_until"].endswith("Z") and hold["hold_until"][:4].isdigit()
    rows = lines(run("dids", "list", "--json", "--sort", "status"), "did")
    assert len(rows) == 15 and [r["status"] for r in rows][:2] == ["active"] * 2
    assert rows[0]["created_at"].endswith("Z") and rows[0]["hold_until"] is None
    # Leaving early (--limit, or a reader that stops) closes the server-side cursor cleanly.
    assert len(lines(run("dids", "list", "--json", "--limit", "2"), "did")) == 2
    assert run("operators", "list", "--json").exit_code == 0  # the connection is usable after


def test_import_export_demo_db_profiles_json(sq, tmp_path):
    seed()
    source = tmp_path / "in.csv"
    source.write_text("DID,Operator\n15551270000,Colt Numbers\n15551270001,Nobody\n", encoding="utf-8")
    wrong = sq("import", str(source), "--json")
    assert wrong.exit_code == 1 and doc(wrong)["written"] is False and doc(wrong)["wrong_rows"] == 1
    source.write_text("DID,Operator\n15551270000,Colt Numbers\n", encoding="utf-8")
    dry = sq("import", str(source), "--json", "--dry-run")
    assert dry.exit_code == 0 and doc(dry)["dry_run"] is True and doc(dry)["new"] == 1
    done = sq("import", str(source), "--json")
    assert done.exit_code == 0 and doc(done)["count"] == 1 and doc(done)["batch"]
    target = tmp_path / "out.csv"
    exported = sq("export", "--operator", "colt", "-o", str(target), "--json")
    assert doc(exported)["count"] == 11 and doc(exported)["target"] == str(target)
    # The same filters as every command: the filter bar's line, and a block's range.
    by_line = sq("export", "--filter", "op:colt status:active", "-o", "-")
    assert by_line.exit_code == 0 and by_line.stdout.count("15551230") == 3  # the 3 picked, under a header
    assert sq("blocks", "add", "15551230008-15551230009", "--operator", "colt", "--name", "Tail").exit_code == 0
    in_block = sq("export", "--block", "tail", "-o", "-")
    rows = in_block.stdout.splitlines()[1:]
    assert len(rows) == 2 and "15551230008" in rows[0] and "15551230009" in rows[1]
    assert doc(sq("demo", "--dry-run", "--json", "--size", "50", "--force"))["replaces"] is True
    assert sq("demo", "--json", "--size", "50").exit_code == 1  # not empty, no --force
    assert sq("db", "status", "--json").stdout.strip() == '{"ok": true, "pending": []}'
    assert doc_of(sq("db", "upgrade", "--dry-run", "--json"))["pending"] == []
    listed = doc_of(sq("profiles", "--json"))
    assert listed["active"] == "test" and listed["profiles"][0]["name"] == "test"


def doc_of(result):
    return json.loads(result.stdout)


def test_pick_keeps_the_profiles_reuse_delay(profile, tmp_path):
    """reuse_after_days: a pick by count passes over DIDs released too recently, a named
    one is picked with a warning, as in the app."""
    run = Runner(profile, tmp_path, extra="reuse_after_days = 30\n")
    world = seed()
    picked = world["picked"]
    retail.release(Selection.of_ids([DID.get(DID.number == n).id for n in picked]))
    end_hold(DIDFilter(statuses=("hold",)))
    assert {statuses()[n] for n in picked} == {"in_stock"}
    by_count = doc(run("pick", "acme/main", "-n", "1", "--json"))
    assert by_count["dids"] and by_count["dids"][0] not in picked and by_count["warnings"] == []
    named = run("pick", "acme/main", picked[0])
    assert named.exit_code == 0 and named.stdout.split() == [picked[0]]
    assert f"warning: {picked[0]} was released 0 day(s) ago" in named.stderr
    again = doc(run("pick", "acme/main", picked[1], "--json"))
    assert again["dids"] == [picked[1]] and "less than the 30 days before reuse" in again["warnings"][0]
