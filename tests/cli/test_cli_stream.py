"""`dids list --json` streams: the first line is out before the second row is read, and
memory stays flat however many DIDs there are (100,000 here)."""

from __future__ import annotations

import contextlib
import importlib
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

    def counted(*args, **kwargs):
        for row in streams.stream_tuples(*args, **kwargs):
            read.append(1)
            yield row

    monkeypatch.setattr(importlib.import_module("didtui.cli.dids"), "stream_tuples", counted)
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


def test_the_fast_json_line_is_the_documented_document(profile):
    """`did_line` (raw rows) writes exactly `dumps(did(row))` (the schema), on every backend."""
    from cli_helpers import seed

    from didtui.cli.output import dumps
    from didtui.cli.schema import did, did_line
    from didtui.models import DID

    seed()
    DID.update(notes='quote " back\\ tab\t nl\n \x1b[31m é 中 \u202e').where(DID.number == "15551230005").execute()
    DID.update(tag="").where(DID.number == "15551230006").execute()
    rows = list(streams.stream_rows(None))
    lines = [did_line(t) for t in streams.stream_tuples(None)]
    assert lines == [dumps(did(r)) for r in rows]
    assert [json.loads(line)["number"] for line in lines] == [r.number for r in rows]
