"""Issue 12 items 6 and 13 on every backend: a file over the cap is refused before any
write; a NUL is refused on its row wherever it is; export -> import is exact."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from csv_helpers import do_import, do_validate, inventory, make_dids, operator, snapshot, write
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from didtui import db as dbmod
from didtui.cli import cli
from didtui.core.csvio import UnusableInput, export_csv
from didtui.core.csvio import importer as importer_module
from didtui.core.csvio.cells import neutralise, restore
from didtui.core.inventory import create_dids
from didtui.core.numbers import parse_numbers
from didtui.models import DID, Event

SIX_RANGES = "DID,Tag\n" + "".join(f"{n}000000-{n}999999,bulk\n" for n in range(1555001, 1555007))


def test_a_file_over_the_cap_is_refused_before_anything_is_written(profile, tmp_path, monkeypatch):
    make_dids("15551230001")
    before = snapshot()
    path = write(tmp_path, SIX_RANGES)

    def no_writes(self):
        raise AssertionError("a chunk reached the database before the cap was checked")

    monkeypatch.setattr(importer_module._Pipeline, "_flush", no_writes)
    for run in (do_import, do_validate):
        with pytest.raises(UnusableInput) as caught:
            run(path)
        message = str(caught.value)
        # Header on line 1, the six ranges on lines 2-7: the sixth takes it to 6,000,000.
        assert message.startswith("line 7: the file holds more than 5,000,000 DIDs")
        assert "6,000,000" in message and "Nothing was written" in message
    assert snapshot() == before


def test_the_cli_refuses_an_over_the_cap_file_with_exit_2(sqlite_profile, tmp_path):
    path = write(tmp_path, SIX_RANGES)
    config = tmp_path / "config.toml"
    config.write_text(
        f'[profiles.test]\ndatabase = "{sqlite_profile.database}"\nnumbers = "digits"\n', encoding="utf-8"
    )
    result = CliRunner().invoke(cli, ["--config", str(config), "import", str(path)])
    dbmod.connect(sqlite_profile)
    assert result.exit_code == 2 and "line 7: the file holds more than 5,000,000 DIDs" in result.stderr
    assert DID.select().count() == 0


@pytest.mark.parametrize(
    "text",
    [
        SIX_RANGES.replace("\n", "\r\n"),
        SIX_RANGES.replace(",bulk", ',"bulk, quoted"'),  # quotes: counted through the CSV reader
        "Date;Tag;DID\n" + "".join(f"2026-01-0{n};x-y;{n}000000 - {n}999999\n" for n in range(1555001, 1555007)),
    ],
)
def test_the_count_finds_ranges_in_any_layout(sqlite_profile, tmp_path, text):
    path = write(tmp_path, text)
    with pytest.raises(UnusableInput, match="^line 7: the file holds more than 5,000,000 DIDs"):
        do_validate(path)


def test_a_file_at_the_cap_is_counted_not_refused(sqlite_profile, tmp_path, monkeypatch):
    monkeypatch.setattr(importer_module, "MAX_TOTAL", 30)
    path = write(tmp_path, "DID\n15550000000-15550000019\n15550000100-15550000109\n")
    assert do_import(path).new == 30
    path = write(tmp_path, "DID\n15550001000-15550001019\n15550001100-15550001110\n", name="more.csv")
    with pytest.raises(UnusableInput, match="^line 3: the file holds more than 30 DIDs"):
        do_import(path)


def test_a_nul_is_refused_on_its_row_wherever_it_is(profile, tmp_path):
    operator("Telia")
    filler = "x" * 1000
    lines = ["DID,Operator,Tag,Notes", "15551230001,Telia,gold,first", "15551230002,Telia,gold,early\x00nul"]
    lines += [f"1555200{i:04d},Telia,gold,{filler}" for i in range(1100)]  # past the first MiB
    lines += ["15551230003,Telia,go\x00ld,late", "15551230004,Telia,gold,last"]
    path = write(tmp_path, "\n".join(lines) + "\n")
    assert path.stat().st_size > (1 << 20) + 1000
    nul_line = len(lines) - 1
    before = snapshot()
    report = do_import(path)
    assert not report.written and report.wrong_rows == 2 and snapshot() == before
    assert [str(e) for e in report.errors] == [
        "line 3: column 'Notes' (Notes) contains a NUL character (\\x00): remove it",
        f"line {nul_line}: column 'Tag' (Tag) contains a NUL character (\\x00): remove it",
    ]
    errors = tmp_path / "rejected.csv"
    report = do_import(path, skip_invalid=True, errors_path=errors)
    assert report.written and report.new == 1102 and report.wrong_rows == 2
    stored = inventory()
    assert "15551230002" not in stored and "15551230003" not in stored and stored["15551230004"][3] == "last"
    assert not any("\x00" in (v[2] or "") + (v[3] or "") for v in stored.values())
    assert errors.read_text(encoding="utf-8").count("\x00") == 2  # the rows as they were, to fix


# ---- export -> import, byte for byte ---------------------------------------------------------

NOTES_CHARS = st.one_of(
    st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Cf", "Zl", "Zp")),
    st.sampled_from(" \t\r\n'=+-@\",;|\u00a0"),
)
TAG_CHARS = st.one_of(
    st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Cf", "Zl", "Zp")),
    st.sampled_from(" '=+-@\",;"),
)
FIXED = [
    ("\t", " gold"),
    ("\r", "gold "),
    ("\n lead and trail \n", "  "),
    ("'", "'"),
    ("'=1+2", "'+x"),
    ("''", "-"),
    ('=HYPERLINK("x")', "@sum"),
    ("  ", "a , b"),
    ("line1\r\nline2\r", '"q"'),
]


def round_trip(tmp_path, pairs: list[tuple[str, str]]) -> None:
    DID.delete().execute()
    Event.delete().execute()
    for i, (notes, tag) in enumerate(pairs):
        create_dids(parse_numbers(f"{15559000000 + i}"), notes=notes, tag=tag)
    before = {n: (t, notes) for n, t, notes in DID.select(DID.number, DID.tag, DID.notes).tuples()}
    path = tmp_path / "export.csv"
    export_csv(path)
    DID.delete().execute()
    Event.delete().execute()
    report = do_import(path)
    assert report.ok and report.new == len(pairs), report.errors[:3]
    after = {n: (t, notes) for n, t, notes in DID.select(DID.number, DID.tag, DID.notes).tuples()}
    assert after == before


def test_export_then_import_is_exact_for_awkward_text(profile, tmp_path):
    round_trip(tmp_path, FIXED)


def test_files_not_from_export_still_have_blanks_trimmed(sqlite_profile, tmp_path):
    path = write(tmp_path, "DID,Tag,Notes\n15551230001,  gold  , some notes \n")
    assert do_import(path).new == 1
    assert inventory()["15551230001"][2:4] == ("gold", "some notes")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(st.text(NOTES_CHARS, max_size=60), st.text(TAG_CHARS, max_size=30)),
        min_size=1,
        max_size=8,
    )
)
def test_export_then_import_is_exact_for_any_notes_and_tags(sqlite_profile, tmp_path, pairs):
    round_trip(tmp_path, pairs)


@given(st.text(st.one_of(st.characters(), st.sampled_from("'=+-@\t\r\n "))))
def test_the_formula_guard_is_removed_only_where_export_added_it(text):
    assert restore(neutralise(text)) == text
    if not text.startswith(("'", "=", "+", "-", "@", "\t", "\r")):
        assert neutralise(text) == text
