"""Several processes at once: picking from one pool, and sweeping the same holds."""

from __future__ import annotations

import datetime as _dt
import json
from collections import Counter
from typing import Any

import pytest
from core_helpers import age_holds, assert_invariants, span
from core_workers import pick_worker, run_all, sweep_rounds_worker, sweep_worker

from didtui.config import Profile
from didtui.core import inventory, retail
from didtui.models import DID, Event, utcnow

PICKERS = 8
ALLOWED = 30
BATCH = 3
POOL = 200  # 8 x 30 = 240 wanted from 200: the pool runs dry, so pickers really compete


def test_eight_processes_pick_from_one_pool(profile: Profile) -> None:
    package = retail.create_package("Gold 30", "gold", ALLOWED)
    client = retail.create_client("ACME")
    cps = []
    for i in range(PICKERS):
        account = retail.create_account(client.id, f"acct{i}")
        cps.append(retail.assign_package(account.id, package.id).id)
    inventory.create_dids([span(15550000000, POOL)], tag="gold")
    inventory.create_dids([span(15560000000, POOL)], tag="silver")  # not this package's

    reports = run_all(pick_worker, [(profile.database, cp, BATCH) for cp in cps])

    errors = [r["error"] for r in reports if r["error"]]
    assert not errors, "\n".join(errors)
    picked = [n for r in reports for n in r["picked"]]
    assert len(picked) == len(set(picked)), "a DID was given twice"
    for r in reports:
        assert len(r["picked"]) <= ALLOWED
        assert ("allows 30 DIDs" in r["refusal"]) or ("In Stock DIDs with tag gold are free" in r["refusal"]), r[
            "refusal"
        ]
    # Nothing was refused while enough was left: the pool ran dry (less than one batch left).
    assert len(picked) > POOL - BATCH
    assert all(n.startswith("1555") for n in picked)
    # The database agrees with what each process was told.
    for r in reports:
        owned = {d.number for d in DID.select().where((DID.client_package == r["cp"]) & (DID.status == "active"))}
        assert owned == set(r["picked"])
    assert DID.select().where(DID.status == "active").count() == len(picked)
    pick_events = Counter(e.did_number for e in Event.select().where(Event.action == "pick"))
    assert set(pick_events) == set(picked) and set(pick_events.values()) == {1}
    assert_invariants()


SWEEPERS = 4


def test_four_processes_sweep_at_once(profile: Profile) -> None:
    package = retail.create_package("Big", "gold", 1000)
    client = retail.create_client("ACME")
    account = retail.create_account(client.id, "main")
    cp = retail.assign_package(account.id, package.id)
    inventory.create_dids([span(15550000000, 300)], tag="gold", after_hold="in_stock")
    inventory.create_dids([span(15550001000, 60)], tag="gold", after_hold="reserved")
    inventory.create_dids([span(15550002000, 40)], tag="gold", after_hold="archived")
    retail.pick(cp.id, 400)
    retail.deactivate(cp.id)
    age_holds()
    # Some holds not yet ended: no sweeper may touch them.
    late = [n for (n,) in DID.select(DID.number).order_by(DID.number).limit(20).tuples()]
    DID.update({DID.hold_until: utcnow() + _dt.timedelta(days=5)}).where(DID.number.in_(late)).execute()

    reports = run_all(sweep_worker, [(profile.database, i) for i in range(SWEEPERS)])

    errors = [r["error"] for r in reports if r["error"]]
    assert not errors, "\n".join(errors)
    assert sum(r["released"] for r in reports) == 380
    sweeps = list(Event.select().where(Event.action == "sweep"))
    per_did = Counter(e.did_number for e in sweeps)
    assert len(per_did) == 380 and set(per_did.values()) == {1}, "each DID released exactly once"
    by_batch = Counter(e.batch for e in sweeps)
    assert by_batch == Counter({r["batch"]: r["released"] for r in reports if r["released"]})
    assert DID.select().where(DID.status == "hold").count() == 20
    assert {d.number for d in DID.select().where(DID.status == "hold")} == set(late)
    counts = Counter(s for (s,) in DID.select(DID.status).tuples())
    assert counts == Counter({"in_stock": 280, "reserved": 60, "archived": 40, "hold": 20})
    assert json.loads(sweeps[0].changes)["status"][0] == "hold"
    assert_invariants()


def test_an_undo_while_another_process_edits_the_same_dids_never_half_applies(profile: Profile) -> None:
    from core_workers import undo_or_edit_worker

    from didtui.core import undo
    from didtui.core.filters import Selection

    for round_ in range(3):
        DID.delete().execute()
        inventory.create_dids([span(15550000000 + round_ * 10_000, 1_000)], tag="gold")
        ids = [i for (i,) in DID.select(DID.id).order_by(DID.id).tuples()]
        inventory.mass_edit(Selection.of_ids(ids), {"tag": "edited"})
        batch = undo.list_batches(1)[0].batch
        groups = [ids[k : k + 20] for k in range(0, 200, 20)]  # the editor's DIDs, in turns
        reports = run_all(
            undo_or_edit_worker, [(profile.database, "undo", batch, []), (profile.database, "edit", batch, groups)]
        )
        errors = [r["error"] for r in reports if r["error"]]
        assert not errors, "\n".join(errors)
        undone = next(r for r in reports if r["role"] == "undo")
        edited = next(r for r in reports if r["role"] == "edit")["done"]
        untouched = {t for (t,) in DID.select(DID.tag).where(DID.id.in_(ids[200:])).tuples()}
        if undone["refused"] is None:
            assert undone["done"] == 1_000 and untouched == {"gold"}
        else:
            assert "changed since" in undone["refused"] and untouched == {"edited"}
        for i in edited:  # every edit that succeeded is there (after the undo, or refusing it)
            assert {t for (t,) in DID.select(DID.tag).where(DID.id.in_(groups[i])).tuples()} == {f"theirs{i}"}
        assert_invariants()


EXPIRED = 5_000


def _rounds(backend: str) -> int:
    # The MariaDB race (issue 12 item 8) lost holds in one round of four: eight rounds
    # there miss it with a chance of 10%. The other backends run a few as a check.
    return 8 if backend == "mysql" else 2


def test_concurrent_sweeps_release_every_expired_hold_exactly_once(profile: Profile) -> None:
    """Four sweepers at once over 5,000 expired holds, round after round: together they
    release every one, each once, with one event (issue 12 item 8)."""
    import multiprocessing

    package = retail.create_package("Big", "gold", 10 * EXPIRED)
    client = retail.create_client("ACME")
    account = retail.create_account(client.id, "main")
    cp = retail.assign_package(account.id, package.id)
    rounds = _rounds(profile.scheme if profile.scheme != "postgres" else "postgresql")
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(SWEEPERS + 1)
    queue = ctx.Queue()
    procs = [
        ctx.Process(target=sweep_rounds_worker, args=(profile.database, i, rounds, barrier, queue))
        for i in range(SWEEPERS)
    ]
    for p in procs:
        p.start()
    try:
        for r in range(rounds):
            first = 15550000000 + r * 10_000
            inventory.create_dids([span(first, EXPIRED)], tag="gold", after_hold="in_stock")
            DID.update(
                {DID.status: "hold", DID.client_package: cp.id, DID.hold_until: utcnow() - _dt.timedelta(days=1)}
            ).where(DID.status == "in_stock").execute()
            barrier.wait(timeout=120)  # go
            barrier.wait(timeout=300)  # all swept
            reports = [queue.get(timeout=60) for _ in range(SWEEPERS)]
            errors = [rep["error"] for rep in reports if rep["error"]]
            assert not errors, "\n".join(errors)
            left = DID.select().where(DID.status == "hold").count()
            assert left == 0, f"round {r + 1}: {left} expired holds left on Hold"
            assert sum(rep["released"] for rep in reports) == EXPIRED
            per_did = Counter(n for (n,) in Event.select(Event.did_number).where(Event.action == "sweep").tuples())
            assert len(per_did) == EXPIRED * (r + 1) and set(per_did.values()) == {1}
            # Back to stock for the next round's fresh numbers to be the only holds.
            DID.update({DID.status: "archived"}).where(DID.status == "in_stock").execute()
    finally:
        for p in procs:
            p.join(timeout=30)
            if p.is_alive():
                p.kill()
    assert_invariants()


def test_picks_survive_an_admin_changing_the_allowance_meanwhile(profile: Profile) -> None:
    """Issue 12 item 9: deadlocks the server breaks while pickers and an admin collide
    are retried with random waits, bounded by time; no picker sees one. (Eight pickers
    taking one DID at a time met a 1213 in one run of two without the retries.)"""
    from core_workers import allowance_worker

    package = retail.create_package("Gold", "gold", 1000)
    client = retail.create_client("ACME")
    cps = []
    for i in range(8):
        account = retail.create_account(client.id, f"acct{i}")
        cps.append(retail.assign_package(account.id, package.id).id)
    inventory.create_dids([span(15550000000, 400)], tag="gold")
    args = [(profile.database, cp, 1) for cp in cps]
    reports = run_all_mixed(
        [(pick_worker, a) for a in args] + [(allowance_worker, (profile.database, package.id, 4.0))]
    )
    errors = [r["error"] for r in reports if r["error"]]
    assert not errors, "\n".join(errors)
    picked = [n for r in reports for n in r["picked"]]
    assert len(picked) == len(set(picked)) == 400, "every DID given once"
    assert all("are free" in r["refusal"] for r in reports if r["cp"] is not None)
    assert_invariants()


def run_all_mixed(jobs: list[tuple[Any, tuple[Any, ...]]], timeout: float = 120) -> list[dict[str, Any]]:
    """Like core_workers.run_all, for processes running different workers."""
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(len(jobs))
    queue = ctx.Queue()
    procs = [ctx.Process(target=target, args=(*args, barrier, queue)) for target, args in jobs]
    for p in procs:
        p.start()
    try:
        return [queue.get(timeout=timeout) for _ in procs]
    finally:
        for p in procs:
            p.join(timeout=10)
            if p.is_alive():
                p.kill()


def test_a_named_pick_of_a_did_another_picker_holds_says_it_was_taken_meanwhile(profile: Profile) -> None:
    import threading

    from didtui import db as dbmod
    from didtui.errors import RuleViolation
    from didtui.models import database_proxy

    if dbmod.backend() == "sqlite":
        pytest.skip("SQLite pickers take turns (one write lock): no row is ever held by another picker")
    package = retail.create_package("Gold", "gold", 10)
    account = retail.create_account(retail.create_client("ACME").id, "main")
    cp = retail.assign_package(account.id, package.id)
    inventory.create_dids([span(15550000000, 3)], tag="gold")
    locked, release = threading.Event(), threading.Event()

    def other_picker() -> None:
        with database_proxy.connection_context(), database_proxy.atomic():
            list(DID.select().where(DID.number == "15550000001").for_update())
            locked.set()
            release.wait(30)

    thread = threading.Thread(target=other_picker)
    thread.start()
    try:
        assert locked.wait(30)
        with pytest.raises(RuleViolation, match="was taken meanwhile"):
            retail.pick(cp.id, numbers=["15550000001"])
    finally:
        release.set()
        thread.join(30)
    assert retail.pick(cp.id, numbers=["15550000001"]) == ["15550000001"]
