"""Stored and typed text as the screen shows it: literal, never markup, never a control
sequence (docs/untrusted-data.md).

A plain `str` given to Static, Label, Select, DataTable cells or notify() is parsed as
content markup (`[@click=app.quit]x[/]` becomes an action, an unbalanced `[/]` takes the
app down), and neither Content nor Rich's Text removes ESC. Every widget that carries
data from the database, a file or a user gets `literal(...)` instead.
"""

from __future__ import annotations

from rich.text import Text
from textual.content import Content

from didtui.core.text import display_safe


def literal(value: object, keep: str = "") -> Content:
    """`value` as plain text with its control characters made visible (`keep` lists the
    ones to leave to the widget's own layout, e.g. "\\n" in a multi-line message)."""
    return Content(display_safe("" if value is None else str(value), keep))


def safe_cell(value: object) -> object:
    """A table cell as shown: a str becomes `literal()`; a Text or Content holding a
    control character is rebuilt from its visible text (its own style kept, spans
    dropped); numbers and anything else pass as they are."""
    if isinstance(value, str):
        return literal(value)
    if isinstance(value, Text) and not value.plain.isprintable():
        return Text(display_safe(value.plain), style=value.style, justify=value.justify)
    if isinstance(value, Content) and not value.plain.isprintable():
        return literal(value.plain)
    return value


def message(text: str) -> Content:
    """A message of one or more lines (a core error, a summary): literal, line breaks kept."""
    return literal(text, keep="\n")
