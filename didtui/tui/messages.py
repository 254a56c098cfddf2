"""Messages the tabs and screens send up to the app, which they do not import: kept
below every screen so that any of them can send one without an import cycle."""

from __future__ import annotations

from typing import Any

from textual.message import Message


class DataChanged(Message):
    """DIDs changed: every visible table re-reads (sent to the app)."""


class DrillDown(Message):
    """Open the DIDs tab filtered by `values`; esc there comes back to tab `back_to`
    (sent to the app, which the tabs and screens below it do not import)."""

    def __init__(self, values: dict[str, Any], back_to: str) -> None:
        super().__init__()
        self.values = values
        self.back_to = back_to
