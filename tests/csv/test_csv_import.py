"""Import on every backend: validation first, policies, and never a half-written import."""

from __future__ import annotations

import csv

import peewee
import pytest
from csv_helpers import (
    active_and_hold,
    do_import,
    do_validate,
    inventory,
    make_dids,
    operator,
    snapshot,
    write,
)

from didtui.core.csvio import ImportOptions, UnusableInput, inspect_file, run_import
from didtui.core.history import batch_events, did_history
from didtui.errors import Cancelled
from didtui.models import DID, Operator, Reseller

CARRIER_FILE = (
    "Phone Number;Carrier;Status;Tag;Comment\r\n"
    "+15551230001; Telia; In Stock; gold; first\r\n"
    "15551230002;TELIA;reserved;;\r\n"
    "15551230010-15551230014;Colt;BLOCKED;silver;a range\r\n"
    "15551230003;;;;\r\n"
)


def test_a_carrier_file_imports_with_defaults(profile, tmp_path):
    operator("Telia")
    operator("Colt")
    report = do_import(write(tmp_path, CARRIER_FILE), operator="Colt", tag="bronze", status="archived")
    assert report.ok and report.written
    assert (report.rows, report.new, report.imported) == (4, 8, 8)
    got = inventory()
    assert got["15551230001"] == ("in_stock", "Telia", "gold", "first", "in_stock")
    assert got["15551230002"] == ("reserved", "Telia", "bronze", "", "in_stock")  # defaults fill empty cells
    assert got["15551230003"] == ("archived", "Colt", "bronze", "", "in_stock")
    assert [got[f"155512300{n}"][:3] for n in range(10, 15)] == [("blocked", "Colt", "silver")] * 5
    # One history batch for the whole import, an event per DID.
    events = batch_events(report.batch)
    assert len(events) == 8 and {e.action for e in events} == {"import"}
    assert did_history("15551230012")[0].batch == report.batch


def test_validation_lists_every_wrong_row_and_writes_nothing(profile, tmp_path):
    operator("Telia")
    make_dids("15551239999")
    before = snapshot()
    text = (
        "DID,Operator,Status\n"
        "15551230001,Telia,In Stock\n"  # 2 good
        "1555abc,Telia,In Stock\n"  # 3 letters
        "15551230009-15551230005,Telia,\n"  # 4 reversed range
        "15551230001,Telia,Reserved\n"  # 5 duplicate of line 2
        "15551230002,Telia,Sold\n"  # 6 unknown status
        "15551230003,Nobody,\n"  # 7 unknown operator
        "15551230004,Telia\n"  # 8 too few fields
        "15551230005,Telia,In Stock,x\n"  # 9 too many fields
        "15551230006,Telia,Active\n"  # 10 Active only comes from picking
        "1000000-9999999,Telia,\n"  # 11 oversized range
        "15551239999,Telia,Blocked\n"  # 12 exists: skipped by default
        ",Telia,\n"  # 13 no number
    )
    path = write(tmp_path, text)
    report = do_validate(path)
    reasons = {e.line: e.reason for e in report.errors}
    assert sorted(reasons) == [3, 4, 5, 6, 7, 8, 9, 10, 11, 13]
    assert "not a DID number" in reasons[3]
    assert "reversed" in reasons[4]
    assert "duplicate inside the file" in reasons[5]
    assert "unknown status 'Sold'" in reasons[6]
    assert "unknown operator 'Nobody'" in reasons[7]
    assert "2 fields where the header has 3" in reasons[8]
    assert "4 fields where the header has 3" in reasons[9]
    assert "only picking makes a DID Active" in reasons[10]
    assert "at most 1,000,000" in reasons[11]
    assert "no DID number" in reasons[13]
    assert (report.rows, report.new, report.skipped, report.wrong_rows) == (12, 1, 1, 10)
    assert not report.written and snapshot() == before
    # All or nothing: the import refuses the same file without writing anything.
    report = do_import(path)
    assert not report.written and report.wrong_rows == 10 and report.imported == 0
    assert snapshot() == before


def test_skip_invalid_imports_the_good_rows_and_writes_an_error_file(profile, tmp_path):
    operator("Telia")
    path = write(
        tmp_path, "DID;Operator;Notes\n15551230001;Telia;ok\n15551230002;Ghost;x\n12x;Telia;'=1+2\n15551230003;Telia;\n"
    )
    errors = tmp_path / "rejected.csv"
    report = do_import(path, skip_invalid=True, errors_path=errors)
    assert report.written and report.new == 2 and report.wrong_rows == 2
    assert set(inventory()) == {"15551230001", "15551230003"}
    with errors.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    assert rows[0] == ["DID", "Operator", "Notes", "Line", "Reason"]
    assert [r[:4] for r in rows[1:]] == [["15551230002", "Ghost", "x", "3"], ["12x", "Telia", "'=1+2", "4"]]
    assert "unknown operator" in rows[1][4] and "not a DID number" in rows[2][4]
    # The error file, fixed, imports back (its Line and Reason columns are ignored).
    assert do_import(errors, skip_invalid=True, create_operators=True).new == 1


def test_unknown_operators_are_created_only_when_allowed(profile, tmp_path):
    path = write(tmp_path, "DID,Provider\n15551230001,NewCo\n15551230002,newco\n15551230003,Other\n")
    report = do_validate(path, create_operators=True)
    assert report.ok and report.new_operators == ["NewCo", "Other"]
    assert Operator.select().count() == 0  # validation creates nothing
    report = do_import(path, create_operators=True)
    assert report.written and sorted(o.name for o in Operator.select()) == ["NewCo", "Other"]
    assert inventory()["15551230002"][1] == "NewCo"
    with pytest.raises(UnusableInput, match="default operator: unknown operator 'Nope'"):
        do_import(path, operator="Nope")


def test_existing_dids_skip_update_or_stop(profile, tmp_path):
    telia, _colt = operator("Telia"), operator("Colt")
    make_dids("15551230001, 15551230002", operator_id=telia, tag="gold", notes="keep")
    path = write(
        tmp_path, "DID,Operator,Status,Tag\n15551230001,Colt,Blocked,\n15551230002,Telia,,silver\n15551230003,Colt,,\n"
    )
    report = do_import(path)  # skip
    assert (report.new, report.skipped, report.updated) == (1, 2, 0)
    assert inventory()["15551230001"] == ("in_stock", "Telia", "gold", "keep", "in_stock")
    report = do_import(path, on_existing="update")
    # Only the fields the row gives change; 15551230003 is unchanged now.
    assert (report.new, report.updated, report.unchanged) == (0, 2, 1)
    got = inventory()
    assert got["15551230001"] == ("blocked", "Colt", "gold", "keep", "in_stock")
    assert got["15551230002"] == ("in_stock", "Telia", "silver", "keep", "in_stock")
    assert DID.get(DID.number == "15551230001").version == 2
    changes = did_history("15551230001")[0].changes
    assert changes == {"status": ["in_stock", "blocked"], "operator": ["Telia", "Colt"]}
    before = snapshot()
    report = do_import(path, on_existing="stop")
    assert not report.written and report.wrong_rows == 3
    assert "already exists" in report.errors[0].reason
    assert snapshot() == before


def test_update_refuses_status_changes_of_active_and_hold_dids(profile, tmp_path):
    active_and_hold("15551230001", "15551230002")
    path = write(tmp_path, "DID,Status,Notes\n15551230001,Blocked,n1\n15551230002,Archived,n2\n15551230003,Reserved,\n")
    before = snapshot()
    report = do_import(path, on_existing="update", skip_invalid=True)
    reasons = {e.line: e.reason for e in report.errors}
    assert "15551230001 is Active" in reasons[2] and "release it first" in reasons[2]
    assert "15551230002 is Hold" in reasons[3]
    assert report.new == 1 and report.updated == 0
    got = inventory()
    assert (got["15551230001"][0], got["15551230002"][0]) == ("active", "hold")
    assert got["15551230001"][3] == "" and before[0][0][1] == "active"
    # Other fields of an Active DID may change when its row keeps the status.
    path = write(tmp_path, "DID,Status,Notes\n15551230001,Active,vip\n15551230002,,later\n", "keep.csv")
    report = do_import(path, on_existing="update")
    assert report.ok and report.updated == 2
    assert inventory()["15551230001"][:4] == ("active", None, "gold", "vip")


def test_ranges_overlapping_inside_the_file_are_duplicates(profile, tmp_path):
    path = write(tmp_path, "DID\n100-199\n150\n190-210\n0100\n")
    report = do_validate(path)
    assert [e.line for e in report.errors] == [3, 4]
    assert "150 is also on an earlier line" in report.errors[0].reason
    assert report.new == 101  # 100-199 and 0100 (a different, zero-led number)


def test_cancel_mid_way_leaves_the_database_unchanged(profile, tmp_path):
    operator("Telia")
    make_dids("19990000000")
    lines = "".join(f"{15550000000 + i},Telia\n" for i in range(12_000))
    path = write(tmp_path, "DID,Operator\n" + lines)
    before = snapshot()
    calls = []

    def cancel() -> bool:
        calls.append(1)
        return len(calls) > 2  # after two chunks were written

    info = inspect_file(path)
    with pytest.raises(Cancelled, match="nothing was written"):
        run_import(info, ImportOptions(), cancel=cancel)
    assert snapshot() == before


def test_a_failure_mid_way_rolls_everything_back(profile, tmp_path):
    lines = "".join(f"{15550000000 + i},NewOp{i % 3}\n" for i in range(12_000))
    path = write(tmp_path, "DID,Operator\n" + lines)
    before = snapshot()
    seen = []

    def progress(done: int, total: int) -> None:
        seen.append(done)
        if len(seen) == 3:
            raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        run_import(inspect_file(path), ImportOptions(create_operators=True), progress=progress)
    assert snapshot() == before  # neither DIDs nor the created operators remain


def test_unknown_reseller_is_a_wrong_row(profile, tmp_path):
    Reseller.create(name="Northwind")
    path = write(tmp_path, "DID,Reseller\n15551230001,northwind\n15551230002,Southwind\n")
    report = do_import(path, skip_invalid=True)
    assert report.new == 1 and "unknown reseller 'Southwind'" in report.errors[0].reason
    assert DID.get(DID.number == "15551230001").reseller.name == "Northwind"


def test_bad_defaults_and_empty_files_are_unusable(profile, tmp_path):
    path = write(tmp_path, "DID\n15551230001\n")
    with pytest.raises(UnusableInput, match="default status cannot be Active"):
        do_import(path, status="active")
    with pytest.raises(UnusableInput, match="default after hold"):
        do_import(path, after_hold="blocked")
    with pytest.raises(UnusableInput, match="only a header"):
        do_import(write(tmp_path, "DID,Operator\n", "header.csv"))
    with pytest.raises(UnusableInput, match="no column is mapped to DID"):
        do_import(write(tmp_path, "Carrier,Comment\nTelia,x\n", "nodid.csv"))


def test_a_did_created_by_someone_else_meanwhile_fails_the_whole_import(profile, tmp_path, monkeypatch):
    """The unique index is the last guard: the lookups were skipped (as for numbers outside
    the inventory's range when the import began), yet one number exists by now."""
    from didtui.core.csvio import importer
    from didtui.errors import AlreadyExists

    make_dids("15551230007")
    before = snapshot()
    monkeypatch.setattr(importer, "_number_range", lambda: (None, None))
    path = write(tmp_path, "DID\n" + "".join(f"155512300{i:02d}\n" for i in range(20)))
    with pytest.raises(AlreadyExists, match="changed during the import.*nothing was written"):
        do_import(path)
    assert snapshot() == before


def _index_sql() -> list:
    from didtui.models import database_proxy

    return sorted(
        database_proxy.obj.execute_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('did', 'event')"
        ).fetchall()
    )


def _record_deferrals(monkeypatch) -> list[list[str]]:
    """Every table list the import asks bulk.deferred_indexes to defer (any load counts as large)."""
    from didtui.core import bulk
    from didtui.dialect import dialect

    monkeypatch.setattr(dialect(), "reindex_min", 10)
    asked: list[list[str]] = []
    real = bulk.deferred_indexes

    def recording(db, tables):
        asked.append(list(tables))
        return real(db, tables)

    monkeypatch.setattr(bulk, "deferred_indexes", recording)
    return asked


def test_sqlite_large_load_rebuilds_the_indexes_it_deferred(sqlite_profile, tmp_path, monkeypatch):
    """A big file into an empty inventory builds the indexes after the rows (SQLite):
    they come back identical, after a good import and after a refused one."""
    deferred = _record_deferrals(monkeypatch)
    indexes = _index_sql()
    assert len(indexes) >= 6
    bad = write(tmp_path, "DID\n" + "".join(f"{15550000000 + i}\n" for i in range(3000)) + "15550000001\n", "bad.csv")
    report = do_import(bad)
    assert not report.written and "duplicate" in report.errors[0].reason
    assert _index_sql() == indexes and snapshot()[2] == 0
    good = write(tmp_path, "DID\n" + "".join(f"{15550000000 + i}\n" for i in range(3000)), "good.csv")
    report = do_import(good)
    assert report.written and report.new == 3000
    assert _index_sql() == indexes
    # The refused file never reached the write step (it is checked while staged, before the
    # write lock): only the good one deferred the indexes.
    assert deferred == [["did", "event"]]
    assert do_import(good).skipped == 3000  # the number index is there again: lookups find them
    assert deferred[-1] == []  # not did (its lookups need the index), nor event (larger than the file)


def _indexes() -> list:
    """Every index of the did and event tables, as peewee reads them on any backend."""
    from didtui.models import database_proxy

    db = database_proxy.obj
    return sorted((t, i.name, tuple(i.columns), i.unique) for t in ("did", "event") for i in db.get_indexes(t))


def test_a_first_large_load_builds_the_indexes_after_the_rows(profile, tmp_path, monkeypatch):
    """A big file into an empty inventory drops the did and event indexes and builds them
    after the rows where DDL is transactional (SQLite, PostgreSQL; MariaDB's DDL would
    commit the import). They come back identical after a refused import and a good one;
    an inventory that holds DIDs keeps its indexes on a server (dropping one would lock
    every other session out of the table until the import commits)."""
    from didtui.dialect import dialect

    dropped = _record_deferrals(monkeypatch)
    indexes = _indexes()
    numbers = "".join(f"{15550000000 + i}\n" for i in range(3000))
    bad = "DID,Status\n" + numbers.replace("\n", ",\n") + "15550009999,Sold\n"
    report = do_import(write(tmp_path, bad, "bad.csv"))
    assert not report.written and "Sold" in report.errors[0].reason
    assert _indexes() == indexes and snapshot()[2] == 0
    report = do_import(write(tmp_path, "DID\n" + numbers, "good.csv"))
    assert report.written and report.new == 3000
    assert _indexes() == indexes
    assert do_import(write(tmp_path, "DID\n" + numbers, "again.csv")).skipped == 3000
    with pytest.raises(peewee.IntegrityError):  # the number index is unique again
        DID.create(number="15550000001", status="in_stock")
    kind = dialect().name
    first = dropped[0] if kind == "sqlite" else dropped[1]  # SQLite never staged the bad file's write
    assert first == ([] if kind == "mysql" else ["did", "event"])
    assert dropped[-1] == []  # not again: the inventory holds DIDs now


def test_dids_created_while_a_first_load_starts_are_found(profile, tmp_path, monkeypatch):
    """PostgreSQL: a DID someone commits after the import saw an empty inventory but before
    it dropped the indexes (and so locked the table) is looked up like any other: skipped,
    not a duplicate in the rebuilt index."""
    from didtui.core.csvio import importer
    from didtui.dialect import dialect

    if dialect().name != "postgresql":
        pytest.skip("the server whose import drops indexes while others may write")
    import psycopg

    monkeypatch.setattr(dialect(), "reindex_min", 10)
    real = importer._number_range
    calls = []

    def racing():
        calls.append(1)
        if len(calls) == 1:
            with psycopg.connect(profile.database, autocommit=True) as other:
                other.execute(
                    "INSERT INTO did (number, status, tag, notes, after_hold, hold_days, country, number_type, "
                    "place, created_at, updated_at, version) VALUES ('15550000005', 'reserved', 'theirs', '', "
                    "'in_stock', 30, '', '', '', now(), now(), 1)"
                )
            return (None, None)  # what the import read just before the other session committed
        return real()

    monkeypatch.setattr(importer, "_number_range", racing)
    numbers = "".join(f"{15550000000 + i}\n" for i in range(3000))
    report = do_import(write(tmp_path, "DID\n" + numbers))
    assert report.written and (report.new, report.skipped) == (2999, 1)
    assert inventory()["15550000005"][2] == "theirs"
    assert DID.select().count() == 3000


def test_a_range_row_over_existing_dids_follows_the_policy(profile, tmp_path):
    make_dids("1005", tag="kept")
    path = write(tmp_path, "DID,Tag\n1000-1009,new\n")
    report = do_validate(path, on_existing="stop")
    assert report.wrong_rows == 1 and "1 of these DIDs already exist (1005)" in report.errors[0].reason
    report = do_import(path)  # skip
    assert (report.new, report.skipped) == (9, 1)
    assert inventory()["1005"][2] == "kept" and inventory()["1000"][2] == "new"
    report = do_import(write(tmp_path, "DID,Tag\n1000-1009,newer\n1010,x\n", "again.csv"), on_existing="update")
    assert (report.new, report.updated) == (1, 10)
    assert {v[2] for n, v in inventory().items() if n < "1010"} == {"newer"}


def test_unknown_resellers_are_created_only_when_asked(profile, tmp_path):
    Reseller.create(name="Northwind")
    path = write(tmp_path, "DID,Reseller\n15551230001,northwind\n15551230002,Southwind\n15551230003,southwind\n")
    checked = do_validate(path, create_resellers=True)
    assert checked.ok and checked.new_resellers == ["Southwind"]
    assert Reseller.select().count() == 1  # validating writes nothing
    report = do_import(path, create_resellers=True)
    assert report.ok and report.new == 3 and "new resellers: Southwind" in report.summary()
    assert {d.number: d.reseller.name for d in DID.select()} == {
        "15551230001": "Northwind",
        "15551230002": "Southwind",
        "15551230003": "Southwind",
    }
    bad = write(tmp_path, "DID,Reseller\n15551230009,Eastwind\n15551230009,Eastwind\n", name="bad.csv")
    assert not do_import(bad, create_resellers=True).written
    assert not Reseller.select().where(Reseller.name == "Eastwind").exists()  # rolled back with the rows
