"""Hooks: the commands a config names to run after a change is committed.

A hook is run without a shell (its argv was split like a shell line when the config was
read), given a JSON summary of the change on standard input, in its own process group
so a timeout kills whatever it started. Its failure is reported, never raised: the change
it follows is already committed and stays. Both faces call `fire` after the core
operation returned (the CLI in cli/hooked.py, the TUI in tui/app.py's `fire_hook`).
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import signal
import subprocess
from dataclasses import dataclass
from typing import Any

from didtui.config import HOOK_NAMES, Hooks
from didtui.models import Event, utcnow

SCHEMA_VERSION = 1
STDERR_KEPT = 2000


@dataclass(frozen=True)
class HookResult:
    """How one hook run ended: `ok` when it exited 0 within its timeout."""

    hook: str
    command: tuple[str, ...]
    returncode: int | None
    stderr: str
    timed_out: bool = False
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out and not self.error

    def describe(self) -> str:
        """One line for a person: what failed and why (the change itself stays done)."""
        if self.ok:
            return f"hook {self.hook} ran"
        if self.error:
            why = self.error
        elif self.timed_out:
            why = "timed out and was killed"
        else:
            why = f"exited with status {self.returncode}"
        last = self.stderr.strip().splitlines()[-1:] if self.stderr.strip() else []
        # A hook's own output: its control characters never reach a terminal.
        tail = f": {''.join(ch if ch.isprintable() else '?' for ch in last[0])}" if last else ""
        return f"hook {self.hook} ({self.command[0]}) {why}{tail}; the change itself is done"

    def as_json(self) -> dict[str, Any]:
        return {
            "hook": self.hook,
            "command": list(self.command),
            "ok": self.ok,
            "returncode": self.returncode,
            "timed_out": self.timed_out,
            "error": self.error or None,
            "stderr": self.stderr,
        }


def batch_numbers(batch: str, limit: int) -> list[str]:
    """The first `limit` DIDs a batch changed, in the order its events were written."""
    if limit <= 0:
        return []
    query = (
        Event.select(Event.did_number)
        .where((Event.batch == batch) & Event.did_number.is_null(False))
        .order_by(Event.id)
        .limit(limit)
    )
    return [number for (number,) in query.tuples()]


def summary(
    hook: str,
    *,
    batch: str | None,
    actor: str,
    counts: dict[str, int],
    profile: str = "",
    dids: list[str] | None = None,
    limit: int = 1000,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The JSON document a hook reads on stdin (schema in docs/cli.md, "Hooks").

    `dids` defaults to the numbers the batch's events name (the truth after commit);
    `dids_truncated` says more were affected than `limit`.
    """
    if hook not in HOOK_NAMES:
        raise ValueError(f"unknown hook {hook!r}")
    numbers = list(dids) if dids is not None else (batch_numbers(batch, limit + 1) if batch else [])
    total = counts.get("dids", len(numbers))
    doc: dict[str, Any] = {
        "schema": SCHEMA_VERSION,
        "event": hook.removeprefix("after_"),
        "hook": hook,
        "profile": profile,
        "batch": batch,
        "actor": actor,
        "at": utcnow().isoformat() + "Z",
        "counts": dict(counts),
        "dids": numbers[:limit],
        "dids_truncated": max(total, len(numbers)) > limit,
    }
    if extra:
        doc.update(extra)
    return doc


def run(hooks: Hooks, hook: str, document: dict[str, Any]) -> HookResult | None:
    """Run hook `hook` with `document` on stdin; None when no such hook is configured."""
    argv = hooks.command(hook)
    if not argv:
        return None
    payload = (json.dumps(document, default=_json_default, sort_keys=True) + "\n").encode("utf-8")
    env = dict(os.environ, DIDTUI_HOOK=hook)
    try:
        proc = subprocess.Popen(
            list(argv),
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=env,
            start_new_session=True,  # its own process group: a timeout kills all it started
        )
    except OSError as exc:
        return HookResult(hook, argv, None, "", error=f"cannot run: {exc.strerror or exc}")
    try:
        _, err = proc.communicate(payload, timeout=hooks.timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        try:
            _, err = proc.communicate(timeout=5)
        except subprocess.TimeoutExpired:
            err = b""
        return HookResult(hook, argv, proc.returncode, _tail(err), timed_out=True)
    return HookResult(hook, argv, proc.returncode, _tail(err))


def fire(
    hooks: Hooks,
    hook: str,
    *,
    batch: str | None,
    actor: str,
    counts: dict[str, int],
    profile: str = "",
    dids: list[str] | None = None,
    extra: dict[str, Any] | None = None,
) -> HookResult | None:
    """Build the summary and run the hook (after the change was committed).

    Nothing is read or run when the hook is not configured. Lifecycle's un-assign calls
    this with hook="after_unassign" once its change is committed.
    """
    if not hooks.command(hook):
        return None
    document = summary(
        hook,
        batch=batch,
        actor=actor,
        counts=counts,
        profile=profile,
        dids=dids,
        limit=hooks.max_dids,
        extra=extra,
    )
    return run(hooks, hook, document)


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()


def _tail(data: bytes | None) -> str:
    text = (data or b"").decode("utf-8", errors="replace")
    return text[-STDERR_KEPT:]


def _json_default(value: Any) -> Any:
    if isinstance(value, (_dt.datetime, _dt.date)):
        return value.isoformat()
    return str(value)
