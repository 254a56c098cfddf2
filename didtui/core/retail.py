"""Retail: resellers, clients and accounts, packages, client packages, picking, release.

Picking is the one path to Active. It is safe however many people pick at once: the
client package row is locked (FOR UPDATE on servers; SQLite's IMMEDIATE transactions
serialise writers), free DIDs are taken with SKIP LOCKED, and the UPDATE is a
compare-and-set on status, so a DID taken meanwhile is never given twice.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Any

import peewee
from peewee import JOIN, fn

from didtui.core import history, resellers
from didtui.core.filters import Selection
from didtui.core.numbers import lookup_number
from didtui.core.renaming import rename
from didtui.core.retry import retrying
from didtui.core.selection import selection_where
from didtui.core.statuses import AFTER_HOLD, Status, label
from didtui.core.sweep import purge_unassigned, release_where
from didtui.core.text import check_tag, clean_name
from didtui.db import current_actor
from didtui.dialect import dialect
from didtui.errors import AlreadyExists, Conflict, InputError, NotFound, RuleViolation
from didtui.models import (
    DID,
    Account,
    Client,
    ClientPackage,
    Package,
    Reseller,
    database_proxy,
    utcnow,
)


def _name(value: str, kind: str) -> str:
    return clean_name(value, kind)


def _create_unique(model: Any, kind: str, **fields: Any) -> Any:
    try:
        with database_proxy.atomic():
            return model.create(**fields)
    except peewee.IntegrityError:
        raise AlreadyExists(f"a {kind} named {fields.get('name')!r} already exists") from None


# ---- resellers --------------------------------------------------------------------------


def create_reseller(name: str) -> Reseller:
    return resellers.create_reseller(name)


# ---- clients and accounts ---------------------------------------------------------------


@dataclass(frozen=True)
class AccountRow:
    id: int
    client_id: int
    client: str
    name: str
    reseller: str
    active_dids: int


def create_client(name: str, reseller_id: int | None = None, account: str | None = None) -> Client:
    """A new client, with its first account when `account` names one: both or neither."""
    name = _name(name, "client")
    if reseller_id is not None and not Reseller.select().where(Reseller.id == reseller_id).exists():
        raise NotFound(f"reseller #{reseller_id} does not exist")
    with database_proxy.atomic():
        client = _create_unique(Client, "client", name=name, reseller=reseller_id)
        if account and account.strip():
            create_account(client.id, account)
    return client


def create_account(client_id: int, name: str) -> Account:
    name = _name(name, "account")
    if not Client.select().where(Client.id == client_id).exists():
        raise NotFound(f"client #{client_id} does not exist")
    try:
        with database_proxy.atomic():
            return Account.create(client=client_id, name=name)
    except peewee.IntegrityError:
        raise AlreadyExists(f"this client already has an account named {name!r}") from None


def list_clients() -> list[Client]:
    return list(Client.select().order_by(Client.name))


def list_accounts(client_id: int | None = None) -> list[AccountRow]:
    """Accounts with their client and how many Active DIDs they hold, in one query."""
    active = (
        DID.select(ClientPackage.account, fn.COUNT(DID.id).alias("n"))
        .join(ClientPackage)
        .where(DID.status == Status.ACTIVE.value)
        .group_by(ClientPackage.account)
    )
    counts = {account_id: n for account_id, n in active.tuples()}
    query = (
        Account.select(Account.id, Client.id, Client.name, Account.name, Reseller.name)
        .join(Client)
        .join(Reseller, JOIN.LEFT_OUTER)
        .order_by(Client.name, Account.name)
    )
    if client_id is not None:
        query = query.where(Account.client == client_id)
    return [AccountRow(a, c, cn, an, rn or "", counts.get(a, 0)) for a, c, cn, an, rn in query.tuples()]


# ---- packages ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PackageRow:
    id: int
    name: str
    tags: list[str]
    allowed_dids: int
    client_packages: int


def parse_tags(tags: str | list[str]) -> list[str]:
    items = tags.replace(";", ",").split(",") if isinstance(tags, str) else list(tags)
    clean = list(dict.fromkeys(t.strip() for t in items if t and t.strip()))
    if not clean:
        raise InputError("a package needs at least one tag (comma-separated)")
    for tag in clean:
        if len(tag) > 100:
            raise InputError(f"tag {tag[:20]!r}... is too long: at most 100 characters")
        check_tag(tag)
    return clean


MAX_ALLOWED_DIDS = 1_000_000  # a package's allowed DIDs per account: the forms check the same bound


def _allowed(value: Any) -> int:
    try:
        n = int(value)
    except (TypeError, ValueError):
        raise InputError(f"allowed DIDs must be a whole number, not {value!r}") from None
    if n < 1 or n > MAX_ALLOWED_DIDS:
        raise InputError(f"allowed DIDs must be from 1 to {MAX_ALLOWED_DIDS:,}")
    return n


def create_package(name: str, tags: str | list[str], allowed_dids: int) -> Package:
    return _create_unique(
        Package,
        "package",
        name=_name(name, "package"),
        tags=",".join(parse_tags(tags)),
        allowed_dids=_allowed(allowed_dids),
    )


def update_package(
    package_id: int, *, name: str | None = None, tags: str | list[str] | None = None, allowed_dids: int | None = None
) -> Package:
    with database_proxy.atomic():
        package = Package.get_or_none(Package.id == package_id)
        if package is None:
            raise NotFound(f"package #{package_id} does not exist")
        if name is not None:
            package.name = _name(name, "package")
        if tags is not None:
            package.tags = ",".join(parse_tags(tags))
        if allowed_dids is not None:
            allowed = _allowed(allowed_dids)
            used = (
                DID.select(fn.COUNT(DID.id))
                .join(ClientPackage)
                .where((ClientPackage.package == package_id) & DID.status.in_([Status.ACTIVE.value, Status.HOLD.value]))
                .group_by(ClientPackage.id)
                .tuples()
            )
            most = max((n for (n,) in used), default=0)
            if allowed < most:
                raise RuleViolation(
                    f"a client package already holds {most} DIDs of this package: allowed DIDs cannot go below that"
                )
            package.allowed_dids = allowed
        try:
            package.save()
        except peewee.IntegrityError:
            raise AlreadyExists(f"a package named {package.name!r} already exists") from None
    return package


def delete_package(package_id: int) -> None:
    with database_proxy.atomic():
        if ClientPackage.select().where(ClientPackage.package == package_id).exists():
            raise RuleViolation("this package is assigned to client accounts: remove those assignments first")
        Package.delete().where(Package.id == package_id).execute()


def list_packages() -> list[PackageRow]:
    uses = fn.COUNT(ClientPackage.id)
    query = (
        Package.select(Package.id, Package.name, Package.tags, Package.allowed_dids, uses)
        .join(ClientPackage, JOIN.LEFT_OUTER)
        .group_by(Package.id, Package.name, Package.tags, Package.allowed_dids)
        .order_by(Package.name)
    )
    return [PackageRow(i, n, [t for t in tg.split(",") if t], a, u) for i, n, tg, a, u in query.tuples()]


# ---- client packages --------------------------------------------------------------------


@dataclass(frozen=True)
class ClientPackageRow:
    id: int
    account_id: int
    client: str
    account: str
    package_id: int
    package: str
    tags: list[str]
    allowed_dids: int
    active: bool
    used: int  # Active DIDs, plus Hold DIDs still waiting to come back
    unassigned: bool = False  # un-assigned: removed once it holds no DIDs

    @property
    def remaining(self) -> int:
        return max(0, self.allowed_dids - self.used)


def assign_package(account_id: int, package_id: int) -> ClientPackage:
    if not Account.select().where(Account.id == account_id).exists():
        raise NotFound(f"account #{account_id} does not exist")
    if not Package.select().where(Package.id == package_id).exists():
        raise NotFound(f"package #{package_id} does not exist")
    return ClientPackage.create(account=account_id, package=package_id, active=True)


def list_client_packages(account_id: int | None = None, client_package_id: int | None = None) -> list[ClientPackageRow]:
    used = (
        DID.select(DID.client_package, fn.COUNT(DID.id))
        .where(DID.status.in_([Status.ACTIVE.value, Status.HOLD.value]) & DID.client_package.is_null(False))
        .group_by(DID.client_package)
    )
    query = (
        ClientPackage.select(
            ClientPackage.id,
            Account.id,
            Client.name,
            Account.name,
            Package.id,
            Package.name,
            Package.tags,
            Package.allowed_dids,
            ClientPackage.active,
            ClientPackage.unassigned_at,
        )
        .join(Account)
        .join(Client)
        .join_from(ClientPackage, Package)
        .order_by(Client.name, Account.name, Package.name, ClientPackage.id)
    )
    if account_id is not None:
        query = query.where(ClientPackage.account == account_id)
        used = used.join(ClientPackage).where(ClientPackage.account == account_id)
    if client_package_id is not None:
        query = query.where(ClientPackage.id == client_package_id)
        used = used.where(DID.client_package == client_package_id)
    counts = {cp: n for cp, n in used.tuples()}
    return [
        ClientPackageRow(
            i,
            a,
            c,
            an,
            p,
            pn,
            [t for t in tags.split(",") if t],
            allowed,
            bool(active),
            counts.get(i, 0),
            gone is not None,
        )
        for i, a, c, an, p, pn, tags, allowed, active, gone in query.tuples()
    ]


def client_package(client_package_id: int) -> ClientPackageRow:
    rows = list_client_packages(client_package_id=client_package_id)
    if not rows:
        raise NotFound(f"client package #{client_package_id} does not exist")
    return rows[0]


def _lock_client_package(cp_id: int) -> ClientPackage:
    cp = dialect().lock(ClientPackage.select().where(ClientPackage.id == cp_id)).first()
    if cp is None:
        raise NotFound(f"client package #{cp_id} does not exist")
    return cp


def _owner(cp_id: int) -> str:
    row = client_package(cp_id)
    return f"{row.client}/{row.account}"


def cp_snapshot(cp: ClientPackage) -> str:
    """A client package as it is, for the batch that changes it (undo puts it back)."""
    return history.encode(
        {
            "id": cp.id,
            "account_id": cp.account_id,
            "package_id": cp.package_id,
            "active": bool(cp.active),
            "created_at": cp.created_at,
            "unassigned_at": cp.unassigned_at,
        }
    )


def deactivate(client_package_id: int, *, actor: str | None = None, batch: str | None = None) -> int:
    """Deactivate a client package: its Active DIDs go on Hold (or straight to their
    after-hold status when their hold days are 0). Returns how many DIDs moved.

    `batch` names the history batch (a face passes its own to tell a hook about it)."""
    actor = actor or current_actor()
    batch = batch or history.new_batch()
    with database_proxy.atomic():
        cp = _lock_client_package(client_package_id)
        if not cp.active:
            raise RuleViolation("this client package is already inactive")
        if cp.unassigned_at is not None:
            raise RuleViolation("this client package is being removed (un-assigned)")
        owner = _owner(client_package_id)
        history.open_batch(batch, "deactivate", actor, note=f"client: {owner}", detail=cp_snapshot(cp))
        cp.active = False
        cp.save()
        where = (DID.client_package == client_package_id) & (DID.status == Status.ACTIVE.value)
        n = _to_hold(where, actor, "deactivate", keep_client=True, batch=batch)
    return n


def activate(client_package_id: int, *, actor: str | None = None) -> int:
    """Reactivate a client package: DIDs still on Hold for it become Active again."""
    actor = actor or current_actor()
    now = utcnow()
    batch = history.new_batch()
    with database_proxy.atomic():
        cp = _lock_client_package(client_package_id)
        if cp.active:
            raise RuleViolation("this client package is already active")
        if cp.unassigned_at is not None:
            raise RuleViolation("this client package was un-assigned: it is removed once its held DIDs are released")
        history.open_batch(batch, "activate", actor, now, f"client: {_owner(client_package_id)}", cp_snapshot(cp))
        cp.active = True
        cp.save()
        where = (DID.client_package == client_package_id) & (DID.status == Status.HOLD.value) & (DID.hold_until > now)
        history.record_for(
            where, "activate", {"status": ["hold", "active"], "hold_until": ["", None]}, batch, actor, now
        )
        n = (
            DID.update(
                {
                    DID.status: Status.ACTIVE.value,
                    DID.hold_until: None,
                    DID.version: DID.version + 1,
                    DID.updated_at: now,
                }
            )
            .where(where)
            .execute()
        )
        # Holds that already ended do not come back; they cannot stay attached to an
        # active package either: release them now, as the sweep would.
        ended = (DID.client_package == client_package_id) & (DID.status == Status.HOLD.value) & (DID.hold_until <= now)
        release_where(ended & DID.after_hold.in_([s.value for s in AFTER_HOLD]), batch, actor, now)
    return n


def _owners_of(cp_ids: list[int]) -> dict[int, str]:
    """'client/account' of each client package, in one query."""
    if not cp_ids:
        return {}
    query = (
        ClientPackage.select(ClientPackage.id, Client.name, Account.name)
        .join(Account)
        .join(Client)
        .where(ClientPackage.id.in_(cp_ids))
    )
    return {i: f"{c}/{a}" for i, c, a in query.tuples()}


def _to_hold(where: Any, actor: str, action: str, *, keep_client: bool, batch: str | None = None) -> int:
    """Move the Active DIDs matching `where` to Hold for their own hold days.

    One UPDATE per client package and hold_days value (there are a handful), so the
    deadline is computed in Python, no backend-specific date arithmetic is needed, and
    each event names the client the DID leaves. The DIDs are "free since" now
    (released_at, what reuse_after_days reads).
    """
    now = utcnow()
    batch = batch or history.new_batch()
    total = 0
    groups = list(DID.select(DID.client_package, DID.hold_days).where(where).distinct().tuples())
    owners = _owners_of(sorted({cp for cp, _ in groups if cp is not None}))
    for cp_id, days in sorted(groups, key=lambda g: (g[0] or 0, g[1])):
        group = where & (DID.client_package == cp_id) & (DID.hold_days == days)
        base = {DID.version: DID.version + 1, DID.updated_at: now, DID.released_at: now}
        event: dict[str, Any] = {}
        owner = owners.get(cp_id) if cp_id is not None else None
        # Deactivation keeps the client while the DID is held: no client change then.
        if owner and not (keep_client and days > 0):
            event["client"] = [owner, None]
        if days > 0:
            until = now + _dt.timedelta(days=days)
            event.update(status=["active", "hold"], hold_until=[None, until])
            history.record_for(group, action, event, batch, actor, now)
            update = {**base, DID.status: Status.HOLD.value, DID.hold_until: until}
            if not keep_client:
                update[DID.client_package] = None
            total += DID.update(update).where(group).execute()
        else:
            for after in (Status.IN_STOCK.value, Status.RESERVED.value, Status.ARCHIVED.value):
                sub = group & (DID.after_hold == after)
                history.record_for(sub, action, dict(event, status=["active", after]), batch, actor, now)
                update = {**base, DID.status: after, DID.hold_until: None, DID.client_package: None}
                total += DID.update(update).where(sub).execute()
    return total


def release(selection: Selection, *, actor: str | None = None, batch: str | None = None) -> int:
    """Release Active DIDs: each goes on Hold for its hold days and leaves its client.

    Refused, with nothing changed, when the selection holds DIDs that are not Active.
    """
    actor = actor or current_actor()
    with database_proxy.atomic(), selection_where(selection) as where:
        not_active = DID.select(DID.number, DID.status).where(where & (DID.status != Status.ACTIVE.value))
        first = not_active.order_by(DID.number).first()
        if first is not None:
            n = not_active.count()
            raise RuleViolation(
                f"only Active DIDs can be released: {n:,} selected are not (e.g. {first.number}, "
                f"{label(first.status)}); nothing was released"
            )
        return _to_hold(where & (DID.status == Status.ACTIVE.value), actor, "release", keep_client=False, batch=batch)


# ---- picking ----------------------------------------------------------------------------


def pick(
    client_package_id: int,
    count: int | None = None,
    numbers: list[str] | None = None,
    *,
    actor: str | None = None,
    reuse_after_days: int = 0,
    batch: str | None = None,
) -> list[str]:
    """Give the client package's account `count` In Stock DIDs (or the named `numbers`)
    whose tag is one of the package's tags; returns the numbers given, in order.

    `reuse_after_days` (the profile's key; 0 = off): a pick by count takes the DIDs free
    the longest and skips those released less than that many days ago (see
    `recently_released` for the warning about named ones).

    `batch` names the history batch (a face passes its own to tell a hook about it)."""
    if (count is None) == (numbers is None):
        raise InputError("pick either a count of DIDs or named numbers")
    if count is not None and count < 1:
        raise InputError("pick at least one DID")
    named = [lookup_number(n) for n in numbers] if numbers is not None else None
    if named is not None and not named:
        raise InputError("no DID number given")
    if named is not None and len(set(named)) != len(named):
        twice = next(n for n in named if named.count(n) > 1)
        raise InputError(f"{twice} is given twice: name each DID once")
    who = actor or current_actor()
    batch = batch or history.new_batch()  # a retry rolled the failed attempt back: reuse it
    # A deadlock the server broke (an admin changing the package while people pick) or a
    # DID taken between our read and our UPDATE: run it again after a random wait, for a
    # bounded time (core/retry.py), not a fixed count of immediate retries.
    return retrying(lambda: _pick_once(client_package_id, count, named, who, batch, reuse_after_days), also=(Conflict,))


def _pick_once(
    cp_id: int, count: int | None, named: list[str] | None, actor: str, batch: str, reuse_days: int = 0
) -> list[str]:
    db = database_proxy.obj
    now = utcnow()
    with db.atomic():
        cp = _lock_client_package(cp_id)
        if not cp.active:
            raise RuleViolation("this client package is inactive: activate it before picking DIDs")
        package = Package.get_by_id(cp.package_id)
        tags = package.tag_list
        info = client_package(cp_id)
        if count is not None:
            wanted = count
        elif named is not None:
            wanted = len(named)
        else:  # pick() refuses this before any transaction
            raise InputError("pick either a count of DIDs or named numbers")
        if wanted > info.remaining:
            raise RuleViolation(
                f"package {package.name} allows {package.allowed_dids} DIDs for {info.client}/{info.account}: "
                f"{info.used} used, {info.remaining} left, {wanted} asked"
            )
        free = DID.select(DID.id, DID.number).where((DID.status == Status.IN_STOCK.value) & DID.tag.in_(tags))
        if named is not None:
            free = free.where(DID.number.in_(named))
        if named is None and reuse_days > 0:
            rows = _free_longest(free, wanted, reuse_days, now)
        else:
            free = free.order_by(DID.number).limit(wanted)
            rows = list(dialect(db).lock(free, skip_locked=True).tuples())
        if named is not None and len(rows) < len(named):
            missing = sorted(set(named) - {n for _, n in rows})
            raise RuleViolation(_why_not_pickable(missing[0], tags))
        if len(rows) < wanted:
            raise RuleViolation(
                f"only {len(rows)} In Stock DIDs with tag {' or '.join(tags)} are free: {wanted} asked; nothing was picked"
            )
        ids = [i for i, _ in rows]
        where = DID.id.in_(ids) & (DID.status == Status.IN_STOCK.value)
        history.record_for(
            where,
            "pick",
            {"status": ["in_stock", "active"], "client": [None, f"{info.client}/{info.account}"]},
            batch,
            actor,
            now,
        )
        n = (
            DID.update(
                {
                    DID.status: Status.ACTIVE.value,
                    DID.client_package: cp_id,
                    DID.hold_until: None,
                    DID.version: DID.version + 1,
                    DID.updated_at: now,
                }
            )
            .where(where)
            .execute()
        )
        if n != len(ids):
            raise Conflict("some of these DIDs were taken meanwhile: try again")
        return [number for _, number in rows]


def _free_longest(free: Any, wanted: int, days: int, now: _dt.datetime) -> list[tuple[int, str]]:
    """Free DIDs for a pick by count with reuse_after_days on: never released ones first
    (number order), then those released longest ago, none released within `days`.
    Two index-backed queries: (status, tag, number), then released_at oldest first."""
    db = database_proxy.obj
    never = free.where(DID.released_at.is_null()).order_by(DID.number).limit(wanted)
    rows = list(dialect(db).lock(never, skip_locked=True).tuples())
    if len(rows) < wanted:
        cutoff = now - _dt.timedelta(days=days)
        old = free.where(DID.released_at <= cutoff).order_by(DID.released_at, DID.number).limit(wanted - len(rows))
        rows += list(dialect(db).lock(old, skip_locked=True).tuples())
    return rows


def recently_released(numbers: list[str], days: int) -> list[str]:
    """A warning for each named DID released less than `days` ago (reuse_after_days):
    picking it is allowed, the person is told when it was last released."""
    if days <= 0 or not numbers:
        return []
    cutoff = utcnow() - _dt.timedelta(days=days)
    named = [lookup_number(n) for n in numbers]
    query = (
        DID.select(DID.number, DID.released_at)
        .where(DID.number.in_(named) & (DID.released_at > cutoff))
        .order_by(DID.number)
    )
    now = utcnow()
    return [
        f"{number} was released {(now - at).days} day(s) ago ({at:%Y-%m-%d %H:%M} UTC), "
        f"less than the {days} days before reuse"
        for number, at in query.tuples()
    ]


def _why_not_pickable(number: str, tags: list[str]) -> str:
    did = DID.get_or_none(DID.number == number)
    if did is None:
        return f"DID {number} does not exist"
    if did.status != Status.IN_STOCK.value:
        return f"DID {number} is {label(did.status)}, not In Stock: it cannot be picked"
    if did.tag in tags:
        # Free and of the right tag, yet not ours to lock: another picker holds it.
        return f"DID {number} was taken meanwhile by another pick: nothing was picked; choose another"
    return f"DID {number} has tag {did.tag or '(none)'}: this package takes {', '.join(tags)}"


def pickable_count(client_package_id: int) -> int:
    row = client_package(client_package_id)
    return DID.select().where((DID.status == Status.IN_STOCK.value) & DID.tag.in_(row.tags)).count()


def pickable_numbers(client_package_id: int, limit: int = 200, after: str | None = None) -> list[tuple[int, str, str]]:
    """(id, number, tag) of In Stock DIDs this client package may pick, in number order."""
    row = client_package(client_package_id)
    query = DID.select(DID.id, DID.number, DID.tag).where((DID.status == Status.IN_STOCK.value) & DID.tag.in_(row.tags))
    if after:
        query = query.where(DID.number > after)
    return list(query.order_by(DID.number).limit(limit).tuples())


# ---- un-assigning -----------------------------------------------------------------------


@dataclass(frozen=True)
class UnassignPreview:
    active: int  # go on Hold (or straight to their after-hold status)
    held: int  # on Hold for this client package already


def unassign_preview(client_package_id: int) -> UnassignPreview:
    counts = dict(
        DID.select(DID.status, fn.COUNT(DID.id))
        .where(DID.client_package == client_package_id)
        .group_by(DID.status)
        .tuples()
    )
    return UnassignPreview(counts.get(Status.ACTIVE.value, 0), counts.get(Status.HOLD.value, 0))


def unassign(
    client_package_id: int, *, at_once: bool = False, actor: str | None = None, batch: str | None = None
) -> int:
    """Remove a package from an account. Its Active DIDs go on Hold as on deactivation;
    the assignment is removed once it holds no DIDs (the sweep does it), or `at_once`:
    every held DID goes to its after-hold status now and the assignment goes with them.
    One batch (`batch` names it, for a hook); returns how many DIDs moved."""
    actor = actor or current_actor()
    now = utcnow()
    batch = batch or history.new_batch()
    with database_proxy.atomic():
        cp = _lock_client_package(client_package_id)
        if cp.unassigned_at is not None and not at_once:
            raise RuleViolation("this package was already un-assigned: it goes once its held DIDs are released")
        history.open_batch(batch, "unassign", actor, now, f"client: {_owner(client_package_id)}", cp_snapshot(cp))
        cp.active = False
        cp.unassigned_at = cp.unassigned_at or now
        cp.save()
        active = (DID.client_package == client_package_id) & (DID.status == Status.ACTIVE.value)
        n = _to_hold(active, actor, "unassign", keep_client=True, batch=batch)
        if at_once:
            held = (DID.client_package == client_package_id) & (DID.status == Status.HOLD.value)
            n_held = DID.select().where(held).count()
            if release_where(held, batch, actor, now, action="unassign") != n_held:
                raise Conflict("the held DIDs changed while they were being released: nothing was changed")
            n += n_held
        purge_unassigned(client_package_id)
    return n


# ---- renaming and deleting clients and accounts -----------------------------------------


def rename_client(client_id: int, name: str) -> Client:
    name = _name(name, "client")
    return rename(Client, client_id, name, "client", f"a client named {name!r} already exists")


def rename_account(account_id: int, name: str) -> Account:
    name = _name(name, "account")
    return rename(Account, account_id, name, "account", f"this client already has an account named {name!r}")


def _attached(where: Any) -> str | None:
    """What is attached to the client packages matching `where`, in words, or None."""
    cps = ClientPackage.select(ClientPackage.id).where(where)
    n_cp = cps.count()
    if not n_cp:
        return None
    dids = dict(
        DID.select(DID.status, fn.COUNT(DID.id)).where(DID.client_package.in_(cps)).group_by(DID.status).tuples()
    )
    parts = [f"{n_cp} package assignment{'s' if n_cp != 1 else ''}"]
    if dids.get(Status.ACTIVE.value):
        parts.append(f"{dids[Status.ACTIVE.value]:,} Active DIDs")
    if dids.get(Status.HOLD.value):
        parts.append(f"{dids[Status.HOLD.value]:,} DIDs on Hold")
    return ", ".join(parts)


def delete_account(account_id: int) -> None:
    """Delete an account that has nothing attached; refused naming what is."""
    with database_proxy.atomic():
        account = Account.get_or_none(Account.id == account_id)
        if account is None:
            raise NotFound(f"account #{account_id} does not exist (deleted meanwhile?)")
        what = _attached(ClientPackage.account == account_id)
        if what:
            raise RuleViolation(
                f"account {account.name!r} has {what}: un-assign its packages first; nothing was deleted"
            )
        account.delete_instance()


def delete_client(client_id: int) -> None:
    """Delete a client (and its empty accounts) that has nothing attached."""
    with database_proxy.atomic():
        client = Client.get_or_none(Client.id == client_id)
        if client is None:
            raise NotFound(f"client #{client_id} does not exist (deleted meanwhile?)")
        accounts = Account.select(Account.id).where(Account.client == client_id)
        what = _attached(ClientPackage.account.in_(accounts))
        if what:
            raise RuleViolation(f"client {client.name!r} has {what}: un-assign its packages first; nothing was deleted")
        Account.delete().where(Account.client == client_id).execute()
        client.delete_instance()
