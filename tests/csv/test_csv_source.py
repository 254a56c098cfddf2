"""Reading files as they come: encodings, delimiters, headers, and unusable files."""

from __future__ import annotations

import codecs
import csv
import io
import os

import pytest
from csv_helpers import write

from didtui.core.csvio import UnusableInput, guess_mapping, inspect_file, parse_map_specs
from didtui.core.csvio.mapping import check_mapping
from didtui.core.csvio.source import RecordReader


def records(path, **kw):
    return list(RecordReader(inspect_file(path, **kw)))


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiter_is_detected(tmp_path, delimiter):
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter).writerows(
        [["DID", "Operator", "Notes"], ["15551230001", "Telia", "a, b; c|d\te"], ["15551230002", "Colt", "x"]]
    )
    info = inspect_file(write(tmp_path, out.getvalue()))
    assert info.delimiter == delimiter
    assert info.columns == ["DID", "Operator", "Notes"]
    assert [r[1] for r in RecordReader(info)] == [
        ["15551230001", "Telia", "a, b; c|d\te"],
        ["15551230002", "Colt", "x"],
    ]


def test_bom_crlf_and_spaces_after_delimiters(tmp_path):
    raw = (
        codecs.BOM_UTF8
        + b"Number; Carrier ; Status\r\n15551230001; Telia;  In Stock\r\n\r\n15551230002 ;Colt;Reserved\r\n"
    )
    info = inspect_file(write(tmp_path, raw))
    assert info.encoding == "utf-8-sig" and info.header and info.delimiter == ";"
    assert info.columns == ["Number", "Carrier", "Status"]  # no BOM glued to the first name
    rows = list(RecordReader(info))
    assert [(line, cells) for line, cells, _ in rows] == [
        (2, ["15551230001", "Telia", "In Stock"]),
        (4, ["15551230002 ", "Colt", "Reserved"]),
    ]
    assert guess_mapping(info) == ("did", "operator", "status")


def test_windows_1252_file_falls_back(tmp_path):
    raw = "DID,Operator,Notes\n15551230001,Télia,Straße €5\n".encode("cp1252")
    info = inspect_file(write(tmp_path, raw))
    assert info.encoding == "cp1252"
    assert records(info.path)[0][1] == ["15551230001", "Télia", "Straße €5"]


def test_utf16_with_bom_is_read(tmp_path):
    raw = "DID\tOperator\n15551230001\tTelia\n".encode("utf-16")
    info = inspect_file(write(tmp_path, raw))
    assert info.delimiter == "\t"
    assert records(info.path)[0][1] == ["15551230001", "Telia"]


def test_header_detection_and_override(tmp_path):
    path = write(tmp_path, "15551230001,Telia,In Stock\n15551230002,Colt,Reserved\n")
    info = inspect_file(path)
    assert not info.header and info.columns == ["Column 1", "Column 2", "Column 3"]
    assert guess_mapping(info) == ("did", "operator", "status")
    assert len(records(path)) == 2
    forced = inspect_file(path, header=True)
    assert forced.header and forced.columns == ["15551230001", "Telia", "In Stock"]
    assert len(list(RecordReader(forced))) == 1
    # An unknown header word is still a header when the rows below hold numbers.
    info = inspect_file(write(tmp_path, "Nummer,Betreiber\n15551230001,Telia\n", "de.csv"))
    assert info.header


def test_headerless_mapping_is_guessed_from_content(tmp_path):
    path = write(tmp_path, "Telia,15551230001,Blocked,gold\nColt,15551230002,Reserved,silver\n")
    info = inspect_file(path)
    assert guess_mapping(info) == ("operator", "did", "status", "tag")


def test_header_synonyms_map_and_export_columns_are_ignored(tmp_path):
    header = "ID,Status,Provider,Phone Number,Tags,Comment,Client,Account,Owner,Package,After Hold,Hold Until"
    info = inspect_file(write(tmp_path, header + "\n1,In Stock,Telia,15551230001,,,,,,,In Stock,\n"))
    assert guess_mapping(info) == (
        "ignore",
        "status",
        "operator",
        "did",
        "tag",
        "notes",
        "ignore",
        "ignore",
        "reseller",
        "ignore",
        "after_hold",
        "ignore",
    )


def test_map_specs_by_name_and_position(tmp_path):
    info = inspect_file(write(tmp_path, "Phone,Carrier,Extra\n15551230001,Telia,x\n"))
    assert parse_map_specs(info, ["extra=Notes", "2=ignore"]) == ("did", "ignore", "notes")
    # Giving a field to another column takes it from the guessed one.
    assert parse_map_specs(info, ["3=did"]) == ("ignore", "operator", "did")
    with pytest.raises(UnusableInput, match="no column named 'Nope'"):
        parse_map_specs(info, ["Nope=DID"])
    with pytest.raises(UnusableInput, match="columns 1 to 3"):
        parse_map_specs(info, ["4=DID"])
    with pytest.raises(UnusableInput, match="unknown field 'Colour'"):
        parse_map_specs(info, ["1=Colour"])
    with pytest.raises(UnusableInput, match="no column is mapped to DID"):
        check_mapping(info, parse_map_specs(info, ["1=ignore"]))
    with pytest.raises(UnusableInput, match="both mapped to Operator"):
        check_mapping(info, ("did", "operator", "operator"))


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "is empty"),
        (b"  \r\n\n", "is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary file"),
        (b"PK\x03\x04\x14\x00\x06\x00", "Excel workbook"),
        (bytes(range(1, 32)) * 40, "does not look like CSV"),
    ],
)
def test_unusable_files_are_refused_with_a_reason(tmp_path, content, message):
    with pytest.raises(UnusableInput, match=message):
        inspect_file(write(tmp_path, content))


def test_missing_unreadable_and_directory_paths(tmp_path):
    with pytest.raises(UnusableInput, match="does not exist"):
        inspect_file(tmp_path / "nope.csv")
    with pytest.raises(UnusableInput, match="is a directory"):
        inspect_file(tmp_path)
    path = write(tmp_path, "DID\n1\n")
    os.chmod(path, 0)
    try:
        if os.access(path, os.R_OK):  # running as root: permissions do not apply
            pytest.skip("root can read any file")
        with pytest.raises(UnusableInput, match="permission denied"):
            inspect_file(path)
    finally:
        os.chmod(path, 0o644)


def test_unreadable_file_even_as_root(tmp_path, monkeypatch):
    path = write(tmp_path, "DID\n1\n")
    real_open = type(path).open

    def refuse(self, *args, **kwargs):
        if self == path:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(type(path), "open", refuse)
    with pytest.raises(UnusableInput, match="cannot be read: permission denied"):
        inspect_file(path)


def test_wrong_forced_encoding_and_unknown_encoding(tmp_path):
    path = write(tmp_path, "DID,Notes\n15551230001,Straße\n".encode("cp1252"))
    with pytest.raises(UnusableInput, match=r"not UTF-8 text \(byte 0xdf on line 2\)"):
        inspect_file(path, encoding="utf-8")
    with pytest.raises(UnusableInput, match="unknown encoding 'klingon'"):
        inspect_file(path, encoding="klingon")
    assert records(path, encoding="latin-1")[0][1] == ["15551230001", "Straße"]


def test_encoding_change_after_the_sample_is_a_clear_error(tmp_path):
    body = "".join(f"{15551230000 + i},ok\n" for i in range(80_000))  # > 1 MiB of UTF-8
    path = write(tmp_path, ("DID,Notes\n" + body).encode() + "15559999999,Straße\n".encode("cp1252"))
    info = inspect_file(path)
    assert info.encoding == "utf-8"
    with pytest.raises(UnusableInput, match="mixes encodings"):
        list(RecordReader(info))


def test_unclosed_quote_is_unusable_and_stray_quote_is_one_bad_row(tmp_path):
    path = write(tmp_path, 'DID,Notes\n15551230001,ok\n15551230002,"never closed\n15551230003,x\n')
    with pytest.raises(UnusableInput, match="line 3: a quoted field is never closed"):
        records(path)
    path = write(tmp_path, 'DID,Notes\n15551230001,"quoted" tail\n15551230002,fine\n', "stray.csv")
    rows = records(path)
    assert rows[0][0] == 2 and rows[0][1] is None and "malformed quotes" in rows[0][2]
    assert rows[1] == (3, ["15551230002", "fine"], None)


def test_bad_delimiter_option(tmp_path):
    path = write(tmp_path, "DID\n1\n")
    with pytest.raises(UnusableInput, match="delimiter"):
        inspect_file(path, delimiter="ab")
    assert inspect_file(path, delimiter="tab").delimiter == "\t"
