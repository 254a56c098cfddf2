"""What every command shares: the context (config, profile, database, output mode), exit
codes, and the guard that turns expected failures into one line on stderr (a JSON
document with --json) and an exit code.

Exit codes, the same for every command (docs/cli.md):
  0  done
  1  refused by a rule, or nothing matched (unknown name, no such DID, nothing to do)
  2  unusable input or configuration (bad option, config, connection, schema, file)
  3  conflict: a stale --expect-version, or a race lost to another user; run it again
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import Any, NoReturn

import click

from didtui import db as dbmod
from didtui.cli.output import Output, display_safe
from didtui.config import Config, Profile, load_config
from didtui.core import hooks as hookmod
from didtui.core.session import failure_kind
from didtui.errors import (
    AlreadyExists,
    Cancelled,
    ConfigError,
    Conflict,
    DatabaseUnavailable,
    DidtuiError,
    InputError,
    NotFound,
    RuleViolation,
    SchemaError,
)

EXIT_OK = 0
EXIT_REFUSED = 1
EXIT_UNUSABLE = 2
EXIT_CONFLICT = 3

# Error type -> (code in JSON errors, exit code). First match wins (subclasses first).
ERROR_CODES: list[tuple[type[BaseException], str, int]] = [
    (ConfigError, "config", EXIT_UNUSABLE),
    (DatabaseUnavailable, "unavailable", EXIT_UNUSABLE),
    (SchemaError, "schema", EXIT_UNUSABLE),
    (InputError, "input", EXIT_UNUSABLE),
    (Conflict, "conflict", EXIT_CONFLICT),
    (NotFound, "not_found", EXIT_REFUSED),
    (AlreadyExists, "exists", EXIT_REFUSED),
    (RuleViolation, "rule", EXIT_REFUSED),
    (Cancelled, "cancelled", EXIT_REFUSED),
    (DidtuiError, "refused", EXIT_REFUSED),
]


class Context:
    """What every command needs: the config, the chosen profile, an open database, and
    how to print (human tables or JSON, --quiet)."""

    def __init__(
        self, config_path: str | None, profile_name: str | None, *, json: bool = False, quiet: bool = False
    ) -> None:
        self.config_path = config_path
        self.profile_name = profile_name
        self._config: Config | None = None
        self.out = Output(json=json, quiet=quiet)

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

    @property
    def actor(self) -> str:
        return self.profile.user

    def open(self, *, upgrade: bool | None = None, pooled: bool = False) -> Profile:
        """Connect to the profile's database; `pooled` for the app (db.make_database)."""
        profile = self.profile
        dbmod.connect(profile, upgrade=upgrade, pooled=pooled)
        return profile

    def fire(
        self,
        hook: str,
        *,
        batch: str | None,
        counts: dict[str, int],
        dids: list[str] | None = None,
        actor: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> hookmod.HookResult | None:
        """Run a hook after a committed change; its failure is a warning on stderr (the
        change stays, the exit code stays 0) and appears in the JSON output's "hooks"."""
        profile = self.profile
        result = hookmod.fire(
            profile.hooks,
            hook,
            batch=batch,
            actor=actor or profile.user,
            counts=counts,
            profile=profile.name,
            dids=dids,
            extra=extra,
        )
        if result is not None and not result.ok:
            click.echo(f"didtui: warning: {display_safe(result.describe())}", err=True)
        return result


def current() -> Context | None:
    ctx = click.get_current_context(silent=True)
    obj = ctx.find_object(Context) if ctx is not None else None
    return obj


def fail(message: str, code: int, kind: str | None = None, **extra: Any) -> NoReturn:
    """Print the error (JSON on stderr with --json, with `extra` fields) and exit with `code`."""
    context = current()
    if context is not None and context.out.json:
        kind = kind or {EXIT_REFUSED: "refused", EXIT_UNUSABLE: "input", EXIT_CONFLICT: "conflict"}.get(code, "error")
        context.out.error(kind, code, message, **extra)
    else:
        click.echo(f"didtui: {display_safe(message)}", err=True)
    sys.exit(code)


def classify(exc: BaseException) -> tuple[str, int, str] | None:
    """(code, exit code, message) of an expected failure; None for a bug."""
    for kind, code, exit_code in ERROR_CODES:
        if isinstance(exc, kind):
            return code, exit_code, str(exc)
    db_kind = failure_kind(exc)
    if db_kind is not None:
        first = (str(exc).strip().splitlines() or [exc.__class__.__name__])[0]
        if db_kind == "conflict":
            return "conflict", EXIT_CONFLICT, f"another user's change got in the way: {first}; run it again"
        return "database", EXIT_UNUSABLE, f"database error: {first}"
    if isinstance(exc, OSError):
        return "os", EXIT_UNUSABLE, str(exc)
    return None


def guarded(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Run a command, turning every expected failure into a message and an exit code."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except BrokenPipeError:  # `didtui dids list | head`: the reader has had enough
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(EXIT_OK)
        except Exception as exc:
            known = classify(exc)
            if known is None:
                raise
            code, exit_code, message = known
            fail(message, exit_code, code)
        finally:
            dbmod.close()

    return wrapper


def json_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    """`--json` on a command (as on the group): one JSON document, or JSON Lines for lists."""

    def turn_on(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
        if value:
            obj = ctx.find_object(Context)
            if obj is not None:
                obj.out.json = True

    return click.option(
        "--json",
        "json_flag",
        is_flag=True,
        expose_value=False,
        is_eager=True,
        callback=turn_on,
        help="Print JSON (JSON Lines for lists; errors as JSON on stderr). Schema: docs/cli.md.",
    )(fn)
