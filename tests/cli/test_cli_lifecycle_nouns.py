"""`clients|accounts rename|delete` and `assignments unassign`: the lifecycle's core
functions on the command line, on every backend, with their exit codes."""

from __future__ import annotations

import json

import pytest
from cli_helpers import Runner, doc, seed, statuses

from didtui.core import retail
from didtui.models import ClientPackage


@pytest.fixture
def run(profile, tmp_path):
    return Runner(profile, tmp_path)


def test_rename_and_delete_clients_and_accounts(run) -> None:
    seed()
    assert doc(run("clients", "rename", "acme", "ACME Inc", "--json"))["name"] == "ACME Inc"
    assert doc(run("accounts", "rename", "acme inc/support", "helpdesk", "--json"))["name"] == "helpdesk"
    refused = run("clients", "delete", "ACME Inc")
    assert refused.exit_code == 1 and "has 1 package assignment, 3 Active DIDs" in refused.output
    refused = run("accounts", "delete", "ACME Inc/main")
    assert refused.exit_code == 1 and "package assignment" in refused.output
    assert run("accounts", "delete", "ACME Inc/helpdesk").exit_code == 0
    assert [a.name for a in retail.list_accounts()] == ["main"]
    assert run("clients", "rename", "nobody", "x").exit_code == 1
    assert run("clients", "rename", "ACME Inc", "bad\x1bname").exit_code == 2


def test_unassign_puts_active_dids_on_hold_and_now_removes_it(run) -> None:
    world = seed()
    dry = run("assignments", "unassign", "acme/main", "--dry-run", "--json")
    assert dry.exit_code == 0 and json.loads(dry.stdout)["dry_run"] is True
    assert set(statuses()[n] for n in world["picked"]) == {"active"}
    done = run("assignments", "unassign", "acme/main", "--json")
    assert done.exit_code == 0, done.output
    assert doc(done)["count"] == 3 and {statuses()[n] for n in world["picked"]} == {"hold"}
    assert ClientPackage.get_by_id(world["cp"].id).unassigned_at is not None
    now = run("assignments", "unassign", "acme/main", "--now")
    assert now.exit_code == 0, now.output
    assert not ClientPackage.select().where(ClientPackage.id == world["cp"].id).exists()
    assert {statuses()[n] for n in world["picked"]} == {"in_stock"}
    assert run("assignments", "unassign", "acme/main").exit_code == 1
