"""Shell completion through click's own mechanism: commands, options, and names read
from the profile's database."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from cli_helpers import Runner, seed
from click.shell_completion import BashComplete, FishComplete, ZshComplete

from didtui.cli import cli
from didtui.core import retail


@pytest.fixture
def complete(sqlite_profile, tmp_path):
    runner = Runner(sqlite_profile, tmp_path)
    seed()
    retail.create_reseller("Quanta Reseller")

    def values(args: list[str], incomplete: str) -> list[str]:
        shell = BashComplete(cli, {}, "didtui", "_DIDTUI_COMPLETE")
        return [c.value for c in shell.get_completions(["--config", str(runner.config), *args], incomplete)]

    return values


def test_commands_and_options(complete):
    assert {"dids", "operators", "packages", "clients", "accounts", "assignments", "pick"} <= set(complete([], ""))
    assert set(complete(["dids"], "")) >= {"list", "show", "add", "edit", "mass-edit", "delete", "release", "end-hold"}
    assert "--expect-version" in complete(["dids", "edit", "15551230000"], "--exp")
    assert "--operator" in complete(["dids", "list"], "--op")


def test_names_from_the_database(complete):
    assert complete(["dids", "list", "--operator"], "") == ["Colt Numbers", "Telia Carrier"]
    assert complete(["dids", "list", "--operator"], "te") == ["Telia Carrier"]
    assert complete(["dids", "list", "--package"], "g") == ["Gold 10"]
    assert complete(["dids", "list", "--client"], "a") == ["ACME Corp"]
    assert complete(["dids", "list", "--reseller"], "") == ["Quanta Reseller"]
    assert complete(["pick"], "acme") == ["ACME Corp/main", "ACME Corp/support"]
    assert complete(["pick"], "ACME Corp/s") == ["ACME Corp/support"]
    assert complete(["operators", "rename"], "co") == ["Colt Numbers"]
    assert complete(["dids", "list", "--status"], "in") == ["in_stock"]
    assert complete(["dids", "list", "--tag"], "") == ["gold"]


def test_no_database_means_no_names_and_no_error(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text(f'[profiles.t]\ndatabase = "sqlite:///{tmp_path / "absent.db"}"\n')
    shell = BashComplete(cli, {}, "didtui", "_DIDTUI_COMPLETE")
    assert shell.get_completions(["--config", str(config), "dids", "list", "--operator"], "") == []
    assert not (tmp_path / "absent.db").exists()


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_the_shell_scripts_come_from_click(shell):
    env = dict(os.environ, _DIDTUI_COMPLETE=f"{shell}_source")
    script = subprocess.run(
        [sys.executable, "-c", "from didtui.launch import main; main()"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "_DIDTUI_COMPLETE" in script
    assert {"bash": BashComplete, "zsh": ZshComplete, "fish": FishComplete}[shell].name == shell
