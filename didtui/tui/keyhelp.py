"""Which keys apply where, declared by the screens and widgets themselves.

Each class that owns bindings says where they apply with `@help_group(...)`; the `?`
help and the command palette (screens/help.py) list what was declared, so the help
screen needs to import none of the screens, nor the app (no import cycle).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from textual.binding import Binding

T = TypeVar("T")


@dataclass(frozen=True)
class HelpGroup:
    where: str  # the heading in the help screen, e.g. "DIDs tab"
    tab: str  # the tab it lives on ("" for anywhere / dialogs)
    order: int  # position in the help screen
    target: str | None  # the widget (CSS selector) palette commands run the action on


_declared: list[tuple[HelpGroup, type[Any]]] = []


def help_group(where: str, *, order: int, tab: str = "", target: str | None = None) -> Callable[[T], T]:
    """Class decorator: the class's own bindings are listed under `where`."""

    def declare(cls: T) -> T:
        _declared.append((HelpGroup(where, tab, order, target), cls))  # type: ignore[arg-type]
        return cls

    return declare


def binding_groups() -> list[tuple[HelpGroup, list[Binding]]]:
    """Each declared place with its bindings (those with an id, each listed once)."""
    groups: dict[str, tuple[HelpGroup, list[Binding]]] = {}
    for group, cls in sorted(_declared, key=lambda item: item[0].order):
        _, bindings = groups.setdefault(group.where, (group, []))
        known = {b.id for b in bindings}
        for binding in cls.__dict__.get("BINDINGS", []):
            if isinstance(binding, Binding) and binding.id and binding.id not in known:
                bindings.append(binding)
                known.add(binding.id)
    return list(groups.values())
