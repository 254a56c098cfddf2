"""A selection of DIDs (marked ids or a filter) as a WHERE clause, for bulk changes.

Its own module so that inventory and retail, which both change selections, need not
import each other for it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from peewee import SQL

from didtui.core import bulk
from didtui.core.filters import Selection
from didtui.models import DID, database_proxy


@contextlib.contextmanager
def selection_where(selection: Selection) -> Iterator[Any]:
    """The selection as a WHERE expression; large id sets go through a temporary table."""
    if selection.ids is not None:
        ids = sorted(selection.ids)
        if len(ids) <= 500:
            yield DID.id.in_(ids) if ids else SQL("1 = 0")
        else:
            with bulk.id_table(database_proxy.obj, ids) as subquery:
                yield DID.id.in_(subquery)
        return
    where = selection.filter.where() if selection.filter else None
    yield where if where is not None else SQL("1 = 1")
