"""didtui.core.views: the pickers' queries and the index-only jump used by the table."""

from __future__ import annotations

from didtui.core import filters, views


def test_page_at_gives_the_rows_at_that_position(seeded):
    for sort in filters.SORTS:
        for filt in (None, filters.resolve_filter(tag="gold"), filters.resolve_filter(status="in_stock")):
            everything = [r.id for r in filters.page(filt, sort=sort, limit=10_000)]
            for offset in (0, 1, 7, 29, 45, 59, 80):
                expected = everything[offset : offset + 10]
                assert [r.id for r in filters.page_at(filt, sort=sort, offset=offset, limit=10)] == expected


def test_complete_name_is_exact_then_case_insensitive_then_unique_prefix(seeded):
    assert views.complete_name("operator", "Colt") == "Colt"
    assert views.complete_name("operator", "colt") == "Colt"
    assert views.complete_name("operator", "tel") == "Telia"
    assert views.complete_name("operator", "nobody") == "nobody"
    assert [name for name, _ in views.operator_choices()] == ["Colt", "Telia"]
    assert [(r.client, r.account, r.active_dids) for r in views.clients_overview()] == [("ACME", "main", 3)]
