"""`didtui export -o` and `didtui import --errors` on every kind of target (issue 15):
exit codes, messages, and what is left on disk."""

from __future__ import annotations

import csv
import io
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import peewee
import pytest
from click.testing import CliRunner
from csv_helpers import inventory, make_dids, operator, snapshot, write

from didtui import db as dbmod
from didtui.cli import cli
from didtui.core.csvio import export as export_module

ROOT = Path(__file__).resolve().parents[2]


def config_for(tmp_path: Path, database: str) -> Path:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[profiles.test]\ndatabase = "{database}"\nuser = "cli-user"\nnumbers = "digits"\n', encoding="utf-8"
    )
    return config


@pytest.fixture
def run(sqlite_profile, tmp_path):
    config = config_for(tmp_path, sqlite_profile.database)

    def invoke(*args: str):
        result = CliRunner().invoke(cli, ["--config", str(config), *args], catch_exceptions=False)
        dbmod.connect(sqlite_profile)
        return result

    return invoke


def rows_of(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize("name", ["-", "/dev/stdout"])
def test_export_to_standard_output(run, name):
    make_dids("15551230001-15551230003")
    result = run("export", "-o", name)
    assert result.exit_code == 0
    rows = rows_of(result.stdout)
    assert rows[0][:4] == ["ID", "Status", "Operator", "DID"] and [r[3] for r in rows[1:]] == [
        "15551230001",
        "15551230002",
        "15551230003",
    ]
    assert "exported 3 DIDs" in result.stderr and "to standard output" in result.stderr


def test_export_to_dev_stdout_in_a_real_process_writes_into_the_redirected_file(sqlite_profile, tmp_path):
    make_dids("15551230001-15551230002")
    dbmod.close()
    config = config_for(tmp_path, sqlite_profile.database)
    out = tmp_path / "redirected.csv"
    with out.open("w") as handle:
        done = subprocess.run(
            [sys.executable, "-m", "didtui", "--config", str(config), "export", "-o", "/dev/stdout"],
            cwd=ROOT,
            stdout=handle,
            stderr=subprocess.PIPE,
            text=True,
        )
    dbmod.connect(sqlite_profile)
    assert done.returncode == 0, done.stderr
    assert [r[3] for r in rows_of(out.read_text())[1:]] == ["15551230001", "15551230002"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_unusable_targets_exit_2_before_the_database_is_opened(tmp_path):
    # A server nobody listens on: had the command tried to open it, the message would say so.
    config = config_for(tmp_path, "postgresql://nobody@127.0.0.1:9/none")
    (tmp_path / "folder").mkdir()
    readonly = tmp_path / "ro.csv"
    readonly.write_text("keep\n")
    readonly.chmod(0o444)
    for target, message in (
        (tmp_path / "folder", "is a directory"),
        (tmp_path / "missing" / "x.csv", "does not exist"),
        (readonly, "read-only"),
    ):
        result = CliRunner().invoke(cli, ["--config", str(config), "export", "-o", str(target)])
        assert result.exit_code == 2, result.output
        assert result.stderr.count("\n") == 1 and message in result.stderr
    assert readonly.read_text() == "keep\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.toml", "folder", "ro.csv"]


@pytest.mark.parametrize("suffix", ["", "-wal", "-shm"])
def test_export_refuses_to_overwrite_its_own_database(run, sqlite_profile, suffix):
    make_dids("15551230001")
    db_file = sqlite_profile.database[len("sqlite:///") :]
    result = run("export", "-o", db_file + suffix)
    assert result.exit_code == 2 and "which this command reads from" in result.stderr
    assert Path(db_file).read_bytes().startswith(b"SQLite format 3\x00")
    assert list(inventory()) == ["15551230001"]


def test_a_database_error_in_the_middle_keeps_the_old_file(run, tmp_path, monkeypatch):
    make_dids("15550000000-15550011999")
    path = tmp_path / "out.csv"
    path.write_text("old export\n")
    path.chmod(0o640)
    real = export_module._write_batch
    calls = []

    def failing(*args):
        calls.append(1)
        if len(calls) == 2:
            raise peewee.OperationalError("server closed the connection unexpectedly")
        real(*args)

    monkeypatch.setattr(export_module, "_write_batch", failing)
    result = run("export", "-o", str(path))
    assert result.exit_code == 2 and "database error" in result.stderr
    assert path.read_text() == "old export\n" and stat.S_IMODE(path.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["config.toml", "out.csv", *_db_files(tmp_path)])
    monkeypatch.setattr(export_module, "_write_batch", real)
    result = run("export", "-o", str(path))
    assert result.exit_code == 0 and sum(1 for _ in path.open()) == 12_001
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def _db_files(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if ".db" in p.name]


def test_export_into_a_fifo_and_a_character_device(run, tmp_path):
    make_dids("15551230001-15551230100")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[str] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_text()))
    reader.start()
    result = run("export", "-o", str(fifo))
    reader.join(timeout=30)
    assert result.exit_code == 0 and len(rows_of(got[0])) == 101
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    if os.geteuid() == 0:
        null = tmp_path / "null"
        os.mknod(null, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        result = run("export", "-o", str(null))
        assert result.exit_code == 0 and stat.S_ISCHR(null.lstat().st_mode)
        assert "exported 100 DIDs" in result.stderr


def test_export_through_a_symlink(run, tmp_path):
    make_dids("15551230001")
    real = tmp_path / "real.csv"
    real.write_text("old\n")
    link = tmp_path / "latest.csv"
    link.symlink_to(real)
    result = run("export", "-o", str(link))
    assert result.exit_code == 0 and f"{link} (→ {real})" in result.stderr
    assert link.is_symlink() and "15551230001" in real.read_text()


def test_export_help_says_how_each_target_is_written(run):
    text = " ".join(run("export", "--help").output.split())
    assert "a symlink is written through to its target" in text and "/dev/null" in text


def test_import_errors_file_targets(run, tmp_path):
    operator("Telia")
    source = write(tmp_path, "DID,Operator\n15551230001,Telia\n15551230002,Ghost\n")
    before = snapshot()
    readonly = tmp_path / "ro.errors.csv"
    readonly.write_text("keep\n")
    readonly.chmod(0o444)
    result = run("import", str(source), "--skip-invalid", "--errors", str(readonly))
    assert result.exit_code == 2 and "errors file: cannot write" in result.stderr and "read-only" in result.stderr
    assert readonly.read_text() == "keep\n" and snapshot() == before
    result = run("import", str(source), "--skip-invalid", "--errors", str(source))
    assert result.exit_code == 2 and "which this command reads from" in result.stderr
    assert snapshot() == before
    # Through a symlink, into its target; the old report is replaced whole.
    real = tmp_path / "reports" / "errors.csv"
    real.parent.mkdir()
    real.write_text("old report\n")
    link = tmp_path / "errors-link.csv"
    link.symlink_to(real)
    result = run("import", str(source), "--skip-invalid", "--errors", str(link))
    assert result.exit_code == 1 and "imported 1 DIDs" in result.output
    assert link.is_symlink() and [r[0] for r in rows_of(real.read_text())] == ["DID", "15551230002"]
    assert sorted(p.name for p in real.parent.iterdir()) == ["errors.csv"]


def test_import_errors_to_standard_output(run, tmp_path):
    operator("Telia")
    source = write(tmp_path, "DID,Operator\n15551230002,Ghost\n")
    result = run("import", str(source), "--dry-run", "--errors", "-")
    assert result.exit_code == 1
    assert "15551230002,Ghost,2,\"unknown operator 'Ghost'" in result.stdout
    assert "rejected rows written to standard output" in result.stdout
