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
    title: str
    width: int
    value: Callable[[DIDRow], str]


def _hold(row: DIDRow) -> str:
    return row.hold_until.strftime("%Y-%m-%d %H:%M") if row.hold_until else ""


COLUMNS = (
    Column("ID", 8, lambda r: str(r.id)),
    Column("Status", 9, lambda r: r.status_label),
    Column("Operator", 16, lambda r: r.operator),
    Column("DID", 16, lambda r: r.number),
    Column("Tag", 10, lambda r: r.tag),
    Column("Notes", 20, lambda r: r.notes.replace("\n", " ")),
    Column("Client", 24, lambda r: r.client_account),
    Column("Reseller", 18, lambda r: r.reseller),
    Column("Package", 14, lambda r: r.package),
    Column("Hold until", 16, _hold),
)
MARK_WIDTH = 2
TOTAL_WIDTH = MARK_WIDTH + sum(c.width + 1 for c in COLUMNS)
SORT_TITLES = {"number": "DID", "status": "Status", "operator": "Operator", "tag": "Tag"}


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
        Binding("left", "scroll_columns(-8)", "Left", show=False, id="table.left"),
        Binding("right", "scroll_columns(8)", "Right", show=False, id="table.right"),
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
    DIDTable { height: 1fr; }
    DIDTable > .didtable--header { text-style: bold; background: $panel; }
    DIDTable > .didtable--cursor { background: $accent 40%; text-style: bold; }
    DIDTable:focus > .didtable--cursor { background: $accent; color: $text; }
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
        self.virtual_size = Size(TOTAL_WIDTH, 1)

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
        self.scroll_to(0, 0, animate=False, immediate=True)
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
        self._page_blocks.clear()
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
            self.virtual_size = Size(TOTAL_WIDTH, len(rows) + 1)
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
            self._page_blocks[block] = rows
            self.virtual_size = Size(TOTAL_WIDTH, total + 1)
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
        rows = max(1, self.size.height - 1)
        return range(top, min(self.total, top + rows))

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

    def _header_strip(self) -> Strip:
        style = self.get_component_rich_style("didtable--header")
        text = " " * MARK_WIDTH
        for column in COLUMNS:
            title = column.title + (" ▲" if SORT_TITLES.get(self.sort) == column.title else "")
            text += _cell(title, column.width) + " "
        return Strip([Segment(text.ljust(max(TOTAL_WIDTH, self.size.width)), style)])

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.size.width
        if y == 0:
            return self._header_strip().crop(scroll_x, scroll_x + width)
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
            strip = Strip([Segment("  …".ljust(TOTAL_WIDTH), self.get_component_rich_style("didtable--pending"))])
            return strip.crop(scroll_x, scroll_x + width)
        strip = self._row_strip(row, position == self.cursor)
        return strip.crop(scroll_x, scroll_x + width).extend_cell_length(width, base)

    def _row_strip(self, row: DIDRow, is_cursor: bool) -> Strip:
        marked = self.marked_all or row.id in self.marked_ids
        base = self.rich_style
        status_style = self.get_component_rich_style(f"didtable--{row.status}", partial=True)
        segments = [
            Segment("* " if marked else "  ", self.get_component_rich_style("didtable--marked") if marked else base)
        ]
        for column in COLUMNS:
            style = base + status_style if column.title == "Status" else base
            if marked and column.title == "DID":
                style = style + self.get_component_rich_style("didtable--marked", partial=True)
            segments.append(Segment(_cell(column.value(row), column.width) + " ", style))
        if is_cursor:
            cursor = self.get_component_rich_style("didtable--cursor", partial=True)
            segments = [Segment(s.text, (s.style or Style()) + cursor) for s in segments]
        return Strip(segments)

    # ---- cursor and scrolling -------------------------------------------------------------

    def _page_rows(self) -> int:
        return max(1, self.size.height - 2)

    def watch_cursor(self, old: int, new: int) -> None:
        self._scroll_to_cursor()
        self.refresh()
        self.post_message(self.Changed(self))

    def _scroll_to_cursor(self) -> None:
        rows = max(1, self.size.height - 1)
        top = int(self.scroll_offset.y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + rows:
            self.scroll_to(y=self.cursor - rows + 1, animate=False, immediate=True)

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        # Scrolled away from the cursor (wheel, scrollbar drag): the cursor follows, so
        # the next key acts on a row that is on screen.
        visible = self._visible_positions()
        if visible and self.cursor not in visible:
            self.cursor = visible.start if self.cursor < visible.start else visible.stop - 1
        self._queue_schedule()

    def on_resize(self, event: events.Resize) -> None:
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
        self.scroll_to(y=top, animate=False, immediate=True)
        self.cursor = target

    def action_first(self) -> None:
        self._move_to(0)

    def action_last(self) -> None:
        if self.total:
            self._move_to(self.total - 1)

    def action_scroll_columns(self, delta: int) -> None:
        self.scroll_to(x=max(0, self.scroll_offset.x + delta), animate=False)

    def on_click(self, event: events.Click) -> None:
        if event.y >= 1 and self.total:
            self._move_to(int(self.scroll_offset.y) + event.y - 1)

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
