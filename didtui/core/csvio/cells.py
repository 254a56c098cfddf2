"""Spreadsheet formula neutralising, reversible so an exported file imports back as it was.

A cell a spreadsheet would run as a formula (first character `= + - @`, tab or CR) is
written with a leading apostrophe. To keep that a bijection, a cell that already starts
with an apostrophe followed by one of those (or by another apostrophe) gets one too;
import removes exactly one such apostrophe.
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
