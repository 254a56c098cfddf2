"""The one-line filter syntax of the filter bar: terms in, `resolve_filter` arguments out.

`4420 status:hold op:"Colt Numbers" tag:london` — a bare term is a number (prefix, or
`*digits` for a substring), the others are `key:value`. The rules (docs/filters.md):

- Terms are separated by blanks. A value ends at the next blank unless it is quoted.
- A value that starts with `"` or `'` is quoted: it runs to the matching closing quote,
  blanks included, and a quote of the same kind inside it is written twice (`'it''s'`
  is `it's`). Quotes anywhere else are ordinary characters (`op:O'Brien`).
- There is no escape character: a backslash is a backslash (`op:back\\slash`).
- `tag:-` (unquoted) and `tag:""` find DIDs without a tag; `tag:"-"` finds the tag `-`.
  Tags are taken exactly as written (case, inner and trailing blanks: `tag:"gold "`).
- Control characters are refused: a filter is typed text, not binary data.

`filter_text` writes values back in this syntax, so that parsing it gives them again.
"""

from __future__ import annotations

import re
import unicodedata

from didtui.errors import InputError

KEYS = {
    "status": "status",
    "s": "status",
    "operator": "operator",
    "op": "operator",
    "o": "operator",
    "tag": "tag",
    "t": "tag",
    "client": "client",
    "c": "client",
    "account": "account",
    "acct": "account",
    "reseller": "reseller",
    "r": "reseller",
    "package": "package",
    "pkg": "package",
    "p": "package",
    "block": "block",
    "b": "block",
    "number": "number",
    "n": "number",
    "did": "number",
    "country": "country",
    "cc": "country",
    "type": "number_type",
    "place": "place",
}
# The short key each field is written back with.
SHORT = {
    "status": "status",
    "operator": "op",
    "tag": "tag",
    "client": "client",
    "account": "account",
    "reseller": "reseller",
    "package": "pkg",
    "block": "block",
    "number_type": "type",
}
NO_TAG = "-"
QUOTES = "\"'"
_KEY = re.compile(r"([A-Za-z]+):")
_ALLOWED_CONTROLS = "\t"


def refuse_controls(what: str, text: str) -> None:
    """InputError when `text` holds a control character (or a lone surrogate, which no
    database accepts as text); `what` names the field in the message."""
    for index, ch in enumerate(text):
        if ch in _ALLOWED_CONTROLS:
            continue
        category = unicodedata.category(ch)
        if category == "Cc":
            raise InputError(
                f"{what}: control character U+{ord(ch):04X} at position {index + 1}: remove it (only printable text)"
            )
        if category == "Cs":
            raise InputError(f"{what}: invalid character at position {index + 1} (not text): remove it")


def refuse_unstorable(what: str, text: str) -> None:
    """InputError for the characters no backend can compare as text: NUL (PostgreSQL
    refuses it in any string) and lone surrogates (not encodable). Other control
    characters are text a stored name may hold (a drill-down filters by it)."""
    for index, ch in enumerate(text):
        if ch == "\x00":
            raise InputError(
                f"{what}: control character U+0000 at position {index + 1}: remove it (only printable text)"
            )
        if unicodedata.category(ch) == "Cs":
            raise InputError(f"{what}: invalid character at position {index + 1} (not text): remove it")


def _quoted(text: str, start: int) -> tuple[str, int]:
    """The value of the quoted string opening at `start`, and the index after it."""
    quote = text[start]
    out: list[str] = []
    i = start + 1
    while i < len(text):
        ch = text[i]
        if ch == quote:
            if text.startswith(quote, i + 1):  # doubled: one literal quote
                out.append(quote)
                i += 2
                continue
            return "".join(out), i + 1
        out.append(ch)
        i += 1
    raise InputError(f"filter: the {quote} at position {start + 1} is never closed: close it with another {quote}")


def _terms(text: str) -> list[tuple[str | None, str, bool]]:
    """(key as typed or None, value, quoted) for each term of the line."""
    terms: list[tuple[str | None, str, bool]] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        start = i
        match = _KEY.match(text, i)
        key = match.group(1) if match else None
        if match:
            i = match.end()
        if i < n and text[i] in QUOTES:
            value, i = _quoted(text, i)
            if i < n and not text[i].isspace():
                raise InputError(
                    f"filter: {text[start:i]} is followed by {text[i]!r}: put a blank after the closing quote"
                )
            terms.append((key, value, True))
            continue
        end = i
        while end < n and not text[end].isspace():
            end += 1
        terms.append((key, text[i:end], False))
        i = end
    return terms


def parse_filter_text(text: str) -> dict[str, str]:
    """The keyword arguments of `resolve_filter` for a typed filter line.

    Raises InputError (never anything else) for a line that does not follow the rules.
    """
    refuse_controls("filter", text)
    values: dict[str, str] = {}
    for key, value, quoted in _terms(text):
        name = "number" if key is None else KEYS.get(key.lower())
        if name is None:
            raise InputError(
                f"filter: unknown field {key!r}; use status, op, tag, client, account, reseller, pkg, block, country, type, place "
                "(or quote a value holding a colon)"
            )
        label = key or "number"
        if name == "tag":
            value = "" if value == NO_TAG and not quoted else value
        elif not value.strip():
            raise InputError(f"filter: {label}: needs a value, e.g. {label}:something (no blank after the colon)")
        if name == "status" and "status" in values:
            value = values["status"] + "," + value
        elif name == "number" and key is None and "number" in values:
            value = values["number"] + " " + value  # `020 7946`: a number's groups, one prefix
        elif name in values:
            raise InputError(f"filter: {label} is given twice: a DID has one {name}, keep one of them")
        values[name] = value
    return values


def quote_value(value: str) -> str:
    """`value` as a filter value: bare when that reads back the same, else in quotes."""
    if value and not any(ch.isspace() for ch in value) and value[0] not in QUOTES:
        return value
    return '"' + value.replace('"', '""') + '"'


def filter_text(values: dict[str, str]) -> str:
    """The line that parses back to `values` (to reopen the bar on the current filter)."""
    parts = []
    for key, raw in values.items():
        value = str(raw)
        if key == "tag" and value in ("", NO_TAG):
            text = NO_TAG if value == "" else f'"{NO_TAG}"'
        else:
            text = quote_value(value)
        if key == "number":
            # A bare number holding a colon after letters would read as key:value.
            parts.append(text if not _KEY.match(text) else '"' + value.replace('"', '""') + '"')
        else:
            parts.append(f"{SHORT.get(key, key)}:{text}")
    return " ".join(parts)
