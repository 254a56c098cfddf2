"""The console entry point: chooses, before peewee is imported, which drivers to load.

peewee imports every database driver it knows when it is itself imported (psycopg and
PyMySQL cost 100-250 ms here, a third of the app's start-up). A session on an SQLite
profile needs neither, so for one the drivers are marked absent first and peewee's
`try: import` fails fast. Any doubt (bad config, unknown profile) loads them as usual and
leaves the reporting to the real command line.
"""

from __future__ import annotations

import sys

SERVER_DRIVERS = ("psycopg", "psycopg2", "psycopg2cffi", "pymysql", "MySQLdb")


def skip_server_drivers() -> None:
    if "peewee" in sys.modules:
        return  # too late: peewee has already imported what it found
    for name in SERVER_DRIVERS:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]


def chosen_scheme(argv: list[str]) -> str | None:
    """The URL scheme of the profile these arguments would open, or None if unsure."""
    options: dict[str, str | None] = {"--config": None, "--profile": None}
    args = iter(argv)
    for arg in args:
        name, eq, value = arg.partition("=")
        if name in options:
            options[name] = value if eq else next(args, None)
        elif not arg.startswith("-"):
            break  # a command: global options come before it
    try:
        from didtui.config import load_config

        return load_config(options["--config"]).profile(options["--profile"]).scheme
    except Exception:  # noqa: BLE001 - the real command line reports it properly
        return None


def main() -> None:
    if chosen_scheme(sys.argv[1:]) == "sqlite":
        skip_server_drivers()
    from didtui.cli import main as cli_main

    cli_main()
