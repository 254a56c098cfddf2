"""Work run in separate processes (multiprocessing, spawn) by the concurrency tests.

Each worker opens its own connection from its own Profile, waits at a barrier so that all
start together, does its job and reports what it did on a queue, never raising: an
unexpected error is reported as text, so the test can show it.
"""

from __future__ import annotations

import traceback
from typing import Any

from didtui.config import Profile


def _connect(url: str, name: str) -> None:
    from didtui import db as dbmod

    dbmod.connect(Profile(name=name, database=url, user=name), upgrade=False)


def pick_worker(url: str, cp_id: int, batch: int, barrier: Any, queue: Any) -> None:
    """Pick `batch` DIDs at a time for one client package until refused."""
    picked: list[str] = []
    refusals: list[str] = []
    try:
        from didtui.core import retail
        from didtui.errors import RuleViolation

        _connect(url, f"picker-{cp_id}")
        barrier.wait(timeout=60)
        while True:
            try:
                picked.extend(retail.pick(cp_id, batch))
            except RuleViolation as exc:
                refusals.append(str(exc))
                break
        queue.put({"cp": cp_id, "picked": picked, "refusal": refusals[-1], "error": None})
    except BaseException:  # noqa: BLE001 - reported to the test, which fails on it
        queue.put({"cp": cp_id, "picked": picked, "refusal": None, "error": traceback.format_exc()})


def allowance_worker(url: str, package_id: int, seconds: float, barrier: Any, queue: Any) -> None:
    """An admin changing a package's allowed DIDs again and again while others pick."""
    import time

    changes = 0
    try:
        from didtui.core import retail

        _connect(url, "admin")
        barrier.wait(timeout=60)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            retail.update_package(package_id, allowed_dids=1000 + changes % 2)
            changes += 1
        queue.put({"cp": None, "changes": changes, "picked": [], "refusal": "", "error": None})
    except BaseException:  # noqa: BLE001
        queue.put({"cp": None, "changes": changes, "picked": [], "refusal": "", "error": traceback.format_exc()})


def sweep_worker(url: str, index: int, barrier: Any, queue: Any) -> None:
    try:
        from didtui.core import sweep

        _connect(url, f"sweeper-{index}")
        barrier.wait(timeout=60)
        result = sweep.sweep()
        queue.put({"index": index, "released": result.released, "batch": result.batch, "error": None})
    except BaseException:  # noqa: BLE001
        queue.put({"index": index, "released": None, "batch": None, "error": traceback.format_exc()})


def sweep_rounds_worker(url: str, index: int, rounds: int, barrier: Any, queue: Any) -> None:
    """Sweep once per round: the test prepares the holds, then all sweepers and the test
    meet at `barrier`; after sweeping they meet again so the test can check the round."""
    try:
        from didtui.core import sweep

        _connect(url, f"sweeper-{index}")
    except BaseException:  # noqa: BLE001
        queue.put({"index": index, "round": -1, "released": None, "batch": None, "error": traceback.format_exc()})
        return
    for r in range(rounds):
        barrier.wait(timeout=120)
        try:
            result = sweep.sweep()
            queue.put({"index": index, "round": r, "released": result.released, "batch": result.batch, "error": None})
        except BaseException:  # noqa: BLE001
            queue.put({"index": index, "round": r, "released": None, "batch": None, "error": traceback.format_exc()})
        barrier.wait(timeout=120)


def upgrade_worker(config_path: str, index: int, barrier: Any, queue: Any) -> None:
    """Run `didtui --config PATH db upgrade` as a user would."""
    try:
        from click.testing import CliRunner

        from didtui.cli import cli

        runner = CliRunner()
        barrier.wait(timeout=60)
        result = runner.invoke(cli, ["--config", config_path, "db", "upgrade"])
        queue.put(
            {
                "index": index,
                "exit": result.exit_code,
                "output": result.output,
                "error": None
                if result.exception is None or isinstance(result.exception, SystemExit)
                else "".join(traceback.format_exception(result.exception)),
            }
        )
    except BaseException:  # noqa: BLE001
        queue.put({"index": index, "exit": None, "output": "", "error": traceback.format_exc()})


def run_all(target: Any, args_list: list[tuple[Any, ...]], timeout: float = 60) -> list[dict[str, Any]]:
    """Start one spawned process per args tuple, released together; their reports."""
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(len(args_list))
    queue = ctx.Queue()
    procs = [ctx.Process(target=target, args=(*args, barrier, queue)) for args in args_list]
    for p in procs:
        p.start()
    reports = []
    try:
        for _ in procs:
            reports.append(queue.get(timeout=timeout))
    finally:
        for p in procs:
            p.join(timeout=10)
            if p.is_alive():
                p.kill()
    return reports


def undo_or_edit_worker(url: str, role: str, batch: str, groups: list[list[int]], barrier: Any, queue: Any) -> None:
    """`undo`: undo the batch once; `edit`: mass edit each group of its DIDs in turn."""
    try:
        from didtui.core import inventory, undo
        from didtui.core.filters import Selection
        from didtui.errors import Conflict, UndoRefused

        _connect(url, f"{role}-worker")
        barrier.wait(timeout=60)
        if role == "undo":
            try:
                result = undo.undo(batch)
                queue.put({"role": role, "done": result.restored, "refused": None, "error": None})
            except UndoRefused as exc:
                queue.put({"role": role, "done": 0, "refused": str(exc), "error": None})
            return
        import peewee

        from didtui.db import is_retryable

        edited = []
        for i, ids in enumerate(groups):
            try:
                inventory.mass_edit(Selection.of_ids(ids), {"tag": f"theirs{i}"})
                edited.append(i)
            except Conflict:
                pass
            except peewee.DatabaseError as exc:  # the server broke a lock cycle: this edit rolled back
                if not is_retryable(exc):
                    raise
        queue.put({"role": role, "done": edited, "refused": None, "error": None})
    except BaseException:  # noqa: BLE001
        queue.put({"role": role, "done": None, "refused": None, "error": traceback.format_exc()})
