"""Helpers for the core suite: the status invariants (docs/lifecycle.md), and a small retail world."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Any

from peewee import JOIN, fn

from didtui.core import inventory, operators, retail
from didtui.core.numbers import NumberSpan, parse_numbers
from didtui.models import DID, ClientPackage, Event, Package, utcnow

ATTACHED_FREE = ("in_stock", "blocked", "reserved", "archived")


def invariant_violations() -> list[str]:
    """Every row of the did table that breaks the status rules of docs/lifecycle.md, described."""
    problems: list[str] = []
    rows = (
        DID.select(DID.number, DID.status, DID.client_package, DID.hold_until, DID.after_hold, ClientPackage.active)
        .join(ClientPackage, JOIN.LEFT_OUTER)
        .tuples()
    )
    for number, status, cp, until, after, cp_active in rows:
        if after not in ("in_stock", "reserved", "archived"):
            problems.append(f"{number}: after_hold {after!r}")
        if status == "active":
            if cp is None or not cp_active or until is not None:
                problems.append(f"{number}: active with cp={cp} cp_active={cp_active} hold_until={until}")
        elif status == "hold":
            if until is None:
                problems.append(f"{number}: hold without hold_until")
            if cp is not None and cp_active:
                problems.append(f"{number}: hold attached to the active client package {cp}")
        elif status in ATTACHED_FREE:
            if cp is not None or until is not None:
                problems.append(f"{number}: {status} with cp={cp} hold_until={until}")
        else:
            problems.append(f"{number}: unknown status {status!r}")
    # Never beyond allowed_dids: Active and Hold DIDs still attached count against it.
    used = (
        ClientPackage.select(ClientPackage.id, Package.allowed_dids, fn.COUNT(DID.id))
        .join(Package)
        .join_from(ClientPackage, DID, on=(DID.client_package == ClientPackage.id))
        .where(DID.status.in_(["active", "hold"]))
        .group_by(ClientPackage.id, Package.allowed_dids)
        .tuples()
    )
    for cp_id, allowed, n in used:
        if n > allowed:
            problems.append(f"client package {cp_id}: {n} DIDs, allowed {allowed}")
    return problems


def assert_invariants() -> None:
    problems = invariant_violations()
    assert not problems, "status invariants broken:\n" + "\n".join(problems[:20])


def create(text: str, **fields: Any) -> inventory.Created:
    """Create the numbers of `text` (one, a range or a list), checking invariants after."""
    created = inventory.create_dids(parse_numbers(text), **fields)
    assert_invariants()
    return created


def span(first: int, count: int, width: int = 11) -> NumberSpan:
    return NumberSpan(first, first + count - 1, width)


def ids_of(*numbers: str) -> list[int]:
    rows = {n: i for i, n in DID.select(DID.id, DID.number).where(DID.number.in_(list(numbers))).tuples()}
    return [rows[n] for n in numbers]


def did(number: str) -> DID:
    return DID.get(DID.number == number)


def statuses() -> dict[str, str]:
    return dict(DID.select(DID.number, DID.status).tuples())


def events(number: str | None = None, action: str | None = None) -> list[Event]:
    query = Event.select().order_by(Event.id)
    if number is not None:
        query = query.where(Event.did_number == number)
    if action is not None:
        query = query.where(Event.action == action)
    return list(query)


def age_holds(numbers: list[str] | None = None, days: int = 1) -> None:
    """Move hold deadlines into the past, as if `days` had gone by since the hold ended."""
    past = utcnow() - _dt.timedelta(days=days)
    query = DID.update({DID.hold_until: past}).where(DID.status == "hold")
    if numbers is not None:
        query = query.where(DID.number.in_(numbers))
    query.execute()


@dataclass
class World:
    """One client with two accounts, a package `Gold 5` (tags gold, platinum; 5 DIDs)."""

    operator_id: int
    reseller_id: int
    client_id: int
    account_id: int
    other_account_id: int
    package_id: int
    cp_id: int
    other_cp_id: int


def make_world(allowed: int = 5, tags: str = "gold,platinum") -> World:
    reseller = retail.create_reseller("Northwind")
    op = operators.create_operator("Telia", reseller.id)
    client = retail.create_client("ACME", reseller.id)
    main = retail.create_account(client.id, "main")
    support = retail.create_account(client.id, "support")
    package = retail.create_package("Gold 5", tags, allowed)
    cp = retail.assign_package(main.id, package.id)
    other = retail.assign_package(support.id, package.id)
    return World(op.id, reseller.id, client.id, main.id, support.id, package.id, cp.id, other.id)
