"""`dids list --json` streams: the first line is out after the first page is read, and
memory stays flat however many DIDs there are (100,000 here)."""

from __future__ import annotations

import contextlib
import json
import tracemalloc

from cli_helpers import Runner

from didtui.cli import cli
from didtui.core import filters
from didtui.core.inventory import create_dids
from didtui.core.numbers import parse_numbers

N = 100_000


class Sink:
    """A stdout that keeps nothing: counts lines, checks each, notes the pages read
    when the first line arrived."""

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
    pages: list[int] = []
    real_page = filters.page

    def counted(*args, **kwargs):
        pages.append(1)
        return real_page(*args, **kwargs)

    monkeypatch.setattr(filters, "page", counted)
    sink = Sink(pages)
    tracemalloc.start()
    try:
        with contextlib.redirect_stdout(sink):  # type: ignore[type-var]
            cli.main(["--config", str(runner.config), "dids", "list", "--json"], standalone_mode=False)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert sink.lines == N
    assert json.loads(sink.last)["number"] == str(15550000000 + N - 1)
    assert sink.pages_at_first == 1 and len(pages) > 25  # out after the first of many pages
    # The whole output is ~40 MB of JSON; a list of it all would be hundreds of MB.
    assert peak < 25_000_000, f"peak {peak:,} bytes"
