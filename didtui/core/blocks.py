"""Blocks: ranges of numbers bought from an operator, their utilisation and what they cost.

A block's DIDs are those whose number lies in first..last and has as many digits: no
column on the DID points at its block, so adding, editing or deleting a block never
touches a DID, and DIDs created later (by hand, import or reconciliation) belong to their
block at once. Counts come from one query that walks each block's range on the unique
number index (the block table is the outer loop), so 10,000 blocks over a million DIDs
cost one index range scan each.

Money is per number and per month (`monthly_cost`), plus a one-off `setup_cost` for the
block. What a block bills each month is its numbers less the Archived ones (returned to
the operator); what it bills for nothing is that less the Active ones.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import peewee
from peewee import JOIN, SQL, fn

from didtui.core import inventory
from didtui.core.csvio.source import RecordReader
from didtui.core.filters import DIDFilter, lookup_id
from didtui.core.numbers import NumberSpan, parse_numbers
from didtui.core.statuses import Status
from didtui.core.text import check_name, check_notes
from didtui.core.views import complete_name
from didtui.dialect import dialect
from didtui.errors import AlreadyExists, InputError, NotFound
from didtui.models import DID, Block, Operator, Reseller, database_proxy

SORTS = ("name", "operator", "size", "in_use", "free", "unused_cost", "first")
# Statuses of numbers held but used by nobody: what the cost report calls unused.
UNUSED = (Status.IN_STOCK.value, Status.RESERVED.value, Status.HOLD.value, Status.BLOCKED.value)
MAX_BLOCK = 10_000_000


@dataclass(frozen=True)
class BlockRow:
    id: int
    name: str
    operator_id: int
    operator: str
    reseller: str
    first: str
    last: str
    bought_on: _dt.date | None
    monthly_cost: Decimal | None
    setup_cost: Decimal | None
    notes: str
    by_status: dict[str, int] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return int(self.last) - int(self.first) + 1

    @property
    def in_inventory(self) -> int:
        return sum(self.by_status.values())

    @property
    def not_in_inventory(self) -> int:
        return self.size - self.in_inventory

    def count(self, status: str) -> int:
        return self.by_status.get(status, 0)

    @property
    def in_use_pct(self) -> float:
        return 100.0 * self.count(Status.ACTIVE.value) / self.size

    @property
    def free_pct(self) -> float:
        return 100.0 * self.count(Status.IN_STOCK.value) / self.size

    @property
    def billed(self) -> int:
        """Numbers the operator bills each month: all but those returned (Archived)."""
        return self.size - self.count(Status.ARCHIVED.value)

    @property
    def unused(self) -> int:
        """Billed numbers nobody uses: every billed number that is not Active."""
        return self.billed - self.count(Status.ACTIVE.value)

    @property
    def monthly_total(self) -> Decimal | None:
        return None if self.monthly_cost is None else self.monthly_cost * self.billed

    @property
    def monthly_unused(self) -> Decimal | None:
        return None if self.monthly_cost is None else self.monthly_cost * self.unused

    def sort_key(self, sort: str) -> tuple[Any, ...]:
        keys: dict[str, tuple[Any, ...]] = {
            "name": (self.name.lower(),),
            "operator": (self.operator.lower(), self.first),
            "size": (-self.size, self.name.lower()),
            "in_use": (-self.in_use_pct, self.name.lower()),
            "free": (self.free_pct, self.name.lower()),
            "unused_cost": (-(self.monthly_unused or 0), self.name.lower()),
            "first": (len(self.first), self.first),
        }
        return keys[sort]

    def did_filter(self) -> DIDFilter:
        """The block's DIDs, as a filter any face can page, count or export."""
        return DIDFilter(number_span=(self.first, self.last), names=(("block", self.name),))


# --- reading -------------------------------------------------------------------------


def _in_block(block: Any = Block) -> Any:
    """DID rows inside `block`'s range (same width), as a join condition."""
    return (DID.number >= block.first) & (DID.number <= block.last) & (fn.LENGTH(DID.number) == fn.LENGTH(block.first))


def _block_dids_join(query: Any) -> Any:
    # SQLite keeps the left table of a CROSS JOIN as the outer loop: blocks outside, one
    # range scan of the number index per block. Servers plan the inner join themselves.
    if dialect().cross_join_keeps_order:
        return query.join(DID, JOIN.CROSS).where(_in_block())
    return query.join(DID, on=_in_block())


def status_counts(block_ids: Iterable[int] | None = None) -> dict[int, dict[str, int]]:
    """DIDs per block and status, from one query."""
    query = _block_dids_join(Block.select(Block.id, DID.status, fn.COUNT(SQL("*"))))
    if block_ids is not None:
        query = query.where(Block.id.in_(list(block_ids)))
    out: dict[int, dict[str, int]] = {}
    for block_id, status, n in query.group_by(Block.id, DID.status).tuples():
        out.setdefault(block_id, {})[status] = n
    return out


def _rows_query() -> Any:
    """Blocks with their operator's and reseller's names, in `_row`'s column order."""
    return (
        Block.select(
            Block.id,
            Block.name,
            Block.operator,
            Operator.name,
            fn.COALESCE(Reseller.name, ""),
            Block.first,
            Block.last,
            Block.bought_on,
            Block.monthly_cost,
            Block.setup_cost,
            Block.notes,
        )
        .join(Operator)
        .join(Reseller, JOIN.LEFT_OUTER)
    )


def list_blocks(*, operator_id: int | None = None, sort: str = "name") -> list[BlockRow]:
    """Every block (of one operator) with its DIDs counted by status."""
    if sort not in SORTS:
        raise InputError(f"sort blocks by one of {', '.join(SORTS)}")
    query = _rows_query()
    if operator_id is not None:
        query = query.where(Block.operator == operator_id)
    counts = status_counts(None if operator_id is None else [r[0] for r in query.tuples()])
    rows = [_row(t, counts.get(t[0], {})) for t in query.tuples()]
    return sorted(rows, key=lambda r: r.sort_key(sort))


def _row(t: tuple[Any, ...], counts: dict[str, int]) -> BlockRow:
    return BlockRow(
        id=t[0],
        name=t[1],
        operator_id=t[2],
        operator=t[3],
        reseller=t[4],
        first=t[5],
        last=t[6],
        bought_on=_as_date(t[7]),
        monthly_cost=_as_decimal(t[8], "0.0001"),
        setup_cost=_as_decimal(t[9], "0.01"),
        notes=t[10] or "",
        by_status=dict(counts),
    )


def _as_date(value: Any) -> _dt.date | None:
    if value is None or isinstance(value, _dt.date):
        return value
    return _dt.date.fromisoformat(str(value)[:10])


def _as_decimal(value: Any, places: str) -> Decimal | None:
    """Money as stored, at its column's scale whatever the backend returns (SQLite: a float)."""
    return None if value is None else Decimal(str(value)).quantize(Decimal(places))


def get_block(block_id: int) -> BlockRow:
    block = Block.get_or_none(Block.id == block_id)
    if block is None:
        raise NotFound(f"block #{block_id} does not exist")
    return _single(block.id)


def _single(block_id: int) -> BlockRow:
    t = _rows_query().where(Block.id == block_id).tuples().get()
    return _row(t, status_counts([block_id]).get(block_id, {}))


def block_by_name(name: str) -> BlockRow:
    """A block by its name, case-insensitively, or by a unique prefix of it."""
    typed = name.strip()
    if not typed:
        raise InputError("no block name given")
    exact = Block.get_or_none(fn.LOWER(Block.name) == typed.lower())
    if exact is not None:
        return _single(exact.id)
    hits = list(Block.select(Block.id, Block.name).where(fn.LOWER(Block.name).startswith(typed.lower())).limit(6))
    if len(hits) == 1:
        return _single(hits[0].id)
    if not hits:
        raise NotFound(f"no block is named {typed!r}")
    raise InputError(f"block {typed!r} is ambiguous: {', '.join(h.name for h in hits[:5])}")


def longest_free_runs(block_ids: Iterable[int] | None = None) -> dict[int, int]:
    """The longest run of consecutive In Stock numbers in each block (0 when none).

    Gaps and islands in SQL: within a block, consecutive numbers keep `n - row_number()`
    constant, so each island is one group.
    """
    value = _numeric(DID.number)
    free = _block_dids_join(
        Block.select(
            Block.id.alias("block_id"),
            (value - fn.ROW_NUMBER().over(partition_by=[Block.id], order_by=[DID.number])).alias("grp"),
        )
    ).where(DID.status == Status.IN_STOCK.value)
    if block_ids is not None:
        free = free.where(Block.id.in_(list(block_ids)))
    free = free.alias("free")
    islands = (
        peewee.Select([free], [free.c.block_id.alias("block_id"), fn.COUNT(SQL("*")).alias("n")])
        .group_by(free.c.block_id, free.c.grp)
        .alias("islands")
    )
    query = peewee.Select([islands], [islands.c.block_id, fn.MAX(islands.c.n)]).group_by(islands.c.block_id)
    return {block_id: int(n) for block_id, n in database_proxy.obj.execute(query).fetchall()}


def _numeric(column: Any) -> Any:
    """A digits column as an integer (MariaDB casts to INTEGER, the others to BIGINT)."""
    return peewee.Cast(column, dialect().integer_type)


# --- writing -------------------------------------------------------------------------


def parse_block_range(text: str) -> NumberSpan:
    """One range (or one number) as the New DIDs form reads it; a block is one span."""
    spans = parse_numbers(text, max_range=MAX_BLOCK)
    if len(spans) != 1:
        raise InputError(f"a block is one range, like 442079460000-442079460999: {text.strip()!r} is {len(spans)}")
    return spans[0]


def parse_money(text: str | None, what: str) -> Decimal | None:
    """A cost as typed (`1.25`, `0`, empty for none); never negative."""
    if text is None or not str(text).strip():
        return None
    raw = str(text).strip().replace(",", ".") if str(text).count(",") == 1 and "." not in str(text) else str(text)
    try:
        value = Decimal(raw.strip())
    except InvalidOperation:
        raise InputError(f"{what} {text!r} is not an amount: write it like 1.25") from None
    if not value.is_finite() or value < 0:
        raise InputError(f"{what} {text!r}: an amount of 0 or more")
    if value >= Decimal("1e10"):
        raise InputError(f"{what} {text!r} is too large")
    return value


def parse_day(text: str | None) -> _dt.date | None:
    if text is None or not str(text).strip():
        return None
    try:
        return _dt.date.fromisoformat(str(text).strip())
    except ValueError:
        raise InputError(f"bought on {text!r}: write the date as YYYY-MM-DD") from None


def _overlapping(span: NumberSpan, *, besides: int | None = None) -> Any:
    first, last = span.first_text, span.last_text
    query = Block.select().where((Block.first <= last) & (Block.last >= first) & (fn.LENGTH(Block.first) == len(first)))
    if besides is not None:
        query = query.where(Block.id != besides)
    return query.first()


def _refuse_taken(name: str, besides: int | None = None) -> None:
    """Names are looked up case-insensitively, so two may not differ only in case."""
    query = Block.select(Block.name).where(fn.LOWER(Block.name) == name.lower())
    if besides is not None:
        query = query.where(Block.id != besides)
    taken = query.first()
    if taken is not None:
        raise AlreadyExists(f"a block named {taken.name!r} already exists")


def _clean_name(name: str) -> str:
    text = name.strip()
    if not text:
        raise InputError("a block needs a name")
    if len(text) > 100:
        raise InputError("block name: at most 100 characters")
    return check_name(text, "block name")


def add_block(
    range_text: str | NumberSpan,
    operator_id: int,
    *,
    name: str | None = None,
    monthly_cost: Decimal | None = None,
    setup_cost: Decimal | None = None,
    bought_on: _dt.date | None = None,
    notes: str = "",
) -> BlockRow:
    """Record a block; its DIDs (existing or to come) are those in its range.

    Refused when the range overlaps another block (a number has one block) or the name is
    taken. Never creates or changes a DID.
    """
    span = range_text if isinstance(range_text, NumberSpan) else parse_block_range(range_text)
    if Operator.get_or_none(Operator.id == operator_id) is None:
        raise NotFound(f"operator #{operator_id} does not exist")
    label = _clean_name(name if name is not None and name.strip() else str(span))
    with database_proxy.obj.atomic():
        clash = _overlapping(span)
        if clash is not None:
            raise AlreadyExists(f"range {span} overlaps block {clash.name} ({clash.first}-{clash.last})")
        _refuse_taken(label)
        try:
            block = Block.create(
                name=label,
                operator=operator_id,
                first=span.first_text,
                last=span.last_text,
                bought_on=bought_on,
                monthly_cost=monthly_cost,
                setup_cost=setup_cost,
                notes=check_notes(notes or ""),
            )
        except peewee.IntegrityError:
            raise AlreadyExists(f"a block named {label!r} already exists") from None
    return _single(block.id)


_UNSET: Any = object()


def edit_block(
    block_id: int,
    *,
    name: str | None = None,
    range_text: str | None = None,
    operator_id: int | None = None,
    monthly_cost: Any = _UNSET,
    setup_cost: Any = _UNSET,
    bought_on: Any = _UNSET,
    notes: str | None = None,
) -> BlockRow:
    """Change a block's fields; its DIDs are whatever its (new) range holds."""
    with database_proxy.obj.atomic():
        block = Block.get_or_none(Block.id == block_id)
        if block is None:
            raise NotFound(f"block #{block_id} does not exist")
        if name is not None:
            block.name = _clean_name(name)
            _refuse_taken(block.name, besides=block_id)
        if range_text is not None:
            span = parse_block_range(range_text)
            clash = _overlapping(span, besides=block_id)
            if clash is not None:
                raise AlreadyExists(f"range {span} overlaps block {clash.name} ({clash.first}-{clash.last})")
            block.first, block.last = span.first_text, span.last_text
        if operator_id is not None:
            if Operator.get_or_none(Operator.id == operator_id) is None:
                raise NotFound(f"operator #{operator_id} does not exist")
            block.operator = operator_id
        if monthly_cost is not _UNSET:
            block.monthly_cost = monthly_cost
        if setup_cost is not _UNSET:
            block.setup_cost = setup_cost
        if bought_on is not _UNSET:
            block.bought_on = bought_on
        if notes is not None:
            block.notes = check_notes(notes)
        try:
            block.save()
        except peewee.IntegrityError:
            raise AlreadyExists(f"a block named {block.name!r} already exists") from None
    return _single(block_id)


def delete_block(block_id: int) -> str:
    """Forget a block (its DIDs stay as they are); returns its name."""
    block = Block.get_or_none(Block.id == block_id)
    if block is None:
        raise NotFound(f"block #{block_id} does not exist")
    Block.delete().where(Block.id == block_id).execute()
    return str(block.name)


# --- cost report ---------------------------------------------------------------------

REPORT_BY = ("operator", "block", "reseller", "status")
NOT_IN_INVENTORY = "(not in inventory)"


@dataclass
class CostLine:
    key: str
    numbers: int = 0  # billed numbers
    unused: int = 0  # billed numbers nobody uses
    monthly: Decimal = Decimal(0)
    monthly_unused: Decimal = Decimal(0)
    setup: Decimal = Decimal(0)


def cost_report(by: str = "operator") -> list[CostLine]:
    """What the blocks cost each month, and how much of it is for numbers nobody uses,
    grouped by operator, block, reseller (the operator's) or status. Blocks without a
    monthly cost count as 0. By status, numbers of a block that are not in the inventory
    form their own line."""
    if by not in REPORT_BY:
        raise InputError(f"report costs by one of {', '.join(REPORT_BY)}")
    lines: dict[str, CostLine] = {}
    for row in list_blocks():
        price = row.monthly_cost or Decimal(0)
        if by == "status":
            for status, n in row.by_status.items():
                if status == Status.ARCHIVED.value:
                    continue
                line = lines.setdefault(status, CostLine(status))
                line.numbers += n
                line.monthly += price * n
                if status != Status.ACTIVE.value:
                    line.unused += n
                    line.monthly_unused += price * n
            if row.not_in_inventory:
                line = lines.setdefault(NOT_IN_INVENTORY, CostLine(NOT_IN_INVENTORY))
                line.numbers += row.not_in_inventory
                line.unused += row.not_in_inventory
                line.monthly += price * row.not_in_inventory
                line.monthly_unused += price * row.not_in_inventory
            continue
        key = {"operator": row.operator, "block": row.name, "reseller": row.reseller or "(none)"}[by]
        line = lines.setdefault(key, CostLine(key))
        line.numbers += row.billed
        line.unused += row.unused
        line.monthly += price * row.billed
        line.monthly_unused += price * row.unused
        line.setup += row.setup_cost or Decimal(0)
    return sorted(lines.values(), key=lambda line: (-line.monthly, line.key.lower()))


def report_total(lines: list[CostLine]) -> CostLine:
    total = CostLine("total")
    for line in lines:
        total.numbers += line.numbers
        total.unused += line.unused
        total.monthly += line.monthly
        total.monthly_unused += line.monthly_unused
        total.setup += line.setup
    return total


def operator_id(name: str) -> int:
    """An operator as people name it (any case, a unique prefix); NotFound lists known ones."""
    return int(lookup_id(Operator, complete_name("operator", name), "operator"))


def create_dids_as_block(
    spans: list[NumberSpan],
    *,
    block_name: str,
    monthly_cost: Decimal | None = None,
    operator_id: int | None = None,
    **did_values: Any,
) -> tuple[int, BlockRow]:
    """Create a range's DIDs and record the range as a block, both or neither (the New
    DIDs form's "record as block"). Returns the DIDs created and the block."""
    if len(spans) != 1:
        raise InputError("only one range can be recorded as a block: type a single range")
    if operator_id is None:
        raise InputError("a block is bought from an operator: choose the operator")
    span = spans[0]
    with database_proxy.obj.atomic():
        clash = _overlapping(span)
        if clash is not None:
            raise AlreadyExists(f"range {span} overlaps block {clash.name} ({clash.first}-{clash.last})")
        created = inventory.create_dids(spans, operator_id=operator_id, **did_values)
        row = add_block(str(span), operator_id, name=block_name, monthly_cost=monthly_cost)
    return created.count, row


@dataclass
class RecordedRanges:
    recorded: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "line N: why"


def record_file_ranges(info: Any, mapping: tuple[str, ...], default_operator: str | None = None) -> RecordedRanges:
    """Record every range of a CSV file's DID column as a block (import's --record-blocks),
    under the row's operator or the default one. Ranges that overlap a block, or name no
    known operator, are skipped with the reason."""
    col = {f: i for i, f in enumerate(mapping) if f != "ignore"}
    did_col, op_col = col["did"], col.get("operator")
    out = RecordedRanges()
    for line, cells, problem in RecordReader(info):
        if problem is not None or cells is None or did_col >= len(cells):
            continue
        raw = "".join(cells[did_col].split())
        if "-" not in raw.lstrip("+"):
            continue
        operator = (cells[op_col].strip() if op_col is not None and op_col < len(cells) else "") or default_operator
        try:
            if not operator:
                raise InputError("no operator for the block")
            row = add_block(raw, operator_id(operator))
            out.recorded.append(row.name)
        except (InputError, NotFound, AlreadyExists) as exc:
            out.skipped.append(f"line {line}: {exc}")
    return out
