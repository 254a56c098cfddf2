"""The exit codes are the same for every command: each class of failure maps to one."""

from __future__ import annotations

import json
import subprocess
import sys

import peewee
import pytest

from didtui.cli.base import classify
from didtui.errors import (
    AlreadyExists,
    Cancelled,
    ConfigError,
    Conflict,
    DatabaseUnavailable,
    InputError,
    NotFound,
    RuleViolation,
    SchemaError,
)


@pytest.mark.parametrize(
    ("error", "code", "exit_code"),
    [
        (RuleViolation("no"), "rule", 1),
        (NotFound("no"), "not_found", 1),
        (AlreadyExists("no"), "exists", 1),
        (Cancelled("no"), "cancelled", 1),
        (InputError("no"), "input", 2),
        (ConfigError("no"), "config", 2),
        (DatabaseUnavailable("no"), "unavailable", 2),
        (SchemaError("no"), "schema", 2),
        (Conflict("no"), "conflict", 3),
        (peewee.OperationalError("deadlock detected"), "conflict", 3),
        (peewee.OperationalError("(1213, 'Deadlock found when trying to get lock')"), "conflict", 3),
        (peewee.IntegrityError("UNIQUE constraint failed"), "database", 2),
        (PermissionError(13, "Permission denied"), "os", 2),
    ],
)
def test_each_failure_has_its_code(error, code, exit_code):
    got_code, got_exit, message = classify(error)
    assert (got_code, got_exit) == (code, exit_code) and message


def test_a_bug_is_not_dressed_up_as_an_expected_failure():
    assert classify(KeyError("x")) is None


def test_usage_errors_are_json_with_json(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text(f'[profiles.t]\ndatabase = "sqlite:///{tmp_path / "t.db"}"\n')
    run = [sys.executable, "-c", "from didtui.launch import main; main()", "--config", str(config)]
    bad = subprocess.run([*run, "dids", "list", "--json", "--sort", "colour"], capture_output=True, text=True)
    assert bad.returncode == 2 and bad.stdout == ""
    error = json.loads(bad.stderr)["error"]
    assert error["code"] == "usage" and error["exit"] == 2 and "--sort" in error["message"]
    plain = subprocess.run([*run, "dids", "list", "--sort", "colour"], capture_output=True, text=True)
    assert plain.returncode == 2 and "Invalid value for '--sort'" in plain.stderr
    empty = subprocess.run([*run, "dids", "list", "--json"], capture_output=True, text=True)
    assert empty.returncode == 1 and empty.stdout == ""  # a new, empty database: nothing matched
    assert json.loads(empty.stderr)["error"]["code"] == "nothing_matched"
    helped = subprocess.run([*run, "dids", "-h"], capture_output=True, text=True)
    assert helped.returncode == 0 and "end-hold" in helped.stdout
