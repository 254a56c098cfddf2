"""The DID status lifecycle: values, labels, and the words people type for them."""

from __future__ import annotations

from enum import StrEnum

from didtui.errors import InputError


class Status(StrEnum):
    ACTIVE = "active"
    IN_STOCK = "in_stock"
    BLOCKED = "blocked"
    RESERVED = "reserved"
    HOLD = "hold"
    ARCHIVED = "archived"

    @property
    def label(self) -> str:
        return LABELS[self]


LABELS = {
    Status.ACTIVE: "Active",
    Status.IN_STOCK: "In Stock",
    Status.BLOCKED: "Blocked",
    Status.RESERVED: "Reserved",
    Status.HOLD: "Hold",
    Status.ARCHIVED: "Archived",
}

# Statuses a person may give a DID directly (creating or editing it). Active comes only
# from picking, Hold only from releasing.
SETTABLE = (Status.IN_STOCK, Status.RESERVED, Status.BLOCKED, Status.ARCHIVED)
AFTER_HOLD = (Status.IN_STOCK, Status.RESERVED, Status.ARCHIVED)
# Statuses whose DIDs belong (or may still go back) to a client.
ATTACHED = (Status.ACTIVE, Status.HOLD)

_SYNONYMS = {
    "instock": Status.IN_STOCK,
    "stock": Status.IN_STOCK,
    "available": Status.IN_STOCK,
    "free": Status.IN_STOCK,
    "onhold": Status.HOLD,
    "held": Status.HOLD,
    "block": Status.BLOCKED,
    "reserve": Status.RESERVED,
    "archive": Status.ARCHIVED,
    "inuse": Status.ACTIVE,
    "used": Status.ACTIVE,
}


def parse_status(text: str) -> Status:
    """Read a status as people write it: "In Stock", "in_stock", "ON HOLD", "Archived"..."""
    key = "".join(ch for ch in str(text).lower() if ch.isalnum())
    for status in Status:
        if key == status.value.replace("_", ""):
            return status
    if key in _SYNONYMS:
        return _SYNONYMS[key]
    known = ", ".join(LABELS[s] for s in Status)
    raise InputError(f"unknown status {text!r}: use one of {known}")


def parse_after_hold(text: str) -> Status:
    status = parse_status(text)
    if status not in AFTER_HOLD:
        allowed = ", ".join(LABELS[s] for s in AFTER_HOLD)
        raise InputError(f"after hold cannot be {LABELS[status]}: use one of {allowed}")
    return status


def label(value: str | None) -> str:
    """The label of a stored status value ('' for None)."""
    if not value:
        return ""
    try:
        return LABELS[Status(value)]
    except ValueError:
        return value
