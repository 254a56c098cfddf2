"""Running core calls off the UI thread, turning every failure into a message.

Every database call of the TUI goes through `db_call`: it runs in a thread worker,
opens (and closes) that thread's connection, and hands the result or a one-line error
back to the UI thread. Nothing a database does can crash the app.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from textual.dom import DOMNode
from textual.worker import Worker, get_current_worker

from didtui.core import hooks
from didtui.core.session import failure_message, job_connection

# Connections the workers may hold at once: the profile's pool_size, less the one the app
# opened at start. A job beyond that waits for a free slot, so a burst of jobs (pages,
# counts, a sweep) never opens more server sessions than the profile allows.
_slots = threading.BoundedSemaphore(3)


def set_pool_size(pool_size: int) -> None:
    global _slots
    _slots = threading.BoundedSemaphore(max(1, pool_size - 1))


def error_message(exc: BaseException) -> str:
    """What to tell the user about a failure: core messages as they are."""
    return failure_message(exc)


def db_call(
    node: DOMNode,
    fn: Callable[[], Any],
    *,
    done: Callable[[Any], None] | None = None,
    failed: Callable[[str], None] | None = None,
    group: str = "db",
    exclusive: bool = False,
    read_only: bool = False,
) -> Worker[None]:
    """Run `fn()` in a thread with its own connection; call `done(result)` or
    `failed(message)` on the UI thread, unless the worker was cancelled or the node left.

    `read_only` jobs (the table's pages and counts) run with a small SQLite page cache:
    a count over a million rows would otherwise fill the connection's 32 MB cache and
    the app's memory would grow with the inventory.
    """

    def deliver(callback: Callable[[Any], None] | None, value: Any) -> None:
        if callback is None or not node.is_attached:
            return
        callback(value)

    def report(message: str) -> None:
        if failed is not None:
            deliver(failed, message)
        elif node.is_attached:
            node.app.notify(message, title="Error", severity="error", timeout=8)

    def job() -> None:
        worker = get_current_worker()
        try:
            with _slots, job_connection(read_only=read_only):
                result = fn()
        except Exception as exc:  # noqa: BLE001 - every failure becomes a message
            if not worker.is_cancelled:
                _to_ui(node, report, error_message(exc))
            return
        if not worker.is_cancelled:
            _to_ui(node, lambda value: deliver(done, value), result)

    return node.run_worker(job, thread=True, group=group, exclusive=exclusive, exit_on_error=False)


def _to_ui(node: DOMNode, callback: Callable[[Any], None], value: Any) -> None:
    try:
        node.app.call_from_thread(callback, value)
    except RuntimeError:  # the app is shutting down
        pass


def fire_hook(
    node: DOMNode,
    hook: str,
    *,
    batch: str | None,
    counts: dict[str, int],
    dids: list[str] | None = None,
    actor: str | None = None,
) -> None:
    """Run a config hook after a committed change (core/hooks.py), off the UI thread; a
    failure is a notification, and the change stays."""
    app = node.app
    profile = getattr(app, "profile", None)
    if profile is None or not profile.hooks.command(hook):
        return

    def run() -> hooks.HookResult | None:
        return hooks.fire(
            profile.hooks,
            hook,
            batch=batch,
            actor=actor or profile.user,
            counts=counts,
            profile=profile.name,
            dids=dids,
        )

    def done(result: hooks.HookResult | None) -> None:
        if result is not None and not result.ok:
            app.notify(result.describe(), title="Hook failed", severity="error", timeout=10, markup=False)

    db_call(app, run, done=done, group="hooks")
