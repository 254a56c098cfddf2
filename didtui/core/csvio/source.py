"""Reading CSV files as carriers send them: encoding, delimiter and header are detected
from a sample, then the file is streamed record by record (never held in memory).

Every problem that makes the file unusable as a whole is an `UnusableInput` naming the
line and what to do; a malformed row that the reader can step over is reported as a
problem on that row instead, so validation can list all of them.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from didtui.core.csvio.fields import known_header
from didtui.errors import InputError

SAMPLE_BYTES = 1 << 20  # encoding is judged on the first MiB, the dialect on its first lines
SAMPLE_LINES = 200
PREVIEW_ROWS = 10
DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8-sig", "UTF-8 with BOM"),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16", "UTF-16"),
)
_MAGIC = (
    (b"PK\x03\x04", "an Excel workbook or a zip archive: save it as CSV first"),
    (b"\xd0\xcf\x11\xe0", "an old Excel (.xls) workbook: save it as CSV first"),
    (b"%PDF", "a PDF document, not a CSV file"),
    (b"\x1f\x8b", "a gzip archive: unpack it first"),
    (b"SQLite format 3", "an SQLite database, not a CSV file"),
)
_NUMBERISH = re.compile(r"\+?[\d\s().]+(-\+?[\d\s().]+)?")


class UnusableInput(InputError):
    """The file or the options cannot be used at all; nothing was imported."""


@dataclass(frozen=True)
class FileInfo:
    """What `inspect_file` found (or was told): enough to read, map and preview the file."""

    path: Path
    size: int
    encoding: str
    encoding_label: str
    delimiter: str
    header: bool
    columns: list[str]
    preview: list[list[str]] = field(default_factory=list)
    width: int = 0
    header_detected: bool = True

    @property
    def delimiter_name(self) -> str:
        return DELIMITER_NAMES.get(self.delimiter, repr(self.delimiter))

    def describe(self) -> str:
        head = "a header row" if self.header else "no header row"
        return f"{self.encoding_label}, {self.delimiter_name}-separated, {head}, {self.width} columns"


def _open_binary(path: Path) -> BinaryIO:
    try:
        if path.is_dir():
            raise UnusableInput(f"{path} is a directory: give the path of a CSV file")
        return path.open("rb")
    except FileNotFoundError:
        raise UnusableInput(f"{path} does not exist: check the path") from None
    except PermissionError:
        raise UnusableInput(f"{path} cannot be read: permission denied") from None
    except OSError as exc:
        raise UnusableInput(f"{path} cannot be read: {exc.strerror or exc}") from None


def _encoding_name(encoding: str) -> tuple[str, str]:
    try:
        info = codecs.lookup(encoding)
    except LookupError:
        raise UnusableInput(f"unknown encoding {encoding!r}: use e.g. utf-8, cp1252 or latin-1") from None
    label = {"utf-8": "UTF-8", "cp1252": "Windows-1252", "latin-1": "Latin-1", "iso8859-1": "Latin-1"}.get(
        info.name, info.name
    )
    return info.name, label


def _detect_encoding(path: Path, raw: bytes, at_eof: bool, given: str | None) -> tuple[str, str]:
    if given:
        name, label = _encoding_name(given)
        if name == "utf-8" and raw.startswith(codecs.BOM_UTF8):
            name, label = "utf-8-sig", "UTF-8 with BOM"
        _decode_sample(path, raw, at_eof, name, label, hint=True)
        return name, label
    for bom, name, label in _BOMS:
        if raw.startswith(bom):
            _decode_sample(path, raw, at_eof, name, label, hint=False)
            return name, label
    for magic, what in _MAGIC:
        if raw.startswith(magic):
            raise UnusableInput(f"{path} is {what}")
    # A few NULs are a row's problem, reported on their lines (importer.py) wherever they
    # are in the file; more than one in a thousand bytes (or two in a tiny file)
    # mean binary data or UTF-16 without its byte-order mark.
    if raw.count(b"\x00") > max(1, len(raw) // 1000):
        raise UnusableInput(
            f"{path} is a binary file (it contains NUL bytes), not CSV text; a UTF-16 file needs its byte-order mark"
        )
    for name, label in (("utf-8", "UTF-8"), ("cp1252", "Windows-1252")):
        try:
            codecs.getincrementaldecoder(name)().decode(raw, final=at_eof)
            return name, label
        except UnicodeDecodeError:
            continue
    return "latin-1", "Latin-1"


def _decode_sample(path: Path, raw: bytes, at_eof: bool, name: str, label: str, hint: bool) -> None:
    try:
        codecs.getincrementaldecoder(name)().decode(raw, final=at_eof)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise UnusableInput(
            f"{path} is not {label} text (byte 0x{raw[exc.start]:02x} on line {line})"
            + ("; leave the encoding to detection, or try cp1252 or latin-1" if hint else "")
        ) from None
    except UnicodeError as exc:  # UTF-16/32 without a byte-order mark
        raise UnusableInput(f"{path} is not {label} text ({exc})") from None


def _looks_binary(text: str) -> bool:
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\r\n\f")
    return controls > max(2, len(text) // 100)


def _sample_rows(lines: list[str], delimiter: str) -> list[list[str]]:
    reader = csv.reader(lines, delimiter=delimiter, skipinitialspace=True)
    rows = []
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                rows.append(row)
    except csv.Error:
        pass
    return rows


def _detect_delimiter(lines: list[str]) -> str:
    """The delimiter that splits the sample into the same number (> 1) of fields most often."""
    best, best_score = ",", (0.0, 0)
    for delimiter in DELIMITERS:
        rows = _sample_rows(lines, delimiter)
        if not rows:
            continue
        counts = Counter(len(r) for r in rows)
        width, n = counts.most_common(1)[0]
        if width < 2:
            continue
        score = (n / len(rows), width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _numberish(cell: str) -> bool:
    text = cell.strip()
    return bool(text) and any(ch.isdigit() for ch in text) and bool(_NUMBERISH.fullmatch(text))


def _detect_header(rows: list[list[str]]) -> bool:
    if not rows:
        return False
    first = rows[0]
    if any(known_header(cell) for cell in first):
        return True
    if any(_numberish(cell) for cell in first):
        return False
    return len(rows) == 1 or any(_numberish(cell) for cell in rows[1])


def inspect_file(
    path: str | Path,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    header: bool | None = None,
    preview_rows: int = PREVIEW_ROWS,
) -> FileInfo:
    """Detect how to read `path` (each option may be forced), with a preview of its rows."""
    path = Path(path).expanduser()
    with _open_binary(path) as handle:
        raw = handle.read(SAMPLE_BYTES)
        at_eof = not handle.read(1)
    size = path.stat().st_size
    if not raw.strip():
        raise UnusableInput(f"{path} is empty: there is nothing to import")
    name, label = _detect_encoding(path, raw, at_eof, encoding)
    text = codecs.getincrementaldecoder(name)(errors="replace").decode(raw, final=at_eof)
    if _looks_binary(text[:65536]):
        raise UnusableInput(f"{path} does not look like CSV text (it is full of control characters)")
    lines = text.splitlines(keepends=True)
    if not at_eof and len(lines) > 1:
        lines = lines[:-1]  # the sample may end inside a line
    lines = lines[:SAMPLE_LINES]
    if delimiter is not None:
        delimiter = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}.get(delimiter, delimiter)
        if len(delimiter) != 1 or delimiter in '"\r\n' or delimiter.isalnum():
            raise UnusableInput(f"delimiter {delimiter!r}: use one character such as , ; | or tab")
    else:
        delimiter = _detect_delimiter(lines)
    rows = _sample_rows(lines, delimiter)
    detected = header is None
    if header is None:
        header = _detect_header(rows)
    if header and rows:
        names = [cell.strip() for cell in rows[0]]
        data = rows[1:]
    else:
        data = rows
        counts = Counter(len(r) for r in rows)
        names = [""] * (counts.most_common(1)[0][0] if counts else 1)
    names = [n or f"Column {i + 1}" for i, n in enumerate(names)]
    return FileInfo(
        path=path,
        size=size,
        encoding=name,
        encoding_label=label,
        delimiter=delimiter,
        header=header,
        columns=names,
        preview=[list(r) for r in data[:preview_rows]],
        width=len(names),
        header_detected=detected,
    )


class RecordReader:
    """The data records of a file as `(line, cells, problem)`, streamed.

    `line` is where the record starts (1-based, physical lines); `problem` is None, or
    why this one record could not be read (its cells are then None). Blank lines are
    skipped; the header, if any, is not yielded.
    """

    def __init__(self, info: FileInfo) -> None:
        self.info = info
        self._binary: BinaryIO | None = None

    def position(self) -> int:
        """Bytes read so far: for progress bars."""
        try:
            return self._binary.tell() if self._binary else 0
        except (OSError, ValueError):
            return 0

    def __iter__(self) -> Iterator[tuple[int, list[str] | None, str | None]]:
        info = self.info
        binary = self._binary = _open_binary(info.path)
        text = io.TextIOWrapper(binary, encoding=info.encoding, newline="", errors="strict")
        reader = csv.reader(text, delimiter=info.delimiter, skipinitialspace=True, strict=True)
        skip_header = info.header
        previous = 0
        try:
            while True:
                try:
                    for row in reader:
                        start, previous = previous + 1, reader.line_num
                        if not any(row):
                            continue
                        if skip_header:
                            skip_header = False
                            continue
                        yield start, row, None
                    return
                except csv.Error as exc:
                    start = previous + 1
                    self._fatal_csv(exc, start)
                    previous = reader.line_num
                    problem = f"malformed quotes ({exc}): put the whole field in quotes and double any quote inside it"
                except UnicodeDecodeError as exc:
                    raise UnusableInput(
                        f"line {previous + 1}: not valid {info.encoding_label} text (byte 0x{exc.object[exc.start]:02x}); "
                        "the file mixes encodings: save it again as UTF-8, or choose its encoding (e.g. cp1252)"
                    ) from None
                yield start, None, problem
        finally:
            text.close()

    def _fatal_csv(self, exc: csv.Error, start: int) -> None:
        message = str(exc)
        if "unexpected end of data" in message:
            raise UnusableInput(
                f'line {start}: a quoted field is never closed (a " without its partner): fix that quote'
            )
        if "field larger than field limit" in message:
            raise UnusableInput(
                f"line {start}: a field is longer than {csv.field_size_limit():,} characters: "
                "probably a quote that is never closed"
            )
        if "NUL" in message:
            raise UnusableInput(f"line {start}: the file contains NUL bytes: it is not CSV text")
