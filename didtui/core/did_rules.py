"""The rules a DID's own fields keep, whoever writes them: create, edit, mass edit, import.

`inventory` and the CSV import (core/csvio/validate.py) both call these, so a rule
changed here changes everywhere. Each takes plain values and raises the error a person
is shown; none reads the database.
"""

from __future__ import annotations

from typing import Any

from didtui.core.statuses import AFTER_HOLD, SETTABLE, Status, label
from didtui.core.text import check_notes, check_tag
from didtui.errors import InputError, RuleViolation

TAG_MAX = 100
HOLD_DAYS_MAX = 3650


def why_not_settable(status: str) -> str | None:
    """None if a person (or a file) may give a DID `status`; else why not."""
    value = Status(status)
    if value in SETTABLE:
        return None
    if value is Status.ACTIVE:
        return "only picking makes a DID Active"
    return "only releasing an Active DID puts it on Hold"


def settable_labels(last: str = ", ") -> str:
    """The statuses a DID may be given by hand, as people read them."""
    labels = [label(s) for s in SETTABLE]
    return ", ".join(labels[:-1]) + last + labels[-1]


def check_status(status: str) -> str:
    """A status set by hand: never Active or Hold (picking and releasing own those)."""
    why = why_not_settable(status)
    if why is not None:
        raise RuleViolation(f"a DID cannot be made {label(status)} by hand: {why}; choose {settable_labels()}")
    return status


def check_after_hold(status: str) -> str:
    if Status(status) not in AFTER_HOLD:
        raise InputError("after hold must be In Stock, Reserved or Archived")
    return status


def check_hold_days(days: Any) -> int:
    if not isinstance(days, int) or not 0 <= days <= HOLD_DAYS_MAX:
        raise InputError(f"hold days must be a whole number from 0 to {HOLD_DAYS_MAX}, not {days!r}")
    return days


def check_tag_value(tag: str) -> str:
    """At most TAG_MAX characters, none of them unsafe (core/text.py)."""
    if len(tag) > TAG_MAX:
        raise InputError(f"tag {tag[:20]!r}... is too long: at most {TAG_MAX} characters")
    if not tag.isprintable():  # the text rule's own fast path, without its call
        check_tag(tag)
    return tag


def check_notes_value(notes: str) -> str:
    """No NUL and no unsafe character beyond tabs and line breaks (core/text.py)."""
    if not notes.isprintable():
        check_notes(notes)
    return notes
