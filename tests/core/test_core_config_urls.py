"""Database URLs with passwords (docs/config.md): raw `@ : / #` in a password, masking,
the MySQL password passed through, and config files that others can read."""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pymysql
import pytest
from click.testing import CliRunner, Result
from conftest import MYSQL_URL, make_profile
from hypothesis import given, settings
from hypothesis import strategies as st

from didtui import db as dbmod
from didtui.cli import cli
from didtui.config import Profile, connect_params, load_config, mask_url
from didtui.errors import ConfigError, DatabaseUnavailable
from didtui.models import database_proxy

# The MariaDB test database of this run (CI names a fixed one: $DIDTUI_TEST_MYSQL_URL).
RUN_DB = urlsplit(MYSQL_URL).path.lstrip("/")
RAW = "p@ss:w/o#r?d@x"  # 14 characters, every one that breaks a naive URL parser


@pytest.fixture(autouse=True)
def _no_ambient_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("DIDTUI_CONFIG", raising=False)
    monkeypatch.delenv("DIDTUI_PROFILE", raising=False)
    monkeypatch.delenv("DIDTUI_ALLOW_OPEN_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))


def write_config(tmp_path: Path, text: str, mode: int = 0o600) -> Path:
    path = tmp_path / "didtui.toml"
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return path


def run(args: list[str], env: dict[str, str] | None = None) -> Result:
    saved = database_proxy.obj
    try:
        return CliRunner().invoke(cli, args, env=env)
    finally:
        if saved is not None:
            database_proxy.initialize(saved)


def _secret_parts(secret: str) -> list[str]:
    """Every 3-character piece of the secret: none may be printed."""
    return [secret[i : i + 3] for i in range(len(secret) - 2)]


# ---- parsing and masking ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        (f"postgresql://bob:{RAW}@db.example.net:5432/didtui", "postgresql://bob:***@db.example.net:5432/didtui"),
        (f"mysql://root:{RAW}@127.0.0.1/x?charset=utf8mb4", "mysql://root:***@127.0.0.1/x?charset=utf8mb4"),
        ("postgresql://bob:@h/db", "postgresql://bob:***@h/db"),
        ("postgresql://bob@h/db?password=s3cret&sslmode=require", "postgresql://bob@h/db?password=***&sslmode=require"),
        ("mysql://a:b@h:99999999/x", "mysql://a:***@h:99999999/x"),  # does not parse: masked all the same
        ("postgresql://bob@h/db?application_name=x@y", "postgresql://bob@h/db?application_name=x@y"),
        ("sqlite:////srv/data@home/didtui.db", "sqlite:////srv/data@home/didtui.db"),
    ],
)
def test_everything_between_user_and_the_last_at_is_masked(url: str, masked: str) -> None:
    assert mask_url(url) == masked


def test_raw_special_characters_in_a_password_are_read_as_the_password() -> None:
    params = connect_params(f"postgresql://bob:{RAW}@db.example.net:5433/didtui?sslmode=require")
    assert params == {
        "database": "didtui",
        "host": "db.example.net",
        "port": 5433,
        "sslmode": "require",
        "user": "bob",
        "password": RAW,
    }
    assert connect_params("postgresql://bob:p%40ss%2Fw@h/db")["password"] == "p@ss/w"  # encoded still works
    assert connect_params("postgresql://bob@h/db?application_name=x@y")["host"] == "h"


def test_a_mysql_password_is_passed_as_password_not_dropped_or_renamed() -> None:
    assert connect_params(f"mysql://root:{RAW}@127.0.0.1:3306/x")["password"] == RAW
    assert connect_params("mysql://root@127.0.0.1:3306/x?passwd=pw")["password"] == "pw"
    database = dbmod.make_database(Profile(name="m", database=f"mysql://root:{RAW}@127.0.0.1:3306/x", user="t"))
    assert database.connect_params["password"] == RAW and "passwd" not in database.connect_params


def test_password_env_wins_over_the_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIDTUI_TEST_SECRET", "from-env")
    profile = Profile(name="p", database="postgresql://bob:in-url@h/db", password_env="DIDTUI_TEST_SECRET", user="t")
    assert profile.connect_params()["password"] == "from-env"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("postgresql://bob:pw@h:54x2/db", "cannot be read after the user name"),
        ("postgresql://h/db#x", "percent-encode it as %23"),
        ("postgresql://[::1/db", "Invalid IPv6 URL"),
        ("mysql:h/db", "write it as scheme://user@host:port/database"),
    ],
)
def test_an_unreadable_url_is_one_line_and_exit_2(tmp_path: Path, url: str, message: str) -> None:
    path = write_config(tmp_path, f'[profiles.bad]\ndatabase = "{url}"\n')
    with pytest.raises(ConfigError, match=message):
        load_config(path)
    for args in (["profiles"], ["--sweep"], ["db", "status"]):
        result = run(["--config", str(path), *args])
        assert result.exit_code == 2, (args, result.output)
        assert result.output.startswith("didtui: ") and message in result.output
        assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output
        assert ":pw@" not in result.output


def test_profiles_and_commands_never_show_any_of_a_raw_password(tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        f'[profiles.office]\ndatabase = "postgresql://bob:{RAW}@127.0.0.1:1/didtui"\nconnect_timeout = 2\n',
    )
    listing = run(["--config", str(path), "profiles"])
    assert listing.exit_code == 0
    assert "postgresql://bob:***@127.0.0.1:1/didtui" in listing.output
    for args in (["--sweep"], ["db", "status"], ["export", "-o", "-"]):
        result = run(["--config", str(path), *args])
        assert result.exit_code == 2, (args, result.output)
        assert "cannot reach the database of profile 'office' at 127.0.0.1:1" in result.output
        assert "Traceback" not in result.output
    for result in (listing, run(["--config", str(path), "--sweep"])):
        leaked = [part for part in _secret_parts(RAW) if part in result.output]
        assert not leaked, (leaked, result.output)


# ---- config files others can read ---------------------------------------------------------


def test_an_open_config_holding_a_password_is_refused(tmp_path: Path) -> None:
    path = write_config(tmp_path, '[profiles.a]\ndatabase = "postgresql://bob:pw@127.0.0.1:1/d"\n', mode=0o644)
    result = run(["--config", str(path), "profiles"])
    assert result.exit_code == 2
    assert "holds a password (profile 'a') and is readable by others (mode 0644)" in result.output
    assert f"chmod 600 {path}" in result.output and "DIDTUI_ALLOW_OPEN_CONFIG=1" in result.output
    path.chmod(0o640)
    assert "readable by its group (mode 0640)" in run(["--config", str(path), "profiles"]).output
    path.chmod(0o600)
    assert run(["--config", str(path), "profiles"]).exit_code == 0


def test_the_override_runs_with_a_warning_on_stderr(tmp_path: Path) -> None:
    path = write_config(tmp_path, '[profiles.a]\ndatabase = "postgresql://bob@h/d?password=pw"\n', mode=0o644)
    result = run(["--config", str(path), "profiles"], env={"DIDTUI_ALLOW_OPEN_CONFIG": "1"})
    assert result.exit_code == 0
    assert (
        "warning:" in result.stderr and "readable by others" in result.stderr and f"chmod 600 {path}" in result.stderr
    )
    assert "warning" not in result.stdout and "postgresql://bob@h/d?password=***" in result.stdout


def test_an_open_config_without_passwords_is_fine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_config(
        tmp_path,
        '[profiles.a]\ndatabase = "postgresql://bob@h/d"\npassword_env = "X"\n[profiles.b]\ndatabase = "sqlite:///x.db"\n',
        mode=0o644,
    )
    result = run(["--config", str(path), "profiles"])
    assert result.exit_code == 0 and result.stderr == ""


# ---- a real MariaDB account whose password holds @ : / # --------------------------------


@pytest.fixture
def mariadb_user(tmp_path: Path) -> tuple[str, str]:
    make_profile("mysql", tmp_path)  # skips (or fails under CI) when MariaDB is unreachable
    user = f"didtui_pw_{uuid.uuid4().hex[:8]}"
    admin = pymysql.connect(host="127.0.0.1", port=3306, user="root", password="", autocommit=True)
    try:
        with admin.cursor() as cur:
            cur.execute(f"CREATE USER '{user}'@'127.0.0.1' IDENTIFIED BY %s", (RAW,))
            cur.execute(f"GRANT ALL ON {RUN_DB}.* TO '{user}'@'127.0.0.1'")
        yield user, RAW
    finally:
        with admin.cursor() as cur:
            cur.execute(f"DROP USER IF EXISTS '{user}'@'127.0.0.1'")
        admin.close()


def test_a_real_mariadb_login_with_a_raw_password_in_the_url(mariadb_user: tuple[str, str], tmp_path: Path) -> None:
    user, password = mariadb_user
    url = f"mysql://{user}:{password}@127.0.0.1:3306/{RUN_DB}"
    database = dbmod.open_unchecked(Profile(name="pw", database=url, user="t"))
    try:
        assert database.execute_sql("SELECT CURRENT_USER()").fetchone()[0] == f"{user}@127.0.0.1"
    finally:
        database.close()
    with pytest.raises(DatabaseUnavailable, match="Access denied"):
        dbmod.open_unchecked(Profile(name="pw", database=f"mysql://{user}:wrong@127.0.0.1:3306/{RUN_DB}", user="t"))
    path = write_config(tmp_path, f'[profiles.pw]\ndatabase = "{url}"\n')
    status = run(["--config", str(path), "db", "status"])
    assert status.exit_code == 0 and status.output.strip() == "the schema is up to date", status.output
    assert os.stat(path).st_mode & 0o077 == 0


_PASSWORDS = st.text(
    alphabet=st.one_of(st.sampled_from("@:/?#&=[]!$'*+;, "), st.characters(exclude_categories=("Cc", "Cs"))),
    min_size=1,
    max_size=24,
).filter(lambda p: "%" not in p)


@settings(max_examples=200, deadline=None)
@given(_PASSWORDS, st.sampled_from(["postgresql", "mysql"]), st.sampled_from(["", "?sslmode=require", ":5433"]))
def test_any_raw_password_is_read_back_exactly_and_never_printed(password: str, scheme: str, tail: str) -> None:
    host = "db.example.net" + (tail if tail.startswith(":") else "")
    query = tail if tail.startswith("?") else ""
    url = f"{scheme}://bob:{password}@{host}/didtui{query}"
    params = connect_params(url)
    assert params["password"] == password and params["user"] == "bob"
    assert params["host"] == "db.example.net" and params["database"] == "didtui"
    assert mask_url(url) == f"{scheme}://bob:***@{host}/didtui{query}"
