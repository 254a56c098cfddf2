"""Text from outside is shown as text, never obeyed: display sanitising and input rules.

Two halves of one rule (docs/untrusted-data.md):

- `display_safe` turns every character a terminal could obey, or that hides what a
  string says, into a visible stand-in, so stored text can never write a control
  sequence (window title, clipboard, screen clear, leaving the alternate screen) or
  reorder what is on the line. The faces pass every piece of stored or typed text
  through it before it reaches the screen.
- `check_name`, `check_tag` and `check_notes` are the input rules the core applies
  where names, tags and notes enter (forms, CSV import, the command line): names and
  tags hold no such character at all; notes may hold tabs and line breaks (kept byte
  for byte through export and import) and nothing else of the kind. NUL is refused
  everywhere (PostgreSQL cannot store it).

Unsafe characters: C0 controls (U+0000-U+001F), DEL, C1 controls (U+0080-U+009F),
format characters (Unicode category Cf: the bidi embeddings, overrides and isolates
U+202A-U+202E and U+2066-U+2069, LRM/RLM/ALM, zero-width spaces, the BOM...), the line
and paragraph separators U+2028/U+2029 and lone surrogates (which cannot even be encoded
for the terminal). ZWJ and ZWNJ (U+200D, U+200C) are spared: scripts and emoji need them
and they move nothing.
"""

from __future__ import annotations

import unicodedata

from didtui.errors import InputError

_UNSAFE_CATEGORIES = frozenset(("Cc", "Cf", "Zl", "Zp", "Cs"))
_SPARED = frozenset(("\u200c", "\u200d"))
NOTES_KEEP = "\t\n\r"
_C0_NAMES = [
    "NUL",
    "SOH",
    "STX",
    "ETX",
    "EOT",
    "ENQ",
    "ACK",
    "BEL",
    "BS",
    "TAB",
    "LF",
    "VT",
    "FF",
    "CR",
    "SO",
    "SI",
    "DLE",
    "DC1",
    "DC2",
    "DC3",
    "DC4",
    "NAK",
    "SYN",
    "ETB",
    "CAN",
    "EM",
    "SUB",
    "ESC",
    "FS",
    "GS",
    "RS",
    "US",
]


def is_unsafe(ch: str) -> bool:
    """True for a character `display_safe` replaces (see the module docstring)."""
    return ch not in _SPARED and unicodedata.category(ch) in _UNSAFE_CATEGORIES


def visible(ch: str) -> str:
    """The stand-in shown for an unsafe character.

    C0 controls and DEL become their Unicode control pictures (␛ for ESC, ␀ for NUL,
    ␉ for tab, ␊ for line feed, ␡ for DEL): one cell wide, so columns stay aligned.
    The others have no picture and are written as Python writes them: `\\x9b`,
    `\\u202e`, `\\U000e0001`.
    """
    code = ord(ch)
    if code < 0x20:
        return chr(0x2400 + code)
    if code == 0x7F:
        return "\u2421"
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def display_safe(text: str, keep: str = "") -> str:
    """`text` with every unsafe character replaced by its visible stand-in.

    `keep` lists characters to leave as they are where the widget lays them out itself
    (a line break in a multi-line message). Nothing else unsafe ever survives, so the
    result cannot drive the terminal. Printable text (the common case) is returned as is.
    """
    if text.isprintable():  # no Cc, Cf, Cs, Zl or Zp (nor other separators) inside
        return text
    return "".join(visible(ch) if ch not in keep and is_unsafe(ch) else ch for ch in text)


def describe_char(ch: str) -> str:
    """`ESC (U+001B)`, `RIGHT-TO-LEFT OVERRIDE (U+202E)`: how error messages name one."""
    code = ord(ch)
    if code < 0x20:
        name = _C0_NAMES[code]
    elif code == 0x7F:
        name = "DEL"
    else:
        name = unicodedata.name(ch, "") or "control character"
    return f"{name} (U+{code:04X})"


def first_unsafe(text: str, keep: str = "") -> tuple[int, str] | None:
    """(position from 1, character) of the first unsafe character not in `keep`, or None."""
    if text.isprintable():
        return None
    for index, ch in enumerate(text, 1):
        if ch not in keep and is_unsafe(ch):
            return index, ch
    return None


def _refuse(text: str, field: str, keep: str, what: str) -> None:
    found = first_unsafe(text, keep)
    if found is not None:
        position, ch = found
        raise InputError(
            f"{field} holds {describe_char(ch)} at character {position}: {what} cannot hold control "
            "or invisible formatting characters; remove it"
        )


def clean_name(value: str | None, kind: str) -> str:
    """A name as typed, stripped: not empty, at most 100 characters, no unsafe character
    (the one rule for operators' siblings: resellers, clients, accounts, packages)."""
    name = (value or "").strip()
    if not name:
        raise InputError(f"a {kind} needs a name")
    if len(name) > 100:
        raise InputError(f"{kind} name is too long: at most 100 characters")
    return check_name(name, f"{kind} name")


def check_name(text: str, field: str) -> str:
    """Refuse a name (operator, reseller, client, account, package) holding an unsafe
    character; returns it unchanged. `field` names it in the message ("operator name")."""
    _refuse(text, field, "", "names")
    return text


def check_tag(text: str, field: str = "tag") -> str:
    """Refuse a tag holding an unsafe character; returns it unchanged."""
    _refuse(text, field, "", "tags")
    return text


def check_notes(text: str, field: str = "notes") -> str:
    """Refuse notes holding NUL or an unsafe character other than tab, LF and CR."""
    if "\x00" in text:
        raise InputError(
            f"{field} hold NUL (U+0000) at character {text.index(chr(0)) + 1}: NUL cannot be stored; remove it"
        )
    _refuse(text, field, NOTES_KEEP, "notes (beyond tabs and line breaks)")
    return text


# ---- notes in a one-line editor ---------------------------------------------------------

_KEPT_PICTURES = {visible(ch): ch for ch in NOTES_KEEP}


def notes_for_editing(notes: str) -> str:
    """Notes as a one-line input shows them: tabs and line breaks as ␉ ␊ ␍ (and any
    other unsafe character, from data stored before these rules, as its stand-in)."""
    return display_safe(notes)


def notes_from_editing(shown: str, stored: str) -> str:
    """The notes to save from what a one-line input holds: the stored notes when the
    field was left as shown, else the text with ␉ ␊ ␍ back as tab, LF and CR, so notes
    keep their layout through an edit of another field or of their own words."""
    if shown == notes_for_editing(stored):
        return stored
    return "".join(_KEPT_PICTURES.get(ch, ch) for ch in shown)
