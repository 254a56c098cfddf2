"""The fast path gives the library's answers: readings and facts, on the corpus, on whole
ranges and blocks, and on random numbers (hypothesis, bounded)."""

from __future__ import annotations

import random

import phonenumbers as pn
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from number_corpus import CORPUS

from didtui.config import Numbering
from didtui.core import phoneplan
from didtui.core.numbers import _clean, _library_read, fact_blocks, parse_span, read_e164

REGIONS = ["US", "GB", "DE", "FR", "IT", "AR", "MX", "BR", "IN", "AU", "JP", "CN", "RU", "NL", "ES", "ZA"]


def _library_outcome(plus: bool, digits: str, region: str) -> str:
    try:
        return _library_read(plus, digits, region)
    except pn.NumberParseException as exc:
        return f"error {exc.error_type}"


def _fast_outcome(plus: bool, digits: str, region: str) -> str:
    try:
        return read_e164(plus, digits, region)
    except pn.NumberParseException as exc:
        return f"error {exc.error_type}"


def test_the_geocoder_prefix_bound_is_the_librarys() -> None:
    from phonenumbers import geocoder

    assert phoneplan.GEOCODE_LONGEST_PREFIX == geocoder.GEOCODE_LONGEST_PREFIX
    assert max(len(prefix) for prefix in geocoder.GEOCODE_DATA) <= phoneplan.GEOCODE_LONGEST_PREFIX


def test_regex_depth_counts_the_digits_a_pattern_constrains() -> None:
    assert phoneplan.regex_depth(r"\d{10}") == 0
    assert phoneplan.regex_depth(r"20\d{8}") == 2
    assert phoneplan.regex_depth(r"(?:2[0-4]|3\d)\d{6}") == 2
    assert phoneplan.regex_depth(r"7(?:[1-57-9]\d\d|624)\d{5}") == 4
    assert phoneplan.regex_depth(r"\d{2,3}5") == 4
    assert phoneplan.regex_depth(r"[0-9]+1") == phoneplan.WHOLE


@pytest.mark.parametrize("row", CORPUS, ids=[f"{r[0]}:{r[1]}" for r in CORPUS])
def test_the_reader_reads_the_corpus_as_the_library_does(row: tuple) -> None:
    region, written, _expected, _why = row
    try:
        plus, digits = _clean(written)
    except Exception:  # noqa: BLE001 - refused before the library: the reader test says why
        return
    assert _fast_outcome(plus, digits, region) == _library_outcome(plus, digits, region)
    try:
        library = pn.parse(written, region)
    except pn.NumberParseException:
        return
    fast = _fast_outcome(plus, digits, region)
    assert fast == f"{library.country_code}{pn.national_significant_number(library)}"


@pytest.mark.parametrize("row", CORPUS, ids=[f"{r[0]}:{r[1]}" for r in CORPUS])
def test_facts_of_the_corpus_equal_the_library(row: tuple) -> None:
    _region, _written, expected, _why = row
    if not expected:
        return
    assert phoneplan.facts(expected) == phoneplan.library_facts(expected)


def test_facts_of_every_number_of_ranges_equal_the_library() -> None:
    """Blocks of the benchmark's kind: every number of them, against the library."""
    rules = Numbering("GB", "possible", "international")
    for written in (
        "+44 20 7946 0000-2999",
        "+1 201 555 0100-0399",
        "+49 30 1234 5000-+49 30 1234 5999",
        "+33 1 42 68 5300-5999",
        "+61 2 1234 0000-9999",
    ):
        span = parse_span(written, numbering=rules)
        for low, high, facts in fact_blocks(span):
            for value in range(low, high + 1, 7):
                assert phoneplan.library_facts(f"{value:0{span.width}d}") == facts


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    region=st.sampled_from(REGIONS),
    plus=st.booleans(),
    digits=st.text(alphabet="0123456789", min_size=3, max_size=16),
)
def test_random_readings_equal_the_library(region: str, plus: bool, digits: str) -> None:
    assert _fast_outcome(plus, digits, region) == _library_outcome(plus, digits, region)


@settings(max_examples=300, deadline=None)
@given(region=st.sampled_from(REGIONS), seed=st.integers(0, 2**32))
def test_random_numbers_near_real_ones_get_the_library_facts(region: str, seed: int) -> None:
    """Example numbers of each region with their last digits changed: same key, maybe
    different number; the cached facts must still be the library's."""
    rng = random.Random(seed)
    example = pn.example_number(region) or pn.example_number_for_type(region, pn.PhoneNumberType.MOBILE)
    e164 = f"{example.country_code}{pn.national_significant_number(example)}"
    cut = rng.randint(1, len(e164) - 1)
    number = e164[:cut] + "".join(rng.choice("0123456789") for _ in range(len(e164) - cut))
    assert phoneplan.facts(number) == phoneplan.library_facts(number)
    assert phoneplan.facts(e164) == phoneplan.library_facts(e164)
