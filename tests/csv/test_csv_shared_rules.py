"""The import keeps the core's own rules and writes new DIDs through the core's one path
(core/did_rules.py, core/did_writes.py): a rule changed there changes for the import too."""

from __future__ import annotations

import dataclasses

import pytest

from didtui import db as dbmod
from didtui.core import did_rules, inventory
from didtui.core.numbers import NumberSpan, parse_numbers, span_rows
from didtui.dialect import dialect
from didtui.errors import AlreadyExists, InputError
from didtui.models import DID, Batch, Event
from tests.csv.csv_helpers import do_import, do_validate, make_dids, snapshot, write


@pytest.fixture
def gb_profile(profile):
    """Numbers read as GB numbers, so each has its country, type and place."""
    prof = dataclasses.replace(profile, country="GB", numbers="valid")
    database = dbmod.connect(prof)
    yield prof
    database.close()


def test_a_tag_limit_changed_in_the_core_rule_holds_for_create_and_import(sqlite_profile, tmp_path, monkeypatch):
    monkeypatch.setattr(did_rules, "TAG_MAX", 5)
    with pytest.raises(InputError, match="at most 5 characters"):
        inventory.create_dids(parse_numbers("15551230001"), tag="abcdef")
    path = write(tmp_path, "DID,Tag\n15551230002,abcdef\n15551230003,abcde\n")
    report = do_validate(path)
    assert report.wrong_rows == 1
    assert report.errors[0].line == 2 and "at most 5 characters" in report.errors[0].reason
    with pytest.raises(InputError, match="at most 5 characters"):
        inventory.check_fields({"tag": "abcdef"})


def test_a_status_rule_changed_in_the_core_holds_for_the_import(sqlite_profile, tmp_path, monkeypatch):
    real = did_rules.why_not_settable
    monkeypatch.setattr(
        did_rules, "why_not_settable", lambda status: "not today" if status == "blocked" else real(status)
    )
    path = write(tmp_path, "DID\n15551230002\n")
    with pytest.raises(Exception, match="not today"):
        do_import(path, status="blocked")


def _one_event_each(batch: str) -> int:
    numbers = [n for (n,) in DID.select(DID.number).tuples()]
    events = [n for (n,) in Event.select(Event.did_number).where(Event.batch == batch).tuples()]
    assert sorted(events) == sorted(numbers)
    count = Batch.select(Batch.count).where(Batch.batch == batch).scalar()
    assert count == len(numbers)
    return count


def test_a_range_over_several_chunks_and_runs_gets_its_columns_and_one_event_per_did(gb_profile, monkeypatch):
    """PostgreSQL writes the rows and events on the server, chunk by chunk of the span's
    runs of equal country, type and place; every backend: the same rows as span_rows,
    one create event per DID, the batch counting them all."""
    monkeypatch.setattr(type(dialect()), "insert_chunk", 7)
    spans = [NumberSpan(441135999990, 441136000009, 12), NumberSpan(442079460000, 442079460012, 12)]
    created = inventory.create_dids(spans, tag="gold")
    assert created.count == 33
    stored = DID.select(DID.number, DID.country, DID.number_type, DID.place).where(DID.tag == "gold")
    assert sorted(stored.tuples()) == [row for span in spans for row in span_rows(span)]
    assert len({row[3] for row in stored.tuples()}) == 3  # Leeds, none, London
    assert _one_event_each(created.batch) == 33
    assert {a for (a,) in Event.select(Event.action).tuples()} == {"create"}


def test_an_import_over_several_chunks_gets_one_event_per_new_did(profile, tmp_path, monkeypatch):
    monkeypatch.setattr(type(dialect()), "insert_chunk", 7)
    path = write(
        tmp_path, "DID,Tag\n" + "".join(f"155512301{i:02d},t{i}\n" for i in range(40)) + "15551230200-15551230219,r\n"
    )
    report = do_import(path)
    assert report.new == 60 and report.written
    assert _one_event_each(report.batch) == 60
    first = Event.select().where(Event.batch == report.batch).order_by(Event.id).first()
    assert first.did_number == "15551230100" and first.action == "import"


def test_a_number_created_meanwhile_fails_the_import_whichever_chunk_meets_it(profile, tmp_path, monkeypatch):
    """The unique index refuses a chunk in the middle of the file (its lookup missed the
    number): the import fails as one, with the reason, and nothing is written."""
    from didtui.core.csvio import importer

    make_dids("15551230007")
    before = snapshot()
    monkeypatch.setattr(importer, "CHUNK", 5)
    real = importer._Pipeline._existing
    calls: list[int] = []

    def existing(self, chunk):
        calls.append(1)
        return {} if len(calls) == 2 else real(self, chunk)  # the chunk holding ...07 misses it

    monkeypatch.setattr(importer._Pipeline, "_existing", existing)
    path = write(tmp_path, "DID\n" + "".join(f"155512300{i:02d}\n" for i in range(40)))
    with pytest.raises(AlreadyExists, match="changed during the import.*nothing was written"):
        do_import(path)
    assert snapshot() == before
