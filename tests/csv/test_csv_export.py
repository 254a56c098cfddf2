"""Export on every backend: exactly the filter's DIDs, neutralised cells, and a lossless
round trip through import."""

from __future__ import annotations

import csv
import io

import pytest
from csv_helpers import active_and_hold, do_import, inventory, make_dids, operator

from didtui.core import retail
from didtui.core.csvio import EXPORT_COLUMNS, export_csv
from didtui.core.filters import resolve_filter
from didtui.errors import Cancelled, InputError
from didtui.models import DID, Event, Operator

TRICKY = [
    '=HYPERLINK("x")',
    "+1",
    "-5 off",
    "@SUM(A1)",
    "\ttabbed",
    "\rcr",
    "'=already",
    "''",
    "'plain",
    'ok, with "quotes"\nand a line',
]


def export_rows(filt=None, sort="number") -> list[list[str]]:
    out = io.StringIO()
    export_csv(out, filt, sort)
    return list(csv.reader(io.StringIO(out.getvalue())))


def test_export_writes_exactly_the_filtered_dids_with_every_column(profile):
    reseller = retail.create_reseller("Northwind")
    telia, colt = operator("Telia"), operator("Colt")
    make_dids("15551230001-15551230004", operator_id=telia, tag="gold", reseller_id=reseller.id)
    make_dids("15551230005-15551230006", operator_id=colt, status="reserved", after_hold="archived")
    active_and_hold("4420000001", "4420000002")
    rows = export_rows(resolve_filter(operator="Telia"))
    assert rows[0] == list(EXPORT_COLUMNS)
    assert [r[3] for r in rows[1:]] == ["15551230001", "15551230002", "15551230003", "15551230004"]
    first = dict(zip(rows[0], rows[1], strict=False))
    assert first["Status"] == "In Stock" and first["Operator"] == "Telia" and first["Reseller"] == "Northwind"
    assert int(first["ID"]) == DID.get(DID.number == "15551230001").id
    assert (first["Client"], first["Package"], first["Hold Until"]) == ("", "", "")
    rows = export_rows(resolve_filter(status="reserved"))
    assert [(r[3], r[1], r[10]) for r in rows[1:]] == [
        ("15551230005", "Reserved", "Archived"),
        ("15551230006", "Reserved", "Archived"),
    ]
    # Client, account and package of given DIDs; hold deadline of held ones.
    rows = {r[3]: dict(zip(EXPORT_COLUMNS, r, strict=False)) for r in export_rows(resolve_filter(client="ACME"))[1:]}
    assert set(rows) == {"4420000001"}
    assert (
        rows["4420000001"]["Status"],
        rows["4420000001"]["Client"],
        rows["4420000001"]["Account"],
        rows["4420000001"]["Package"],
    ) == ("Active", "ACME", "main", "Gold")
    rows = export_rows(resolve_filter(status="hold"))
    held = DID.get(DID.number == "4420000002").hold_until
    assert [(r[3], r[1], r[11]) for r in rows[1:]] == [("4420000002", "Hold", str(held))]
    assert len(export_rows()) == 1 + 8  # no filter: all of them
    assert [r[3] for r in export_rows(resolve_filter(number="4420"), sort="status")[1:]] == ["4420000001", "4420000002"]


def test_formula_cells_are_neutralised_and_import_back_unchanged(profile, tmp_path):
    for i, text in enumerate(TRICKY):
        name = f"{text[:40]}{i}" if i < 4 else f"op{i}"
        op_id = Operator.create(name=name).id
        tag = text[:100] if text.isprintable() else f"tag{i}"  # tags hold no control characters
        make_dids(f"1555123{i:04d}", operator_id=op_id, tag=tag, notes=text)
    rows = {r[3]: r for r in export_rows()[1:]}
    cells = rows["15551230000"]
    assert cells[2].startswith("'=") and cells[4] == '\'=HYPERLINK("x")' and cells[5] == '\'=HYPERLINK("x")'
    for row in rows.values():
        for cell in (row[2], row[4], row[5]):
            assert not cell or cell[0] not in "=+-@\t\r", row
    assert rows["15551230006"][5] == "''=already" and rows["15551230008"][5] == "'plain"
    # Round trip: export, empty the inventory, import the file back.
    path = tmp_path / "dids.csv"
    export_csv(path)
    before = inventory()
    Event.delete().execute()
    DID.delete().execute()
    report = do_import(path)
    assert report.ok and report.new == len(TRICKY)
    assert inventory() == before


def test_round_trip_of_a_mixed_inventory_and_update_without_changes(profile, tmp_path):
    reseller = retail.create_reseller("Northwind")
    telia = operator("Telia")
    make_dids("15551230001-15551230050", operator_id=telia, tag="gold", notes="from upstream; batch 7")
    make_dids("0044200001-0044200010", status="blocked", after_hold="reserved", reseller_id=reseller.id)
    make_dids("15551230100", status="archived", tag="", notes='Straße, €5 "quoted"')
    active_and_hold("4420000001", "4420000002")
    path = tmp_path / "all.csv"
    assert export_csv(path) == 63
    before = inventory()
    versions = dict(DID.select(DID.number, DID.version).tuples())
    # Re-importing onto the same inventory with update changes nothing, Active and Hold included.
    report = do_import(path, on_existing="update")
    assert report.ok and (report.updated, report.unchanged, report.new) == (0, 63, 0)
    assert dict(DID.select(DID.number, DID.version).tuples()) == versions
    # Into an empty inventory every In Stock/Blocked/Reserved/Archived DID comes back as it was.
    Event.delete().execute()
    DID.delete().where(DID.status.not_in(["active", "hold"])).execute()
    report = do_import(path)
    assert report.ok and report.new == 61 and report.skipped == 2
    assert inventory() == before


def test_export_to_a_file_is_whole_or_absent(profile, tmp_path):
    make_dids("15550000000-15550011999")
    folder = tmp_path / "out"
    folder.mkdir()
    path = folder / "out.csv"
    calls = []
    with pytest.raises(Cancelled):
        export_csv(path, cancel=lambda: len(calls) > 1 or calls.append(1))
    assert list(folder.iterdir()) == []  # neither the file nor its temporary
    seen = []
    assert export_csv(path, progress=lambda done, total: seen.append((done, total))) == 12_000
    assert seen[-1] == (12_000, 12_000) and len(seen) == 3
    assert sum(1 for _ in path.open()) == 12_001
    with pytest.raises(InputError, match="does not exist"):
        export_csv(tmp_path / "missing" / "out.csv")
    with pytest.raises(InputError, match="is a directory"):
        export_csv(folder)
