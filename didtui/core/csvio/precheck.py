"""What a file holds, learnt before anything is written: how many DIDs (ranges included)
and whether it can contain a NUL character at all.

The cap on one import used to be checked while the rows were being inserted, so a small
file of six million-number ranges was refused only after 5,000,000 inserts (52 s holding
SQLite's write lock, 216 s on PostgreSQL). Counting first costs one more read of the file
(its DID column parsed, nothing validated), which the page cache makes cheap.
"""

from __future__ import annotations

from didtui.core.csvio.source import FileInfo, RecordReader, UnusableInput
from didtui.core.numbers import parse_span
from didtui.errors import InputError

MAX_TOTAL = 5_000_000
_BLOCK = 1 << 20
_EIGHT_BIT = ("utf-8", "utf-8-sig", "cp1252", "latin-1", "iso8859-1", "ascii")


def check_total(info: FileInfo, did_col: int, max_range: int, limit: int = MAX_TOTAL) -> int:
    """The number of DIDs the file names; UnusableInput at the first row that takes it
    over `limit`. Rows that are wrong in other ways count as nothing here: validation
    reports them."""
    total = 0
    for line, cells, problem in RecordReader(info):
        if problem is not None or cells is None or did_col >= len(cells):
            continue
        raw = cells[did_col].strip()
        if raw.isdigit():
            total += 1
        else:
            try:
                total += len(parse_span("".join(raw.split()), max_range))
            except (InputError, ValueError, OverflowError):
                continue
        if total > limit:
            raise UnusableInput(
                f"line {line}: the file holds more than {limit:,} DIDs (this row brings it to {total:,}); "
                f"one import takes at most {limit:,}: split the file. Nothing was written"
            )
    return total


def may_hold_nul(info: FileInfo) -> bool:
    """False when the file surely holds no NUL character (no 0x00 byte in an 8-bit or
    UTF-8 file: a fast scan), so rows need no NUL check; True otherwise."""
    if info.encoding not in _EIGHT_BIT:
        return True
    try:
        with info.path.open("rb") as handle:
            while block := handle.read(_BLOCK):
                if b"\x00" in block:
                    return True
    except OSError:
        return True
    return False
