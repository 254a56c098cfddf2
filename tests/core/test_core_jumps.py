"""Scrollbar jumps seek from landmarks (the keys of every N-th row) and land on exactly the
rows a jump from the top would: every sort, filtered or not, NULL operators included."""

from __future__ import annotations

import pytest
from test_core_plans import _no_sort, _plan, analyzed  # noqa: F401 - the fixture

from didtui.config import Profile
from didtui.core import filters
from didtui.core.filters import SORT_INDEXES, DIDFilter


@pytest.mark.parametrize("sort", ["number", "status", "tag", "operator"])
def test_a_jump_from_a_landmark_finds_the_same_rows(analyzed: Profile, sort: str) -> None:  # noqa: F811
    marks = filters.landmarks(None, sort=sort, every=3_000)
    assert len(marks.keys) == 20_000 // 3_000
    for offset in (1, 2_999, 3_000, 3_001, 6_000, 10_123, 17_999, 19_950):
        plain = filters.page_at(None, sort=sort, offset=offset, limit=60)
        assert [r.id for r in filters.page_at(None, sort=sort, offset=offset, limit=60, marks=marks)] == [
            r.id for r in plain
        ], offset
    # Each landmark is the key of its row: row 3,000 of the sort is the first landmark.
    row = filters.page_at(None, sort=sort, offset=2_999, limit=1)[0]
    assert marks.keys[0] == row.sort_key(sort)


def test_a_filtered_jump_uses_the_filters_landmarks(analyzed: Profile) -> None:  # noqa: F811
    filt = DIDFilter(number="1555")
    total = filters.count(filt)
    marks = filters.landmarks(filt, sort="number", every=1_000)
    assert len(marks.keys) == total // 1_000
    for offset in (999, 1_000, 4_321, total - 5):
        expected = [r.number for r in filters.page_at(filt, offset=offset, limit=10)]
        assert [r.number for r in filters.page_at(filt, offset=offset, limit=10, marks=marks)] == expected
    assert filters.page_at(filt, offset=total + 10, limit=10, marks=marks) == []


def test_a_jump_after_a_landmark_reads_the_sort_index(analyzed: Profile) -> None:  # noqa: F811
    key = filters.landmarks(None, sort="number", every=5_000).keys[1]
    text, indexes = _plan(*filters.jump_key_sql(None, sort="number", offset=700, after=key))
    assert SORT_INDEXES["number"] in indexes, text
    assert _no_sort(text), text
