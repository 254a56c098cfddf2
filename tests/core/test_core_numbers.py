"""Reading DID numbers, ranges and lists (pure: no database): the one reader, at every
level, on the corpus, and on anything at all (hypothesis)."""

from __future__ import annotations

import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from number_corpus import CORPUS

from didtui.config import Numbering
from didtui.core.numbers import (
    NumberSpan,
    derived,
    display_number,
    normalize_number,
    parse_numbers,
    parse_span,
    read_number,
    read_prefix,
)
from didtui.core.statuses import Status, parse_after_hold, parse_status
from didtui.errors import InputError

DIGITS = Numbering("US", "digits", "international")
GB = Numbering("GB", "valid", "international")
US = Numbering("US", "valid", "international")
DE = Numbering("DE", "valid", "international")


# ---- the corpus ---------------------------------------------------------------------------


@pytest.mark.parametrize("row", CORPUS, ids=[f"{r[0]}:{r[1]}" for r in CORPUS])
def test_the_corpus_reads_as_expected(row: tuple) -> None:
    region, written, expected, why = row
    rules = Numbering(region, "valid", "international")
    if expected:
        assert read_number(written, rules) == expected
        assert [str(s) for s in parse_numbers(written, numbering=rules)] == [expected]
    else:
        with pytest.raises(InputError) as err:
            read_number(written, rules)
        assert why in str(err.value) and repr(written) in str(err.value)


def test_the_corpus_covers_enough_forms_and_countries() -> None:
    assert len(CORPUS) >= 60
    assert len({r[0] for r in CORPUS}) >= 8
    forms = " ".join(r[1] for r in CORPUS)
    for piece in ("tel:", "00 ", "011 ", "(0)", "0800", "07400"):
        assert piece in forms


def test_one_number_in_every_form_is_one_stored_number() -> None:
    forms = ["+44 20 7946 0000", "020 7946 0000", "0044 20 7946 0000", "(020) 7946-0000", "44-20-7946-0000"]
    forms += ["tel:+44-20-7946-0000", "+44 (0)20 7946 0000", "020.7946.0000", "442079460000"]
    assert {read_number(f, GB) for f in forms} == {"442079460000"}
    assert derived("442079460000", GB) == ("GB", "fixed", "London")
    assert derived("448001234567", GB)[:2] == ("GB", "tollfree")
    assert derived("447400123456", GB)[:2] == ("GB", "mobile")


def test_spaces_group_digits_and_lists_take_commas_semicolons_and_new_lines() -> None:
    spans = parse_numbers("+44 20 7946 0000, 020 7946 0001; 0044 20 7946 0002\n+44 20 7946 0003", numbering=GB)
    assert [str(s) for s in spans] == ["442079460000", "442079460001", "442079460002", "442079460003"]


def test_refusals_name_the_token_the_reason_and_the_level_that_would_accept() -> None:
    with pytest.raises(InputError, match=r"'020 7946 000' \(\+44207946000\) is not a valid number for GB") as err:
        read_number("020 7946 000", GB)
    assert 'numbers = "possible"' in str(err.value)
    assert read_number("020 7946 000", Numbering("GB", "possible", "international")) == "44207946000"
    with pytest.raises(InputError, match=r"'20 7' is too short for GB .*numbers = \"digits\"") as err:
        read_number("20 7", GB)
    assert read_number("20 7", Numbering("GB", "digits", "international")) == "207"
    with pytest.raises(InputError, match="has 2 digits"):
        read_number("12", DIGITS)


# ---- ranges and the range rule -------------------------------------------------------------


def test_a_range_ends_in_a_whole_number_or_its_last_digits() -> None:
    for written in (
        "+44 20 7946 0100-0199",
        "442079460100-199",
        "020 7946 0100-020 7946 0199",
        "+442079460100-+442079460199",
    ):
        (span,) = parse_numbers(written, numbering=GB)
        assert (span.first_text, span.last_text, len(span)) == ("442079460100", "442079460199", 100), written
        assert span.written == written


def test_dashes_that_group_digits_make_one_number() -> None:
    assert [str(s) for s in parse_numbers("020-7946-0002", numbering=GB)] == ["442079460002"]
    assert [str(s) for s in parse_numbers("1-201-555-0124", numbering=US)] == ["12015550124"]
    assert [str(s) for s in parse_numbers("+1 201-555-0124", numbering=GB)] == ["12015550124"]
    # The part before the last dash is no whole number: not a range.
    assert len(parse_span("(020) 7946-0003", numbering=GB)) == 1


def test_a_token_that_reads_both_ways_is_refused_as_ambiguous() -> None:
    with pytest.raises(InputError, match="ambiguous") as err:
        parse_span("+49 30 1234-56", numbering=Numbering("DE", "possible", "international"))
    assert "+4930123456" in str(err.value) and "+49301234 to +49301256" in str(err.value)


def test_range_refusals() -> None:
    with pytest.raises(InputError, match="reversed"):
        parse_span("+44 20 7946 0199-0100", numbering=GB)
    with pytest.raises(InputError, match="crosses a number-length boundary"):
        parse_span("+49 30 123456-+49 30 1234567", numbering=Numbering("DE", "possible", "international"))
    with pytest.raises(InputError, match="holds 100 numbers: at most 50"):
        parse_span("+44 20 7946 0100-0199", 50, numbering=GB)
    with pytest.raises(InputError, match=r"\+12020000000 is not a valid number; no number of the range"):
        parse_span("+1 201 999 9990-+1 202 200 0009", 10**7, numbering=US)


def test_digits_level_keeps_the_seeds_forms() -> None:
    assert list(parse_span("0098-0102", numbering=DIGITS)) == ["0098", "0099", "0100", "0101", "0102"]
    assert list(parse_span("111-113", numbering=DIGITS)) == ["111", "112", "113"]
    assert str(parse_span("111-222", numbering=DIGITS)) == "111-222"
    assert normalize_number("+15551230001", DIGITS) == "15551230001"
    assert derived("15551230001", DIGITS) == ("", "", "")
    with pytest.raises(InputError, match="reversed"):
        parse_span("222-111", numbering=DIGITS)
    with pytest.raises(InputError, match="1,000,001 numbers"):
        parse_span("0000000-1000000", numbering=DIGITS)
    with pytest.raises(InputError, match="12 numbers"):
        parse_numbers("100-105, 200-205", max_range=10, numbering=DIGITS)


@pytest.mark.parametrize(
    "text, bad",
    [("111, 12a4, 333", "12a4"), ("1-", "1-"), ("++15", "++15"), ("5+5", "5+5"), ("222-111", "222-111")],
)
def test_each_error_names_the_bad_token(text: str, bad: str) -> None:
    with pytest.raises(InputError) as err:
        parse_numbers(text, numbering=DIGITS)
    assert repr(bad) in str(err.value)


def test_empty_input_and_duplicates_refused() -> None:
    with pytest.raises(InputError, match="no DID number"):
        parse_numbers(" ,\n ", numbering=DIGITS)
    with pytest.raises(InputError, match="0105 is given twice"):
        parse_numbers("0100-0110, 0105", numbering=DIGITS)
    with pytest.raises(InputError, match="442079460000 is given twice"):
        parse_numbers("+44 20 7946 0000, 020 7946 0000", numbering=GB)


def test_a_million_number_range_stays_two_integers() -> None:
    spans = parse_numbers("10000000000-10000999999", numbering=DIGITS)
    assert spans == [NumberSpan(10_000_000_000, 10_000_999_999, 11)]


# ---- issue 12 items 4 and 5: digits are ASCII -----------------------------------------------


@pytest.mark.parametrize("rules", [DIGITS, GB, US])
def test_other_scripts_decimal_digits_are_converted_in_one_place(rules: Numbering) -> None:
    arabic = "\u0661\u0662\u0663\u0664\u0665\u0666\u0667"  # ١٢٣٤٥٦٧
    if rules is DIGITS:
        assert read_number(arabic, rules) == "1234567"
        with pytest.raises(InputError, match="given twice"):
            parse_numbers(f"{arabic}, 1234567", numbering=rules)
    assert read_prefix("\u0664\u0664\u0662\u0660", rules) == "4420"


@pytest.mark.parametrize("rules", [DIGITS, GB, US])
@pytest.mark.parametrize("text", ["12\u00b3", "\u2460\u2461\u2462", "555\u00b9\u00b2\u00b3", "1\u00bd"])
def test_digit_signs_that_are_not_decimal_digits_are_refused(rules: Numbering, text: str) -> None:
    with pytest.raises(InputError, match="not a decimal digit|not allowed"):
        parse_numbers(text, numbering=rules)


@pytest.mark.parametrize("rules", [DIGITS, GB, US])
def test_a_range_longer_than_sys_maxsize_is_refused_without_overflow(rules: Numbering) -> None:
    text = "0000000000000000000-9999999999999999999"
    assert int(text.split("-")[1]) > sys.maxsize
    with pytest.raises(InputError):
        parse_numbers(text, numbering=rules)


@settings(max_examples=400, deadline=None)
@given(text=st.text(max_size=40), rules=st.sampled_from([DIGITS, GB, US, DE]))
def test_any_text_gives_ascii_digits_or_an_input_error(text: str, rules: Numbering) -> None:
    try:
        spans = parse_numbers(text, max_range=1_000, numbering=rules)
    except InputError:
        return
    for span in spans:
        assert span.first_text.isascii() and span.first_text.isdigit() and len(span.first_text) <= 15


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet="0123456789+-() .,;\n\u0661\u00b3", max_size=40))
def test_number_like_text_gives_ascii_digits_or_an_input_error(text: str) -> None:
    for rules in (DIGITS, GB):
        try:
            spans = parse_numbers(text, max_range=1_000, numbering=rules)
        except InputError:
            continue
        assert all(s.first_text.isascii() and s.last_text.isdigit() for s in spans)


# ---- prefixes and display ------------------------------------------------------------------


def test_a_prefix_means_the_same_in_every_form() -> None:
    for text in ("+44 20 7946", "020 7946", "44207946", "0044 20 7946", "44-20-7946"):
        assert read_prefix(text, GB) == "44207946", text
    assert read_prefix("+1 201", US) == "1201"
    assert read_prefix("011 44 20", US) == "4420"


def test_display_follows_the_profile_format() -> None:
    assert display_number("442079460000", "GB", GB) == "+44 20 7946 0000"
    assert display_number("442079460000", "GB", Numbering("GB", "valid", "e164")) == "+442079460000"
    assert display_number("442079460000", "GB", Numbering("GB", "valid", "national")) == "020 7946 0000"
    assert display_number("111", "", GB) == "111"  # no country: as stored
    assert display_number("15551230001", "", DIGITS) == "15551230001"


def test_statuses_as_people_type_them() -> None:
    assert parse_status("In Stock") is Status.IN_STOCK
    assert parse_status("ON HOLD") is Status.HOLD
    assert parse_status("archived") is Status.ARCHIVED
    with pytest.raises(InputError, match="unknown status 'sold'"):
        parse_status("sold")
    with pytest.raises(InputError, match="after hold cannot be Active"):
        parse_after_hold("active")
    assert parse_after_hold("reserved") is Status.RESERVED


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=30), rules=st.sampled_from([DIGITS, GB, US]))
def test_any_prefix_gives_ascii_digits_or_an_input_error(text: str, rules: Numbering) -> None:
    try:
        digits = read_prefix(text, rules)
    except InputError:
        return
    assert digits.isascii() and digits.isdigit()
