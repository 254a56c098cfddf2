"""A SelectionList and a Checkbox whose boxes say their state in a mark, not in colour alone.

Textual draws every box as `X` and tells checked from unchecked only by colour, which
16-colour and NO_COLOR terminals lose: here a checked box shows `✓`, an unchecked one `·`.
"""

from __future__ import annotations

from rich.segment import Segment
from textual.strip import Strip
from textual.widgets import Checkbox, SelectionList
from textual.widgets._toggle_button import ToggleButton

CHECKED, UNCHECKED = "✓", "·"


class MarkedSelectionList(SelectionList):
    def render_line(self, y: int) -> Strip:
        line = super().render_line(y)
        segments = list(line)
        if len(segments) < 3 or segments[1].text != ToggleButton.BUTTON_INNER:
            return line
        try:
            option = self.get_option_at_index(int(self.scroll_offset.y) + y)
        except Exception:  # noqa: BLE001 - past the last option
            return line
        mark = CHECKED if option.value in self._selected else UNCHECKED
        segments[1] = Segment(mark, segments[1].style, segments[1].control)
        return Strip(segments, line.cell_length)


class MarkedCheckbox(Checkbox):
    @property
    def BUTTON_INNER(self) -> str:  # type: ignore[override]
        return CHECKED if self.value else UNCHECKED
