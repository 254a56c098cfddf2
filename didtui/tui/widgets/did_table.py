"""The lazy DID table: a virtual scroll view over the database, never the whole inventory.

The view's virtual height is the number of matching DIDs; `render_line` reads rows from
a small cache of fixed-size blocks. A missing block is fetched in a thread worker by key
from a loaded neighbour (`after` the previous block's last key, `before` the next
block's first key), the first and last blocks directly, and only a jump into the middle
(a scrollbar drag) pays for an OFFSET, over the sort columns' index only. Neighbours of the visible blocks are prefetched,
so paging stays as fast at row 900,000 as at row 10.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from didtui.core import filters
from didtui.core.filters import DIDFilter, DIDRow, Selection
from didtui.core.numbers import display_number
from didtui.tui.keyhelp import help_group
from didtui.tui.work import db_call

BLOCK = 100
MAX_BLOCKS = 24
# Past this many matching rows, a background pass notes the key of every LANDMARK_EVERY-th
# row (at most LANDMARKS of them), so that a scrollbar jump seeks from the nearest one.
LANDMARK_EVERY = 10_000
LANDMARKS = 1_000


@dataclass(frozen=True)
class Column:
    """A table column. `priority`: lower shows first, left to right after the fixed DID
    column; the columns that do not fit come into view with left/right. `grow`: takes a
    share of the width left over after the whole columns that fit (large terminals)."""

    title: str
    width: int
    value: Callable[[DIDRow], str]
    priority: int
    grow: bool = False


def _hold(row: DIDRow) -> str:
    return row.hold_until.strftime("%Y-%m-%d %H:%M") if row.hold_until else ""


# At 80 columns DID, Status, Client and Operator show without scrolling. A new column is
# one line here, with the priority that says where it goes.
COLUMNS = (
    Column("DID", 17, lambda r: display_number(r.number, r.country), priority=0),
    Column("Status", 9, lambda r: r.status_label, priority=10),
    Column("Client", 24, lambda r: r.client_account, priority=20, grow=True),
    Column("Operator", 16, lambda r: r.operator, priority=30),
    Column("Tag", 10, lambda r: r.tag, priority=40),
    Column("Hold until", 16, _hold, priority=50),
    Column("Package", 14, lambda r: r.package, priority=60),
    Column("Reseller", 18, lambda r: r.reseller, priority=70),
    Column("Notes", 20, lambda r: r.notes.replace("\n", " "), priority=80, grow=True),
    Column("ID", 8, lambda r: str(r.id), priority=90),
    # Derived from the number (core/numbers.py): the first to go at narrow widths.
    Column("Country", 7, lambda r: r.country, priority=100),
    Column("Type", 10, lambda r: r.number_type, priority=110),
    Column("Place", 16, lambda r: r.place, priority=120),
)
ORDERED = tuple(sorted(COLUMNS, key=lambda c: c.priority))
FIXED, SCROLLING = ORDERED[0], ORDERED[1:]
MARK_WIDTH = 2
TOTAL_WIDTH = MARK_WIDTH + sum(c.width + 1 for c in COLUMNS)
SORT_TITLES = {"number": "DID", "status": "Status", "operator": "Operator", "tag": "Tag"}


def layout(width: int, first: int = 0) -> list[tuple[Column, int]]:
    """The columns shown in `width` cells, the scrolling ones from `first` on, each with
    the width it gets: whole columns only (at least one beside DID, cut if it must be)."""
    room = width - MARK_WIDTH - (FIXED.width + 1)
    shown: list[tuple[Column, int]] = []
    for column in SCROLLING[first:]:
        if column.width + 1 > room:
            if not shown and room > 2:
                shown.append((column, room - 1))
            break
        shown.append((column, column.width))
        room -= column.width + 1
    if room > 0:  # the spare room widens the columns that grow (Client, Notes)
        growing = [i for i, (c, _) in enumerate(shown) if c.grow]
        for n, i in enumerate(growing):
            extra = room // len(growing) + (1 if n < room % len(growing) else 0)
            shown[i] = (shown[i][0], shown[i][1] + extra)
    return [(FIXED, FIXED.width), *shown]


def last_first(width: int) -> int:
    """The largest `first` worth scrolling to: the one that shows the last column."""
    for first in range(len(SCROLLING)):
        if layout(width, first)[-1][0] is SCROLLING[-1]:
            return first
    return len(SCROLLING) - 1


def _cell(text: str, width: int) -> str:
    return text[: width - 1] + "…" if len(text) > width else text.ljust(width)


@help_group("DIDs table", tab="dids", order=20, target="#dids-table")
class DIDTable(ScrollView, can_focus=True):
    """A keyboard-driven table over `filters.page`, with marks kept as ids or a filter."""

    BINDINGS = [
        Binding("up,k", "cursor(-1)", "Up", show=False, id="table.up"),
        Binding("down,j", "cursor(1)", "Down", show=False, id="table.down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="table.page_up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="table.page_down"),
        Binding("g,home", "first", "First", show=False, id="table.first"),
        Binding("G,end", "last", "Last", show=False, id="table.last"),
        Binding("left", "scroll_columns(-1)", "Columns left", show=False, id="table.left"),
        Binding("right", "scroll_columns(1)", "Columns right", show=False, id="table.right"),
    ]

    COMPONENT_CLASSES = {
        "didtable--header",
        "didtable--cursor",
        "didtable--marked",
        "didtable--pending",
        "didtable--active",
        "didtable--hold",
        "didtable--blocked",
        "didtable--reserved",
        "didtable--archived",
        "didtable--in_stock",
    }

    DEFAULT_CSS = """
    DIDTable { height: 1fr; overflow-x: hidden; }
    DIDTable > .didtable--header { text-style: bold; background: $panel; }
    DIDTable > .didtable--cursor { background: $accent 40%; text-style: bold; }
    DIDTable:focus > .didtable--cursor { background: $accent; color: $text; }
    DIDTable:ansi > .didtable--cursor { background: ansi_default; text-style: bold underline; }
    DIDTable:ansi:focus > .didtable--cursor { background: ansi_blue; color: ansi_bright_white; text-style: bold; }
    DIDTable > .didtable--marked { color: $warning; text-style: bold; }
    DIDTable > .didtable--pending { color: $text-muted; }
    DIDTable > .didtable--active { color: $success; }
    DIDTable > .didtable--hold { color: $warning; }
    DIDTable > .didtable--blocked { color: $error; }
    DIDTable > .didtable--reserved { color: $secondary; }
    DIDTable > .didtable--archived { color: $text-muted; }
    DIDTable > .didtable--in_stock { color: $text; }
    """

    cursor: reactive[int] = reactive(0, always_update=True, repaint=False)

    class Changed(Message):
        """The count, the marks or the cursor changed: the summary line follows."""

        def __init__(self, table: DIDTable) -> None:
            super().__init__()
            self.table = table

    class Activated(Message):
        """A double click, or a click on the cursor row: open the row."""

        def __init__(self, table: DIDTable) -> None:
            super().__init__()
            self.table = table

    class Failed(Message):
        """Loading failed: the message is for the user."""

        def __init__(self, table: DIDTable, error: str) -> None:
            super().__init__()
            self.table = table
            self.error = error

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.filter = DIDFilter()
        self.sort = "number"
        self.total: int | None = None
        self.counting = False  # rows shown, the count of all matching still on its way
        self.estimate: int | None = None  # while counting: a quick estimate of the count
        self._landmarks: filters.Landmarks | None = None
        self.marked_ids: set[int] = set()
        self.marked_all = False
        self._page_blocks: OrderedDict[int, list[DIDRow]] = OrderedDict()
        self._fetching: set[int] = set()
        self._wanted: set[int] = set()
        self._generation = 0
        self._schedule_queued = False
        self.first_column = 0  # the first of the scrolling columns shown (left/right)
        self.virtual_size = Size(0, 1)

    # ---- what the rest of the app reads -------------------------------------------------

    @property
    def current_row(self) -> DIDRow | None:
        return self.row_at(self.cursor)

    def row_at(self, position: int) -> DIDRow | None:
        block = self._page_blocks.get(position // BLOCK)
        if block is None:
            return None
        index = position % BLOCK
        return block[index] if index < len(block) else None

    @property
    def marked_count(self) -> int:
        if self.marked_all:
            return self.total or 0
        return len(self.marked_ids)

    def selection(self) -> Selection | None:
        """The marked DIDs as the core takes them, or None when nothing is marked."""
        if self.marked_all:
            return Selection.matching(self.filter)
        if self.marked_ids:
            return Selection.of_ids(self.marked_ids)
        return None

    def is_settled(self) -> bool:
        """True once the count and every visible row are loaded (tests, benchmark)."""
        if self.total is None or self.counting:
            return False
        return all(self.row_at(p) is not None for p in self._visible_positions())

    def count_shown(self) -> bool:
        """True once the summary shows a count: the exact one, or an estimate meanwhile."""
        return self.total is not None and (not self.counting or self.estimate is not None)

    def rows_shown(self) -> bool:
        """True once the visible rows are loaded, even if the count is still on its way."""
        if self.total is None:
            return False
        return all(self.row_at(p) is not None for p in self._visible_positions())

    # ---- loading ------------------------------------------------------------------------

    def load(self, filt: DIDFilter | None = None, sort: str | None = None, *, keep_marks: bool = False) -> None:
        """Show `filt` in `sort` order from the top (or re-read the current one)."""
        if filt is not None:
            self.filter = filt
        if sort is not None:
            self.sort = sort
        if not keep_marks:
            self.marked_ids.clear()
            self.marked_all = False
        self.cursor = 0
        self.scroll_to(0, 0, animate=False, immediate=True, force=True)
        self._reset()

    def reload(self) -> None:
        """Re-read count and rows where the cursor is (after a change): marks stay."""
        self._reset(keep_position=True)

    def _reset(self, keep_position: bool = False) -> None:
        self._generation += 1
        generation = self._generation
        first_block = (self.cursor // BLOCK) if keep_position else 0
        previous = self._page_blocks.get(first_block - 1)
        anchor = previous[-1].sort_key(self.sort) if previous and len(previous) == BLOCK else None
        if not keep_position:
            self._page_blocks.clear()  # a re-read keeps showing the old rows until the new ones land
        self._fetching.clear()
        self._wanted.clear()
        filt, sort = self.filter, self.sort
        if not keep_position:
            self.total = None
        self.estimate = None
        self._landmarks = None
        self.refresh()

        def first_rows(rows: list[DIDRow]) -> None:
            """Rows before the count: the table paints at once, the count follows."""
            if generation != self._generation:
                return
            self._page_blocks[0] = rows
            self.total = len(rows)
            self.counting = len(rows) == BLOCK
            self.virtual_size = Size(0, len(rows) + 1)
            self.refresh()
            self.post_message(self.Changed(self))

        def estimated(guess: int) -> None:
            """The exact count of a broad filter over millions takes a while: an
            estimate (marked as one) shows meanwhile."""
            if generation != self._generation or not self.counting:
                return
            self.estimate = guess
            self.post_message(self.Changed(self))

        def fetch() -> tuple[int, list[DIDRow], int]:
            if first_block == 0:
                rows = filters.page(filt, sort=sort, limit=BLOCK)
                self.app.call_from_thread(first_rows, rows)
                if len(rows) < BLOCK:
                    return len(rows), rows, 0
                guess = filters.estimate(filt)
                if guess is not None:
                    self.app.call_from_thread(estimated, guess)
                return filters.count(filt), rows, 0
            total = filters.count(filt)
            block = min(first_block, max(0, (total - 1) // BLOCK))
            if block == 0:
                rows = filters.page(filt, sort=sort, limit=BLOCK)
            elif anchor is not None and block == first_block:
                rows = filters.page(filt, sort=sort, after=anchor, limit=BLOCK)
            else:
                rows = filters.page_at(filt, sort=sort, offset=block * BLOCK, limit=BLOCK)
            return total, rows, block

        def done(result: tuple[int, list[DIDRow], int]) -> None:
            if generation != self._generation:
                return
            total, rows, block = result
            self.total = total
            self.counting = False
            self.estimate = None
            self._page_blocks.clear()
            self._page_blocks[block] = rows
            self.virtual_size = Size(0, total + 1)
            self.cursor = min(self.cursor, max(0, total - 1))
            self._scroll_to_cursor()
            self.refresh()
            self._queue_schedule()
            self.post_message(self.Changed(self))
            if total > 2 * LANDMARK_EVERY:
                self._note_landmarks(generation, max(LANDMARK_EVERY, total // LANDMARKS))

        def failed(message: str) -> None:
            if generation != self._generation:
                return
            self.total = self.total or 0
            self.counting = False
            self.refresh()
            self.post_message(self.Failed(self, message))

        db_call(self, fetch, done=done, failed=failed, group="table-reset", exclusive=True, read_only=True)

    def _note_landmarks(self, generation: int, every: int) -> None:
        filt, sort = self.filter, self.sort

        def noted(marks: filters.Landmarks) -> None:
            if generation == self._generation:
                self._landmarks = marks

        def failed(message: str) -> None:
            pass  # jumps still work without them, only slower

        db_call(
            self,
            lambda: filters.landmarks(filt, sort=sort, every=every),
            done=noted,
            failed=failed,
            group="table-landmarks",
            exclusive=True,
            read_only=True,
        )

    def _visible_positions(self) -> range:
        if self.total is None:
            return range(0)
        top = int(self.scroll_offset.y)
        return range(top, min(self.total, top + self._view_rows()))

    def _view_rows(self) -> int:
        """Rows of DIDs on screen: the view less the header (and any scrollbar)."""
        return max(1, self.scrollable_content_region.height - 1)

    def _queue_schedule(self) -> None:
        if not self._schedule_queued:
            self._schedule_queued = True
            self.call_later(self._schedule)

    def _schedule(self) -> None:
        """Fetch the visible blocks that are missing, then their neighbours."""
        self._schedule_queued = False
        if self.total is None or self.total == 0:
            return
        visible = self._visible_positions()
        if not visible:
            return
        last_block = (self.total - 1) // BLOCK
        first, last = visible.start // BLOCK, (visible.stop - 1) // BLOCK
        needed = list(range(first, last + 1))
        prefetch = [b for b in (last + 1, first - 1) if 0 <= b <= last_block]
        self._wanted = set(needed) | set(prefetch)
        for block in needed + prefetch:
            self._fetch(block, last_block, jump_ok=block in needed)
        # Keep the cache small: drop the blocks farthest from the view.
        while len(self._page_blocks) > MAX_BLOCKS:
            far = max(self._page_blocks, key=lambda b: abs(b - first))
            if far in self._wanted:
                break
            del self._page_blocks[far]

    def _fetch(self, block: int, last_block: int, *, jump_ok: bool) -> None:
        if block in self._page_blocks or block in self._fetching:
            return
        filt, sort, generation = self.filter, self.sort, self._generation
        kwargs: dict[str, Any]
        before_rows = self._page_blocks.get(block - 1)
        after_rows = self._page_blocks.get(block + 1)
        if block == 0:
            kwargs = {}
        elif before_rows and len(before_rows) == BLOCK:
            kwargs = {"after": before_rows[-1].sort_key(sort)}
        elif after_rows:
            kwargs = {"before": after_rows[0].sort_key(sort)}
        elif block == last_block:
            kwargs = {"last": True}
        elif (block - 1) in self._fetching or (block + 1) in self._fetching:
            return  # a neighbour is on its way: page from its key when it lands
        elif jump_ok:
            kwargs = {"offset": block * BLOCK}
        else:
            return
        limit = BLOCK if block < last_block else (self.total or 0) - block * BLOCK
        self._fetching.add(block)
        marks = self._landmarks

        def fetch() -> list[DIDRow]:
            if "offset" in kwargs:
                return filters.page_at(filt, sort=sort, offset=kwargs["offset"], limit=limit, marks=marks)
            return filters.page(filt, sort=sort, limit=limit, **kwargs)

        def done(rows: list[DIDRow]) -> None:
            if generation != self._generation:
                return
            self._fetching.discard(block)
            self._page_blocks[block] = rows
            self._page_blocks.move_to_end(block)
            self.refresh()
            self._queue_schedule()

        def failed(message: str) -> None:
            if generation != self._generation:
                return
            self._fetching.discard(block)
            self.post_message(self.Failed(self, message))

        db_call(self, fetch, done=done, failed=failed, group="table-blocks", read_only=True)

    # ---- painting -----------------------------------------------------------------------

    def _columns(self) -> list[tuple[Column, int]]:
        return layout(self.scrollable_content_region.width, self.first_column)

    def _header_strip(self, width: int) -> Strip:
        style = self.get_component_rich_style("didtable--header")
        columns = self._columns()
        text = "◂ " if self.first_column else " " * MARK_WIDTH
        for column, cells in columns:
            title = column.title + (" ▲" if SORT_TITLES.get(self.sort) == column.title else "")
            text += _cell(title, cells) + " "
        text = text.ljust(width)[:width]
        if columns[-1][0] is not SCROLLING[-1]:
            text = text[:-1] + "▸"  # more columns to the right
        return Strip([Segment(text, style)])

    def render_line(self, y: int) -> Strip:
        scroll_y = self.scroll_offset.y
        width = self.scrollable_content_region.width
        if y == 0:
            return self._header_strip(width)
        position = int(scroll_y) + y - 1
        base = self.rich_style
        if self.total is None or position >= self.total:
            if self.total == 0 and y == 1:
                text = "  (no DIDs match)" if not self.filter.is_empty() else "  (no DIDs yet: press n to add some)"
                return Strip([Segment(text.ljust(width), self.get_component_rich_style("didtable--pending"))])
            if self.total is None and y == 1:
                return Strip([Segment("  loading…".ljust(width), self.get_component_rich_style("didtable--pending"))])
            return Strip.blank(width, base)
        row = self.row_at(position)
        if row is None:
            self._queue_schedule()
            return Strip([Segment("  …".ljust(width), self.get_component_rich_style("didtable--pending"))])
        strip = self._row_strip(row, position == self.cursor)
        return strip.crop(0, width).extend_cell_length(width, base)

    def _row_strip(self, row: DIDRow, is_cursor: bool) -> Strip:
        marked = self.marked_all or row.id in self.marked_ids
        base = self.rich_style
        status_style = self.get_component_rich_style(f"didtable--{row.status}", partial=True)
        segments = [
            Segment("• " if marked else "  ", self.get_component_rich_style("didtable--marked") if marked else base)
        ]
        for column, cells in self._columns():
            style = base + status_style if column.title == "Status" else base
            if marked and column.title == "DID":
                style = style + self.get_component_rich_style("didtable--marked", partial=True)
            segments.append(Segment(_cell(column.value(row), cells) + " ", style))
        if is_cursor:
            cursor = self.get_component_rich_style("didtable--cursor", partial=True)
            segments = [Segment(s.text, (s.style or Style()) + cursor) for s in segments]
        return Strip(segments)

    # ---- cursor and scrolling -------------------------------------------------------------

    def _page_rows(self) -> int:
        return max(1, self._view_rows() - 1)

    def watch_cursor(self, old: int, new: int) -> None:
        self._scroll_to_cursor()
        self.refresh()
        self.post_message(self.Changed(self))

    def _scroll_to_cursor(self) -> None:
        rows = self._view_rows()
        top = int(self.scroll_offset.y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True, force=True)
        elif self.cursor >= top + rows:
            self.scroll_to(y=self.cursor - rows + 1, animate=False, immediate=True, force=True)

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        # Scrolled away from the cursor (wheel, scrollbar drag): the cursor follows, so
        # the next key acts on a row that is on screen.
        visible = self._visible_positions()
        if visible and self.cursor not in visible:
            self.cursor = visible.start if self.cursor < visible.start else visible.stop - 1
        self._queue_schedule()

    def on_resize(self, event: events.Resize) -> None:
        self.first_column = min(self.first_column, last_first(self.scrollable_content_region.width))
        self._scroll_to_cursor()
        self._queue_schedule()

    def _move_to(self, position: int) -> None:
        if not self.total:
            return
        self.cursor = max(0, min(self.total - 1, position))

    def action_cursor(self, delta: int) -> None:
        self._move_to(self.cursor + delta)

    def action_page(self, direction: int) -> None:
        if not self.total:
            return
        step = self._page_rows()
        target = max(0, min(self.total - 1, self.cursor + direction * step))
        top = max(0, int(self.scroll_offset.y) + direction * step)
        self.scroll_to(y=top, animate=False, immediate=True, force=True)
        self.cursor = target

    def action_first(self) -> None:
        self._move_to(0)

    def action_last(self) -> None:
        if self.total:
            self._move_to(self.total - 1)

    def action_scroll_columns(self, delta: int) -> None:
        """Bring the next (previous) column into view; DID stays at the left."""
        limit = last_first(self.scrollable_content_region.width)
        self.first_column = max(0, min(limit, self.first_column + delta))
        self.refresh()

    def on_click(self, event: events.Click) -> None:
        if event.y < 1 or not self.total:
            return
        position = int(self.scroll_offset.y) + event.y - 1
        if position >= self.total:
            return
        if event.chain >= 2 or position == self.cursor:
            self.cursor = position
            self.post_message(self.Activated(self))
        else:
            self._move_to(position)

    # ---- marks --------------------------------------------------------------------------

    def action_toggle_mark(self) -> None:
        row = self.current_row
        if row is None:
            return
        if self.marked_all:
            self.app.notify("every DID matching the filter is marked: press A to clear the marks first")
            return
        if row.id in self.marked_ids:
            self.marked_ids.discard(row.id)
        else:
            self.marked_ids.add(row.id)
        self._move_to(self.cursor + 1)
        self.refresh()
        self.post_message(self.Changed(self))

    def action_mark_all(self) -> None:
        self.marked_all = True
        self.marked_ids.clear()
        self.refresh()
        self.post_message(self.Changed(self))

    def action_clear_marks(self) -> None:
        self.marked_all = False
        self.marked_ids.clear()
        self.refresh()
        self.post_message(self.Changed(self))
