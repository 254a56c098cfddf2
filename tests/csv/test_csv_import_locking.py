"""SQLite: a long import never makes other sessions fail (issue 12 item 10).

The file is read, checked and staged without the write lock; only the final step holds
it, and other sessions' writes wait for that step (saying what they wait for) instead of
failing after their busy timeout. The app's sweep skips while an import writes.
"""

from __future__ import annotations

import datetime as _dt
import threading
import time

from conftest import make_profile
from csv_helpers import do_import, write

from didtui import db as dbmod
from didtui.core import inventory, retail, sweep
from didtui.core.csvio import staging
from didtui.core.numbers import parse_span
from didtui.models import DID, Event, database_proxy, utcnow


def span(first: int, count: int):
    return parse_span(f"{first}-{first + count - 1}")


BUSY = 1.0  # seconds: the other sessions' busy timeout, far shorter than the import's write


def _other_session(work, results: list, errors: list) -> threading.Thread:
    def run() -> None:
        try:
            with database_proxy.connection_context():
                results.append(work())
        except Exception as exc:  # noqa: BLE001 - the test fails on it below
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def _connect(tmp_path):
    profile = make_profile("sqlite", tmp_path, busy_timeout=BUSY)
    return dbmod.connect(profile)


def test_others_write_freely_while_an_import_reads_and_stages(tmp_path, monkeypatch) -> None:
    database = _connect(tmp_path)
    path = write(tmp_path, "DID,Tag\n" + "".join(f"{15550000000 + i},gold\n" for i in range(12_000)))
    staged = threading.Event()
    other_done = threading.Event()
    real_add = staging.Stage.add_new

    def slow_add(self, rows):
        real_add(self, rows)
        if not staged.is_set():
            staged.set()
            assert other_done.wait(20), "the other session's write did not finish while the import staged"

    monkeypatch.setattr(staging.Stage, "add_new", slow_add)
    results: list = []
    errors: list = []
    importer = _other_session(lambda: do_import(path), results, errors)
    assert staged.wait(20)
    # Meanwhile, this session creates DIDs: no wait, no "database is locked".
    started = time.monotonic()
    inventory.create_dids([span(16660000000, 50)])
    waited = time.monotonic() - started
    other_done.set()
    importer.join(30)
    assert not errors, errors
    assert results[0].written and results[0].new == 12_000
    assert waited < BUSY  # it never waited for the import's lock at all
    assert DID.select().count() == 12_050
    assert Event.select().where(Event.action == "import").count() == 12_000
    database.close()


def test_a_write_during_the_final_step_waits_says_why_and_succeeds(tmp_path, monkeypatch) -> None:
    database = _connect(tmp_path)
    path = write(tmp_path, "DID\n" + "".join(f"{15550000000 + i}\n" for i in range(3_000)))
    in_final = threading.Event()
    real_load = staging.Stage.load

    def slow_load(self, hold_days, now):
        real_load(self, hold_days, now)
        in_final.set()
        time.sleep(3 * BUSY)  # a final step longer than the others' busy timeout

    monkeypatch.setattr(staging.Stage, "load", slow_load)
    told: list[str] = []
    dbmod.set_wait_listener(told.append)
    try:
        results: list = []
        errors: list = []
        importer = _other_session(lambda: do_import(path, tag="gold"), results, errors)
        assert in_final.wait(20)
        # The app's periodic sweep does not wait: it says it skipped.
        skipped = sweep.sweep(skip_if_busy=True)
        assert skipped.released == 0 and skipped.skipped and "an import by tester" in skipped.skipped
        # A write waits for the import (past its own busy timeout), then succeeds.
        created = inventory.create_dids([span(16660000000, 5)])
        importer.join(30)
    finally:
        dbmod.set_wait_listener(None)
    assert not errors, errors
    assert results[0].written and created.count == 5
    assert told and all("waiting for an import by tester" in m for m in told[:1])
    assert DID.select().count() == 3_005
    database.close()


def test_the_sweep_waits_for_an_import_when_not_told_to_skip(tmp_path, monkeypatch) -> None:
    database = _connect(tmp_path)
    package = retail.create_package("Gold 5", "gold", 5)
    account = retail.create_account(retail.create_client("ACME").id, "main")
    cp = retail.assign_package(account.id, package.id)
    inventory.create_dids([span(17770000000, 5)], tag="gold")
    retail.pick(cp.id, 2)
    retail.deactivate(cp.id)
    DID.update({DID.hold_until: utcnow() - _dt.timedelta(days=1)}).where(DID.status == "hold").execute()
    path = write(tmp_path, "DID\n" + "".join(f"{15550000000 + i}\n" for i in range(2_000)))
    in_final = threading.Event()
    real_load = staging.Stage.load

    def slow_load(self, hold_days, now):
        real_load(self, hold_days, now)
        in_final.set()
        time.sleep(2 * BUSY)

    monkeypatch.setattr(staging.Stage, "load", slow_load)
    results: list = []
    errors: list = []
    importer = _other_session(lambda: do_import(path), results, errors)
    assert in_final.wait(20)
    swept = sweep.sweep()
    importer.join(30)
    assert not errors, errors
    assert swept.released == 2 and swept.skipped is None
    database.close()
