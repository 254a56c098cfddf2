"""Properties of the CSV reader and importer on arbitrary files (hypothesis, bounded):
any bytes in any dialect give rows or a one-line InputError, never another exception, and
an import that fails writes nothing."""

from __future__ import annotations

import codecs
import tempfile
from pathlib import Path

from click.testing import CliRunner
from csv_helpers import snapshot
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from didtui import db as dbmod
from didtui.cli import cli
from didtui.core.csvio import ImportOptions, guess_mapping, inspect_file, run_import
from didtui.core.csvio.mapping import check_mapping, describe_mapping
from didtui.core.csvio.source import RecordReader
from didtui.errors import DidtuiError, InputError
from didtui.models import ALL_MODELS

_CELLS = st.one_of(
    st.sampled_from(
        ["15551230001", "1555123000-15551230009", "+44 20 7946 0000", "Telia", "In Stock", "hold", "gold", "", " "]
    ),
    st.sampled_from(['"', '""', "'", "\\", ",", ";", "\t", "|", "\r", "\n", "\x00", "\x1b", "=1+2", "DID", "Status"]),
    st.text(max_size=8),
)
_LINE_ENDS = st.sampled_from(["\n", "\r\n", "\r", ""])
_ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "latin-1", "utf-16", "utf-32"])


@st.composite
def csvish(draw: st.DrawFn) -> bytes:
    """Rows of cells joined by a delimiter, quoted or not, in some encoding."""
    delimiter = draw(st.sampled_from([",", ";", "\t", "|", " ", ":"]))
    rows = draw(st.lists(st.lists(_CELLS, min_size=1, max_size=6), min_size=1, max_size=8))
    quote = draw(st.booleans())
    end = draw(_LINE_ENDS)
    text = end.join(
        delimiter.join(('"' + c.replace('"', '""') + '"') if quote else c for c in row) for row in rows
    ) + draw(st.sampled_from(["", end]))
    encoding = draw(_ENCODINGS)
    return text.encode(encoding, errors="replace") if encoding != "utf-8-sig" else codecs.BOM_UTF8 + text.encode()


_FILES = st.one_of(st.binary(max_size=400), csvish())
_OPTIONS = st.fixed_dictionaries(
    {
        "encoding": st.sampled_from([None, None, "utf-8", "cp1252", "latin-1", "utf-16", "no-such-codec"]),
        "delimiter": st.sampled_from([None, None, ",", ";", "tab", "|", "x", "", "ab", '"', "\n"]),
        "header": st.sampled_from([None, True, False]),
    }
)
_BOUNDED = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _write(raw: bytes) -> Path:
    with tempfile.NamedTemporaryFile(prefix="didtui-prop-", suffix=".csv", delete=False) as handle:
        handle.write(raw)
    return Path(handle.name)


@_BOUNDED
@given(_FILES, _OPTIONS)
def test_any_file_in_any_dialect_reads_or_is_an_input_error(raw: bytes, options: dict) -> None:
    path = _write(raw)
    try:
        try:
            info = inspect_file(path, **options)
        except InputError as exc:
            assert str(exc) and "\n" not in str(exc).strip()
            return
        mapping = guess_mapping(info)
        assert len(mapping) == info.width
        describe_mapping(info, mapping)
        try:
            for line, cells, problem in RecordReader(info):
                assert line >= 1
                assert (cells is None) != (problem is None)
        except InputError as exc:
            assert str(exc)
    finally:
        path.unlink()


def _empty() -> None:
    """Every table emptied (children first): each hypothesis example starts afresh."""
    for model in reversed(ALL_MODELS):
        model.delete().execute()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(csvish(), st.sampled_from(["skip", "update", "stop"]), st.booleans())
def test_an_import_of_any_file_is_all_or_nothing(profile, raw: bytes, on_existing: str, create_ops: bool) -> None:
    _empty()
    path = _write(raw)
    before = snapshot()
    try:
        try:
            info = inspect_file(path)
            mapping = guess_mapping(info)
            check_mapping(info, mapping)
            report = run_import(
                info, ImportOptions(mapping=mapping, on_existing=on_existing, create_operators=create_ops)
            )
        except DidtuiError as exc:
            event(f"refused: {type(exc).__name__}")
            assert snapshot() == before
            return
        event(f"written: {report.written}")
        if not report.written:
            assert snapshot() == before
        else:
            assert report.ok
    finally:
        path.unlink()


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_FILES, _OPTIONS)
def test_the_import_command_on_any_file_exits_0_1_or_2_with_a_message(
    sqlite_profile, tmp_path_factory, raw: bytes, options: dict
) -> None:
    config = tmp_path_factory.mktemp("cfg") / "config.toml"
    config.write_text(f'[profiles.t]\ndatabase = "{sqlite_profile.database}"\nuser = "t"\n', encoding="utf-8")
    path = _write(raw)
    args = ["--config", str(config), "import", str(path), "--dry-run"]
    for key, flag in (("encoding", "--encoding"), ("delimiter", "--delimiter")):
        if options[key] is not None:
            args += [flag, options[key]]
    if options["header"] is not None:
        args.append("--header" if options["header"] else "--no-header")
    try:
        result = CliRunner().invoke(cli, args)
    finally:
        path.unlink()
        dbmod.connect(sqlite_profile)
    assert result.exit_code in (0, 1, 2), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
