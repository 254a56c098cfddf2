"""Small read-only queries the faces need for pickers: names and ids, no counts.

`operators.list_operators` counts every operator's DIDs by status (a scan of the whole
inventory); a form that only offers operator names must not pay for that.
"""

from __future__ import annotations

from dataclasses import dataclass

from peewee import JOIN, fn

from didtui.core.statuses import Status
from didtui.models import DID, Account, Block, Client, ClientPackage, Operator, Package, Reseller


def operator_choices() -> list[tuple[str, int]]:
    """(name, id) of every operator, by name."""
    return list(Operator.select(Operator.name, Operator.id).order_by(Operator.name).tuples())


def reseller_choices() -> list[tuple[str, int]]:
    return list(Reseller.select(Reseller.name, Reseller.id).order_by(Reseller.name).tuples())


def package_choices() -> list[tuple[str, int]]:
    return list(Package.select(Package.name, Package.id).order_by(Package.name).tuples())


@dataclass(frozen=True)
class ClientAccountRow:
    """One account of a client, or a client without accounts (account_id None)."""

    client_id: int
    client: str
    reseller: str
    account_id: int | None
    account: str
    active_dids: int


def clients_overview() -> list[ClientAccountRow]:
    """Every client with each of its accounts and their Active DID counts."""
    active = (
        DID.select(ClientPackage.account, fn.COUNT(DID.id))
        .join(ClientPackage)
        .where(DID.status == Status.ACTIVE.value)
        .group_by(ClientPackage.account)
    )
    counts = dict(active.tuples())
    query = (
        Client.select(Client.id, Client.name, Reseller.name, Account.id, Account.name)
        .join_from(Client, Reseller, JOIN.LEFT_OUTER)
        .join_from(Client, Account, JOIN.LEFT_OUTER, on=(Account.client == Client.id))
        .order_by(Client.name, Account.name)
    )
    return [
        ClientAccountRow(cid, cname, rname or "", aid, aname or "", counts.get(aid, 0) if aid else 0)
        for cid, cname, rname, aid, aname in query.tuples()
    ]


_NAMED = {"operator": Operator, "reseller": Reseller, "client": Client, "package": Package, "block": Block}


def complete_name(kind: str, typed: str) -> str:
    """The stored name a person meant: exact, else case-insensitive, else the only name
    starting with what was typed (`colt` -> `Colt Numbers`). Unknown: returned as typed,
    so `resolve_filter` says it is unknown and lists the known ones."""
    model = _NAMED[kind]
    text = typed.strip()
    if model.select().where(model.name == text).exists():
        return text
    lowered = text.lower()
    matches = [
        n
        for (n,) in model.select(model.name)
        .where(fn.LOWER(model.name).startswith(lowered))
        .order_by(model.name)
        .limit(50)
        .tuples()
    ]
    exact = [n for n in matches if n.lower() == lowered]
    if exact:
        return exact[0]
    return matches[0] if len(matches) == 1 else text


def complete_filter_names(values: dict[str, str]) -> dict[str, str]:
    """`resolve_filter` keyword arguments with every typed name completed."""
    return {k: complete_name(k, v) if k in _NAMED and v else v for k, v in values.items()}
