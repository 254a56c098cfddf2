"""What flows between the import stages (core/csvio/importer.py): a checked row of the
file, the defaults it falls back on, and the writes planned for it.

Rows are NamedTuples, not dataclasses: a million of them stream through one import, and a
tuple is built at a fifth of the cost while keeping its fields named and typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

from didtui.core.did_writes import NewDID
from didtui.core.numbers import NumberSpan


@dataclass(frozen=True)
class NewOperator:
    """An operator the file names that does not exist yet: created when the import writes."""

    key: str  # the name casefolded: how names match
    name: str  # as first written in the file


# An operator a row names: an existing operator's id, or one the import will create.
OperatorRef = int | NewOperator
# One number (stored form) or a range of them.
Numbers = str | NumberSpan


class ImportRow(NamedTuple):
    """One good row of the file, each field as stored, None where the file gives none."""

    line: int
    cells: list[str]
    numbers: Numbers
    status: str | None
    operator: OperatorRef | None
    tag: str | None
    notes: str | None
    reseller: int | None  # an id; negative: a reseller created at the final step (SQLite)
    after_hold: str | None


@dataclass(frozen=True)
class Defaults:
    """What a new DID gets for a field its row leaves empty (ImportOptions, checked)."""

    status: str
    operator: OperatorRef | None
    tag: str
    notes: str
    reseller: int | None
    after_hold: str


class Existing(NamedTuple):
    """A DID of the file that is already in the inventory, as read in its chunk's lookup."""

    number: str
    id: int
    status: str
    operator_id: int | None
    tag: str | None
    notes: str | None
    reseller_id: int | None
    after_hold: str | None
    version: int


class DIDUpdate(NamedTuple):
    """An existing DID's planned change: the fields to set, guarded by its version, and
    its event's changes ({field: [old, new]})."""

    number: str
    did_id: int
    version: int
    fields: dict[str, Any]
    changes: dict[str, list[Any]]


EventRow = tuple[Any, ...]  # at, actor, did_number, action, changes, batch

__all__ = [
    "DIDUpdate",
    "Defaults",
    "EventRow",
    "Existing",
    "ImportRow",
    "NewDID",
    "NewOperator",
    "Numbers",
    "OperatorRef",
]
