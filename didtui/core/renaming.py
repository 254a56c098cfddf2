"""Renaming a named row (a reseller, client or account): one rule for all of them.

The row is read inside the transaction, so a row deleted meanwhile is NotFound, and the
unique index decides whether the name is taken, so two people renaming at once cannot
both win.
"""

from __future__ import annotations

from typing import TypeVar

import peewee

from didtui.errors import AlreadyExists, NotFound
from didtui.models import BaseModel, database_proxy

M = TypeVar("M", bound=BaseModel)


def rename(model: type[M], row_id: int, name: str, kind: str, taken: str) -> M:
    """Give row `row_id` of `model` the (already checked) `name`; `taken` is the message
    when another row has it."""
    with database_proxy.atomic():
        row = model.get_or_none(model.id == row_id)
        if row is None:
            raise NotFound(f"{kind} #{row_id} does not exist (deleted meanwhile?)")
        row.name = name
        try:
            with database_proxy.atomic():
                row.save()
        except peewee.IntegrityError:
            raise AlreadyExists(taken) from None
    return row
