"""`dids list --json` streams: the first line is out before the second row is read, and
memory stays flat however many DIDs there are (100,000 here)."""

from __future__ import annotations

import contextlib
import json
import tracemalloc

from cli_helpers import Runner

from didtui.cli import cli
from didtui.core import streams
from didtui.core.inventory import create_dids
from didtui.core.numbers import parse_numbers

N = 100_000


class Sink:
    """A stdout that keeps nothing: counts lines, keeps the last, notes how many rows
    had been read when the first line arrived."""

    def __init__(self, pages: list[int]) -> None:
        self.lines = 0
        self.pages = pages
        self.pages_at_first: int | None = None
        self.last = ""

    def write(self, text: str) -> int:
        if self.pages_at_first is None:
            self.pages_at_first = len(self.pages)
        self.lines += text.count("\n")
        self.last = text
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


def test_dids_list_json_streams_in_constant_memory(sqlite_profile, tmp_path, monkeypatch):
    runner = Runner(sqlite_profile, tmp_path)
    create_dids(parse_numbers(f"15550000000-{15550000000 + N - 1}"), tag="bulk")
    read: list[int] = []
    real_row = streams._sqlite_row

    def counted(row):
        read.append(1)
        return real_row(row)

    monkeypatch.setattr(streams, "_sqlite_row", counted)
    sink = Sink(read)
    tracemalloc.start()
    try:
        with contextlib.redirect_stdout(sink):  # type: ignore[type-var]
            cli.main(["--config", str(runner.config), "dids", "list", "--json"], standalone_mode=False)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert sink.lines == N
    assert json.loads(sink.last)["number"] == str(15550000000 + N - 1)
    assert sink.pages_at_first == 1 and len(read) == N  # out after the first row of many
    # The whole output is ~40 MB of JSON; a list of it all would be hundreds of MB.
    assert peak < 25_000_000, f"peak {peak:,} bytes"
