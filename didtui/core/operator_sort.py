"""DIDs sorted by operator NAME, still index-backed at a million DIDs.

The `did` table is indexed on (operator_id, number), not on the operator's name, and a
rename must not rewrite a million rows. So a page in name order walks the operators in
name order (a small table) and reads each one's DIDs through that index, by key:
`operator_id = X AND number > N ORDER BY number LIMIT k`, moving on to the next operator
until the page is full. A rename changes only the walk's order; nothing is stored.
DIDs without an operator come last. A page's key stays (operator_id, number).

Cost: one index seek per operator visited; a page normally touches one or two. Operators
with no matching DIDs are skipped at the price of one empty seek each.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from peewee import SQL, fn

from didtui.models import DID, Operator


def sequence() -> list[int | None]:
    """Operator ids in name order, then None (the DIDs without an operator)."""
    ids = [i for (i,) in Operator.select(Operator.id).order_by(Operator.name, Operator.id).tuples()]
    return [*ids, None]


def _of(op: int | None) -> Any:
    return DID.operator.is_null() if op is None else (DID.operator == op)


def page(
    base: Callable[[], Any],
    *,
    after: tuple[Any, ...] | None = None,
    before: tuple[Any, ...] | None = None,
    last: bool = False,
    limit: int = 100,
) -> list[tuple[Any, ...]]:
    """Rows of `base()` (a select of DIDs) in (operator name, number) order, by key."""
    seq = sequence()
    forward = before is None and not last
    key = after if after is not None else before
    bound: str | None = None
    if key is None:
        ops = seq if forward else seq[::-1]
    else:
        op, bound = key[0], key[1]
        if op in seq:
            i = seq.index(op)
            ops = seq[i:] if forward else seq[: i + 1][::-1]
        else:  # the operator was deleted meanwhile: start over from the end we know
            ops, bound = (seq if forward else seq[::-1]), None
    rows: list[tuple[Any, ...]] = []
    for n, op in enumerate(ops):
        query = base().where(_of(op))
        if n == 0 and bound is not None:
            query = query.where(DID.number > bound if forward else DID.number < bound)
        query = query.order_by(DID.number if forward else DID.number.desc()).limit(limit - len(rows))
        rows.extend(query.tuples())
        if len(rows) >= limit:
            break
    return rows if forward else rows[::-1]


def page_at(
    base: Callable[[], Any], where: Any, number_of: Callable[[tuple[Any, ...]], str], *, offset: int, limit: int = 100
) -> list[tuple[Any, ...]]:
    """Rows from a position (a scrollbar jump): counts by operator (one GROUP BY over the
    (operator, number) index) find the operator, an OFFSET inside it the first row."""
    counts_query = DID.select(DID.operator, fn.COUNT(SQL("*"))).group_by(DID.operator)
    if where is not None:
        counts_query = counts_query.where(where)
    counts: dict[int | None, int] = dict(counts_query.tuples())
    seq = sequence()
    seen = 0
    for i, op in enumerate(seq):
        here = counts.get(op, 0)
        if offset < seen + here:
            query = base().where(_of(op)).order_by(DID.number).offset(offset - seen).limit(limit)
            rows = list(query.tuples())
            if len(rows) < limit and i + 1 < len(seq):
                rows += page(base, after=(op, number_of(rows[-1])), limit=limit - len(rows)) if rows else []
            return rows
        seen += here
    return []
