"""A realistic demo inventory, built through the same operations a person would use."""

from __future__ import annotations

import datetime as _dt
import random
from dataclasses import dataclass
from decimal import Decimal

from didtui.core import blocks, inventory, operators, retail
from didtui.core.filters import DIDFilter, Selection, count, count_by_status
from didtui.core.numbers import NumberSpan
from didtui.core.statuses import Status
from didtui.errors import RuleViolation
from didtui.models import ALL_MODELS, DID, ClientPackage, Operator, database_proxy, utcnow

RESELLERS = ["Northwind Telecom", "Blue Harbor Voice", "Quanta Reseller"]
OPERATORS = [
    ("Telia Carrier", 0, "1555", "gold"),
    ("Lumen Wholesale", 0, "1646", "silver"),
    ("Bandwidth.com", 1, "1332", "gold"),
    ("Colt Numbers", 1, "4420", "london"),
    ("Sipgate Trunks", 2, "4930", "berlin"),
    ("Twilio Elastic", 2, "1800", "tollfree"),
]
PACKAGES = [
    ("Gold 10", ["gold"], 10),
    ("Silver 25", ["silver"], 25),
    ("City Pack", ["london", "berlin"], 15),
    ("Toll Free 5", ["tollfree"], 5),
    ("Mixed 50", ["gold", "silver"], 50),
]
CLIENTS = [
    ("ACME Corp", ["main", "support"]),
    ("Globex", ["main"]),
    ("Initech", ["sales", "ops"]),
    ("Umbrella Health", ["main"]),
    ("Stark Logistics", ["hq", "warehouse"]),
    ("Wayne Media", ["studio"]),
    ("Hooli Cloud", ["prod", "staging"]),
    ("Vandelay Import", ["main"]),
]


@dataclass(frozen=True)
class DemoSummary:
    dids: int
    operators: int
    clients: int
    client_packages: int
    by_status: dict[str, int]


def is_empty() -> bool:
    return not DID.select().exists() and not Operator.select().exists()


def clear() -> None:
    """Delete every row (for --force), children first."""

    with database_proxy.atomic():
        for model in reversed(ALL_MODELS):
            model.delete().execute()


def build(per_operator: int = 1000, seed: int = 7) -> DemoSummary:
    rng = random.Random(seed)
    resellers = [retail.create_reseller(name) for name in RESELLERS]
    ops = []
    for name, reseller_index, prefix, tag in OPERATORS:
        op = operators.create_operator(name, resellers[reseller_index].id)
        ops.append(op)
        width = 11 if prefix.startswith("1") else 12
        first = int(prefix.ljust(width, "0")) + rng.randrange(1000, 9000) * 100
        span = NumberSpan(first, first + per_operator - 1, width)
        inventory.create_dids(
            [span],
            operator_id=op.id,
            tag=tag,
            reseller_id=resellers[reseller_index].id,
            hold_days=rng.choice([7, 14, 30, 30, 60]),
            after_hold=rng.choice([Status.IN_STOCK.value] * 4 + [Status.RESERVED.value, Status.ARCHIVED.value]),
            notes=rng.choice(["", "", "ported in", "customer request", "legacy"]),
        )
        # The block bought from the operator: a little more than what is in stock.
        size = (per_operator * 5 // 4 + 99) // 100 * 100
        blocks.add_block(
            NumberSpan(first, first + size - 1, width),  # demo numbers are fictional: not read as typed
            op.id,
            name=f"{name.split()[0]} {prefix}",
            monthly_cost=Decimal(rng.choice(["0.15", "0.25", "0.40", "1.10"])),
            setup_cost=Decimal(rng.choice(["0", "50", "250"])),
            bought_on=_dt.date(2026, rng.randrange(1, 12), 1),
        )
    packages = [retail.create_package(name, tags, allowed) for name, tags, allowed in PACKAGES]
    cps: list[ClientPackage] = []
    for i, (client_name, accounts) in enumerate(CLIENTS):
        client = retail.create_client(client_name, resellers[i % len(resellers)].id)
        for account_name in accounts:
            account = retail.create_account(client.id, account_name)
            package = packages[(i + len(cps)) % len(packages)]
            cp = retail.assign_package(account.id, package.id)
            cps.append(cp)
            try:
                retail.pick(cp.id, max(1, package.allowed_dids * rng.randrange(40, 100) // 100))
            except RuleViolation:
                pass
    # Some client packages lapse: their DIDs go on Hold; a few holds already expired.
    for cp in cps[::4]:
        retail.deactivate(cp.id)
    held = [d.id for d in DID.select(DID.id).where(DID.status == Status.HOLD.value).order_by(DID.number)]
    past = utcnow() - _dt.timedelta(days=2)
    if held:
        DID.update({DID.hold_until: past}).where(DID.id.in_(held[: len(held) // 3])).execute()
    # Blocked, reserved and archived stock, chosen by filter as a person would.
    for op, status in zip(
        ops,
        [Status.BLOCKED, Status.RESERVED, Status.ARCHIVED, Status.RESERVED, Status.BLOCKED, Status.ARCHIVED],
        strict=False,
    ):
        rows = (
            DID.select(DID.id)
            .where((DID.operator == op.id) & (DID.status == Status.IN_STOCK.value))
            .order_by(DID.number.desc())
            .limit(per_operator // 10)
        )
        ids = [r.id for r in rows]
        if ids:
            inventory.mass_edit(Selection.of_ids(ids), {"status": status.value})

    return DemoSummary(
        dids=count(DIDFilter()),
        operators=len(ops),
        clients=len(CLIENTS),
        client_packages=ClientPackage.select().count(),
        by_status=count_by_status(),
    )
