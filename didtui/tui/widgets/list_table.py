"""A small DataTable for the short lists (operators, packages, clients): row cursor,
keeps the cursor on the same id across reloads. Never used for the DID inventory."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import DataTable

from didtui.tui.keyhelp import help_group
from didtui.tui.text import safe_cell


@help_group("Lists (operators, packages, clients)", order=50)
class ListTable(DataTable, inherit_bindings=False):
    """DataTable's keys minus `enter`, which each tab binds itself (and the footer shows)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *(b for b in DataTable.BINDINGS if isinstance(b, Binding) and b.key != "enter"),
        Binding("g", "scroll_top", "First", show=False, id="list.first"),
        Binding("G", "scroll_bottom", "Last", show=False, id="list.last"),
    ]

    def __init__(self, columns: Sequence[str | tuple[str, int]], **kwargs: Any) -> None:
        """`columns`: titles, or (title, width) for text columns whose width must not
        depend on the rows loaded first."""
        super().__init__(cursor_type="row", zebra_stripes=False, **kwargs)
        self._column_specs = [c if isinstance(c, tuple) else (c, None) for c in columns]

    def _add_columns(self) -> None:
        for title, width in self._column_specs:
            self.add_column(title, width=width)

    def on_mount(self) -> None:
        if not self.columns:
            self._add_columns()

    def set_rows(self, rows: Iterable[tuple[Any, Sequence[Any]]]) -> None:
        """Replace the rows (key, cells); the cursor stays on the same key if it is still there."""
        keep = self.current_key
        self.clear()
        for key, cells in rows:
            # Names come from other users and files: literal text, never markup.
            self.add_row(*(safe_cell(c) for c in cells), key=str(key))
        if keep is not None:
            try:
                self.move_cursor(row=self.get_row_index(keep), animate=False)
            except Exception:  # noqa: BLE001 - the row is gone: stay where the index is
                pass

    @property
    def current_key(self) -> str | None:
        if not self.row_count:
            return None
        try:
            return self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        except Exception:  # noqa: BLE001
            return None
