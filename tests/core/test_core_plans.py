"""The DIDs page, jump and count queries keep their index after a whole-database ANALYZE.

A DBA, `PRAGMA optimize` or a backup tool may refresh every table's statistics; with
them SQLite once chose to scan the operator index and sort the whole table for the first
page (issue 14: 30-300x slower). The queries pin the sort index where the backend allows
(INDEXED BY, FORCE INDEX) and are shaped so that every plan reads it in order
(PostgreSQL): EXPLAIN shows the intended index and no sort.
"""

from __future__ import annotations

from typing import Any

import pytest
from core_helpers import span

from didtui import db as dbmod
from didtui.config import Profile
from didtui.core import filters, inventory, operators
from didtui.core.filters import SORT_INDEXES, DIDFilter
from didtui.models import ALL_MODELS, DID, database_proxy


def _analyze_everything() -> None:
    kind = dbmod.backend()
    if kind == "mysql":
        names = ", ".join(m._meta.table_name for m in ALL_MODELS)
        database_proxy.execute_sql(f"ANALYZE TABLE {names}").fetchall()
    else:
        database_proxy.execute_sql("ANALYZE")


def _plan(sql: str, params: list[Any]) -> tuple[str, list[str]]:
    """(the plan as text, the indexes it reads)."""
    kind = dbmod.backend()
    if kind == "sqlite":
        rows = database_proxy.execute_sql("EXPLAIN QUERY PLAN " + sql, params).fetchall()
        text = "\n".join(str(r[-1]) for r in rows)
        return text, [w for w in text.replace("(", " ").split() if w.startswith("did_")]
    if kind == "postgresql":
        rows = database_proxy.execute_sql("EXPLAIN " + sql, params).fetchall()
        text = "\n".join(r[0] for r in rows)
        return text, [w for w in text.split() if w.startswith("did_")]
    cursor = database_proxy.execute_sql("EXPLAIN " + sql, params)
    names = [d[0] for d in cursor.description]
    rows = [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]
    text = "\n".join(f"{r['table']} key={r['key']} extra={r['Extra']}" for r in rows)
    return text, [r["key"] for r in rows if r["key"]]


def _no_sort(text: str) -> bool:
    lowered = text.lower()
    return "temp b-tree for order by" not in lowered and "filesort" not in lowered and "sort key" not in lowered


@pytest.fixture
def analyzed(profile: Profile) -> Profile:
    """20,000 DIDs spread over operators, statuses and tags; then a whole-database ANALYZE."""
    ops = [operators.create_operator(f"Op{i}").id for i in range(3)]
    for i, op in enumerate(ops):
        inventory.create_dids([span(15550000000 + i * 10_000, 5_000)], operator_id=op, tag=f"t{i}")
    inventory.create_dids([span(15590000000, 5_000)], status="reserved", tag="gold")
    _analyze_everything()
    return profile


@pytest.mark.parametrize("sort", ["number", "status", "tag", "operator"])
def test_the_first_page_reads_its_sort_index_in_order(analyzed: Profile, sort: str) -> None:
    text, indexes = _plan(*filters.page_keys_sql(None, sort=sort, limit=100))
    assert SORT_INDEXES[sort] in indexes, text
    assert _no_sort(text), text


def test_later_pages_and_a_number_prefix_keep_the_number_index(analyzed: Profile) -> None:
    first = filters.page(None, limit=100)
    key = first[-1].sort_key("number")
    for sql, params in (
        filters.page_keys_sql(None, sort="number", after=key, limit=100),
        filters.page_keys_sql(None, sort="number", before=key, limit=100),
        filters.page_keys_sql(None, sort="number", last=True, limit=100),
        filters.page_keys_sql(DIDFilter(number="1556"), sort="number", limit=100),
    ):
        text, indexes = _plan(sql, params)
        assert "did_number" in indexes, text
        assert _no_sort(text), text


@pytest.mark.parametrize("sort", ["number", "status", "operator"])
def test_a_jump_reads_the_sort_index(analyzed: Profile, sort: str) -> None:
    text, indexes = _plan(*filters.jump_key_sql(None, sort=sort, offset=10_000))
    assert SORT_INDEXES[sort] in indexes, text
    assert _no_sort(text), text


def test_a_status_count_reads_the_status_index(analyzed: Profile) -> None:
    text, indexes = _plan(*filters.count_sql(DIDFilter(statuses=("reserved",))))
    assert "did_status_tag_number" in indexes, text


def test_pages_are_still_right_after_the_reshaping(analyzed: Profile) -> None:
    numbers = [n for (n,) in DID.select(DID.number).order_by(DID.number).tuples()]
    rows = filters.page(None, limit=100)
    assert [r.number for r in rows] == numbers[:100]
    after = filters.page(None, after=rows[-1].sort_key("number"), limit=100)
    assert [r.number for r in after] == numbers[100:200]
    before = filters.page(None, before=after[0].sort_key("number"), limit=50)
    assert [r.number for r in before] == numbers[50:100]
    assert [r.number for r in filters.page(None, last=True, limit=10)] == numbers[-10:]
    assert [r.number for r in filters.page_at(None, offset=12_345, limit=5)] == numbers[12_345:12_350]
    assert filters.count(DIDFilter(statuses=("reserved",))) == 5_000
    assert filters.count(DIDFilter(number="1559")) == 5_000
