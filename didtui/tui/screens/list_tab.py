"""A tab that is one ListTable over the rows a core call returns (Operators, Packages)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from didtui.tui.widgets.list_table import ListTable
from didtui.tui.words import count
from didtui.tui.work import db_call


class ListTab(Vertical):
    """Loads its rows in a worker, shows them with a summary line, knows the current row.

    Subclasses say which columns (`COLUMNS`), how to read (`load`), how a row looks
    (`cells`) and what the summary says (`summary`).
    """

    COLUMNS: ClassVar[Sequence[Any]] = ()
    GROUP: ClassVar[str] = "list"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.rows: dict[str, Any] = {}

    def compose(self) -> ComposeResult:
        yield Static("loading…", classes="summary")
        yield ListTable(list(self.COLUMNS), id=f"{self.GROUP}-table")

    def load(self) -> list[Any]:
        raise NotImplementedError

    def cells(self, row: Any) -> list[Any]:
        raise NotImplementedError

    def summary(self, rows: list[Any]) -> str:
        return f"{count(len(rows), 'row')}"

    @property
    def table(self) -> ListTable:
        return self.query_one(ListTable)

    def focus_main(self) -> None:
        self.screen.set_focus(self.table)

    def refresh_data(self) -> None:
        db_call(self, self.load, done=self._show, group=self.GROUP, exclusive=True)

    def action_refresh(self) -> None:
        self.refresh_data()

    def _show(self, rows: Iterable[Any]) -> None:
        rows = list(rows)
        self.rows = {str(r.id): r for r in rows}
        self.table.set_rows((r.id, self.cells(r)) for r in rows)
        self.query_one(".summary", Static).update(self.summary(rows))

    @property
    def current(self) -> Any | None:
        key = self.table.current_key
        return self.rows.get(key) if key else None
