"""The core's error types: each carries a message a person can act on.

Faces show `str(error)` as it is (the TUI in place, the CLI on stderr, exit 2 for
`ConfigError`/`DatabaseUnavailable`, 1 otherwise); none of them is a bug, so none of
them is shown with a traceback.
"""

from __future__ import annotations

from typing import Any


class DidtuiError(Exception):
    """Base of every error the faces show as a message."""


class ConfigError(DidtuiError):
    """The configuration file or the chosen profile cannot be used."""


class DatabaseUnavailable(DidtuiError):
    """The profile's database cannot be reached or opened."""


class ConnectionLost(DatabaseUnavailable):
    """The connection died during an operation (killed session, restarted server, network
    cut); the server rolled the transaction back."""


class DatabaseBusy(DatabaseUnavailable):
    """SQLite: another session held the write lock past the busy timeout."""


class SchemaError(DidtuiError):
    """The database's schema is not the one this version expects."""


class InputError(DidtuiError):
    """A value typed or read from a file is malformed (bad number, range, status...)."""


class NotFound(DidtuiError):
    """A named row (operator, client, DID...) does not exist."""


class Conflict(DidtuiError):
    """The row changed since it was read; `current` holds its values as they are now."""

    def __init__(self, message: str, current: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.current = current or {}


class RuleViolation(DidtuiError):
    """The request would break a status rule or an invariant; nothing was changed."""


class AlreadyExists(DidtuiError):
    """Numbers or names that must be new already exist; `existing` lists them."""

    def __init__(self, message: str, existing: list[str] | None = None) -> None:
        super().__init__(message)
        self.existing = existing or []


class Cancelled(DidtuiError):
    """A long operation was cancelled by the user; it was rolled back."""


class UndoRefused(RuleViolation):
    """An undo would overwrite later changes or break a rule; `blocked` lists
    (number, why) for the DIDs that cannot go back (at most a few hundred), `count` all of them."""

    def __init__(self, message: str, blocked: list[tuple[str, str]] | None = None, count: int = 0) -> None:
        super().__init__(message)
        self.blocked = blocked or []
        self.count = count


class OutputError(InputError):
    """An output file (export, errors report) cannot be written where the user asked:
    a directory, a missing folder, no permission, the database itself, a full disk.
    Whatever was there before is left as it was."""
