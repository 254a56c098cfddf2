"""How commands print: a table that fits the terminal, or JSON for programs.

A command builds its result once and hands it to `Output`:
  - `out.document(doc, text)` — one JSON document, or the human line(s) `text`;
  - `out.rows(rows, columns, to_json)` — JSON Lines streamed row by row, or a table;
  - `out.error(code, exit, message)` — errors (JSON on stderr with --json).
Adopting it in a new command is `@json_option` (cli/base.py) plus one of these calls.
Every piece of stored text is passed through `display_safe` before a terminal sees it;
JSON escapes control characters by itself.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import shutil
import sys
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

import click

from didtui.core.text import display_safe as core_display_safe

WIDTH_SAMPLE = 200  # rows measured to size a streamed table's columns
FLUSH_EVERY = 1000  # JSON Lines flushed this often, so a reader sees the first at once


def display_safe(text: Any) -> str:
    """Stored text made safe for a terminal (didtui/core/text.py, docs/untrusted-data.md):
    control and format characters (ESC, BEL, C1, bidi overrides, ...) become visible
    stand-ins (␛, ␇, \\u202e), so no name can move the cursor or set the title."""
    return core_display_safe("" if text is None else str(text))


def json_value(value: Any) -> Any:
    """Times as ISO 8601 UTC with a Z (the database keeps naive UTC)."""
    if isinstance(value, _dt.datetime):
        return value.replace(tzinfo=None).isoformat() + "Z"
    if isinstance(value, _dt.date):
        return value.isoformat()
    return value


def dumps(doc: Any) -> str:
    return json.dumps(doc, default=_default, ensure_ascii=False)


def _default(value: Any) -> Any:
    converted = json_value(value)
    if converted is value:
        return str(value)
    return converted


@dataclass(frozen=True)
class Column:
    """A table column: its header, how to read a cell, and whether it may shrink."""

    header: str
    cell: Callable[[Any], Any]
    shrink: bool = True  # numbers and statuses keep their width; names and notes give way
    align_right: bool = False


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _fit(text: str, width: int) -> str:
    if _width(text) <= width:
        return text
    out, used = [], 0
    for ch in text:
        w = _width(ch)
        if used + w > width - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…"


def _pad(text: str, width: int, right: bool) -> str:
    gap = " " * max(0, width - _width(text))
    return gap + text if right else text + gap


def fit_widths(natural: list[int], shrinkable: list[bool], total: int, gap: int = 2) -> list[int]:
    """Column widths within `total` columns: the widest shrinkable column gives way first,
    none below 4 (a header stays readable); if that is not enough, the last columns (the
    least important: commands list them by priority) are left out (width 0)."""
    widths = list(natural)
    shown = len(widths)
    while shown > 1:
        room = total - gap * (shown - 1)
        while sum(widths[:shown]) > room:
            candidates = [i for i in range(shown) if shrinkable[i] and widths[i] > 4]
            if not candidates:
                break
            widest = max(candidates, key=lambda i: widths[i])
            widths[widest] -= 1
        if sum(widths[:shown]) <= room:
            break
        shown -= 1
        widths = natural[:shown] + [0] * (len(natural) - shown)
    return widths


class Output:
    """The command's output mode: JSON (documents and JSON Lines) or human, quiet or not."""

    def __init__(self, *, json: bool = False, quiet: bool = False) -> None:
        self.json = json
        self.quiet = quiet

    # ---- documents ---------------------------------------------------------------------

    def document(self, doc: dict[str, Any], text: str | Iterable[str] | None = None) -> None:
        """One JSON document (with --json), else the human text (none with --quiet)."""
        if self.json:
            click.echo(dumps(doc))
        elif text is not None and not self.quiet:
            for line in [text] if isinstance(text, str) else text:
                click.echo(display_safe(line))

    def say(self, text: str) -> None:
        """A human line; nothing with --json or --quiet."""
        if not self.json and not self.quiet:
            click.echo(display_safe(text))

    def note(self, text: str) -> None:
        """A side remark on stderr (progress, what a dry run did); not with --quiet."""
        if not self.quiet:
            click.echo(display_safe(text), err=True)

    def error(self, code: str, exit_code: int, message: str, **extra: Any) -> None:
        """The error; with --json, `extra` fields (documented per command) join it."""
        if self.json:
            click.echo(dumps({"error": {"code": code, "exit": exit_code, "message": message, **extra}}), err=True)
        else:
            click.echo(f"didtui: {display_safe(message)}", err=True)

    # ---- lists -------------------------------------------------------------------------

    def rows(
        self,
        rows: Iterable[Any],
        columns: list[Column],
        to_json: Callable[[Any], dict[str, Any]],
        *,
        empty: str = "(none)",
        to_line: Callable[[Any], str] | None = None,
    ) -> int:
        """Every row: JSON Lines streamed as read (constant memory), or a table whose
        widths come from the first rows. Returns how many rows were printed.

        `to_line`, when given, encodes a row's JSON line itself (a fast path)."""
        if self.json:
            return _json_lines(rows, to_line or (lambda row: dumps(to_json(row))))
        if self.quiet:
            return sum(1 for _ in rows)
        return self._table(iter(rows), columns, empty)

    def _table(self, rows: Iterator[Any], columns: list[Column], empty: str) -> int:
        head = [[display_safe(c.cell(r)) for c in columns] for r in islice(rows, WIDTH_SAMPLE)]
        if not head:
            click.echo(empty)
            return 0
        natural = [max([_width(c.header)] + [_width(cells[i]) for cells in head]) for i, c in enumerate(columns)]
        widths = fit_widths(natural, [c.shrink for c in columns], _table_width(natural))

        def line(cells: list[str]) -> str:
            return "  ".join(
                _pad(_fit(text, widths[i]), widths[i], columns[i].align_right)
                for i, text in enumerate(cells)
                if widths[i]
            ).rstrip()

        click.echo(line([c.header for c in columns]))
        n = 0
        for cells in head:
            click.echo(line(cells))
            n += 1
        for row in rows:
            click.echo(line([display_safe(c.cell(row)) for c in columns]))
            n += 1
        return n


def _table_width(natural: list[int]) -> int:
    """The terminal's width; into a pipe or file (no terminal, no $COLUMNS), the rows' own."""
    if not sys.stdout.isatty() and "COLUMNS" not in os.environ:
        return sum(natural) + 2 * len(natural)
    return shutil.get_terminal_size((100, 24)).columns


def _json_lines(rows: Iterable[Any], to_line: Callable[[Any], str]) -> int:
    stream = sys.stdout
    n = 0
    for row in rows:
        stream.write(to_line(row) + "\n")
        n += 1
        if n == 1 or n % FLUSH_EVERY == 0:
            stream.flush()
    stream.flush()
    return n
