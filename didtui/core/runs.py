"""Consecutive picking: N numbers in a row, inside one block (or the package's pool when
the numbers are in no block).

The free runs are found in SQL (gaps and islands over the package's In Stock DIDs, which
the (status, tag, number) index serves), and only runs at least N long come back to
Python, where the few blocks they touch split them at block edges. The pick itself is
the ordinary named pick (retail.pick), so quotas, locking and history are the same as
for any other pick; a run taken meanwhile by someone else is looked for again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import peewee
from peewee import SQL, fn

from didtui.core import retail
from didtui.core.statuses import Status
from didtui.dialect import dialect
from didtui.errors import Conflict, InputError, RuleViolation
from didtui.models import DID, Block, database_proxy

CANDIDATES = 50
RETRIES = 3


@dataclass(frozen=True)
class Run:
    first: int
    count: int
    width: int

    def numbers(self, n: int | None = None) -> list[str]:
        return [f"{v:0{self.width}d}" for v in range(self.first, self.first + (n or self.count))]


def _numeric(column: Any) -> Any:
    return peewee.Cast(column, dialect().integer_type)


def _islands(tags: list[str], at_least: int, order_longest: bool) -> list[Run]:
    """Runs of consecutive In Stock numbers with one of `tags`, before block splitting."""
    pool = (
        DID.select(
            fn.LENGTH(DID.number).alias("w"),
            _numeric(DID.number).alias("n"),
            (
                _numeric(DID.number) - fn.ROW_NUMBER().over(partition_by=[fn.LENGTH(DID.number)], order_by=[DID.number])
            ).alias("grp"),
        )
        .where((DID.status == Status.IN_STOCK.value) & DID.tag.in_(tags))
        .alias("pool")
    )
    size = fn.COUNT(SQL("*"))
    query = (
        peewee.Select([pool], [pool.c.w, fn.MIN(pool.c.n), size])
        .group_by(pool.c.w, pool.c.grp)
        .having(size >= at_least)
        .order_by(size.desc() if order_longest else fn.MIN(pool.c.n))
        .limit(CANDIDATES)
    )
    return [Run(int(first), int(n), int(w)) for w, first, n in database_proxy.obj.execute(query).fetchall()]


def _split_by_blocks(run: Run) -> list[Run]:
    """The parts of `run` that lie inside one block each, or outside every block."""
    first = f"{run.first:0{run.width}d}"
    last = f"{run.first + run.count - 1:0{run.width}d}"
    edges = list(
        Block.select(Block.first, Block.last)
        .where((Block.first <= last) & (Block.last >= first) & (fn.LENGTH(Block.first) == run.width))
        .order_by(Block.first)
        .tuples()
    )
    if not edges:
        return [run]
    parts: list[Run] = []
    cursor = run.first
    end = run.first + run.count - 1
    for b_first, b_last in edges:
        lo, hi = int(b_first), int(b_last)
        if cursor < lo:  # the stretch before this block, in no block
            parts.append(Run(cursor, min(end, lo - 1) - cursor + 1, run.width))
        start, stop = max(cursor, lo), min(end, hi)
        if start <= stop:
            parts.append(Run(start, stop - start + 1, run.width))
        cursor = max(cursor, hi + 1)
    if cursor <= end:
        parts.append(Run(cursor, end - cursor + 1, run.width))
    return parts


def find_run(tags: list[str], count: int) -> Run | None:
    """The first (lowest) free run of `count` numbers that stays inside one block."""
    for island in _islands(tags, count, order_longest=False):
        for part in _split_by_blocks(island):
            if part.count >= count:
                return Run(part.first, count, part.width)
    return None


def longest_run(tags: list[str]) -> int:
    """The longest free run of the pool that stays inside one block."""
    best = 0
    for island in _islands(tags, 1, order_longest=True):
        if island.count <= best:
            break
        best = max([best] + [p.count for p in _split_by_blocks(island)])
    return best


def pick_consecutive(
    client_package_id: int, count: int, *, actor: str | None = None, batch: str | None = None
) -> list[str]:
    """Pick `count` consecutive In Stock numbers for the client package, all or none.

    `batch` names the history batch (a face passes its own to tell a hook about it).

    Refused, naming the longest run there is, when no run is long enough.
    """
    if count < 1:
        raise InputError("pick at least one DID")
    tags = retail.client_package(client_package_id).tags
    for attempt in range(RETRIES):
        run = find_run(tags, count)
        if run is None:
            longest = longest_run(tags)
            raise RuleViolation(
                f"no {count} consecutive In Stock DIDs with tag {' or '.join(tags)} in one block: "
                f"the longest free run is {longest}; nothing was picked"
            )
        try:
            return retail.pick(client_package_id, numbers=run.numbers(), actor=actor, batch=batch)
        except (Conflict, RuleViolation) as exc:
            # Someone took part of the run meanwhile; look again (quota refusals repeat).
            if attempt == RETRIES - 1 or "allows" in str(exc):
                raise
    raise AssertionError("unreachable")
