"""A filter that fixes the leading columns of an index (status and tag, a tag, an
operator), sorted by number, reads that index in order on every backend after a
whole-database ANALYZE: PostgreSQL once walked the number index instead and threw away
7.5 million rows before the first match (issue 14). The rows are those of the plain
filter, page after page, both ways."""

from __future__ import annotations

import pytest
from core_helpers import span
from test_core_plans import _analyze_everything, _no_sort, _plan

from didtui.config import Profile
from didtui.core import filters, inventory, operators
from didtui.core.filters import SORT_INDEXES, DIDFilter
from didtui.models import DID


@pytest.fixture
def clustered(profile: Profile) -> dict[str, int]:
    """Four quarters as the benchmark builds them: the blocked/berlin DIDs are the last
    numbers, so a walk of the number index would pass every other DID first."""
    ops = {}
    for i, (name, tag, status) in enumerate(
        (
            ("Telia", "gold", "in_stock"),
            ("Lumen", "silver", "reserved"),
            ("Colt", "london", "in_stock"),
            ("Sip", "berlin", "blocked"),
        )
    ):
        ops[name] = operators.create_operator(name).id
        inventory.create_dids([span(15550000000 + i * 100_000, 3_000)], operator_id=ops[name], tag=tag, status=status)
    _analyze_everything()
    return ops


def _filters(ops: dict[str, int]) -> dict[str, tuple[DIDFilter, str]]:
    return {
        "status+tag": (DIDFilter(statuses=("blocked",), tag="berlin"), SORT_INDEXES["status"]),
        "in_stock+gold": (DIDFilter(statuses=("in_stock",), tag="gold"), SORT_INDEXES["status"]),
        "tag": (DIDFilter(tag="berlin"), SORT_INDEXES["tag"]),
        "operator": (DIDFilter(operator_id=ops["Sip"]), SORT_INDEXES["operator"]),
        "operator+prefix": (DIDFilter(operator_id=ops["Sip"], number="155503"), SORT_INDEXES["operator"]),
    }


# (An operator and a number prefix: PostgreSQL may rightly read the prefix's range of the
# number index and sort it; its row estimate for a prefix comes from the number's own
# histogram, so that plan is chosen only when the range is small.)
@pytest.mark.parametrize("case", ["status+tag", "in_stock+gold", "tag", "operator"])
def test_a_fixed_filter_reads_its_index_in_number_order(clustered: dict[str, int], case: str) -> None:
    filt, index = _filters(clustered)[case]
    first = filters.page(filt, limit=50)
    for sql, params in (
        filters.page_keys_sql(filt, sort="number", limit=100),
        filters.page_keys_sql(filt, sort="number", after=first[-1].sort_key("number"), limit=100),
        filters.page_keys_sql(filt, sort="number", last=True, limit=100),
        filters.jump_key_sql(filt, sort="number", offset=1_000),
    ):
        text, indexes = _plan(sql, params)
        assert index in indexes, text
        assert _no_sort(text), text


@pytest.mark.parametrize("case", ["status+tag", "in_stock+gold", "tag", "operator", "operator+prefix"])
def test_a_fixed_filter_pages_the_same_rows(clustered: dict[str, int], case: str) -> None:
    filt, _ = _filters(clustered)[case]
    expected = [n for (n,) in DID.select(DID.number).where(filt.where()).order_by(DID.number).tuples()]
    assert expected and filters.count(filt) == len(expected)
    seen, after = [], None
    while True:
        rows = filters.page(filt, after=after, limit=700)
        seen += [r.number for r in rows]
        if len(rows) < 700:
            break
        after = rows[-1].sort_key("number")
    assert seen == expected
    assert [r.number for r in filters.page(filt, last=True, limit=30)] == expected[-30:]
    before = filters.page(filt, before=(expected[500],), limit=20)
    assert [r.number for r in before] == expected[480:500]
    assert [r.number for r in filters.page_at(filt, offset=1_234, limit=5)] == expected[1_234:1_239]
