"""`didtui resellers ...`, `didtui history ...` and `didtui undo` as scripts use them."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from core_helpers import assert_invariants, create, ids_of, make_world, statuses

from didtui import db as dbmod
from didtui.cli import cli
from didtui.cli.schema import check
from didtui.core import inventory, retail
from didtui.core.filters import DIDFilter, Selection
from didtui.models import DID, Reseller


@pytest.fixture
def run(profile, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text(
        f'[profiles.test]\ndatabase = "{profile.database}"\nuser = "cli-user"\nnumbers = "digits"\n', encoding="utf-8"
    )

    def invoke(*args: str):
        result = CliRunner().invoke(cli, ["--config", str(config), *args], catch_exceptions=False)
        if "--json" in args and result.exit_code == 0:  # every JSON output follows docs/cli.md
            kind = "undo" if args[0] == "undo" else SCHEMA_OF.get(args[:2], "result")
            for line in result.stdout.splitlines():
                assert check(kind, json.loads(line)) == [], line
        dbmod.connect(profile)
        return result

    return invoke


SCHEMA_OF = {
    ("resellers", "list"): "reseller",
    ("history", "batches"): "batch",
    ("history", "batch"): "batch_events",
    ("history", "did"): "did_history",
}


def test_resellers_commands_and_exit_codes(run) -> None:
    assert run("resellers", "add", "Northwind").exit_code == 0
    assert run("resellers", "add", "Southwind").exit_code == 0
    dup = run("resellers", "add", "Northwind")
    assert dup.exit_code == 1 and "already exists" in dup.output
    assert run("resellers", "add", " ").exit_code == 2
    create("100-101", reseller_id=Reseller.get(Reseller.name == "Northwind").id)
    listed = run("resellers", "list")
    assert listed.exit_code == 0
    assert listed.output.splitlines()[1].split() == ["Northwind", "0", "2", "0"]
    as_json = [json.loads(line) for line in run("resellers", "list", "--json").output.splitlines()]
    assert as_json[0] == {"id": as_json[0]["id"], "name": "Northwind", "operators": 0, "dids": 2, "clients": 0}
    refused = run("resellers", "delete", "Northwind")
    assert refused.exit_code == 1 and "has 2 DIDs" in refused.output
    error = json.loads(run("resellers", "delete", "Ghost", "--json").stderr)["error"]
    assert error["code"] == "not_found" and error["exit"] == 1
    dry = run("resellers", "rename", "south", "South", "--dry-run")  # any case, a prefix
    assert dry.exit_code == 0 and "would rename reseller Southwind to South" in dry.output
    assert [r.name for r in Reseller.select().order_by(Reseller.name)] == ["Northwind", "Southwind"]
    renamed = json.loads(run("resellers", "rename", "Southw", "South", "--json").output)
    assert renamed["action"] == "reseller-rename" and renamed["old_name"] == "Southwind" and renamed["name"] == "South"
    dry = json.loads(run("resellers", "delete", "North", "--move-to", "South", "--dry-run", "--json").output)
    assert dry["dry_run"] and dry["count"] == 2 and dry["dids"] == ["100", "101"]
    assert Reseller.select().count() == 2
    moved = run("resellers", "delete", "Northwind", "--move-to", "South", "--json")
    result = json.loads(moved.output)
    assert moved.exit_code == 0 and result["count"] == 2 and result["moved_to"] == "South"
    assert result["dids"] == ["100", "101"] and result["batch"]
    assert [r.name for r in Reseller.select()] == ["South"]
    undo_run = run("undo", result["batch"][:8], "--json")  # the move is one batch, whose reseller is gone
    error = json.loads(undo_run.stderr)["error"]
    assert undo_run.exit_code == 1 and error["blocked_count"] == 2
    assert error["blocked"][0] == {"number": "100", "why": "its reseller was deleted since"}


def test_history_batches_batch_did_and_undo(run) -> None:
    world = make_world()
    create("15550000100-15550000104", tag="gold")
    retail.pick(world.cp_id, 2)
    inventory.mass_edit(Selection.matching(DIDFilter(statuses=("in_stock",))), {"tag": "blue"})
    lines = run("history", "batches").output.splitlines()[1:]  # under the header
    assert len(lines) == 3 and "mass_edit" in lines[0] and "pick" in lines[1] and "create" in lines[2]
    edit_id = lines[0].split()[0]
    assert len(edit_id) == 10 and lines[0].split()[4] == "3"  # the DIDs column
    shown = run("history", "batch", edit_id[:6])
    assert shown.exit_code == 0 and "15550000102  mass_edit: tag: → blue" in shown.output
    did = run("history", "did", "15550000100")
    assert did.exit_code == 0 and "ACME/main  from " in did.output and "to now" in did.output
    shown = json.loads(run("history", "did", "15550000100", "--json").output)
    assert shown["owners"][0]["client"] == "ACME/main" and shown["owners"][0]["to"] is None
    assert [e["action"] for e in shown["events"]] == ["pick", "create"] and shown["exists"]
    assert run("history", "did", "19999999999").exit_code == 1
    batch = json.loads(run("history", "batch", edit_id, "--limit", "2", "--json").output)
    assert batch["kind"] == "mass_edit" and batch["dids"] == 3 and len(batch["events"]) == 2 and batch["more"] == 1
    assert batch["events"][0]["changes"] == {"tag": [None, "blue"]}  # a mass edit keeps old values as before-images
    dry = run("undo", edit_id, "--dry-run")
    assert dry.exit_code == 0 and "would undo" in dry.output and "3 changed back" in dry.output
    assert {DID.get(DID.number == "15550000104").tag} == {"blue"}
    done = run("undo", edit_id)
    assert done.exit_code == 0 and "undid batch" in done.output
    assert DID.get(DID.number == "15550000104").tag == "gold"
    again = run("undo", edit_id)
    assert again.exit_code == 1 and "already undone" in again.output
    assert run("undo", "zz").exit_code == 2  # not a batch id
    assert run("undo", "0000000").exit_code == 1  # no such batch
    assert_invariants()


def test_undo_refused_lists_dids_and_rest_undoes_the_others(run) -> None:
    create("15550000100-15550000102", tag="gold")
    inventory.mass_edit(Selection.matching(DIDFilter(tag="gold")), {"status": "reserved"})
    edit_id = run("history", "batches", "--json")
    batch = json.loads(edit_id.output.splitlines()[0])["batch"]
    d = DID.get(DID.number == "15550000101")
    inventory.edit_did(d.id, d.version, {"notes": "mine"})
    refused = run("undo", batch)
    assert refused.exit_code == 1
    assert "15550000101: changed since (edit by tester" in refused.output
    assert "nothing was changed" in refused.output
    as_json = run("undo", batch, "--json")
    error = json.loads(as_json.stderr)["error"]
    assert as_json.exit_code == 1 and error["code"] == "refused" and error["blocked_count"] == 1
    assert error["blocked"][0]["number"] == "15550000101" and "changed since" in error["blocked"][0]["why"]
    partial = json.loads(run("undo", batch, "--rest", "--json").output)
    assert partial["restored"] == 2 and partial["blocked_count"] == 1
    assert statuses() == {"15550000100": "in_stock", "15550000101": "reserved", "15550000102": "in_stock"}
    assert ids_of("15550000100")
