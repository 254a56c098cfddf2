"""Running a transaction again when a server broke a lock cycle, for a bounded time.

InnoDB and PostgreSQL end one transaction of a deadlock (1213, 40P01) and expect the
client to run it again. Immediate retries meet the same cycle (issue 12 item 9: five in a
row failed while an admin edited the package), so each wait is random and grows, and the
whole is bounded by time rather than by a count.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

import peewee

from didtui.dialect import dialect

T = TypeVar("T")

RETRY_FOR = 20.0  # seconds: past this, the last deadlock is reported to the user
FIRST_WAIT = 0.02
MAX_WAIT = 0.5


def retrying(run: Callable[[], T], *, seconds: float = RETRY_FOR, also: tuple[type[Exception], ...] = ()) -> T:
    """`run()`, run again after a retryable server error (or one of `also`) until it
    succeeds or `seconds` have passed; then the last error is raised."""
    deadline = time.monotonic() + seconds
    wait = FIRST_WAIT
    while True:
        try:
            return run()
        except peewee.DatabaseError as exc:
            if not dialect().is_retryable(exc) or time.monotonic() >= deadline:
                raise
        except also:
            if time.monotonic() >= deadline:
                raise
        # Full jitter: two colliding transactions rarely pick the same moment again.
        time.sleep(random.uniform(0, wait))
        wait = min(MAX_WAIT, wait * 2)
