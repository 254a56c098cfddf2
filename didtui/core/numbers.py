"""DID numbers and ranges as people type them: `15551230001`, `+4420...`, `111-222`.

A parsed input is a list of `NumberSpan`s (a single number is a span of one), so that a
million-number range is two integers until it is written, never a million strings.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from didtui.errors import InputError

MAX_RANGE = 1_000_000
MAX_DIGITS = 32
_SEPARATORS = re.compile(r"[,;\s]+")
_NUMBER = re.compile(r"\+?\d+")


@dataclass(frozen=True)
class NumberSpan:
    """The inclusive run of numbers first..last, all written with `width` digits."""

    first: int
    last: int
    width: int

    def __len__(self) -> int:
        return self.last - self.first + 1

    @property
    def first_text(self) -> str:
        return f"{self.first:0{self.width}d}"

    @property
    def last_text(self) -> str:
        return f"{self.last:0{self.width}d}"

    def __iter__(self) -> Iterator[str]:
        width = self.width
        for value in range(self.first, self.last + 1):
            yield f"{value:0{width}d}"

    def __str__(self) -> str:
        return self.first_text if self.first == self.last else f"{self.first_text}-{self.last_text}"


def normalize_number(token: str) -> str:
    """One DID as stored: digits only, a leading `+` dropped, leading zeros kept."""
    text = token.strip()
    if not _NUMBER.fullmatch(text):
        raise InputError(f"{token.strip()!r} is not a DID number: use digits only (a leading + is allowed)")
    digits = text.lstrip("+")
    if len(digits) > MAX_DIGITS:
        raise InputError(f"{token.strip()!r} is too long: a DID has at most {MAX_DIGITS} digits")
    return digits


def parse_span(token: str, max_range: int = MAX_RANGE) -> NumberSpan:
    """A single number or an inclusive range `first-last` with both ends the same width."""
    text = token.strip()
    if "-" not in text:
        number = normalize_number(text)
        return NumberSpan(int(number), int(number), len(number))
    head, _, tail = text.partition("-")
    if not head or not tail:
        raise InputError(f"{text!r} is not a range: write it as first-last, e.g. 111-222")
    try:
        first, last = normalize_number(head), normalize_number(tail)
    except InputError:
        raise InputError(f"{text!r} is not a range: both ends must be DID numbers, e.g. 111-222") from None
    if len(first) != len(last):
        raise InputError(
            f"range {text!r}: both ends must have the same number of digits ({len(first)} and {len(last)})"
        )
    span = NumberSpan(int(first), int(last), len(first))
    if span.last < span.first:
        raise InputError(f"range {text!r} is reversed: the end must not be below the start")
    if len(span) > max_range:
        raise InputError(f"range {text!r} holds {len(span):,} numbers: at most {max_range:,} at once")
    return span


def parse_numbers(text: str, max_range: int = MAX_RANGE) -> list[NumberSpan]:
    """Numbers and ranges separated by commas, semicolons, spaces or new lines.

    Raises InputError naming the first bad token, or when the same number is given twice,
    or when the whole input holds more than `max_range` numbers.
    """
    tokens = [t for t in _SEPARATORS.split(text or "") if t]
    if not tokens:
        raise InputError("no DID number given: type a number, a range like 111-222, or a list")
    spans = [parse_span(token, max_range) for token in tokens]
    total = sum(len(s) for s in spans)
    if total > max_range:
        raise InputError(f"the input holds {total:,} numbers: at most {max_range:,} at once")
    _refuse_overlaps(spans)
    return spans


def count_numbers(spans: list[NumberSpan]) -> int:
    return sum(len(s) for s in spans)


def _refuse_overlaps(spans: list[NumberSpan]) -> None:
    ordered = sorted(spans, key=lambda s: (s.width, s.first))
    for before, after in itertools.pairwise(ordered):
        if before.width == after.width and after.first <= before.last:
            shared = f"{after.first:0{after.width}d}"
            raise InputError(f"{shared} is given twice ({before} and {after})")
