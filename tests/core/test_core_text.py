"""Untrusted text: display sanitising, and the input rules for names, tags and notes
(docs/untrusted-data.md), on every backend."""

from __future__ import annotations

import sys
import unicodedata

import pytest
from core_helpers import create
from hypothesis import given, settings
from hypothesis import strategies as st

from didtui.core import inventory, operators, retail
from didtui.core.filters import Selection, row_by_number
from didtui.core.text import (
    check_name,
    check_notes,
    describe_char,
    display_safe,
    is_unsafe,
    notes_for_editing,
    notes_from_editing,
)
from didtui.errors import InputError
from didtui.models import DID, Client, Operator, Package

HOSTILE = [
    "op\x1b]0;PWNTITLE\x07x",
    "\x1b]52;c;aGk=\x07",
    "pre\x1b[2Jpost",
    "\x1b[?1049l",
    "a\x9b31mb",
    "evil\u202etxt.exe",
    "iso\u2066late\u2069",
    "nul\x00byte",
    "del\x7f",
    "line\u2028sep",
]

# Characters a test string draws from: plenty of hostile ones among ordinary text.
_HOSTILE_CHARS = (
    "".join(map(chr, range(0x20)))
    + "\x7f"
    + "".join(map(chr, range(0x80, 0xA0)))
    + "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c\u200b\ufeff\u2028\u2029\u00ad\U000e0001"
)
hostile_text = st.text(
    alphabet=st.one_of(st.sampled_from(_HOSTILE_CHARS), st.characters(), st.sampled_from("[]/@=:;\\'\"")),
    max_size=40,
)


def control_chars(text: str) -> list[str]:
    """What must never reach a terminal: every C0/C1 control, DEL, format character,
    line/paragraph separator and lone surrogate (ZWJ/ZWNJ spared)."""
    return [
        ch
        for ch in text
        if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp", "Cs") and ch not in ("\u200c", "\u200d")
    ]


# ---- display ----------------------------------------------------------------------------


@pytest.mark.parametrize("text", HOSTILE)
def test_display_safe_leaves_no_control_character(text: str) -> None:
    shown = display_safe(text)
    assert control_chars(shown) == []
    assert shown.isprintable()


def test_display_safe_shows_controls_visibly() -> None:
    assert display_safe("op\x1b]0;PWN\x07x") == "op␛]0;PWN␇x"
    assert display_safe("a\tb\nc\rd\x00e\x7f") == "a␉b␊c␍d␀e␡"
    assert display_safe("x\x9by") == "x\\x9by"
    assert display_safe("evil\u202etxt") == "evil\\u202etxt"
    assert display_safe("tag\U000e0001") == "tag\\U000e0001"
    assert display_safe("lone\ud800") == "lone\\ud800"


def test_display_safe_keeps_ordinary_text_as_it_is() -> None:
    for text in ("Telia", "[bold red]x[/]", "[@click=app.quit]X[/]", "Café München", "東京", "👨\u200d👩", "a b"):
        assert display_safe(text) == text


def test_display_safe_keeps_what_it_is_told_to() -> None:
    assert display_safe("one\ntwo\x1b", keep="\n") == "one\ntwo␛"


@settings(max_examples=200, deadline=None)
@given(hostile_text)
def test_display_safe_never_lets_a_control_character_through(text: str) -> None:
    shown = display_safe(text)
    assert control_chars(shown) == []
    shown.encode("utf-8")  # a lone surrogate cannot reach the terminal either
    # Printable text is never altered.
    if not control_chars(text):
        assert shown == text


def test_every_unsafe_character_is_not_printable() -> None:
    """display_safe's fast path (str.isprintable) never skips an unsafe character."""
    assert not any(is_unsafe(ch) and ch.isprintable() for ch in map(chr, range(sys.maxunicode + 1)))


def test_characters_are_named_in_messages() -> None:
    assert describe_char("\x1b") == "ESC (U+001B)"
    assert describe_char("\u202e") == "RIGHT-TO-LEFT OVERRIDE (U+202E)"
    assert describe_char("\x9b") == "control character (U+009B)"


# ---- the rules --------------------------------------------------------------------------


def test_the_rules_without_a_database() -> None:
    assert check_name("[bold red]x[/]", "operator name") == "[bold red]x[/]"
    with pytest.raises(InputError, match=r"operator name holds ESC \(U\+001B\) at character 3"):
        check_name("op\x1b]0;x\x07", "operator name")
    with pytest.raises(InputError, match="client name holds TAB"):
        check_name("a\tb", "client name")
    keep = "\tcol\r\nline 2  "
    assert check_notes(keep) == keep
    with pytest.raises(InputError, match="notes hold NUL"):
        check_notes("a\x00b")
    with pytest.raises(InputError, match="notes holds ESC"):
        check_notes("\x1b]52;c;aGk=\x07")


def test_notes_survive_a_one_line_editor() -> None:
    stored = "a\tb\r\nc\x1b"
    shown = notes_for_editing(stored)
    assert shown == "a␉b␍␊c␛" and control_chars(shown) == []
    assert notes_from_editing(shown, stored) == stored  # left as shown: unchanged, byte for byte
    assert notes_from_editing("a␉b␍␊c edited", stored) == "a\tb\r\nc edited"


# ---- the core refuses them where names, tags and notes enter ------------------------------


@pytest.mark.parametrize("bad", ["op\x1b]0;PWN\x07x", "nul\x00", "rlo\u202e", "c1\x85x", "tab\tname"])
def test_names_with_control_characters_are_refused_naming_the_field(profile, bad: str) -> None:
    with pytest.raises(InputError, match="operator name holds"):
        operators.create_operator(bad)
    with pytest.raises(InputError, match="reseller name holds"):
        retail.create_reseller(bad)
    with pytest.raises(InputError, match="client name holds"):
        retail.create_client(bad)
    client = retail.create_client("ACME")
    with pytest.raises(InputError, match="account name holds"):
        retail.create_account(client.id, bad)
    with pytest.raises(InputError, match="account name holds"):
        retail.create_client("Other", account=bad)
    with pytest.raises(InputError, match="package name holds"):
        retail.create_package(bad, "gold", 5)
    op = operators.create_operator("Telia")
    with pytest.raises(InputError, match="operator name holds"):
        operators.rename_operator(op.id, bad)
    package = retail.create_package("Gold", "gold", 5)
    with pytest.raises(InputError, match="package name holds"):
        retail.update_package(package.id, name=bad)
    assert [o.name for o in Operator.select()] == ["Telia"]
    assert [c.name for c in Client.select()] == ["ACME"]
    assert [p.name for p in Package.select()] == ["Gold"]


def test_markup_like_names_are_kept_as_typed(profile) -> None:
    for name in ("[bold red]x[/]", "[@click=app.quit]X[/]", "[/]"):
        assert operators.create_operator(name).name == name
        assert retail.create_client(name, account=name).name == name
    assert retail.create_package("[/]", "[b]gold[/b]", 1).tags == "[b]gold[/b]"


@pytest.mark.parametrize("bad", ["g\x1b[2J", "g\x00", "g\u2066", "g\nnew"])
def test_tags_with_control_characters_are_refused(profile, bad: str) -> None:
    with pytest.raises(InputError, match="tag holds"):
        retail.create_package("Gold", f"silver, {bad}", 5)
    with pytest.raises(InputError, match="tag holds"):
        create("15550000001", tag=bad)
    create("15550000002", tag="gold")
    row = row_by_number("15550000002")
    with pytest.raises(InputError, match="tag holds"):
        inventory.edit_did(row.id, row.version, {"tag": bad})
    with pytest.raises(InputError, match="tag holds"):
        inventory.mass_edit(Selection.of_ids([row.id]), {"tag": bad})
    assert [(d.number, d.tag) for d in DID.select()] == [("15550000002", "gold")]
    assert Package.select().count() == 0


def test_notes_keep_tabs_and_line_breaks_and_refuse_the_rest(profile) -> None:
    notes = "\tported\r\nfrom X  "
    create("15550000001", notes=notes)
    row = row_by_number("15550000001")
    assert row.notes == notes
    for bad in ("\x1b]52;c;aGk=\x07", "pre\x1b[2Jpost", "a\x00b", "\u202eevil", "x\x7f"):
        with pytest.raises(InputError, match="notes hold"):
            inventory.edit_did(row.id, row.version, {"notes": bad})
        with pytest.raises(InputError, match="notes hold"):
            create("15550000009", notes=bad)
    edited = inventory.edit_did(row.id, row.version, {"notes": "line 1\nline 2\t"})
    assert edited.notes == "line 1\nline 2\t"
    assert DID.select().count() == 1


def test_a_stored_hostile_value_does_not_block_other_edits(profile) -> None:
    """Rows written before these rules (or by other tools) stay editable."""
    create("15550000001", tag="gold")
    DID.update(notes="\x1b]0;old\x07", tag="old\x1bx").execute()
    row = row_by_number("15550000001")
    saved = inventory.edit_did(row.id, row.version, {"status": "reserved", "notes": row.notes, "tag": row.tag})
    assert (saved.status, saved.notes, saved.tag) == ("reserved", "\x1b]0;old\x07", "old\x1bx")
