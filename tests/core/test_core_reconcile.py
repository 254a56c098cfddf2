"""Reconciliation against an operator's list: the three categories, apply, idempotence,
Active DIDs untouched unless named; on every backend."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from core_helpers import assert_invariants, create, did, events

from didtui.config import Profile
from didtui.core import operators, reconcile, retail
from didtui.core.csvio import inspect_file, parse_map_specs
from didtui.core.csvio.source import UnusableInput
from didtui.errors import RuleViolation

NUMBERS = [f"4420794600{n:02d}" for n in range(20)]  # 12 digits each


@pytest.fixture
def telia(profile: Profile) -> int:
    op = operators.create_operator("Telia")
    create(f"{NUMBERS[0]}-{NUMBERS[-1]}", operator_id=op.id, tag="gold")
    return op.id


def _file(tmp_path: Path, numbers: list[str], statuses: dict[str, str] | None = None, default: str = "Active") -> Path:
    path = tmp_path / "carrier.csv"
    lines = ["Number;State"] + [f"+{n};{(statuses or {}).get(n, default)}" for n in numbers]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _run(path: Path, op_id: int, *, status: bool = False, **options) -> reconcile.ReconcileReport:
    info = inspect_file(str(path))
    mapping = parse_map_specs(info, ["Number=DID", "State=" + ("Status" if status else "Ignore")])
    apply = options.pop("apply", False)
    opts = reconcile.ReconcileOptions(mapping=mapping, operator_id=op_id, **options)
    return reconcile.reconcile(info, opts, apply=apply, actor="tester")


def test_an_identical_list_is_in_sync(telia: int, tmp_path: Path) -> None:
    report = _run(_file(tmp_path, NUMBERS), telia)
    assert report.in_sync and report.listed == 20 and report.resolved
    assert report.summary().startswith("in sync")


def test_five_more_and_three_fewer(telia: int, tmp_path: Path) -> None:
    extra = [f"4420794601{n:02d}" for n in range(5)]
    listed = NUMBERS[3:] + extra
    report = _run(_file(tmp_path, listed), telia)
    assert (report.missing, report.gone, report.drift) == (5, 3, 0)
    assert [d.number for d in report.samples["missing"]] == extra
    assert [d.number for d in report.samples["gone"]] == NUMBERS[:3]
    assert not report.resolved
    out = io.StringIO()
    reconcile.write_csv_report(out, iter(report.samples["gone"]))
    assert out.getvalue().splitlines()[1].startswith("gone,442079460000,in_stock")


def test_apply_adds_and_archives_in_one_batch_and_is_idempotent(telia: int, tmp_path: Path) -> None:
    extra = [f"4420794601{n:02d}" for n in range(5)]
    path = _file(tmp_path, NUMBERS[3:] + extra)
    report = _run(path, telia, missing="add-reserved", gone="archive", apply=True)
    assert report.applied == {"added": 5, "archived": 3} and report.resolved and report.batch
    assert did(extra[0]).status == "reserved" and did(extra[0]).operator_id == telia
    assert did(NUMBERS[0]).status == "archived"
    assert {e.batch for e in events(action="reconcile")} | {e.batch for e in events(extra[0])} == {report.batch}
    assert_invariants()
    again = _run(path, telia)
    assert again.in_sync, again.summary()
    # an archived number the operator lists again comes back
    back = _run(_file(tmp_path, NUMBERS + extra), telia, missing="add-in-stock", apply=True)
    assert back.applied["added"] == 3 and did(NUMBERS[0]).status == "in_stock"
    assert_invariants()


def test_status_drift_and_other_operator(telia: int, tmp_path: Path) -> None:
    colt = operators.create_operator("Colt")
    create("442079460500", operator_id=colt.id)
    path = _file(tmp_path, [*NUMBERS, "442079460500"], {NUMBERS[4]: "Blocked"}, default="in stock")
    report = _run(path, telia, status=True)
    assert report.drift == 2 and report.missing == 0 and report.gone == 0
    blocked = next(d for d in report.samples["drift"] if d.number == NUMBERS[4])
    assert (blocked.ours, blocked.theirs) == ("in_stock", "blocked")
    other = next(d for d in report.samples["drift"] if d.number == "442079460500")
    assert other.operator == "Colt"


def test_active_dids_are_never_archived_unless_named(telia: int, tmp_path: Path) -> None:
    pkg = retail.create_package("Gold", "gold", 5)
    client = retail.create_client("Acme", account="main")
    cp = retail.assign_package(retail.list_accounts(client.id)[0].id, pkg.id)
    retail.pick(cp.id, numbers=NUMBERS[:2])
    path = _file(tmp_path, NUMBERS[2:])
    report = _run(path, telia, gone="archive", apply=True)
    assert report.gone == 2 and report.gone_attached == 2 and report.samples["gone"][0].urgent
    assert report.applied == {"archived": 0} and not report.resolved and report.left == 2
    assert did(NUMBERS[0]).status == "active"
    with pytest.raises(RuleViolation, match="442079461111"):
        _run(path, telia, gone="archive", apply=True, archive_attached=("442079461111",))
    assert did(NUMBERS[0]).status == "active"
    report = _run(path, telia, gone="archive", apply=True, archive_attached=(NUMBERS[0],))
    assert report.applied == {"archived": 1}
    gone = did(NUMBERS[0])
    assert gone.status == "archived" and gone.client_package_id is None
    line = events(NUMBERS[0], "reconcile")[0]
    assert "Acme/main" in line.changes
    assert did(NUMBERS[1]).status == "active"
    assert_invariants()


def test_unreadable_lists_are_refused(telia: int, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("Number\nabc\nxyz\n", encoding="utf-8")
    info = inspect_file(str(path))
    opts = reconcile.ReconcileOptions(mapping=("did",), operator_id=telia)
    with pytest.raises(UnusableInput, match="no number could be read"):
        reconcile.reconcile(info, opts)


def test_a_list_sharing_no_number_is_not_applied_without_force(telia: int, tmp_path: Path) -> None:
    path = _file(tmp_path, ["442079469999"])
    with pytest.raises(RuleViolation, match="shares no number with the 20 DIDs of Telia"):
        _run(path, telia, gone="archive", apply=True)
    assert did(NUMBERS[0]).status == "in_stock"
    report = _run(path, telia, gone="archive", apply=True, force=True)
    assert report.applied == {"archived": 20}
    assert_invariants()


def test_an_applied_reconciliation_is_undone_as_one_batch(telia: int, tmp_path: Path) -> None:
    from didtui.core import undo
    from didtui.models import DID

    before = {d.number: (d.id, d.status, d.operator_id) for d in DID.select()}
    extra = [f"4420794601{n:02d}" for n in range(5)]
    report = _run(_file(tmp_path, NUMBERS[3:] + extra), telia, apply=True, missing="add-in-stock", gone="archive")
    assert report.batch and DID.select().count() == 25
    result = undo.undo(report.batch)
    assert_invariants()
    assert (result.restored, result.deleted) == (3, 5)
    assert {d.number: (d.id, d.status, d.operator_id) for d in DID.select()} == before
