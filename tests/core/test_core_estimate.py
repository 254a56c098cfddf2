"""The quick count estimate the DIDs table shows while the exact count of a broad filter
is on its way (issue 14): close to the exact count, marked as an estimate by the face,
and withheld where it would be noise or where the exact count is as quick."""

from __future__ import annotations

import pytest
from core_helpers import span
from test_core_plans import _analyze_everything, _plan

from didtui.config import Profile
from didtui.core import filters, inventory, operators
from didtui.core.filters import DIDFilter
from didtui.models import DID


@pytest.fixture
def sampled(profile: Profile, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """12,000 DIDs in three operators' ranges (clustered by id, as ranges are), a sample
    of 2,000 ids so that the table counts as large."""
    monkeypatch.setattr(filters, "ESTIMATE_IDS", 2_000)
    ops = {}
    for i, (name, status) in enumerate((("Telia", "in_stock"), ("Colt", "reserved"), ("Lumen", "blocked"))):
        ops[name] = operators.create_operator(name).id
        inventory.create_dids(
            [span(15550000000 + i * 100_000, 4_000)], operator_id=ops[name], status=status, tag=f"t{i % 2}"
        )
    return ops


def _close(guess: int | None, exact: int, within: float) -> bool:
    return guess is not None and abs(guess - exact) <= within * exact


@pytest.mark.parametrize(
    "filt",
    [
        None,
        DIDFilter(statuses=("blocked",)),
        DIDFilter(statuses=("in_stock", "reserved")),
        DIDFilter(tag="t0"),
        DIDFilter(number="155501"),
        DIDFilter(number="*0"),
    ],
    ids=["all", "blocked", "two-statuses", "tag", "prefix", "substring"],
)
def test_the_estimate_is_close_to_the_exact_count(sampled: dict[str, int], filt: DIDFilter | None) -> None:
    exact = filters.count(filt)
    assert _close(filters.estimate(filt), exact, 0.1), (filters.estimate(filt), exact)


def test_an_operator_filter_is_estimated_from_its_own_range(sampled: dict[str, int]) -> None:
    filt = DIDFilter(operator_id=sampled["Colt"], statuses=("reserved",))
    assert _close(filters.estimate(filt), 4_000, 0.1)
    assert filters.estimate(DIDFilter(operator_id=sampled["Colt"], statuses=("blocked",))) is None  # matches none


def test_deleted_ids_are_not_counted(sampled: dict[str, int]) -> None:
    gone = [i for (i,) in DID.select(DID.id).tuples() if i % 3 != 0]
    for start in range(0, len(gone), 1_000):
        DID.delete().where(DID.id.in_(gone[start : start + 1_000])).execute()
    exact = filters.count(None)
    assert exact == 4_000
    assert _close(filters.estimate(None), exact, 0.1)
    assert _close(
        filters.estimate(DIDFilter(statuses=("blocked",))), filters.count(DIDFilter(statuses=("blocked",))), 0.15
    )


def test_no_estimate_for_a_narrow_filter_or_a_small_table(
    sampled: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert filters.estimate(DIDFilter(number="1555000001")) is None  # 10 DIDs: an estimate would be noise
    assert filters.estimate(DIDFilter(number="1")) is not None
    monkeypatch.setattr(filters, "ESTIMATE_IDS", 6_000)  # the sample would read every id
    assert filters.estimate(None) is None


def test_an_empty_table_has_no_estimate(profile: Profile) -> None:
    assert filters.estimate(None) is None


def test_the_sample_reads_ids_by_primary_key_after_analyze(sampled: dict[str, int]) -> None:
    _analyze_everything()
    low = DID.select(DID.id).order_by(DID.id).first().id
    for filt in (DIDFilter(statuses=("blocked",)), DIDFilter(tag="t0"), DIDFilter(operator_id=sampled["Telia"])):
        text, indexes = _plan(*filters.window_count_sql(filt.where(), low + 100, low + 150))
        lowered = text.lower()
        assert "primary" in lowered or "did_pkey" in lowered, text
        assert not [i for i in indexes if i not in ("did_pkey", "PRIMARY")], text
