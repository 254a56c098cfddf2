"""The entry point loads no server driver for an SQLite profile (a third of start-up),
and still opens server profiles with their drivers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from didtui.launch import chosen_scheme

PROBE = (
    "import sys; sys.argv = ['didtui'] + sys.argv[1:]\n"
    "from didtui.launch import main\n"
    "try:\n    main()\nexcept SystemExit:\n    pass\n"
    "print('LOADED', sorted(m for m in ('psycopg', 'pymysql') if sys.modules.get(m) is not None))\n"
)


def _config(tmp_path: Path) -> Path:
    path = tmp_path / "c.toml"
    path.write_text(
        'default_profile = "local"\n'
        f'[profiles.local]\ndatabase = "sqlite:///{tmp_path / "x.db"}"\n'
        '[profiles.pg]\ndatabase = "postgresql://postgres@127.0.0.1:5432/nowhere"\n',
        encoding="utf-8",
    )
    return path


def test_chosen_scheme_reads_global_options_only(tmp_path: Path) -> None:
    config = str(_config(tmp_path))
    assert chosen_scheme(["--config", config]) == "sqlite"
    assert chosen_scheme([f"--config={config}", "--profile", "pg"]) == "postgresql"
    assert chosen_scheme(["--config", config, "export", "--profile", "pg"]) == "sqlite"
    assert chosen_scheme(["--config", str(tmp_path / "missing.toml")]) is None
    assert chosen_scheme(["--config", config, "--profile", "nope"]) is None


def _loaded(tmp_path: Path, *args: str) -> str:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, "--config", str(_config(tmp_path)), *args, "profiles"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    return next(line for line in out.stdout.splitlines() if line.startswith("LOADED"))


def test_sqlite_profile_loads_no_server_driver(tmp_path: Path) -> None:
    assert _loaded(tmp_path) == "LOADED []"


def test_server_profile_keeps_its_drivers(tmp_path: Path) -> None:
    assert _loaded(tmp_path, "--profile", "pg") == "LOADED ['psycopg', 'pymysql']"
