"""`[keymap]` mistakes stop the app at start with exit 2; the help's example is valid TOML."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from didtui.cli import cli
from didtui.config import parse_config
from didtui.errors import ConfigError
from didtui.tui.keymap import check_keymap


def test_the_default_keys_do_not_clash() -> None:
    check_keymap({})


@pytest.mark.parametrize(
    ("keymap", "message"),
    [
        ({"dids.nwe": "x"}, "'dids.nwe' is not a binding id"),
        ({"new": "x"}, "did you mean .*clients.new, dids.new"),
        ({"dids.new": "m"}, "key 'm' is bound to both dids.new and dids.mass_edit"),
        ({"operators.new": "up"}, "key 'up' is bound to both operators.new and cursor_up"),
        ({"dids.new": "  "}, "dids.new has no key"),
    ],
)
def test_keymap_mistakes_are_named(keymap: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        check_keymap(keymap)


def test_the_help_example_is_valid_toml_and_both_spellings_work() -> None:
    from didtui.tui.screens import help as help_screen

    example = next(line for line in help_screen.HELP_FOOTER if "=" in line).split("(")[0].strip()
    base = '[profiles.t]\ndatabase = "sqlite:///x.db"\n[keymap]\n'
    quoted = parse_config(tomllib.loads(base + example + "\n"))
    bare = parse_config(tomllib.loads(base + 'dids.new = "ctrl+n"\n'))
    assert quoted.keymap == bare.keymap == {"dids.new": "ctrl+n"}
    check_keymap(quoted.keymap)


def test_a_bad_keymap_exits_2_before_the_app_opens(tmp_path: Path) -> None:
    config = tmp_path / "didtui.toml"
    config.write_text(
        f'[profiles.t]\ndatabase = "sqlite:///{tmp_path / "x.db"}"\n[keymap]\n"dids.new" = "m"\n', encoding="utf-8"
    )
    result = CliRunner().invoke(cli, ["--config", str(config)])
    assert result.exit_code == 2
    assert "key 'm' is bound to both dids.new and dids.mass_edit" in result.output
    assert not (tmp_path / "x.db").exists()  # nothing was opened
