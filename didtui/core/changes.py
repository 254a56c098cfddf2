"""A cheap marker of the database's state, so an open app notices what others changed.

Every change to DIDs writes events (history), so the newest event id moves with each
one: a MAX over the primary key, one index step whatever the inventory's size. The small
tables (operators, clients, accounts, packages, client packages, resellers) write no
events; their row counts, newest ids and name lengths are read whole, which costs little
because they hold hundreds or thousands of rows, not millions. A rename to a name of the
same length is the one change this does not see (until the next change, or ctrl+r).
"""

from __future__ import annotations

from typing import Any

from peewee import SQL, Case, fn

from didtui.models import Account, Client, ClientPackage, Event, Operator, Package, Reseller, database_proxy


def _summary(model: Any, *extra: Any) -> list[Any]:
    return [
        model.select(fn.COUNT(SQL("*"))),
        model.select(fn.MAX(model.id)),
        *(model.select(e) for e in extra),
    ]


def marker() -> tuple[Any, ...]:
    """A value that differs whenever anything the app shows has changed (one query)."""
    parts: list[Any] = [Event.select(fn.MAX(Event.id))]
    for model in (Operator, Client):
        parts += _summary(model, fn.SUM(fn.LENGTH(model.name)), fn.SUM(fn.COALESCE(model.reseller, 0)))
    parts += _summary(Reseller, fn.SUM(fn.LENGTH(Reseller.name)))
    parts += _summary(Account, fn.SUM(fn.LENGTH(Account.name)))
    parts += _summary(Package, fn.SUM(fn.LENGTH(Package.name) + fn.LENGTH(Package.tags)), fn.SUM(Package.allowed_dids))
    parts += _summary(ClientPackage, fn.SUM(Case(None, [(ClientPackage.active, 1)], 0)))
    db = database_proxy.obj
    query = db.execute_sql(*_select_all(parts))
    row = query.fetchone()
    return tuple(int(v) if v is not None else None for v in row)


def _select_all(parts: list[Any]) -> tuple[str, list[Any]]:
    """SELECT (sub1), (sub2), ...: one round trip for every part."""
    sqls, params = [], []
    for part in parts:
        sql, p = part.sql()
        sqls.append(f"({sql})")
        params.extend(p)
    return "SELECT " + ", ".join(sqls), params
