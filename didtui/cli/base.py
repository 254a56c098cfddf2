"""What every command shares: the context (config, profile, database), exit codes, and
the guard that turns expected failures into one line on stderr and an exit code.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any

import click
import peewee

from didtui import db as dbmod
from didtui.config import Config, Profile, load_config
from didtui.errors import ConfigError, DatabaseUnavailable, DidtuiError, InputError, SchemaError

EXIT_REFUSED = 1
EXIT_UNUSABLE = 2


class Context:
    """What every command needs: the config, the chosen profile, an open database."""

    def __init__(self, config_path: str | None, profile_name: str | None) -> None:
        self.config_path = config_path
        self.profile_name = profile_name
        self._config: Config | None = None

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.config_path)
            for warning in self._config.warnings:
                click.echo(f"didtui: {warning}", err=True)
        return self._config

    @property
    def profile(self) -> Profile:
        return self.config.profile(self.profile_name)

    def open(self, *, upgrade: bool | None = None) -> Profile:
        profile = self.profile
        dbmod.connect(profile, upgrade=upgrade)
        return profile


def fail(message: str, code: int) -> None:
    click.echo(f"didtui: {message}", err=True)
    sys.exit(code)


def guarded(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Run a command, turning every expected failure into a message and an exit code."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (ConfigError, DatabaseUnavailable, SchemaError, InputError) as exc:
            fail(str(exc), EXIT_UNUSABLE)
        except DidtuiError as exc:
            fail(str(exc), EXIT_REFUSED)
        except peewee.DatabaseError as exc:
            first = (str(exc).strip().splitlines() or [exc.__class__.__name__])[0]
            fail(f"database error: {first}", EXIT_UNUSABLE)
        except OSError as exc:
            fail(str(exc), EXIT_UNUSABLE)
        finally:
            dbmod.close()

    return wrapper
