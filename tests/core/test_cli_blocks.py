"""`didtui blocks`, `didtui report costs` and `didtui reconcile` as scripts use them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from core_helpers import create, did

from didtui import db as dbmod
from didtui.cli import cli, schema
from didtui.core import operators


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


@pytest.fixture
def telia(profile) -> int:
    op = operators.create_operator("Telia Carrier")
    create("15551230000-15551230099", operator_id=op.id)
    return op.id


def test_blocks_add_list_edit_delete(run, telia) -> None:
    result = run("blocks", "add", "15551230000-15551230199", "--operator", "telia", "--monthly-cost", "0.5",
                 "--name", "NY 1", "--bought-on", "2026-01-02")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "recorded block NY 1: 200 numbers, 100 of them in the inventory" in result.output
    listed = run("blocks", "list", "--json", "--runs")
    row = json.loads(listed.output.splitlines()[0])
    assert schema.check("block", row) == []
    assert row["size"] == 200 and row["by_status"] == {"in_stock": 100} and row["longest_free_run"] == 100
    assert row["monthly_total"] == "100.0000" and row["bought_on"] == "2026-01-02"
    assert "NY 1" in run("blocks", "list").output
    assert run("blocks", "edit", "ny", "--monthly-cost", "").exit_code == 0
    assert json.loads(run("blocks", "list", "--json").output)["monthly_cost"] is None
    assert run("blocks", "delete", "NY 1").exit_code == 0
    assert run("blocks", "list").output.strip().startswith("no blocks")


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["blocks", "add", "1-2-3", "--operator", "Telia Carrier"], 2, "1-2-3"),
        (["blocks", "add", "15551230000-15551230009", "--operator", "Ghost"], 1, "unknown operator 'Ghost'"),
        (["blocks", "add", "15551230000-15551230009", "--operator", "Telia Carrier", "--monthly-cost", "-1"], 2,
         "monthly cost"),
        (["blocks", "delete", "nothing"], 1, "no block is named 'nothing'"),
        (["report", "costs", "--by", "colour"], 2, "Invalid value"),
    ],
)  # fmt: skip
def test_bad_input_exit_codes(run, telia, args, code, message) -> None:
    result = run(*args)
    assert result.exit_code == code, result.output
    assert message in result.output


def test_overlap_is_refused_with_exit_1(run, telia) -> None:
    assert run("blocks", "add", "15551230000-15551230099", "--operator", "Telia Carrier").exit_code == 0
    result = run("blocks", "add", "15551230050-15551230149", "--operator", "Telia Carrier")
    assert result.exit_code == 1 and "overlaps block 15551230000-15551230099" in result.output


def test_report_costs_json(run, telia) -> None:
    run("blocks", "add", "15551230000-15551230199", "--operator", "Telia Carrier", "--monthly-cost", "0.25",
        "--setup-cost", "10")  # fmt: skip
    data = json.loads(run("report", "costs", "--json").output)
    assert schema.check("costs", data) == []
    assert data["total"] == {
        "key": "total", "numbers": 200, "unused": 200, "monthly": "50.0000", "monthly_unused": "50.0000",
        "setup": "10.00",
    }  # fmt: skip
    text = run("report", "costs", "--by", "status").output
    assert "(not in inventory)" in text and "in_stock" in text


def test_reconcile_dry_run_apply_and_exit_codes(run, telia, tmp_path: Path) -> None:
    listed = [f"1555123{n:04d}" for n in range(3, 100)] + ["15551239999"]
    path = tmp_path / "telia.csv"
    path.write_text("Phone Number\n" + "\n".join(listed) + "\n", encoding="utf-8")
    dry = run("reconcile", str(path), "--operator", "telia")
    assert dry.exit_code == 1
    assert "98 numbers listed: 1 listed by Telia Carrier but not held, 3 held but no longer listed" in dry.output
    assert did("15551230000").status == "in_stock"
    report = tmp_path / "diff.csv"
    done = run("reconcile", str(path), "--operator", "telia", "--apply", "--missing", "add-in-stock",
               "--gone", "archive", "--report", str(report), "--json")  # fmt: skip
    assert done.exit_code == 0, done.output
    data = json.loads(done.output)
    assert schema.check("reconcile", data) == []
    assert data["applied"] == {"added": 1, "archived": 3} and data["left"] == 0 and data["batch"]
    assert report.read_text(encoding="utf-8").count("\n") == 5  # header + 4 differences
    assert run("reconcile", str(path), "--operator", "telia").exit_code == 0
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\x00\x01\x02PK\x03\x04")
    assert run("reconcile", str(bad), "--operator", "telia").exit_code == 2


def test_import_records_its_ranges_as_blocks(run, telia, tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text(
        "DID,Operator\n15552000000-15552000099,Telia Carrier\n15552000500,Telia Carrier\n15551230050-15551230149,\n",
        encoding="utf-8",
    )
    result = run("import", str(path), "--record-blocks", "--skip-invalid", "--operator", "Telia Carrier")
    assert result.exit_code == 0, result.output
    assert "recorded 2 blocks" in result.output
    names = [json.loads(x)["name"] for x in run("blocks", "list", "--json").output.splitlines()]
    assert names == ["15551230050-15551230149", "15552000000-15552000099"]
    again = run("import", str(path), "--record-blocks", "--operator", "Telia Carrier")
    assert "recorded 0 blocks, 2 ranges skipped" in again.output and "overlaps block" in again.output


def test_pick_consecutive_from_the_command_line(run, telia) -> None:
    from didtui.core import blocks, retail

    create("15551240000-15551240009", operator_id=telia, tag="pool")
    blocks.add_block("15551240000-15551240009", telia, name="A")
    pkg = retail.create_package("P", "pool", 20)
    client = retail.create_client("Acme", account="main")
    retail.assign_package(retail.list_accounts(client.id)[0].id, pkg.id)
    assert run("pick", "acme/main", "--consecutive", "15551240000").exit_code == 2
    result = run("pick", "acme/main", "--count", "12", "--consecutive")
    assert result.exit_code == 1 and "the longest free run is 10" in result.output
    result = run("pick", "acme/main", "--count", "4", "--consecutive", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["dids"] == [f"1555124000{n}" for n in range(4)]
