"""The `[keymap]` of the config, checked at start: every id must name a binding, and no
key may do two things where both apply (a tab, its table and the keys that work anywhere).

A mistake here is a config error (exit 2 before the app opens), not a key that silently
does nothing or shadows another.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual.binding import Binding

from didtui.errors import ConfigError
from didtui.tui.keyhelp import binding_groups
from didtui.tui.widgets.list_table import ListTable

ANYWHERE = "Anywhere"
# Groups that apply together with another one (the table inside a tab).
WITH = {
    "DIDs tab": ("DIDs table",),
    "An account's DIDs": ("DIDs table",),
    "Operators tab": ("Lists (operators, packages, clients)",),
    "Packages tab": ("Lists (operators, packages, clients)",),
    "Clients tab": ("Lists (operators, packages, clients)",),
}


def _keys(binding: Binding, keymap: dict[str, str]) -> list[str]:
    text = keymap.get(binding.id, binding.key) if binding.id else binding.key
    return [k.strip() for k in text.split(",") if k.strip()]


def _name(binding: Binding) -> str:
    return binding.id or binding.action


def check_keymap(keymap: dict[str, str], where: str = "config") -> None:
    """Raise ConfigError naming the first unknown binding id or key bound twice."""
    groups = {group.where: list(bindings) for group, bindings in binding_groups()}
    lists = "Lists (operators, packages, clients)"
    groups[lists] = [b for b in ListTable.BINDINGS if isinstance(b, Binding)]  # arrows too
    known = {b.id for bindings in groups.values() for b in bindings if b.id}
    for binding_id, keys in keymap.items():
        if binding_id not in known:
            close = sorted(k for k in known if k.split(".")[-1] == binding_id.split(".")[-1])
            hint = f" (did you mean {', '.join(close)}?)" if close else " (the ids are listed in ? help)"
            raise ConfigError(f"{where}: [keymap] {binding_id!r} is not a binding id{hint}")
        if not keys.strip():
            raise ConfigError(f"{where}: [keymap] {binding_id} has no key")
    for name, bindings in groups.items():
        scope: list[Binding] = list(bindings)
        for other in WITH.get(name, ()):
            scope += groups.get(other, [])
        if name != ANYWHERE:
            scope += groups.get(ANYWHERE, [])
        _no_key_twice(name, scope, keymap, where)


def _no_key_twice(scope: str, bindings: Iterable[Binding], keymap: dict[str, str], where: str) -> None:
    seen: dict[str, Binding] = {}
    for binding in bindings:
        for key in _keys(binding, keymap):
            first = seen.setdefault(key, binding)
            if first is not binding and _name(first) != _name(binding):
                raise ConfigError(
                    f"{where}: [keymap] key {key!r} is bound to both {_name(first)} and {_name(binding)} "
                    f"({scope}): give one of them another key"
                )
