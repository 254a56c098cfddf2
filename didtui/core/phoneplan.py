"""libphonenumber (the `phonenumbers` package), made fast enough for a million rows.

The library reads a number in about 30 us and validates it in about 80 us (measured here),
too slow for bulk work. Its answers depend on far fewer digits than the whole number: every
rule it applies is a regular expression from its metadata, and after some position each
of them only asks "any digit" (`\\d{6}`). `regex_depth` finds that position by walking the
parsed expression, so two numbers of the same length that agree on the digits up to it get
the same answer from the library, and the answer is computed once per such key and cached.
Nothing here encodes a numbering plan: the positions come from the library's own metadata,
and tests/core/test_core_phoneplan.py compares every shortcut with the library itself.
"""

from __future__ import annotations

import functools
import importlib
import re
import re._constants as sre
import re._parser as sre_parse
from dataclasses import dataclass
from typing import Any

import phonenumbers as pn
from phonenumbers import NumberParseException, PhoneMetadata, PhoneNumberType

WHOLE = 10**6  # "depends on every digit": no shortcut
# The geocoder's longest prefix, country code included (phonenumbers.geocoder's
# GEOCODE_LONGEST_PREFIX; tests/core/test_core_phoneplan.py checks it). A constant, so
# that the geocoder's ~100 MB of data load only when a place is first looked up.
GEOCODE_LONGEST_PREFIX = 9
_DESC_FIELDS = (
    "general_desc",
    "fixed_line",
    "mobile",
    "toll_free",
    "premium_rate",
    "shared_cost",
    "personal_number",
    "voip",
    "pager",
    "uan",
    "voicemail",
    "no_international_dialling",
)
TYPE_NAMES = {
    PhoneNumberType.FIXED_LINE: "fixed",
    PhoneNumberType.MOBILE: "mobile",
    PhoneNumberType.FIXED_LINE_OR_MOBILE: "fixed-or-mobile",
    PhoneNumberType.TOLL_FREE: "tollfree",
    PhoneNumberType.PREMIUM_RATE: "premium",
    PhoneNumberType.SHARED_COST: "shared-cost",
    PhoneNumberType.VOIP: "voip",
    PhoneNumberType.PERSONAL_NUMBER: "personal",
    PhoneNumberType.PAGER: "pager",
    PhoneNumberType.UAN: "uan",
    PhoneNumberType.VOICEMAIL: "voicemail",
    PhoneNumberType.UNKNOWN: "unknown",
}
_DIGITS = frozenset("0123456789")


# ---- how many leading digits a regular expression looks at -------------------------------


def _is_any_digit(items: list) -> bool:
    """A character class that accepts every ASCII digit (`\\d`, `[0-9]`, `[\\d-]`)."""
    accepted: set[str] = set()
    for op, av in items:
        if op is sre.NEGATE:
            return False
        if op is sre.CATEGORY and av is sre.CATEGORY_DIGIT:
            return True
        if op is sre.RANGE:
            accepted |= {chr(c) for c in range(av[0], av[1] + 1)}
        elif op is sre.LITERAL:
            accepted.add(chr(av))
    return accepted >= _DIGITS


def _sequence(items: list) -> tuple[int, int]:
    """(longest match, depth): depth is the furthest position, from the start of this
    sequence, at which some item accepts fewer than all digits (0: none does)."""
    longest = depth = 0
    for op, av in items:
        size, inner = _node(op, av)
        if inner:
            depth = max(depth, min(WHOLE, longest + inner))
        longest = min(WHOLE, longest + size)
    return longest, depth


def _node(op: object, av: object) -> tuple[int, int]:
    if op is sre.LITERAL or op is sre.NOT_LITERAL:
        return 1, 1
    if op is sre.ANY:
        return 1, 0
    if op is sre.IN:
        return 1, 0 if _is_any_digit(av) else 1  # type: ignore[arg-type]
    if op is sre.AT:
        return 0, 0
    if op is sre.SUBPATTERN:
        return _sequence(av[-1])  # type: ignore[index]
    if op is sre.BRANCH:
        parts = [_sequence(branch) for branch in av[1]]  # type: ignore[index]
        return max(p[0] for p in parts), max(p[1] for p in parts)
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
        _low, high, sub = av  # type: ignore[misc]
        size, inner = _sequence(sub)  # type: ignore[has-type]
        longest = WHOLE if high is sre.MAXREPEAT else min(WHOLE, size * high)  # type: ignore[has-type]
        return longest, (longest if inner else 0)
    if op in (sre.ASSERT, sre.ASSERT_NOT):
        size, inner = _sequence(av[1])  # type: ignore[index]
        return 0, size if (inner or op is sre.ASSERT_NOT) else 0
    return WHOLE, WHOLE  # anything else (back references...): assume it reads everything


@functools.cache
def regex_depth(pattern: str | None) -> int:
    """How many leading characters can change whether `pattern` matches a digit string of
    a given length: past this position every part of it accepts any digit."""
    if not pattern:
        return 0
    return _sequence(sre_parse.parse(pattern))[1]


# ---- the depths of a country code ---------------------------------------------------------


def _regions(cc: int) -> list[str]:
    return list(pn.COUNTRY_CODE_TO_REGION_CODE.get(cc, ()))


def _metadata(cc: int, region: str) -> PhoneMetadata | None:
    return PhoneMetadata.metadata_for_region_or_calling_code(cc, region)


@functools.cache
def _geocoder() -> Any:
    """phonenumbers.geocoder, imported on first use: its data cost ~100 MB of memory."""
    return importlib.import_module("phonenumbers.geocoder")


@functools.cache
def class_depth(cc: int) -> int:
    """National digits that decide validity, type, region and place for country code `cc`."""
    depth = 0
    for region in _regions(cc):
        md = _metadata(cc, region)
        if md is None:
            continue
        for name in _DESC_FIELDS:
            desc = getattr(md, name, None)
            if desc is not None and desc.national_number_pattern:
                depth = max(depth, regex_depth(desc.national_number_pattern))
        depth = max(depth, regex_depth(md.leading_digits))
    if pn.country_mobile_token(cc):
        return WHOLE  # the geocoder re-reads such numbers without their mobile token
    return max(depth, GEOCODE_LONGEST_PREFIX - len(str(cc)))


@functools.cache
def nsn_read_depth(region: str) -> int:
    """National digits that decide how the library reads a number with `region`'s
    metadata (the default region's for national forms, the country code's main region's
    for `+`/IDD forms): the trunk prefix it may strip (`national_prefix_for_parsing`, at
    most `longest` digits, deciding on `np_depth` of them) and the general-description
    check that guards the stripping, made on the digits after it."""
    md = PhoneMetadata.metadata_for_region_or_calling_code(region_country_code(region), region)
    if md is None:
        return WHOLE
    general = regex_depth(md.general_desc.national_number_pattern if md.general_desc else None)
    depth = general
    if md.national_prefix_for_parsing:
        longest, np_depth = _sequence(sre_parse.parse(md.national_prefix_for_parsing))
        depth = max(depth, np_depth, longest + general)
    return min(depth, WHOLE)


def _main_region(cc: int) -> str:
    return pn.region_code_for_country_code(cc)


def country_code_of(digits: str) -> int | None:
    """The country code that starts `digits`, as the library extracts it (1-3 digits)."""
    known = pn.COUNTRY_CODE_TO_REGION_CODE
    for n in (1, 2, 3):
        if len(digits) >= n and digits[0] != "0" and int(digits[:n]) in known:
            return int(digits[:n])
    return None


@functools.cache
def _idd(region: str) -> tuple[re.Pattern[str] | None, int, int]:
    """The region's international prefix: pattern, depth, longest match."""
    md = PhoneMetadata.metadata_for_region(region)
    if md is None or not md.international_prefix:
        return None, 0, 0
    longest, depth = _sequence(sre_parse.parse(md.international_prefix))
    return re.compile(md.international_prefix), depth, longest


@functools.cache
def region_country_code(region: str) -> int:
    return pn.country_code_for_region(region)


def read_depth(region: str, plus: bool, digits: str) -> int:
    """`_read_depth`, cached on the few leading digits it looks at."""
    head = digits[: 3 if plus else _idd(region)[2] + 4]
    return min(len(digits), _head_depth(region, plus, head, len(head) == len(digits)))


@functools.lru_cache(maxsize=100_000)
def _head_depth(region: str, plus: bool, head: str, whole: bool) -> int:
    depth = _read_depth(region, plus, head)
    return WHOLE if whole or (depth >= len(head) and _unbounded(region, plus, head)) else depth


def _unbounded(region: str, plus: bool, head: str) -> bool:
    """No country code found in the head: the library's reading depends on everything."""
    if plus:
        return country_code_of(head) is None
    pattern = _idd(region)[0]
    match = pattern.match(head) if pattern is not None else None
    return match is not None and country_code_of(head[match.end() :]) is None


def _read_depth(region: str, plus: bool, digits: str) -> int:
    """Leading digits of a written number (its digits as typed) that decide how the
    library reads it under `region`; the rest it copies unchanged.

    With a `+` the library takes the country code (1-3 digits, looked up in its table)
    then reads the rest with that code's main region. Without, it tries the region's
    international prefix (then as with `+`), else reads a national number with the
    region's own metadata, after checking whether it starts with the region's own code.
    """
    if plus:
        cc = country_code_of(digits)
        return len(digits) if cc is None else len(str(cc)) + nsn_read_depth(_main_region(cc))
    own = region_country_code(region)
    depth = len(str(own)) + nsn_read_depth(region) if own else len(digits)
    pattern, idd_depth, _longest = _idd(region)
    if pattern is not None:
        depth = max(depth, idd_depth + 1)
        match = pattern.match(digits)
        if match:
            rest = digits[match.end() :]
            cc = country_code_of(rest)
            after = len(str(cc)) + nsn_read_depth(_main_region(cc)) if cc is not None else len(rest)
            depth = max(depth, match.end() + 1 + after)
    return depth


# ---- answers, cached by key ---------------------------------------------------------------


@dataclass(frozen=True)
class Facts:
    """What the library says of one E.164 number."""

    possible: bool
    valid: bool
    country: str  # ISO region ("GB"), "001" for non-geographic codes, "" if none
    type: str  # TYPE_NAMES value
    place: str  # the geocoder's description ("London", "United Kingdom"), "" if none
    reason: str  # why it is not possible ("too short"), "" if it is


_REASONS = {
    pn.ValidationResult.TOO_SHORT: "too short",
    pn.ValidationResult.TOO_LONG: "too long",
    pn.ValidationResult.INVALID_LENGTH: "the wrong length",
    pn.ValidationResult.INVALID_COUNTRY_CODE: "no such country code",
}


def library_facts(e164: str) -> Facts:
    """The library's own answer, number by number (the reference the shortcut must equal)."""
    try:
        number = pn.parse("+" + e164, None)
    except NumberParseException:
        return Facts(False, False, "", "unknown", "", "not a number the library can read")
    reason = pn.is_possible_number_with_reason(number)
    possible = reason in (pn.ValidationResult.IS_POSSIBLE, pn.ValidationResult.IS_POSSIBLE_LOCAL_ONLY)
    valid = possible and pn.is_valid_number(number)
    region = pn.region_code_for_number(number) or ""
    kind = TYPE_NAMES.get(pn.number_type(number), "unknown") if possible else "unknown"
    place = _geocoder().description_for_number(number, "en") if valid else ""
    if not valid and possible:
        region = pn.region_code_for_country_code(number.country_code or 0)
    country = "" if region in ("ZZ", "") or not possible else region
    why = "" if possible else _REASONS.get(reason, "not a possible number")
    return Facts(possible, valid, country, kind, place, why)


_facts_cache: dict[tuple[int, str], Facts] = {}
_widths: dict[str, int] = {}


def _key_width(head: str) -> int:
    """Digits of a number starting with `head` (its first three) that decide its facts:
    the country code and the `class_depth` after it."""
    width = _widths.get(head)
    if width is None:
        cc = country_code_of(head)
        width = _widths[head] = WHOLE if cc is None else len(str(cc)) + class_depth(cc)
    return width


def facts(e164: str) -> Facts:
    """`library_facts`, computed once per (length, deciding digits)."""
    key = (len(e164), e164[: _key_width(e164[:3])])
    found = _facts_cache.get(key)
    if found is None:
        if len(_facts_cache) > 200_000:
            _facts_cache.clear()
        found = _facts_cache[key] = library_facts(e164)
    return found


def facts_key_width(e164: str) -> int:
    """How many leading digits of `e164` its facts depend on (for walking a range)."""
    return min(len(e164), _key_width(e164[:3]))
