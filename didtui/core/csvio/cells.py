"""Spreadsheet formula neutralising, reversible so an exported file imports back as it was.

The rule (docs/output-files.md): export writes a text cell with one extra leading
apostrophe when the cell starts with a character a spreadsheet would run as a formula
(`= + - @`, tab or CR), or with an apostrophe followed by one of those or by another
apostrophe. Import removes one leading apostrophe exactly when it is followed by one of
those characters (or an apostrophe), and nothing else: `'x` stays `'x`, `'` stays `'`.
`restore(neutralise(t)) == t` for every text `t`.
"""

from __future__ import annotations

RISKY = ("=", "+", "-", "@", "\t", "\r")
ESCAPED = (*RISKY, "'")


def neutralise(text: str) -> str:
    if text and (text[0] in RISKY or (text[0] == "'" and len(text) > 1 and text[1] in ESCAPED)):
        return "'" + text
    return text


def restore(text: str) -> str:
    """The inverse of `neutralise`."""
    if len(text) > 1 and text[0] == "'" and text[1] in ESCAPED:
        return text[1:]
    return text
