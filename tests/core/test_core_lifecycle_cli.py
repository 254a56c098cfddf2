"""`didtui resellers ...`, `didtui history ...` and `didtui undo` as scripts use them."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from core_helpers import assert_invariants, create, ids_of, make_world, statuses

from didtui import db as dbmod
from didtui.cli import cli
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
        dbmod.connect(profile)
        return result

    return invoke


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
    as_json = json.loads(run("resellers", "list", "--json").output)
    assert as_json[0] == {"name": "Northwind", "operators": 0, "dids": 2, "clients": 0}
    refused = run("resellers", "delete", "Northwind")
    assert refused.exit_code == 1 and "has 2 DIDs" in refused.output
    assert run("resellers", "delete", "Ghost").exit_code == 2
    assert run("resellers", "rename", "Southwind", "South").exit_code == 0
    moved = run("resellers", "delete", "Northwind", "--move-to", "South")
    assert moved.exit_code == 0 and "2 DIDs moved to South" in moved.output
    assert [r.name for r in Reseller.select()] == ["South"]


def test_history_batches_batch_did_and_undo(run) -> None:
    world = make_world()
    create("15550000100-15550000104", tag="gold")
    retail.pick(world.cp_id, 2)
    inventory.mass_edit(Selection.matching(DIDFilter(statuses=("in_stock",))), {"tag": "blue"})
    lines = run("history", "batches").output.splitlines()
    assert len(lines) == 3 and "mass_edit" in lines[0] and "pick" in lines[1] and "create" in lines[2]
    edit_id = lines[0].split()[0]
    assert len(edit_id) == 10 and "3 DIDs" in lines[0]
    shown = run("history", "batch", edit_id[:6])
    assert shown.exit_code == 0 and "15550000102  mass_edit: tag: → blue" in shown.output
    did = run("history", "did", "15550000100")
    assert did.exit_code == 0 and "ACME/main  from " in did.output and "to now" in did.output
    owners = json.loads(run("history", "did", "15550000100", "--json").output)["owners"]
    assert owners[0]["client"] == "ACME/main" and owners[0]["to"] is None
    assert run("history", "did", "19999999999").exit_code == 2
    dry = run("undo", edit_id, "--dry-run")
    assert dry.exit_code == 0 and "would undo" in dry.output and "3 changed back" in dry.output
    assert {DID.get(DID.number == "15550000104").tag} == {"blue"}
    done = run("undo", edit_id)
    assert done.exit_code == 0 and "undid batch" in done.output
    assert DID.get(DID.number == "15550000104").tag == "gold"
    again = run("undo", edit_id)
    assert again.exit_code == 1 and "already undone" in again.output
    assert run("undo", "zz").exit_code == 2
    assert run("undo", "0000000").exit_code == 2
    assert_invariants()


def test_undo_refused_lists_dids_and_rest_undoes_the_others(run) -> None:
    create("15550000100-15550000102", tag="gold")
    inventory.mass_edit(Selection.matching(DIDFilter(tag="gold")), {"status": "reserved"})
    edit_id = run("history", "batches", "--json")
    batch = json.loads(edit_id.output)[0]["batch"]
    d = DID.get(DID.number == "15550000101")
    inventory.edit_did(d.id, d.version, {"notes": "mine"})
    refused = run("undo", batch)
    assert refused.exit_code == 1
    assert "15550000101: changed since (edit by tester" in refused.output
    assert "nothing was changed" in refused.output
    partial = json.loads(run("undo", batch, "--rest", "--json").output)
    assert partial["restored"] == 2 and partial["blocked_count"] == 1
    assert statuses() == {"15550000100": "in_stock", "15550000101": "reserved", "15550000102": "in_stock"}
    assert ids_of("15550000100")
