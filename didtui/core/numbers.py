"""The one reader of DID numbers, as people and carriers write them (docs/numbers.md).

`+44 20 7946 0000`, `020 7946 0000` (under a GB profile), `0044 20 7946 0000`,
`tel:+44-20-7946-0000`, `(020) 7946-0000`: one number, stored as its E.164 digits
(`442079460000`, no `+`). Lists are separated by commas, semicolons or new lines; a
range is `START-END` where END is a whole number or only its last digits. Every face
(forms, filter bar, pick, CLI, CSV import) reads numbers here and nowhere else.

A parsed input is a list of `NumberSpan`s (a single number is a span of one), so that a
million-number range is two integers until it is written, never a million strings.
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field

import phonenumbers as pn
from phonenumbers import NumberParseException

from didtui.config import Numbering
from didtui.core import phoneplan
from didtui.db import current_numbering
from didtui.errors import InputError

MAX_RANGE = 1_000_000
MAX_DIGITS = 15  # E.164's longest number; the digits level allows the same
MIN_DIGITS = 3
MAX_TOKEN = 64  # longer text is no number: refused before any work
_LIST_SEPARATORS = re.compile(r"[,;\r\n]+")
_DROP_GROUPING = str.maketrans("", "", " .-()/\t\u00a0\u2009\u202f")
_ERRORS = {
    NumberParseException.INVALID_COUNTRY_CODE: "no such country code",
    NumberParseException.NOT_A_NUMBER: "not a phone number",
    NumberParseException.TOO_SHORT_AFTER_IDD: "too short after the international prefix",
    NumberParseException.TOO_SHORT_NSN: "too short",
    NumberParseException.TOO_LONG: "too long",
}
Derived = tuple[str, str, str]  # country, type, place
NO_FACTS: Derived = ("", "", "")


@dataclass(frozen=True)
class NumberSpan:
    """The inclusive run of stored numbers first..last, all `width` digits long."""

    first: int
    last: int
    width: int
    written: str = field(default="", compare=False)  # the text it was read from

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


# ---- characters ---------------------------------------------------------------------------


def ascii_digits(text: str) -> str:
    """`text` with other scripts' decimal digits (`١٢٣`) as ASCII; InputError for any
    other digit-like character (`³`, `①`): numbers are ASCII digits only (the one place
    that decides it)."""
    if text.isascii():
        return text
    out = []
    for char in text:
        if char.isascii():
            out.append(char)
            continue
        value = unicodedata.decimal(char, None)
        if value is not None:
            out.append(str(value))
        elif char.isspace():
            out.append(" ")
        elif char.isdigit() or char.isnumeric():
            name = unicodedata.name(char, "a digit sign").lower()
            raise InputError(f"{text.strip()!r}: {char!r} ({name}) is not a decimal digit: write the number in digits")
        else:
            out.append(char)
    return "".join(out)


def _clean(token: str) -> tuple[bool, str]:
    """(written with +, its digits): spaces, dots, dashes, brackets and `tel:` dropped."""
    text = ascii_digits(token).strip()
    if len(text) > MAX_TOKEN:
        raise InputError(f"{text[:20]!r}... is too long to be a number ({len(text)} characters)")
    if text[:4].lower() == "tel:":
        text = text[4:].strip()
    plus = text.startswith("+")
    body = (text[1:] if plus else text).translate(_DROP_GROUPING)
    if body.isascii() and body.isdigit():
        return plus, body
    for char in body:
        if not "0" <= char <= "9":
            raise InputError(
                f"{token.strip()!r} is not a DID number: {char!r} is not allowed (digits, spaces, dots, dashes, "
                "brackets and a leading + are)"
            )
    raise InputError(f"{token.strip()!r} is not a DID number: it has no digits")


def clean_digits(text: str) -> str:
    """The digits of a piece of a number (a substring filter): grouping dropped."""
    return _clean(text)[1]


# ---- one number ---------------------------------------------------------------------------


def _library_read(plus: bool, digits: str, region: str) -> str:
    """The library's reading of cleaned digits: E.164 digits, or NumberParseException."""
    number = pn.parse(("+" if plus else "") + digits, region)
    return f"{number.country_code}{pn.national_significant_number(number)}"


_Reading = str | NumberParseException | None  # the head to prepend, the library's refusal, no shortcut
_read_cache: dict[tuple[str, bool, int, str], _Reading] = {}
_MISSING = object()


def read_e164(plus: bool, digits: str, region: str) -> str:
    """`_library_read`, computed once per key: the digits that decide the reading
    (phoneplan.read_depth) and the length; the rest is copied as the library copies it."""
    # A short number (a range's START, `020 7946`) is its own key: such heads repeat.
    depth = min(phoneplan.read_depth(region, plus, digits), len(digits))
    key = (region, plus, len(digits), digits[:depth])
    found = _read_cache.get(key, _MISSING)
    if found is _MISSING:
        if len(_read_cache) > 200_000:
            _read_cache.clear()
        try:
            e164 = _library_read(plus, digits, region)
            tail = digits[depth:]
            found = e164[: len(e164) - len(tail)] if e164.endswith(tail) else None
        except NumberParseException as exc:
            found = exc
        _read_cache[key] = found
    if found is None:
        return _library_read(plus, digits, region)
    if isinstance(found, NumberParseException):
        raise found
    return str(found) + digits[depth:]


def read_number(token: str, numbering: Numbering | None = None) -> str:
    """One number as stored (E.164 digits; as typed under the digits level), or an
    InputError that names the token, says why, and which level would accept it."""
    rules = numbering or current_numbering()
    plus, digits = _clean(token)
    if rules.level == "digits":
        return _check_digits(token, digits)
    written = token.strip()
    try:
        e164 = read_e164(plus, digits, rules.country)
    except NumberParseException as exc:
        why = _ERRORS.get(exc.error_type, "not a phone number")
        accept = _would_accept(digits, "digits")
        raise InputError(f"{written!r} is not a number for {rules.country}: {why}{accept}") from None
    facts = phoneplan.facts(e164)
    if not facts.possible:
        raise InputError(f"{written!r} is {facts.reason} for {_where(e164, rules)}{_would_accept(digits, 'digits')}")
    if rules.level == "valid" and not facts.valid:
        raise InputError(
            f"{written!r} (+{e164}) is not a valid number for {_where(e164, rules)} "
            '(numbers = "possible" in the profile would accept it)'
        )
    return e164


def _where(e164: str, rules: Numbering) -> str:
    cc = phoneplan.country_code_of(e164)
    if cc is None:
        return rules.country
    region = pn.region_code_for_country_code(cc)
    return f"+{cc}" if region in ("ZZ", "001") else region


def _would_accept(digits: str, level: str) -> str:
    if MIN_DIGITS <= len(digits) <= MAX_DIGITS:
        return f' (numbers = "{level}" in the profile would accept it)'
    return ""


def _check_digits(token: str, digits: str) -> str:
    if not MIN_DIGITS <= len(digits) <= MAX_DIGITS:
        raise InputError(
            f"{token.strip()!r} has {len(digits)} digits: a number has {MIN_DIGITS} to {MAX_DIGITS} digits"
        )
    return digits


def lookup_number(token: str, numbering: Numbering | None = None) -> str:
    """A number naming a DID that should exist (pick by name, history, show): read as
    written; failing that, bare digits are taken as stored, so a DID stored under other
    rules (another profile's level, the demo's fictional numbers) can still be named."""
    try:
        return read_number(token, numbering)
    except InputError:
        digits = token.strip()
        if digits.isascii() and digits.isdigit() and MIN_DIGITS <= len(digits) <= MAX_DIGITS:
            return digits
        raise


def normalize_number(token: str, numbering: Numbering | None = None) -> str:
    """One DID as stored (the name the callers of the seed's reader know)."""
    return read_number(token, numbering)


def derived(number: str, numbering: Numbering | None = None) -> Derived:
    """Country, type and place of a stored number (blank under the digits level)."""
    rules = numbering or current_numbering()
    if rules.level == "digits":
        return NO_FACTS
    facts = phoneplan.facts(number)
    return (facts.country, facts.type, facts.place) if facts.possible else NO_FACTS


# ---- ranges and lists ---------------------------------------------------------------------


def _range_parts(text: str) -> tuple[str, str] | None:
    """START and END around the last dash that has digits on both sides, or None."""
    at = text.rfind("-")
    while at > 0:
        head, tail = text[:at], text[at + 1 :]
        if any(c.isdigit() for c in head) and tail.strip() and any(c.isdigit() for c in tail):
            return head, tail
        at = text.rfind("-", 0, at)
    return None


def _range_ends(head: str, tail: str, written: str, rules: Numbering) -> tuple[str, str]:
    first = read_number(head, rules)
    tail_plus, tail_digits = _clean(tail)
    head_plus, head_digits = _clean(head)
    if tail_plus or len(tail_digits) == len(head_digits):
        return first, read_number(tail, rules)
    if len(tail_digits) < len(head_digits):
        # The end is read as the start was written, with its last digits replaced.
        kept = head_digits[: len(head_digits) - len(tail_digits)]
        return first, read_number(("+" if head_plus else "") + kept + tail_digits, rules)
    raise InputError(f"range {written!r}: the end has more digits than the start")


def _read_range(head: str, tail: str, written: str, rules: Numbering, max_range: int) -> NumberSpan:
    try:
        first, last = _range_ends(head, tail, written, rules)
    except InputError as exc:
        message = str(exc)
        raise InputError(message if repr(written) in message else f"range {written!r}: {message}") from None
    if len(first) != len(last):
        raise InputError(f"range {written!r} crosses a number-length boundary (+{first} and +{last})")
    span = NumberSpan(int(first), int(last), len(first), written)
    if span.last < span.first:
        raise InputError(f"range {written!r} is reversed: the end must not be below the start")
    if len(span) > max_range:
        raise InputError(f"range {written!r} holds {len(span):,} numbers: at most {max_range:,} at once")
    if rules.level != "digits":
        _check_range_numbers(span, written, rules)
    return span


def _check_range_numbers(span: NumberSpan, written: str, rules: Numbering) -> None:
    """Every number of the range passes the level: checked per key, not per number."""
    for low, _high, facts in fact_blocks(span):
        if not facts.possible or (rules.level == "valid" and not facts.valid):
            number = f"{low:0{span.width}d}"
            why = facts.reason if not facts.possible else "not a valid number"
            raise InputError(f"range {written!r}: +{number} is {why}; no number of the range was taken")


def fact_blocks(span: NumberSpan) -> Iterator[tuple[int, int, phoneplan.Facts]]:
    """(low, high, facts): the range cut into runs that share the library's answers."""
    width = span.width
    keep = phoneplan.facts_key_width(span.first_text)
    step = 10 ** max(0, width - keep)
    low = span.first
    while low <= span.last:
        high = min(span.last, (low // step) * step + step - 1)
        yield low, high, phoneplan.facts(f"{low:0{width}d}")
        low = high + 1


def span_blocks(span: NumberSpan, numbering: Numbering | None = None) -> Iterator[tuple[int, int, Derived]]:
    """(low, high, (country, type, place)): the span cut into runs whose derived columns
    are the same, so a server can write a run from its ends (core/did_writes.py)."""
    rules = numbering or current_numbering()
    if rules.level == "digits":
        yield span.first, span.last, NO_FACTS
        return
    run: tuple[int, int, Derived] | None = None
    for low, high, facts in fact_blocks(span):
        extra = (facts.country, facts.type, facts.place) if facts.possible else NO_FACTS
        if run is not None and run[2] == extra:
            run = (run[0], high, extra)
            continue
        if run is not None:
            yield run
        run = (low, high, extra)
    if run is not None:
        yield run


def span_rows(span: NumberSpan, numbering: Numbering | None = None) -> Iterator[tuple[str, str, str, str]]:
    """(number, country, type, place) for every number of the span, in order."""
    width = span.width
    for low, high, (country, kind, place) in span_blocks(span, numbering):
        for value in range(low, high + 1):
            yield f"{value:0{width}d}", country, kind, place


def parse_span(token: str, max_range: int = MAX_RANGE, numbering: Numbering | None = None) -> NumberSpan:
    """A single number or a range.

    The range rule: a token is a range when it splits at its last dash into a START that
    reads as a whole number and an END that is a whole number (a `+`, or as many digits as
    START) or only START's last digits, and every number between passes the level.
    Otherwise its dashes group digits (`020-7946-0002`, `1-201-555-0124`). When both
    readings work (`+49 30 1234-56`), it is refused as ambiguous. Under the digits level
    a dash whose END is no longer than START is always a range, as in the seed (`111-222`).
    """
    rules = numbering or current_numbering()
    written = token.strip()
    parts = _range_parts(written)
    if parts is None:
        number = read_number(written, rules)
        return NumberSpan(int(number), int(number), len(number), written)
    try:
        span: NumberSpan | None = _read_range(*parts, written, rules, max_range)
        range_error = None
    except InputError as exc:
        span, range_error = None, exc
    if rules.level == "digits" and (span is not None or _looks_like_range(*parts)):
        if span is None:
            raise range_error or InputError(f"{written!r} is not a range")
        return span
    try:
        number = read_number(written, rules)
    except InputError as exc:
        if span is not None:
            return span
        if range_error is not None and _looks_like_range(*parts) and _reads(parts[0], rules):
            raise range_error from None
        raise exc from None
    if span is not None and len(span) > 1:
        raise InputError(
            f"{written!r} is ambiguous: it reads as one number (+{number}) and as the range "
            f"+{span.first_text} to +{span.last_text}: write the number without dashes, or the range's whole end"
        )
    return NumberSpan(int(number), int(number), len(number), written)


def _reads(text: str, rules: Numbering) -> bool:
    try:
        read_number(text, rules)
    except InputError:
        return False
    return True


def _looks_like_range(head: str, tail: str) -> bool:
    """An end no longer than its start: the refusal to show is the range's."""
    try:
        plus, digits = _clean(tail)
        return plus or len(digits) <= len(_clean(head)[1])
    except InputError:
        return False


def parse_numbers(text: str, max_range: int = MAX_RANGE, numbering: Numbering | None = None) -> list[NumberSpan]:
    """Numbers and ranges separated by commas, semicolons or new lines.

    Raises InputError naming the first bad token, or when the same number is given twice,
    or when the whole input holds more than `max_range` numbers.
    """
    tokens = [t.strip() for t in _LIST_SEPARATORS.split(text or "") if t.strip()]
    if not tokens:
        raise InputError("no DID number given: type a number, a range like +44 20 7946 0100-0199, or a list")
    spans = [parse_span(token, max_range, numbering) for token in tokens]
    total = sum(len(s) for s in spans)
    if total > max_range:
        raise InputError(f"the input holds {total:,} numbers: at most {max_range:,} at once")
    _refuse_overlaps(spans)
    return spans


def size_bound(text: str, max_range: int = MAX_RANGE) -> int:
    """How many numbers a cell names, at most, cheaply (for counting a file before
    reading it): a range's ends compared as written when its START is a whole number
    (a cached reading: a carrier block's STARTs repeat), else 1. Ends written in
    different forms are read properly."""
    parts = _range_parts(text.strip())
    if parts is None:
        return 1
    try:
        _head_plus, head = _clean(parts[0])
        tail_plus, tail = _clean(parts[1])
    except InputError:
        return 1
    if tail_plus or len(tail) > len(head):
        return _exact_size(text, max_range)
    last = head[: len(head) - len(tail)] + tail
    bound = max(1, min(int(last) - int(head) + 1, max_range))
    if bound > 1 and not _reads(parts[0], current_numbering()):
        return 1  # START is no whole number: dashes grouping digits (`(020) 7946-9999`)
    return bound


def _exact_size(text: str, max_range: int) -> int:
    try:
        return len(parse_span(text, max_range))
    except InputError:
        return 1


def count_numbers(spans: list[NumberSpan]) -> int:
    return sum(len(s) for s in spans)


def _refuse_overlaps(spans: list[NumberSpan]) -> None:
    ordered = sorted(spans, key=lambda s: (s.width, s.first))
    for before, after in itertools.pairwise(ordered):
        if before.width == after.width and after.first <= before.last:
            shared = f"{after.first:0{after.width}d}"
            raise InputError(f"{shared} is given twice ({before.written or before} and {after.written or after})")


# ---- prefixes (the filter) and display ----------------------------------------------------


def read_prefix(text: str, numbering: Numbering | None = None) -> str:
    """The stored digits a typed prefix means: `+44 20 7946`, `0044 20 7946`, `44207946`
    and (under GB) `020 7946` are all `44207946`. Without a `+`, an international prefix
    or the country's trunk prefix, the digits are taken as stored (country code first)."""
    rules = numbering or current_numbering()
    plus, digits = _clean(text)
    if plus or rules.level == "digits":
        return digits
    md = pn.PhoneMetadata.metadata_for_region(rules.country)
    if md is None:
        return digits
    if md.international_prefix:
        match = re.match(md.international_prefix, digits)
        if match and match.end() < len(digits):
            return digits[match.end() :]
    trunk = md.national_prefix or ""
    if trunk and digits.startswith(trunk) and len(digits) > len(trunk):
        return f"{md.country_code}{digits[len(trunk) :]}"
    return digits


_FORMATS = {
    "international": pn.PhoneNumberFormat.INTERNATIONAL,
    "national": pn.PhoneNumberFormat.NATIONAL,
    "e164": pn.PhoneNumberFormat.E164,
}


@functools.lru_cache(maxsize=65_536)
def _formatted(number: str, display: str) -> str:
    try:
        parsed = pn.parse("+" + number, None)
    except NumberParseException:
        return number
    if not pn.is_possible_number(parsed):
        return number
    return pn.format_number(parsed, _FORMATS.get(display, pn.PhoneNumberFormat.INTERNATIONAL))


def display_number(number: str, country: str | None = None, numbering: Numbering | None = None) -> str:
    """A stored number as the profile shows it (`+44 20 7946 0000`). A number with no
    country (digits level, or kept unreadable by the migration) is shown as stored."""
    rules = numbering or current_numbering()
    if country == "" or (rules.level == "digits" and not country) or not number.isdigit():
        return number
    return _formatted(number, rules.display)


def describe_spans(spans: list[NumberSpan], numbering: Numbering | None = None, shown: int = 3) -> str:
    """How the reader read the input, for previews: `+44 20 7946 0100 … +44 20 7946 0199
    (100, GB fixed London)`, so a dash read as a range (or not) is visible."""
    rules = numbering or current_numbering()
    parts = []
    for span in spans[:shown]:
        country, kind, place = derived(span.first_text, rules)
        first = display_number(span.first_text, country, rules)
        text = (
            first if len(span) == 1 else f"{first} … {display_number(span.last_text, country, rules)} ({len(span):,})"
        )
        facts = " ".join(p for p in (country, kind, place) if p)
        parts.append(f"{text} {facts}" if facts else text)
    more = f"; and {len(spans) - shown:,} more" if len(spans) > shown else ""
    return "; ".join(parts) + more


def export_number(number: str, country: str) -> str:
    """E.164 with its `+` for numbers with a country; digits as stored otherwise."""
    return f"+{number}" if country else number
