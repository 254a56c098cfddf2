"""Parsing DID numbers, ranges and lists (pure: no database)."""

from __future__ import annotations

import pytest

from didtui.core.numbers import NumberSpan, count_numbers, normalize_number, parse_numbers, parse_span
from didtui.core.statuses import Status, parse_after_hold, parse_status
from didtui.errors import InputError


def test_single_number_digits_only_plus_dropped_zeros_kept() -> None:
    assert normalize_number("+15551230001") == "15551230001"
    assert normalize_number(" 004420 ") == "004420"
    assert list(parse_span("0044207")) == ["0044207"]


def test_range_is_inclusive_and_keeps_width() -> None:
    span = parse_span("0098-0102")
    assert list(span) == ["0098", "0099", "0100", "0101", "0102"]
    assert len(span) == 5
    assert str(span) == "0098-0102"
    assert list(parse_span("5-5")) == ["5"]


def test_list_mixes_numbers_and_ranges_with_any_separator() -> None:
    spans = parse_numbers("111-113, 200\n+300 400;500\t600-601")
    assert [n for s in spans for n in s] == ["111", "112", "113", "200", "300", "400", "500", "600", "601"]
    assert count_numbers(spans) == 9


@pytest.mark.parametrize(
    "text, bad",
    [
        ("111, 12a4, 333", "12a4"),
        ("111 22-2x", "22-2x"),
        ("1-", "1-"),
        ("-5", "-5"),
        ("+-5", "+-5"),
        ("++15", "++15"),
        ("5+5", "5+5"),
        ("111-2222", "111-2222"),  # widths differ
        ("222-111", "222-111"),  # reversed
    ],
)
def test_each_error_names_the_bad_token(text: str, bad: str) -> None:
    with pytest.raises(InputError) as err:
        parse_numbers(text)
    assert repr(bad) in str(err.value)


def test_range_width_error_says_why() -> None:
    with pytest.raises(InputError, match="same number of digits"):
        parse_span("111-2222")
    with pytest.raises(InputError, match="reversed"):
        parse_span("222-111")


def test_too_long_number_refused() -> None:
    with pytest.raises(InputError, match="at most 32 digits"):
        normalize_number("1" * 33)
    assert normalize_number("1" * 32) == "1" * 32


def test_range_larger_than_max_range_refused() -> None:
    assert len(parse_span("000000-999999")) == 1_000_000  # default max_range: exactly allowed
    with pytest.raises(InputError, match="1,000,001 numbers") as err:
        parse_span("0000000-1000000")
    assert "'0000000-1000000'" in str(err.value)
    with pytest.raises(InputError, match="at most 10"):
        parse_numbers("100-110", max_range=10)
    # The whole list counts too, not just each range.
    with pytest.raises(InputError, match="12 numbers"):
        parse_numbers("100-105 200-205", max_range=10)


def test_empty_input_and_duplicates_refused() -> None:
    with pytest.raises(InputError, match="no DID number"):
        parse_numbers(" ,\n ")
    with pytest.raises(InputError, match="0105 is given twice"):
        parse_numbers("0100-0110, 0105")
    # Same digits, different width: different numbers, both allowed.
    assert count_numbers(parse_numbers("105 0105")) == 2


def test_a_million_number_range_stays_two_integers() -> None:
    spans = parse_numbers("10000000000-10000999999")
    assert spans == [NumberSpan(10_000_000_000, 10_000_999_999, 11)]


def test_statuses_as_people_type_them() -> None:
    assert parse_status("In Stock") is Status.IN_STOCK
    assert parse_status("ON HOLD") is Status.HOLD
    assert parse_status("archived") is Status.ARCHIVED
    with pytest.raises(InputError, match="unknown status 'sold'"):
        parse_status("sold")
    with pytest.raises(InputError, match="after hold cannot be Active"):
        parse_after_hold("active")
    assert parse_after_hold("reserved") is Status.RESERVED
