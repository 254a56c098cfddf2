"""Numbers through import, export and the filters, on every backend: the corpus read as
the reader reads it, one number in two forms being one DID, E.164 round trips, and the
country / type / place columns."""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from csv_helpers import do_import, write

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))
from number_corpus import CORPUS

from didtui import db as dbmod
from didtui.config import Numbering
from didtui.core.csvio.export import write_rows
from didtui.core.filters import count, resolve_filter
from didtui.core.inventory import create_dids
from didtui.core.numbers import parse_numbers
from didtui.models import DID

GB = Numbering("GB", "valid", "international")


@pytest.fixture
def numbering(profile) -> Iterator[None]:
    saved = dbmod.current_numbering()
    dbmod.set_numbering(GB)
    yield
    dbmod.set_numbering(saved)


def _stored() -> dict[str, tuple[str, str, str]]:
    return {n: (c, t, p) for n, c, t, p in DID.select(DID.number, DID.country, DID.number_type, DID.place).tuples()}


def test_the_corpus_imports_as_the_reader_reads_it(numbering, tmp_path: Path) -> None:
    regions = sorted({r[0] for r in CORPUS})
    seen: set[str] = set()
    for region in regions:
        dbmod.set_numbering(Numbering(region, "valid", "international"))
        rows = [r for r in CORPUS if r[0] == region]
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["DID"])
        writer.writerows([[r[1]] for r in rows])
        report = do_import(write(tmp_path, buffer.getvalue(), f"{region}.csv"), skip_invalid=True)
        reasons = {e.line: e.reason for e in report.errors}
        for line, (_region, written, expected, why) in enumerate(rows, start=2):
            if expected:
                assert line not in reasons or "duplicate inside the file" in reasons[line], (written, reasons.get(line))
                seen.add(expected)
            else:
                assert why in reasons[line], (written, reasons[line])
    stored = _stored()
    assert set(stored) == seen
    assert stored["442079460000"] == ("GB", "fixed", "London")
    assert stored["4930123456"][:2] == ("DE", "fixed")
    assert stored["18002345678"][:2] == ("US", "tollfree")
    assert stored["33612345678"][:2] == ("FR", "mobile")


def test_two_forms_of_one_number_are_one_did(numbering, tmp_path: Path) -> None:
    create_dids(parse_numbers("+44 20 7946 0010"))
    text = "DID\n+44 20 7946 0000\n020 7946 0000\n0044 20 7946 0010\n+44 20 7946 0100-0104\n020 7946 0102\n"
    report = do_import(write(tmp_path, text), skip_invalid=True)
    reasons = {e.line: e.reason for e in report.errors}
    assert "duplicate inside the file: +44 20 7946 0000 is also on an earlier line" in reasons[3]
    assert "duplicate inside the file" in reasons[6]
    assert (report.new, report.skipped) == (6, 1)  # 0010 is already there, in another form
    assert len(_stored()) == 7


def test_export_writes_e164_with_plus_and_the_derived_columns_and_round_trips(numbering, tmp_path: Path) -> None:
    create_dids(parse_numbers("+44 20 7946 0000-0002, 0800 123 4567, 07400 123456"))
    out = io.StringIO()
    write_rows(out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [r["DID"] for r in rows] == [
        "+442079460000",
        "+442079460001",
        "+442079460002",
        "+447400123456",
        "+448001234567",
    ]
    assert (rows[0]["Country"], rows[0]["Type"], rows[0]["Place"]) == ("GB", "fixed", "London")
    assert (rows[3]["Type"], rows[4]["Type"]) == ("mobile", "tollfree")
    before = _stored()
    path = write(tmp_path, out.getvalue())
    report = do_import(path, on_existing="update")
    assert report.ok and (report.new, report.updated, report.unchanged) == (0, 0, 5)
    assert _stored() == before


def test_filters_by_prefix_in_any_form_country_type_and_place(numbering) -> None:
    create_dids(parse_numbers("+44 20 7946 0000-0009, 0800 123 4567, 07400 123456, +1 201 555 0123, +49 30 123456"))
    for prefix in ("+44 20 7946", "020 7946", "44207946", "0044 20 7946"):
        assert count(resolve_filter(number=prefix)) == 10, prefix
    assert count(resolve_filter(number="*7946 000")) == 10
    assert count(resolve_filter(country="gb")) == 12
    assert count(resolve_filter(country="US")) == 1
    assert count(resolve_filter(number_type="toll-free")) == 1
    assert count(resolve_filter(number_type="mobile", country="GB")) == 1
    assert count(resolve_filter(place="london")) == 10
    assert count(resolve_filter(place="BERLIN")) == 1
    assert "country GB" in resolve_filter(country="GB").describe()
    with pytest.raises(Exception, match="unknown number type 'landline'"):
        resolve_filter(number_type="landline")


def test_picking_by_number_reads_any_form(numbering) -> None:
    from didtui.core import retail

    create_dids(parse_numbers("+44 20 7946 0000-0009"), tag="gold")
    package = retail.create_package("Gold", "gold", 5)
    client = retail.create_client("ACME")
    account = retail.create_account(client.id, "main")
    cp = retail.assign_package(account.id, package.id)
    assert retail.pick(cp.id, numbers=["020 7946 0001", "+44 (0)20 7946 0002"]) == ["442079460001", "442079460002"]
    with pytest.raises(Exception, match="not a valid number for GB"):
        retail.pick(cp.id, numbers=["020 7946 000"])
