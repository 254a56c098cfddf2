"""Every DID matching a filter, read through one streaming cursor: for `dids list --json`
over a million rows, which must start at once and stay in constant memory.

One SELECT, in the view's order, on a cursor that fetches in batches (server-side on
PostgreSQL and MySQL, as core/csvio/export.py does). Peewee's per-row wrapping is skipped
(measured: 2.2x), which made this twice as fast as key-paging through `iter_rows`.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Generator
from typing import Any

import peewee

from didtui.core.filters import DIDFilter, DIDRow, _row_query, _to_row, shown_order
from didtui.dialect import dialect
from didtui.models import database_proxy

FETCH = 2_000
_TIMES = (10, 17, 18)  # hold_until, created_at, updated_at in _row_query's columns


def stream_rows(filt: DIDFilter | None = None, sort: str = "number") -> Generator[DIDRow, None, None]:
    """Each matching row as the faces show it, in sort order, read as the consumer goes."""
    convert = _sqlite_row if dialect(database_proxy.obj).times_as_text else _to_row
    tuples = stream_tuples(filt, sort)
    try:
        for row in tuples:
            yield convert(row)
    finally:
        tuples.close()


def stream_tuples(filt: DIDFilter | None = None, sort: str = "number") -> Generator[tuple[Any, ...], None, None]:
    """The raw rows of `stream_rows` (core/filters.py's `_row_query` columns), for a face
    that encodes them itself: times are datetimes, or ISO text on SQLite."""
    db = database_proxy.obj
    backend = dialect(db)
    sql, params = _row_query(filt).order_by(*shown_order(sort)).sql()
    # PostgreSQL's server-side cursor needs a transaction; SQLite gets none (didtui's
    # transactions take the write lock) and reads one snapshot per statement anyway.
    with backend.snapshot_read(db), peewee.__exception_wrapper__:
        cursor = backend.stream_cursor(db)
        try:
            cursor.execute(sql, params)
            while rows := cursor.fetchmany(FETCH):
                yield from rows
        finally:
            cursor.close()


def _sqlite_row(row: tuple[Any, ...]) -> DIDRow:
    """SQLite returns times as text: read them as peewee's DateTimeField would."""
    cells = list(row)
    for i in _TIMES:
        if isinstance(cells[i], str):
            cells[i] = _dt.datetime.fromisoformat(cells[i])
    return _to_row(tuple(cells))
