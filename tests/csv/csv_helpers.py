"""Helpers for the CSV suite: writing input files, reading the inventory back."""

from __future__ import annotations

from pathlib import Path

from didtui.core import operators, retail
from didtui.core.csvio import ImportOptions, inspect_file, run_import, validate
from didtui.core.csvio.importer import ImportReport
from didtui.core.filters import DIDFilter, Selection
from didtui.core.inventory import create_dids
from didtui.core.numbers import parse_numbers
from didtui.models import DID, Event, Operator


def write(tmp_path: Path, text: str | bytes, name: str = "in.csv") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8", newline="")
    return path


def do_import(path: Path, **options) -> ImportReport:
    skip_invalid = options.pop("skip_invalid", False)
    errors_path = options.pop("errors_path", None)
    info = inspect_file(path, **{k: options.pop(k) for k in ("encoding", "delimiter", "header") if k in options})
    return run_import(info, ImportOptions(**options), skip_invalid=skip_invalid, errors_path=errors_path)


def do_validate(path: Path, **options) -> ImportReport:
    info = inspect_file(path, **{k: options.pop(k) for k in ("encoding", "delimiter", "header") if k in options})
    return validate(info, ImportOptions(**options))


def inventory() -> dict[str, tuple]:
    """number -> (status, operator name, tag, notes, after_hold) for every DID."""
    names = dict(Operator.select(Operator.id, Operator.name).tuples())
    return {
        n: (s, names.get(o), t, notes, ah)
        for n, s, o, t, notes, ah in DID.select(
            DID.number, DID.status, DID.operator, DID.tag, DID.notes, DID.after_hold
        ).tuples()
    }


def snapshot() -> tuple:
    """Everything an import may change: DIDs (with versions), operators, events."""
    dids = sorted(DID.select(DID.number, DID.status, DID.operator, DID.tag, DID.notes, DID.version).tuples())
    ops = sorted(Operator.select(Operator.name).tuples())
    return dids, ops, Event.select().count()


def make_dids(text: str, **fields) -> None:
    create_dids(parse_numbers(text), **fields)


def active_and_hold(active: str, held: str) -> None:
    """One Active and one Hold DID, through picking and releasing as a person would."""
    client = retail.create_client("ACME")
    account = retail.create_account(client.id, "main")
    package = retail.create_package("Gold", "gold", 5)
    cp = retail.assign_package(account.id, package.id)
    make_dids(f"{active}, {held}", tag="gold")
    retail.pick(cp.id, numbers=[active, held])
    retail.release(Selection.matching(DIDFilter(number=held)))


def operator(name: str) -> int:
    return operators.create_operator(name).id


async def wait_for(pilot, condition, timeout: float = 10.0, what: str = "") -> None:
    """Pause until `condition()` holds (thread workers finish in their own time)."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        try:
            if condition():
                return
        except Exception:  # noqa: BLE001 - widgets may be mid-mount
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        await pilot.pause(0.02)


def static_text(screen, selector: str) -> str:
    from textual.widgets import Static

    return str(screen.query_one(selector, Static).render())
