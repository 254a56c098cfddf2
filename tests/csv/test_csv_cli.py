"""`didtui import` / `didtui export` as scripts use them: messages, files and exit codes."""

from __future__ import annotations

import csv
import io

import pytest
from click.testing import CliRunner
from csv_helpers import inventory, make_dids, operator, snapshot, write

from didtui import db as dbmod
from didtui.cli import cli


@pytest.fixture
def run(profile, tmp_path):
    """Run the CLI on the test profile's database (any backend) through a config file."""
    config = tmp_path / "config.toml"
    config.write_text(
        f'[profiles.test]\ndatabase = "{profile.database}"\nuser = "cli-user"\nnumbers = "digits"\n', encoding="utf-8"
    )

    def invoke(*args: str):
        result = CliRunner().invoke(cli, ["--config", str(config), *args], catch_exceptions=False)
        dbmod.connect(profile)  # the command closed its connection: reopen for assertions
        return result

    return invoke


def test_import_all_rows_exit_0_and_summary(run, tmp_path):
    operator("Telia")
    path = write(tmp_path, "Number,Carrier,State\n15551230001,Telia,Reserved\n15551230002-15551230004,Telia,\n")
    result = run("import", str(path), "--tag", "gold")
    assert result.exit_code == 0, result.output
    assert "4 new" in result.output and "imported 4 DIDs" in result.output
    assert "'Number' → DID, 'Carrier' → Operator, 'State' → Status" in result.output
    assert inventory()["15551230003"] == ("in_stock", "Telia", "gold", "", "in_stock")


def test_wrong_rows_exit_1_and_nothing_is_written(run, tmp_path):
    operator("Telia")
    before = snapshot()
    path = write(tmp_path, "DID,Operator\n15551230001,Telia\n15551230002,Ghost\nabc,Telia\n")
    result = run("import", str(path))
    assert result.exit_code == 1
    assert "line 3: unknown operator 'Ghost'" in result.output and "line 4: 'abc' is not a DID number" in result.output
    assert "nothing was imported: 2 rows are wrong" in result.output
    assert snapshot() == before
    assert not (tmp_path / "in.errors.csv").exists()
    # --skip-invalid: the good row goes in, the others to the errors file beside the input.
    result = run("import", str(path), "--skip-invalid")
    assert result.exit_code == 1 and "imported 1 DIDs" in result.output
    errors = tmp_path / "in.errors.csv"
    assert f"rejected rows written to {errors}" in result.output
    assert [r[0] for r in csv.reader(errors.open(newline=""))] == ["DID", "15551230002", "abc"]
    assert set(inventory()) == {"15551230001"}


def test_options_map_defaults_policies_and_dry_run(run, tmp_path):
    operator("Telia")
    make_dids("15551230001")
    path = write(tmp_path, "15551230001|x|Colt\n15551230002|y|Colt\n")
    args = ["import", str(path), "--no-header", "--map", "2=Notes", "--map", "3=Operator", "--on-existing", "update"]
    result = run(*args, "--dry-run")
    assert result.exit_code == 1 and "unknown operator 'Colt'" in result.output
    result = run(*args, "--create-operators", "--dry-run")
    assert (
        result.exit_code == 0
        and "1 new, 1 updated" in result.output
        and "dry run: nothing was written" in result.output
    )
    assert set(inventory()) == {"15551230001"}
    result = run(*args, "--create-operators", "--status", "Reserved", "--after-hold", "Archived")
    assert result.exit_code == 0, result.output
    got = inventory()
    assert got["15551230001"] == ("in_stock", "Colt", "", "x", "in_stock")  # update: only the row's fields
    assert got["15551230002"] == ("reserved", "Colt", "", "y", "archived")  # new: defaults apply
    result = run(
        "import",
        str(path),
        "--no-header",
        "--on-existing",
        "stop",
        "--operator",
        "Telia",
        "--map",
        "2=notes",
        "--map",
        "3=ignore",
    )
    assert result.exit_code == 1 and "already exists" in result.output


@pytest.mark.parametrize(
    "content, args, message",
    [
        (None, [], "does not exist"),
        (b"", [], "is empty"),
        (b"\x00\x01\x02binary\x00", [], "binary file"),
        ("DID,Notes\n1,Stra\xdfe\n".encode("latin-1"), ["--encoding", "utf-8"], "is not UTF-8 text"),
        (b'DID,Notes\n1,"open\n2,x\n', [], "never closed"),
        (b"Carrier,Notes\nTelia,x\n", [], "no column is mapped to DID"),
        (b"DID\n1\n", ["--map", "Phone=DID"], "no column named 'Phone'"),
        (b"DID\n1\n", ["--status", "Active"], "default status cannot be Active"),
        (b"DID\n1\n", ["--operator", "Ghost"], "default operator: unknown operator 'Ghost'"),
        (b"DID\n1\n", ["--encoding", "nope"], "unknown encoding"),
    ],
)
def test_unusable_input_exits_2_with_a_message_and_writes_nothing(run, tmp_path, content, args, message):
    path = tmp_path / "in.csv"
    if content is not None:
        path.write_bytes(content)
    before = snapshot()
    result = run("import", str(path), *args)
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert snapshot() == before


def test_export_filters_to_stdout_and_default_file(run, tmp_path, monkeypatch):
    telia = operator("Telia")
    make_dids("15551230001-15551230003", operator_id=telia, tag="gold")
    make_dids("15551230004", status="blocked")
    result = run("export", "--operator", "Telia", "--tag", "gold", "-o", "-")
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert [r[3] for r in rows[1:]] == ["15551230001", "15551230002", "15551230003"]
    assert "exported 3 DIDs (operator Telia, tag gold) to standard output" in result.stderr
    monkeypatch.chdir(tmp_path)
    result = run("export", "--status", "Blocked")
    assert result.exit_code == 0
    [written] = list(tmp_path.glob("dids-*.csv"))
    assert len(written.name) == len("dids-YYYYMMDD-HHMMSS.csv")
    assert [r[3] for r in csv.reader(written.open(newline=""))][1:] == ["15551230004"]
    result = run("export", "--operator", "Nobody")
    assert result.exit_code == 1 and "unknown operator 'Nobody'" in result.output
    result = run("export", "--status", "bogus", "-o", "-")
    assert result.exit_code == 2 and "unknown status 'bogus'" in result.output and result.stdout == ""
