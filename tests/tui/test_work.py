"""Background jobs share the profile's pool_size: a burst never holds more connections."""

from __future__ import annotations

import asyncio
import threading
import time

from textual.app import App

from didtui.tui.work import db_call, set_pool_size


async def test_a_burst_of_jobs_holds_at_most_pool_size_minus_one_connections(sqlite_profile) -> None:
    set_pool_size(3)  # one connection is the app's own: two for the workers
    lock = threading.Lock()
    state = {"active": 0, "peak": 0}
    results: list[int] = []

    def job() -> int:
        with lock:
            state["active"] += 1
            state["peak"] = max(state["peak"], state["active"])
        time.sleep(0.05)
        with lock:
            state["active"] -= 1
        return 1

    app = App()
    try:
        async with app.run_test():
            for _ in range(6):
                db_call(app, job, done=results.append)
            deadline = time.monotonic() + 10
            while len(results) < 6 and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
    finally:
        set_pool_size(8)
    assert results == [1] * 6
    assert state["peak"] == 2
