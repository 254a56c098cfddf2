"""Helpers for the command-line suite: a runner on the test profile, a small inventory,
and the JSON checks against the documented schema (didtui/cli/schema.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from didtui import db as dbmod
from didtui.cli import cli
from didtui.cli.schema import check
from didtui.config import Profile
from didtui.core import operators, retail
from didtui.core.inventory import create_dids
from didtui.core.numbers import parse_numbers
from didtui.models import DID


class Runner:
    """`run(*args)` invokes didtui on the test profile's database through a config file."""

    def __init__(self, profile: Profile, tmp_path: Path, extra: str = "") -> None:
        self.profile = profile
        self.config = tmp_path / "config.toml"
        self.config.write_text(
            f'[profiles.test]\ndatabase = "{profile.database}"\nuser = "cli-user"\nnumbers = "digits"\n{extra}',
            encoding="utf-8",
        )

    def __call__(self, *args: str, env: dict[str, str] | None = None) -> Result:
        result = CliRunner().invoke(cli, ["--config", str(self.config), *args], catch_exceptions=False, env=env)
        dbmod.connect(self.profile)  # the command closed its connection: reopen for assertions
        return result


def seed() -> dict[str, Any]:
    """Two operators, 10 gold and 5 silver In Stock DIDs, a client with two accounts, a
    Gold package assigned to ACME Corp/main, 3 DIDs picked for it."""
    colt = operators.create_operator("Colt Numbers")
    telia = operators.create_operator("Telia Carrier")
    create_dids(parse_numbers("15551230000-15551230009"), operator_id=colt.id, tag="gold")
    create_dids(parse_numbers("15551240000-15551240004"), operator_id=telia.id, tag="silver")
    gold = retail.create_package("Gold 10", "gold", 10)
    client = retail.create_client("ACME Corp", account="main")
    support = retail.create_account(client.id, "support")
    main = retail.list_accounts(client.id)[0]
    cp = retail.assign_package(main.id, gold.id)
    picked = retail.pick(cp.id, count=3)
    return {"colt": colt, "telia": telia, "cp": cp, "picked": picked, "support": support, "gold": gold}


def statuses() -> dict[str, str]:
    return dict(DID.select(DID.number, DID.status).tuples())


def doc(result: Result, kind: str = "result") -> dict[str, Any]:
    """The JSON document on stdout, checked against the schema of `kind`."""
    parsed = json.loads(result.stdout)
    assert check(kind, parsed) == [], result.stdout
    return parsed


def lines(result: Result, kind: str) -> list[dict[str, Any]]:
    """JSON Lines on stdout, each checked against the schema of `kind`."""
    out = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    for item in out:
        assert check(kind, item) == [], item
    return out


def error(result: Result) -> dict[str, Any]:
    parsed = json.loads(result.stderr)
    assert check("error", parsed) == []
    assert set(parsed["error"]) == {"code", "exit", "message"} and parsed["error"]["exit"] == result.exit_code
    return parsed["error"]
