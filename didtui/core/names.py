"""Names as people type them on a command line: resolved to rows, and offered for completion.

The same rules as the app's filter bar (core/views.py's `complete_name`): an exact name,
else a case-insensitive one, else the only name starting with what was typed. The
completion queries read only the small name tables (never the DIDs), so a shell's TAB
stays fast at any inventory size.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from peewee import fn

from didtui.core.filters import DIDRow, get_row, lookup_id, row_by_number
from didtui.core.numbers import lookup_number
from didtui.core.views import complete_name
from didtui.errors import InputError, NotFound
from didtui.models import DID, Account, Block, Client, ClientPackage, Operator, Package, Reseller

_MODELS: dict[str, Any] = {
    "operator": Operator,
    "reseller": Reseller,
    "client": Client,
    "package": Package,
    "block": Block,
}
COMPLETION_LIMIT = 200


@dataclass(frozen=True)
class Named:
    id: int
    name: str


def resolve(kind: str, typed: str) -> Named:
    """The operator/reseller/client/package/block a person meant; NotFound lists known names."""
    text = (typed or "").strip()
    if not text:
        raise InputError(f"a {kind} name is empty")
    name = complete_name(kind, text)
    return Named(lookup_id(_MODELS[kind], name, kind), name)


def resolve_account(typed: str, client: str | None = None) -> tuple[Named, Named]:
    """(client, account) for `CLIENT/ACCOUNT` (or ACCOUNT with `client`), each part
    matched like any name: exact, case-insensitive, or a unique prefix."""
    client_text, sep, account_text = (typed or "").strip().rpartition("/")
    if not sep and client:
        client_text = client
    account_text = account_text.strip()
    if not account_text:
        raise InputError(f"account {typed!r}: write it as CLIENT/ACCOUNT")
    query = Account.select(Account.id, Account.name, Client.id, Client.name).join(Client)
    if client_text.strip():
        owner = resolve("client", client_text)
        query = query.where(Account.client == owner.id)
    rows = list(query.order_by(Client.name, Account.name).tuples())
    match = _best([(r, r[1]) for r in rows], account_text)
    if match is None and not sep and not client:
        # A client's name alone names its only account (`globex` for Globex/main).
        by_client = _best([(r, r[3]) for r in rows], account_text)
        if isinstance(by_client, list) and len({r[2] for r in by_client}) == 1:
            names_ = ", ".join(f"{c}/{a}" for _, a, _, c in by_client[:8])
            raise NotFound(f"client {by_client[0][3]} has several accounts ({names_}): write CLIENT/ACCOUNT")
        match = by_client
    if match is None:
        known = ", ".join(f"{c}/{a}" for _, a, _, c in rows[:8]) or "none"
        raise NotFound(f"unknown account {typed!r}; known: {known}")
    if isinstance(match, list):
        names = ", ".join(f"{c}/{a}" for _, a, _, c in match[:8])
        raise NotFound(f"account {typed!r} is ambiguous ({names}): write it as CLIENT/ACCOUNT")
    account_id, account_name, client_id, client_name = match
    return Named(client_id, client_name), Named(account_id, account_name)


def _best(candidates: list[tuple[Any, str]], typed: str) -> Any:
    """The candidate named `typed` (exact, then case-insensitive, then a unique prefix);
    a list when several match equally, None when none does."""
    for test in (
        lambda n: n == typed,
        lambda n: n.lower() == typed.lower(),
        lambda n: n.lower().startswith(typed.lower()),
    ):
        found = [c for c, name in candidates if test(name)]
        if len(found) == 1:
            return found[0]
        if found:
            return found
    return None


def client_package_for(account_id: int, package: str | None = None) -> int:
    """The client package of an account a command means: the one assigned (active first),
    or the one of `package` when the account has several."""
    query = (
        ClientPackage.select(ClientPackage.id, Package.name, ClientPackage.active)
        .join(Package)
        .where(ClientPackage.account == account_id)
        .order_by(ClientPackage.active.desc(), ClientPackage.id)
    )
    rows = list(query.tuples())
    if package:
        wanted = resolve("package", package)
        rows = [r for r in rows if r[1] == wanted.name]
        if not rows:
            raise NotFound(f"package {wanted.name} is not assigned to this account: assign it first")
    if not rows:
        raise NotFound("this account has no package assigned: run `didtui assignments assign` first")
    if len(rows) > 1 and len({r[1] for r in rows}) > 1:
        names = ", ".join(sorted({r[1] for r in rows}))
        raise InputError(f"this account has several packages ({names}): choose one with --package")
    return rows[0][0]


def did_by_number(text: str) -> DIDRow:
    """One DID by its number as typed (any form the number reader accepts)."""
    return row_by_number(lookup_number(text))


def did_by_id(did_id: int) -> DIDRow:
    return get_row(did_id)


def ids_of_numbers(texts: list[str]) -> list[int]:
    """The ids of the DIDs named; NotFound names the first that does not exist."""
    numbers = list(dict.fromkeys(lookup_number(t) for t in texts))
    found: dict[str, int] = {}
    for start in range(0, len(numbers), 500):
        chunk = numbers[start : start + 500]
        found.update({n: i for n, i in DID.select(DID.number, DID.id).where(DID.number.in_(chunk)).tuples()})
    missing = [n for n in numbers if n not in found]
    if missing:
        more = f" (and {len(missing) - 1:,} more)" if len(missing) > 1 else ""
        raise NotFound(f"DID {missing[0]} does not exist{more}; nothing was changed")
    return [found[n] for n in numbers]


# ---- completion -------------------------------------------------------------------------


def names_starting(kind: str, prefix: str, limit: int = COMPLETION_LIMIT) -> list[str]:
    """Names of `kind` starting with `prefix` (case-insensitive), by name: for TAB."""
    if kind == "account":
        return accounts_starting(prefix, limit)
    model = _MODELS[kind]
    query = model.select(model.name)
    if prefix:
        query = query.where(fn.LOWER(model.name).startswith(prefix.lower()))
    return [n for (n,) in query.order_by(model.name).limit(limit).tuples()]


def accounts_starting(prefix: str, limit: int = COMPLETION_LIMIT) -> list[str]:
    """`CLIENT/ACCOUNT` names starting with `prefix` (matched on the client, then the account)."""
    client_text, sep, account_text = prefix.rpartition("/")
    query = Account.select(Client.name, Account.name).join(Client)
    if sep:
        query = query.where(fn.LOWER(Client.name) == client_text.lower())
        if account_text:
            query = query.where(fn.LOWER(Account.name).startswith(account_text.lower()))
    elif prefix:
        query = query.where(fn.LOWER(Client.name).startswith(prefix.lower()))
    rows = query.order_by(Client.name, Account.name).limit(limit).tuples()
    return [f"{c}/{a}" for c, a in rows]


def tags_starting(prefix: str, limit: int = COMPLETION_LIMIT) -> list[str]:
    """Tags the packages name (a small table), not a scan of the DIDs."""
    tags = {t for (text,) in Package.select(Package.tags).tuples() for t in text.split(",") if t}
    return sorted(t for t in tags if t.lower().startswith(prefix.lower()))[:limit]
