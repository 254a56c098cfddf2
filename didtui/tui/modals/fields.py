"""Field helpers shared by the forms: status and name pickers, whole-number parsing."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import TypeVar

from textual.dom import DOMNode
from textual.widgets import Select
from textual.widgets.select import NoSelection

from didtui.core import views
from didtui.core.statuses import AFTER_HOLD, LABELS, SETTABLE, Status
from didtui.errors import InputError
from didtui.tui.text import literal
from didtui.tui.work import db_call

V = TypeVar("V", bound=Hashable)


def status_select(
    id: str,
    statuses: Iterable[Status] = SETTABLE,
    *,
    value: str | None = None,
    blank: bool = False,
    prompt: str = "(unchanged)",
) -> Select[str]:
    options = [(LABELS[s], s.value) for s in statuses]
    return Select(
        options,
        id=id,
        allow_blank=blank,
        prompt=prompt,
        compact=True,
        value=value if value is not None else (Select.NULL if blank else options[0][1]),
    )


def after_hold_select(id: str, *, value: str | None = None, blank: bool = False) -> Select[str]:
    return status_select(id, AFTER_HOLD, value=value, blank=blank)


def name_select(id: str, prompt: str) -> Select[int]:
    """A picker of named rows (operators, resellers, packages), filled by `fill_names`."""
    return Select([], id=id, allow_blank=True, prompt=prompt, compact=True)


def fill_names(
    node: DOMNode,
    select: Select[int],
    source: Callable[[], list[tuple[str, int]]],
    value: int | None = None,
    exclude: int | None = None,
) -> None:
    """Load a picker's choices in a worker; keep `value` chosen once they arrive."""

    def done(choices: list[tuple[str, int]]) -> None:
        select.set_options([(literal(name), i) for name, i in choices if i != exclude])
        if value is not None and any(i == value for _, i in choices):
            select.value = value

    db_call(node, source, done=done)


def operators(node: DOMNode, select: Select[int], value: int | None = None, exclude: int | None = None) -> None:
    fill_names(node, select, views.operator_choices, value, exclude)


def resellers(node: DOMNode, select: Select[int], value: int | None = None) -> None:
    fill_names(node, select, views.reseller_choices, value)


def packages(node: DOMNode, select: Select[int], value: int | None = None) -> None:
    fill_names(node, select, views.package_choices, value)


def chosen(select: Select[V]) -> V | None:
    """The picked value, or None for the blank choice: the one place `Select.NULL`
    becomes None, so the forms never pass Textual's marker on to the core."""
    value = select.value
    return None if isinstance(value, NoSelection) else value


def picked(select: Select[V]) -> V:
    """The value of a picker without a blank choice (`allow_blank=False`)."""
    value = chosen(select)
    if value is None:
        raise ValueError(f"select #{select.id} has no blank choice, yet nothing is chosen")
    return value


def whole_number(text: str, what: str, *, low: int = 0, high: int = 3650) -> int:
    try:
        value = int(text.strip())
    except ValueError:
        raise InputError(f"{what} must be a whole number from {low} to {high}, not {text.strip()!r}") from None
    if not low <= value <= high:
        raise InputError(f"{what} must be from {low} to {high}, not {value}")
    return value
