"""Configuration files and profiles, and the headless CLI (sweep, demo, db, profiles)."""

from __future__ import annotations

import datetime as _dt
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from core_helpers import age_holds, assert_invariants, create, events, make_world, statuses

from didtui import db as dbmod
from didtui.cli import cli
from didtui.config import Profile, load_config, mask_url
from didtui.core import retail
from didtui.errors import ConfigError
from didtui.models import DID, database_proxy, utcnow


def write_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "didtui.toml"
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)  # private, as a file holding a password must be (docs/config.md)
    return path


def profile_config(tmp_path: Path, profile: Profile, extra: str = "") -> Path:
    return write_config(
        tmp_path,
        f'default_profile = "t"\n[profiles.t]\ndatabase = "{profile.database}"\nuser = "tester"\nnumbers = "digits"\n{extra}',
    )


def run(args: list[str], env: dict[str, str] | None = None) -> Result:
    """Invoke the CLI as a user would; the test's own database stays bound afterwards."""
    saved = database_proxy.obj
    try:
        return CliRunner().invoke(cli, args, env=env, catch_exceptions=False)
    finally:
        if saved is not None:
            database_proxy.initialize(saved)
            dbmod.set_actor("tester")


@pytest.fixture(autouse=True)
def _no_ambient_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test sees the developer's own config file or environment."""
    monkeypatch.delenv("DIDTUI_CONFIG", raising=False)
    monkeypatch.delenv("DIDTUI_PROFILE", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))


# ---- configuration (pure) ---------------------------------------------------------------


def test_no_file_means_the_embedded_sqlite_default(tmp_path: Path) -> None:
    config = load_config()
    assert config.path is None
    profile = config.profile()
    assert profile.name == "local"
    assert profile.database == f"sqlite:///{tmp_path / 'xdg-data' / 'didtui' / 'didtui.db'}"
    assert (profile.hold_days, profile.sweep_interval) == (30, 60.0)


def test_lookup_order_explicit_then_env_then_platform_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    platform = tmp_path / "xdg-config" / "didtui" / "config.toml"
    platform.parent.mkdir(parents=True)
    platform.write_text('[profiles.platform]\ndatabase = "sqlite:///p.db"\n')
    assert load_config().profile().name == "platform"
    env_file = tmp_path / "env.toml"
    env_file.write_text('[profiles.fromenv]\ndatabase = "sqlite:///e.db"\n')
    monkeypatch.setenv("DIDTUI_CONFIG", str(env_file))
    assert load_config().profile().name == "fromenv"
    explicit = tmp_path / "explicit.toml"
    explicit.write_text('[profiles.explicit]\ndatabase = "sqlite:///x.db"\n')
    assert load_config(explicit).profile().name == "explicit"
    monkeypatch.setenv("DIDTUI_CONFIG", str(tmp_path / "missing.toml"))
    with pytest.raises(ConfigError, match=r"missing.toml \(from \$DIDTUI_CONFIG\) does not exist"):
        load_config()


def test_profile_choice_and_options(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_config(
        tmp_path,
        """
default_profile = "b"
[profiles.a]
database = "sqlite:///~/a.db"
hold_days = 7
sweep_interval = 5
user = "alice"
[profiles.b]
database = "postgresql://u@db.example:5433/x"
""",
    )
    config = load_config(path)
    assert config.profile().name == "b"
    monkeypatch.setenv("DIDTUI_PROFILE", "a")
    a = config.profile()
    assert (a.name, a.hold_days, a.sweep_interval, a.user) == ("a", 7, 5, "alice")
    assert a.database == f"sqlite:///{Path('~/a.db').expanduser()}"
    assert config.profile("b").name == "b"  # --profile beats $DIDTUI_PROFILE
    with pytest.raises(ConfigError, match="unknown profile 'c'.*known profiles are a, b"):
        config.profile("c")


@pytest.mark.parametrize(
    "text, message",
    [
        ('default_profile = "a"\n[profiles.a]\ndatabase = sqlite:///x\n', r"not valid TOML: .*line 3"),
        ('[profiles.a]\ndatabase = "sqlite:///x"\nhosts = [1,\n2\n', r"not valid TOML: Unclosed array .*line 4"),
        ('[profiles.a]\ndatabase = "sqlite:///x"\ncolour = "red"\n', r"\[profiles.a\]: unknown key 'colour'"),
        ('timeout = 3\n[profiles.a]\ndatabase = "sqlite:///x"\n', r"unknown key 'timeout'"),
        ('[profiles.a]\ndatabase = "sqlite:///x"\nhold_days = "ten"\n', r"hold_days has the wrong type"),
        ('[profiles.a]\ndatabase = "sqlite:///x"\nhold_days = -1\n', r"hold_days cannot be negative"),
        ('[profiles.a]\ndatabase = "oracle://x"\n', r"unknown scheme 'oracle'"),
        ('[profiles.a]\ndatabase = "sqlite://x.db"\n', r"three slashes"),
        ('[profiles.a]\ndatabase = "/srv/dids.db"\n', r"'/srv/dids.db' is not a URL: .* \"sqlite:////srv/dids.db\""),
        ('default_profile = "zz"\n[profiles.a]\ndatabase = "sqlite:///x"\n', r"default_profile 'zz'"),
        ('default_profile = "a"\n', r"no \[profiles.NAME\] table"),
    ],
)
def test_bad_config_one_clear_message(tmp_path: Path, text: str, message: str) -> None:
    path = write_config(tmp_path, text)
    with pytest.raises(ConfigError, match=message):
        load_config(path)
    result = run(["--config", str(path), "profiles"])
    assert result.exit_code == 2
    assert result.output.startswith("didtui: ") and "Traceback" not in result.output
    assert str(path) in result.output


def test_masked_urls_and_password_from_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert mask_url("postgresql://bob:s3cret@h:5432/db") == "postgresql://bob:***@h:5432/db"
    assert mask_url("mysql://root@h/db") == "mysql://root@h/db"
    assert mask_url("postgresql://bob:p%40ss@h/db?sslmode=require") == "postgresql://bob:***@h/db?sslmode=require"
    assert mask_url("postgresql://bob@h/db?sslmode=require&password=s3cret") == (
        "postgresql://bob@h/db?sslmode=require&password=***"
    )
    assert mask_url("sqlite:////tmp/x.db") == "sqlite:////tmp/x.db"
    path = write_config(
        tmp_path,
        """
default_profile = "office"
[profiles.office]
database = "postgresql://bob:inline-secret@127.0.0.1:1/didtui"
[profiles.envpw]
database = "postgresql://bob@127.0.0.1:1/didtui"
password_env = "DIDTUI_TEST_SECRET"
connect_timeout = 2
""",
    )
    monkeypatch.setenv("DIDTUI_TEST_SECRET", "env-secret-value")
    listing = run(["--config", str(path), "profiles"])
    assert listing.exit_code == 0
    assert "* office" in listing.output and "postgresql://bob:***@127.0.0.1:1/didtui" in listing.output
    assert "inline-secret" not in listing.output and "env-secret-value" not in listing.output
    assert load_config(path).profile("envpw").password() == "env-secret-value"
    for name in ("office", "envpw"):
        result = run(["--config", str(path), "--profile", name, "--sweep"])
        assert result.exit_code == 2
        assert "127.0.0.1:1" in result.output
        assert "inline-secret" not in result.output and "env-secret-value" not in result.output
    monkeypatch.delenv("DIDTUI_TEST_SECRET")
    result = run(["--config", str(path), "--profile", "envpw", "--sweep"])
    assert result.exit_code == 2
    assert "$DIDTUI_TEST_SECRET, which is not set" in result.output


@pytest.mark.parametrize(
    "url, where",
    [
        ("postgresql://postgres@127.0.0.1:1/didtui", "127.0.0.1:1"),
        ("mysql://root@127.0.0.1:2/didtui", "127.0.0.1:2"),
    ],
)
def test_unreachable_server_names_host_and_port(tmp_path: Path, url: str, where: str) -> None:
    path = write_config(tmp_path, f'[profiles.srv]\ndatabase = "{url}"\nconnect_timeout = 2\n')
    for args in (["--sweep"], ["db", "upgrade"], ["db", "status"], ["demo"]):
        result = run(["--config", str(path), *args])
        assert result.exit_code == 2, args
        assert f"cannot reach the database of profile 'srv' at {where}" in result.output
        assert "Traceback" not in result.output


def test_unknown_profile_and_missing_file_exit_2(tmp_path: Path) -> None:
    path = write_config(tmp_path, '[profiles.a]\ndatabase = "sqlite:///x.db"\n')
    result = run(["--config", str(path), "--profile", "nope", "--sweep"])
    assert result.exit_code == 2 and "unknown profile 'nope'" in result.output
    result = run(["--config", str(path), "profiles"], env={"DIDTUI_PROFILE": "nope"})
    assert result.exit_code == 2 and "unknown profile 'nope'" in result.output
    result = run(["--config", str(tmp_path / "none.toml"), "--sweep"])
    assert result.exit_code == 2 and "none.toml does not exist" in result.output


def test_config_found_through_env_vars_by_the_cli(tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        f"""
default_profile = "one"
[profiles.one]
database = "sqlite:///{tmp_path / "one.db"}"
[profiles.two]
database = "sqlite:///{tmp_path / "two.db"}"
""",
    )
    result = run(["profiles"], env={"DIDTUI_CONFIG": str(path), "DIDTUI_PROFILE": "two"})
    assert result.exit_code == 0
    assert f"# {path}" in result.output
    assert "* two" in result.output and "  one" in result.output


# ---- the headless commands, on every backend --------------------------------------------


def test_cli_sweep_and_dry_run(profile: Profile, tmp_path: Path) -> None:
    world = make_world(allowed=5)
    create("100-102", tag="gold")
    create("103", tag="gold", after_hold="archived")
    retail.pick(world.cp_id, 4)
    retail.deactivate(world.cp_id)
    age_holds(["100", "101", "103"])
    config = profile_config(tmp_path, profile)

    dry = run(["--config", str(config), "--sweep", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert dry.output.strip() == "would release 3 expired holds: 1 to Archived, 2 to In Stock"
    assert set(statuses().values()) == {"hold"}
    assert events(action="sweep") == []

    swept = run(["--config", str(config), "--sweep"])
    assert swept.exit_code == 0, swept.output
    assert swept.output.strip() == "released 3 expired holds: 1 to Archived, 2 to In Stock"
    assert statuses() == {"100": "in_stock", "101": "in_stock", "102": "hold", "103": "archived"}
    assert {e.actor for e in events(action="sweep")} == {"tester (sweep)"}

    again = run(["--config", str(config), "--sweep"])
    assert again.exit_code == 0 and again.output.strip() == "released 0 expired holds"
    assert run(["--config", str(config), "--dry-run"]).exit_code == 2


def test_cli_demo_and_its_refusal(profile: Profile, tmp_path: Path) -> None:
    config = profile_config(tmp_path, profile)
    result = run(["--config", str(config), "demo", "--size", "60"])
    assert result.exit_code == 0, result.output
    assert "demo data in profile 't'" in result.output
    counts = {
        s: DID.select().where(DID.status == s).count()
        for s in ("active", "in_stock", "blocked", "reserved", "hold", "archived")
    }
    assert all(counts.values()), counts  # every status is there
    now = utcnow()
    holds = [d.hold_until for d in DID.select().where(DID.status == "hold")]
    assert any(h < now for h in holds) and any(h > now for h in holds)
    assert_invariants()
    total = DID.select().count()

    refused = run(["--config", str(config), "demo", "--size", "60"])
    assert refused.exit_code == 1
    assert "is not empty: use --force" in refused.output
    assert DID.select().count() == total
    kept = run(["--config", str(config), "demo", "--if-empty"])
    assert kept.exit_code == 0 and DID.select().count() == total
    forced = run(["--config", str(config), "demo", "--force", "--size", "50"])
    assert forced.exit_code == 0, forced.output
    assert DID.select().count() < total
    assert_invariants()


def test_cli_db_upgrade_and_status_up_to_date(profile: Profile, tmp_path: Path) -> None:
    config = profile_config(tmp_path, profile)
    status = run(["--config", str(config), "db", "status"])
    assert status.exit_code == 0 and status.output.strip() == "the schema is up to date"
    upgrade = run(["--config", str(config), "db", "upgrade"])
    assert upgrade.exit_code == 0 and upgrade.output.strip() == "the schema is up to date"


def test_cli_profiles_marks_the_active_one(profile: Profile, tmp_path: Path) -> None:
    config = profile_config(tmp_path, profile, extra='[profiles.other]\ndatabase = "mysql://a:pw@h:3306/x"\n')
    result = run(["--config", str(config), "--profile", "other", "profiles"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == f"# {config}"
    assert any(line.startswith("  t ") for line in lines)
    assert "* other" in result.output and "mysql://a:***@h:3306/x" in result.output
    assert ":pw@" not in result.output


def test_hold_deadline_is_now_plus_days() -> None:
    from didtui.core.inventory import hold_deadline

    base = _dt.datetime(2026, 1, 31, 12, 0, 0)
    assert hold_deadline(30, base) == _dt.datetime(2026, 3, 2, 12, 0, 0)
    assert hold_deadline(0, base) == base


def test_missing_driver_one_message_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import peewee

    monkeypatch.setattr(peewee, "mysql", None)  # as if PyMySQL were not installed
    path = write_config(tmp_path, '[profiles.m]\ndatabase = "mysql://root@127.0.0.1:3306/didtui_test"\n')
    result = run(["--config", str(path), "--sweep"])
    assert result.exit_code == 2
    assert result.output.startswith("didtui: the driver for mysql is missing")
    assert "Traceback" not in result.output
