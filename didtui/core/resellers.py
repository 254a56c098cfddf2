"""Resellers: list with counts, create, rename, delete (or move everything to another).

A reseller owns operators, clients and DIDs. Deleting one that anything refers to is
refused, naming what, unless everything moves to another reseller first, in the same
transaction; the DIDs that move are one batch (history and undo see it).
"""

from __future__ import annotations

from dataclasses import dataclass

import peewee
from peewee import SQL, fn

from didtui.core import history
from didtui.core.renaming import rename
from didtui.core.text import clean_name
from didtui.db import current_actor
from didtui.errors import AlreadyExists, InputError, NotFound, RuleViolation
from didtui.models import DID, Client, Operator, Reseller, database_proxy, utcnow


@dataclass(frozen=True)
class ResellerRow:
    id: int
    name: str
    operators: int
    dids: int
    clients: int

    @property
    def in_use(self) -> bool:
        return bool(self.operators or self.dids or self.clients)


def _count(model: type[peewee.Model]) -> peewee.Node:
    return model.select(fn.COUNT(SQL("*"))).where(model.reseller == Reseller.id)


def list_resellers() -> list[ResellerRow]:
    """Every reseller with how many operators, DIDs and clients refer to it: one query
    (each count is an index-backed subquery on the reseller's foreign key)."""
    query = Reseller.select(Reseller.id, Reseller.name, _count(Operator), _count(DID), _count(Client)).order_by(
        Reseller.name, Reseller.id
    )
    return [ResellerRow(*row) for row in query.tuples()]


def get_reseller(reseller_id: int) -> ResellerRow:
    for row in list_resellers():
        if row.id == reseller_id:
            return row
    raise NotFound(f"reseller #{reseller_id} does not exist (deleted meanwhile?)")


def by_name(name: str) -> Reseller:
    found = Reseller.get_or_none(Reseller.name == (name or "").strip())
    if found is None:
        raise NotFound(f"no reseller named {name!r}")
    return found


def _clean(name: str) -> str:
    return clean_name(name, "reseller")


def create_reseller(name: str) -> Reseller:
    name = _clean(name)
    try:
        with database_proxy.atomic():
            return Reseller.create(name=name)
    except peewee.IntegrityError:
        raise AlreadyExists(f"a reseller named {name!r} already exists") from None


def rename_reseller(reseller_id: int, name: str) -> Reseller:
    name = _clean(name)
    return rename(Reseller, reseller_id, name, "reseller", f"a reseller named {name!r} already exists")


def _uses(row: ResellerRow) -> str:
    parts = [
        f"{n:,} {what}{'' if n == 1 else 's'}"
        for n, what in ((row.operators, "operator"), (row.dids, "DID"), (row.clients, "client"))
        if n
    ]
    return ", ".join(parts)


def delete_reseller(
    reseller_id: int, *, move_to: int | None = None, actor: str | None = None, batch: str | None = None
) -> int:
    """Delete a reseller. Refused while operators, DIDs or clients refer to it, unless
    `move_to` names another reseller: they all move there first, the DIDs as one batch
    (`batch`, when the caller wants to name it). Returns DIDs moved."""
    with database_proxy.atomic():
        row = get_reseller(reseller_id)
        moved = 0
        if row.in_use:
            if move_to is None:
                raise RuleViolation(
                    f"reseller {row.name!r} has {_uses(row)}: move them to another reseller, "
                    "or change them first; nothing was deleted"
                )
            if move_to == reseller_id:
                raise InputError("move them to another reseller, not the one being deleted")
            target = Reseller.get_or_none(Reseller.id == move_to)
            if target is None:
                raise NotFound(f"reseller #{move_to} does not exist (deleted meanwhile?)")
            Operator.update({Operator.reseller: move_to}).where(Operator.reseller == reseller_id).execute()
            Client.update({Client.reseller: move_to}).where(Client.reseller == reseller_id).execute()
            moved = _move_dids(reseller_id, move_to, row.name, target.name, actor or current_actor(), batch)
        Reseller.delete().where(Reseller.id == reseller_id).execute()
    return moved


def _move_dids(source: int, target: int, source_name: str, target_name: str, actor: str, batch: str | None) -> int:
    where = DID.reseller == source
    now = utcnow()
    batch = batch or history.new_batch()
    n = history.record_for(where, "mass_edit", {"reseller": [source_name, target_name]}, batch, actor, now)
    done = DID.update({DID.reseller: target, DID.version: DID.version + 1, DID.updated_at: now}).where(where).execute()
    if done != n:
        raise RuleViolation("the DIDs changed while they were being moved: nothing was deleted; try again")
    return n
