"""Reconciliation: compare an operator's list of numbers with the operator's DIDs.

The list is read like any import (core/csvio: any layout, the same mapping and number
reading), staged into a temporary table, and compared in three set-based queries:

- missing: numbers the operator lists that we do not hold (absent, or Archived);
- gone: numbers we hold for this operator (any status but Archived) that it no longer
  lists; an Active or Hold one belongs to a client and is the urgent kind;
- drift: numbers both sides hold whose mapped Status differs (the operator says Blocked),
  or that we hold under another operator.

Nothing changes unless `apply` is given; then the chosen actions run in one transaction
and one history batch: missing ones are added (In Stock or Reserved; an Archived one of
this operator comes back), gone ones are Archived, except Active and Hold ones, which are
detached from their client and Archived only when named. Archived DIDs count as no
longer held, so after `missing=add-reserved, gone=archive` the same list is in sync.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import peewee
from peewee import JOIN, CharField, IntegerField, fn

from didtui.core import history
from didtui.core.csvio.cells import restore
from didtui.core.csvio.mapping import check_mapping
from didtui.core.csvio.source import FileInfo, RecordReader, UnusableInput
from didtui.core.numbers import lookup_number, normalize_number, parse_span
from didtui.core.statuses import Status, label, parse_status
from didtui.db import current_actor
from didtui.dialect import dialect
from didtui.errors import InputError, NotFound, RuleViolation
from didtui.models import DID, Account, Client, ClientPackage, Operator, database_proxy, utcnow

MISSING_ACTIONS = ("ignore", "add-in-stock", "add-reserved")
GONE_ACTIONS = ("ignore", "archive")
MAX_LIST = 10_000_000
SAMPLE = 20
CHUNK = 5_000


class _Stage(peewee.Model):
    """The operator's list, one row per number, in a temporary table of this connection."""

    number = CharField(max_length=32, primary_key=True)
    status = CharField(max_length=16, null=True)
    line = IntegerField()

    class Meta:
        table_name = "reconcile_stage"
        legacy_table_names = False


@dataclass(frozen=True)
class Difference:
    category: str  # missing | gone | drift
    number: str
    ours: str = ""  # our status ("" when we lack it)
    theirs: str = ""  # their status, when mapped
    client: str = ""
    operator: str = ""
    line: int | None = None

    @property
    def urgent(self) -> bool:
        return self.category == "gone" and self.ours in (Status.ACTIVE.value, Status.HOLD.value)


@dataclass
class ReconcileReport:
    operator: str
    rows: int = 0
    listed: int = 0
    wrong_rows: list[str] = field(default_factory=list)
    missing: int = 0
    gone: int = 0
    gone_attached: int = 0
    drift: int = 0
    samples: dict[str, list[Difference]] = field(default_factory=dict)
    applied: dict[str, int] = field(default_factory=dict)
    left: int = 0
    batch: str | None = None
    report_path: Path | None = None

    @property
    def in_sync(self) -> bool:
        return not (self.missing or self.gone or self.drift)

    @property
    def resolved(self) -> bool:
        """Every difference found was acted on."""
        return self.in_sync or (self.batch is not None and self.left == 0)

    def headline(self) -> str:
        """The counts on one short line (the wizard's first line)."""
        if self.in_sync:
            return self.summary()
        urgent = f" ({self.gone_attached:,} urgent)" if self.gone_attached else ""
        return (
            f"{self.listed:,} listed · {self.missing:,} not held · "
            f"{self.gone:,} no longer listed{urgent} · {self.drift:,} differ"
        )

    def sample_lines(self, per_category: int = SAMPLE) -> list[str]:
        """The first differences of each category, the urgent ones first, a line each."""
        return [
            f"  {category:<8} {d.number:<16} {describe(d)}"
            for category in ("gone", "missing", "drift")
            for d in self.samples.get(category, [])[:per_category]
        ]

    def applied_text(self) -> str:
        return ", ".join(f"{n:,} {what}" for what, n in self.applied.items())

    def summary(self) -> str:
        if self.in_sync:
            return f"in sync: the {self.listed:,} numbers {self.operator} lists are the ones we hold"
        parts = [
            f"{self.missing:,} listed by {self.operator} but not held",
            f"{self.gone:,} held but no longer listed"
            + (f" ({self.gone_attached:,} Active or Hold: urgent)" if self.gone_attached else ""),
            f"{self.drift:,} with different details",
        ]
        return f"{self.listed:,} number{'s' if self.listed != 1 else ''} listed: " + ", ".join(parts)


@dataclass(frozen=True)
class ReconcileOptions:
    mapping: tuple[str, ...]
    operator_id: int
    missing: str = "ignore"
    gone: str = "ignore"
    archive_attached: tuple[str, ...] = ()  # Active/Hold numbers named to be archived
    tag: str = ""
    max_range: int = 1_000_000
    force: bool = False  # archive even when the list shares no number with ours


def _cells_number(raw: str, max_range: int) -> list[str]:
    """The numbers of one DID cell: one number or a range, read as import reads them."""
    text = raw.strip()
    if not text:
        raise InputError("no DID number in this row")
    if "-" not in text or text[:1] == "-":
        return [normalize_number(text)]
    return list(parse_span(text, max_range))


def _read(info: FileInfo, options: ReconcileOptions, report: ReconcileReport) -> Iterator[tuple[str, str | None, int]]:
    col = {f: i for i, f in enumerate(options.mapping) if f != "ignore"}
    did_col, status_col = col["did"], col.get("status")
    statuses: dict[str, str] = {}
    for line, cells, problem in RecordReader(info):
        report.rows += 1
        if problem is not None or cells is None:
            report.wrong_rows.append(f"line {line}: {problem}")
            continue
        if did_col >= len(cells):
            report.wrong_rows.append(f"line {line}: no DID cell")
            continue
        try:
            numbers = _cells_number(cells[did_col], options.max_range)
            status = None
            if status_col is not None and status_col < len(cells) and (text := cells[status_col].strip()):
                if text not in statuses:
                    statuses[text] = parse_status(restore(text)).value
                status = statuses[text]
        except (InputError, ValueError) as exc:
            report.wrong_rows.append(f"line {line}: {exc}")
            continue
        for number in numbers:
            yield number, status, line


def _stage(info: FileInfo, options: ReconcileOptions, report: ReconcileReport) -> None:
    db = database_proxy.obj
    _drop_stage()
    with db.bind_ctx([_Stage]):
        _Stage.create_table(safe=False, temporary=True)
    seen: set[str] = set()
    batch: list[tuple[str, str | None, int]] = []
    table = _Stage._meta.table_name
    sql = f"INSERT INTO {table} (number, status, line) VALUES ({db.param}, {db.param}, {db.param})"
    cursor = db.cursor()
    for number, status, line in _read(info, options, report):
        if number in seen:
            continue  # the same number twice in the operator's list: once is enough
        seen.add(number)
        if len(seen) > MAX_LIST:
            raise UnusableInput(f"the list holds more than {MAX_LIST:,} numbers: split it")
        batch.append((number, status, line))
        if len(batch) >= CHUNK:
            cursor.executemany(sql, batch)
            batch.clear()
    if batch:
        cursor.executemany(sql, batch)
    report.listed = len(seen)


def _client_name() -> Any:
    return fn.COALESCE(Client.name.concat("/").concat(Account.name), "")


def _gone_query(operator_id: int) -> Any:
    staged = _Stage.select(_Stage.number)
    return (
        DID.select(DID.id, DID.number, DID.status, _client_name())
        .join(ClientPackage, JOIN.LEFT_OUTER)
        .join(Account, JOIN.LEFT_OUTER)
        .join(Client, JOIN.LEFT_OUTER)
        .where((DID.operator == operator_id) & (DID.status != Status.ARCHIVED.value) & DID.number.not_in(staged))
        .order_by(DID.number)
    )


def _missing_query(operator_id: int) -> Any:
    held = DID.select(DID.number).where(DID.status != Status.ARCHIVED.value)
    return (
        _Stage.select(_Stage.number, _Stage.status, _Stage.line)
        .where(_Stage.number.not_in(held))
        .order_by(_Stage.number)
    )


def _drift_query(operator_id: int) -> Any:
    return (
        _Stage.select(_Stage.number, DID.status, _Stage.status, Operator.name, _Stage.line, DID.id)
        .join(DID, on=(DID.number == _Stage.number))
        .join(Operator, JOIN.LEFT_OUTER, on=(DID.operator == Operator.id))
        .where(
            (DID.status != Status.ARCHIVED.value)
            & (
                (DID.operator.is_null() | (DID.operator != operator_id))
                | (_Stage.status.is_null(False) & (_Stage.status != DID.status))
            )
        )
        .order_by(_Stage.number)
    )


def _count(query: Any) -> int:
    return int(query.count())


def reconcile(
    info: FileInfo,
    options: ReconcileOptions,
    *,
    apply: bool = False,
    actor: str | None = None,
    report_path: Path | None = None,
    write_report: Callable[[Path, Iterator[Difference]], None] | None = None,
) -> ReconcileReport:
    """Compare the operator's list in `info` with its DIDs; with `apply`, act on it."""
    check_mapping(info, options.mapping)
    if options.missing not in MISSING_ACTIONS:
        raise InputError(f"missing: one of {', '.join(MISSING_ACTIONS)}")
    if options.gone not in GONE_ACTIONS:
        raise InputError(f"gone: one of {', '.join(GONE_ACTIONS)}")
    operator = Operator.get_or_none(Operator.id == options.operator_id)
    if operator is None:
        raise NotFound(f"operator #{options.operator_id} does not exist")
    report = ReconcileReport(operator=operator.name)
    db = database_proxy.obj
    with db.bind_ctx([_Stage]), db.atomic():
        _stage(info, options, report)
        if report.wrong_rows and not report.listed:
            raise UnusableInput(f"no number could be read: {report.wrong_rows[0]}")
        op_id = options.operator_id
        report.missing = _count(_missing_query(op_id))
        gone = _gone_query(op_id)
        report.gone = _count(gone)
        report.gone_attached = _count(gone.where(DID.status.in_([Status.ACTIVE.value, Status.HOLD.value])).order_by())
        report.drift = _count(_drift_query(op_id))
        report.samples = {
            "missing": list(_missing_rows(op_id, SAMPLE)),
            "gone": list(_gone_rows(op_id, SAMPLE)),
            "drift": list(_drift_rows(op_id, SAMPLE)),
        }
        if report_path is not None and write_report is not None and not report.in_sync:
            write_report(report_path, all_differences(op_id))
            report.report_path = report_path
        if apply and not report.in_sync:
            _refuse_a_wrong_list(options, report)
            _apply(options, report, actor or current_actor())
        _drop_stage()
    return report


def _drop_stage() -> None:
    # MySQL commits the transaction at a plain DROP TABLE (dialect.drop_temporary_table).
    db = database_proxy.obj
    dialect(db).drop_temporary_table(db, _Stage._meta.table_name)


def _refuse_a_wrong_list(options: ReconcileOptions, report: ReconcileReport) -> None:
    """A list that shares no number with the operator's DIDs is most likely the wrong file
    or the wrong operator: archiving everything it leaves out needs `force`."""
    if options.gone != "archive" or options.force or not report.gone:
        return
    held = _count(DID.select().where((DID.operator == options.operator_id) & (DID.status != Status.ARCHIVED.value)))
    if report.gone == held:
        raise RuleViolation(
            f"the list shares no number with the {held:,} DIDs of {report.operator}: is it the right file and "
            "operator? Nothing was changed (force it to archive them all)"
        )


def _missing_rows(op_id: int, limit: int | None = None) -> Iterator[Difference]:
    query = _missing_query(op_id)
    if limit:
        query = query.limit(limit)
    for number, theirs, line in query.tuples().iterator():
        yield Difference("missing", number, theirs=theirs or "", line=line)


def _gone_rows(op_id: int, limit: int | None = None) -> Iterator[Difference]:
    """Gone numbers, the urgent ones (Active, Hold: a client's) first."""
    attached = [Status.ACTIVE.value, Status.HOLD.value]
    urgent = _gone_query(op_id).where(DID.status.in_(attached))
    rest = _gone_query(op_id).where(DID.status.not_in(attached))
    left = limit
    for query in (urgent, rest):
        if left is not None:
            if left <= 0:
                return
            query = query.limit(left)
        for _id, number, status, client in query.tuples().iterator():
            if left is not None:
                left -= 1
            yield Difference("gone", number, ours=status, client=client or "")


def _drift_rows(op_id: int, limit: int | None = None) -> Iterator[Difference]:
    query = _drift_query(op_id)
    if limit:
        query = query.limit(limit)
    for number, ours, theirs, operator, line, _id in query.tuples().iterator():
        yield Difference("drift", number, ours=ours, theirs=theirs or "", operator=operator or "", line=line)


def all_differences(op_id: int) -> Iterator[Difference]:
    yield from _missing_rows(op_id)
    yield from _gone_rows(op_id)
    yield from _drift_rows(op_id)


def describe(d: Difference) -> str:
    """One difference as a person reads it (both faces print this)."""
    if d.category == "gone":
        owner = f" for {d.client}" if d.client else ""
        return f"held as {label(d.ours)}{owner}" + (" URGENT" if d.urgent else "")
    if d.category == "missing":
        return "not held" + (f" (they say {label(d.theirs)})" if d.theirs else "")
    if d.operator and d.theirs in ("", d.ours):
        return f"held under {d.operator}"
    return f"ours {label(d.ours)}, theirs {label(d.theirs)}"


REPORT_COLUMNS = ["Category", "DID", "Our Status", "Their Status", "Client", "Our Operator", "Line"]


def write_csv_report(out: Any, differences: Iterator[Difference]) -> int:
    """The differences as CSV rows into an open text stream; returns how many."""
    writer = csv.writer(out)
    writer.writerow(REPORT_COLUMNS)
    n = 0
    for d in differences:
        writer.writerow([d.category, d.number, d.ours, d.theirs, d.client, d.operator, d.line or ""])
        n += 1
    return n


def _apply(options: ReconcileOptions, report: ReconcileReport, actor: str) -> None:
    """The chosen actions, in the caller's transaction, as one history batch."""
    batch = history.new_batch()
    now = utcnow()
    op_id = options.operator_id
    applied: dict[str, int] = {}
    if options.missing != "ignore":
        status = Status.IN_STOCK.value if options.missing == "add-in-stock" else Status.RESERVED.value
        applied["added"] = _add_missing(op_id, status, options.tag, batch, actor, now)
    if options.gone == "archive":
        applied["archived"] = _archive_gone(op_id, set(options.archive_attached), batch, actor, now)
    left = report.drift
    if options.missing == "ignore":
        left += report.missing
    else:
        left += report.missing - applied.get("added", 0) - applied.get("restored", 0)
    if options.gone == "ignore":
        left += report.gone
    else:
        left += report.gone - applied.get("archived", 0)
    report.applied = applied
    report.left = max(0, left)
    report.batch = batch if any(applied.values()) else None


def _add_missing(op_id: int, status: str, tag: str, batch: str, actor: str, now: Any) -> int:
    """Create the listed numbers we lack; an Archived one (of any operator) comes back
    to this operator with the chosen status. Returns how many."""
    db = database_proxy.obj
    archived = DID.select(DID.id).where(
        (DID.status == Status.ARCHIVED.value) & DID.number.in_(_Stage.select(_Stage.number))
    )
    ids = [i for (i,) in archived.tuples()]
    restored = 0
    if ids:
        where = DID.id.in_(ids)
        history.record_for(
            where, "reconcile", {"status": ["archived", status], "operator": [None, _op_name(op_id)]}, batch, actor, now
        )
        restored = (
            DID.update(
                {
                    DID.status: status,
                    DID.operator: op_id,
                    DID.version: DID.version + 1,
                    DID.updated_at: now,
                }
            )
            .where(where)
            .execute()
        )
    fresh = _Stage.select(_Stage.number).where(_Stage.number.not_in(DID.select(DID.number)))
    numbers = [n for (n,) in fresh.tuples()]
    if numbers:
        columns = ["number", "status", "operator_id", "tag", "notes", "after_hold", "hold_days", "created_at",
                   "updated_at", "version"]  # fmt: skip
        table = DID._meta.table_name
        marks = ", ".join([db.param] * len(columns))
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
        cursor = db.cursor()
        hold_days = 30
        for i in range(0, len(numbers), CHUNK):
            chunk = numbers[i : i + CHUNK]
            cursor.executemany(
                sql, [(n, status, op_id, tag, "", Status.IN_STOCK.value, hold_days, now, now, 1) for n in chunk]
            )
        changes = {"status": [None, status], "operator": [None, _op_name(op_id)]}
        history.record_for(
            DID.number.in_(_Stage.select(_Stage.number).where(_Stage.number.in_(numbers)))
            if len(numbers) < 50_000
            else (DID.created_at == now) & (DID.operator == op_id) & (DID.version == 1),
            "create",
            changes,
            batch,
            actor,
            now,
            keep=False,  # new DIDs: nothing to keep; undo deletes them (core/undo.py)
        )
    return restored + len(numbers)


def _op_name(op_id: int) -> str:
    return str(Operator.get_by_id(op_id).name)


def _archive_gone(op_id: int, named: set[str], batch: str, actor: str, now: Any) -> int:
    """Archive what the operator no longer lists; Active/Hold ones only when named."""
    attached = (Status.ACTIVE.value, Status.HOLD.value)
    base = (
        (DID.operator == op_id)
        & (DID.status != Status.ARCHIVED.value)
        & DID.number.not_in(_Stage.select(_Stage.number))
    )
    free = base & DID.status.not_in(list(attached))
    n = 0
    for (status,) in DID.select(DID.status).where(free).distinct().tuples():
        where = free & (DID.status == status)
        history.record_for(where, "reconcile", {"status": [status, "archived"]}, batch, actor, now)
        n += (
            DID.update({DID.status: Status.ARCHIVED.value, DID.version: DID.version + 1, DID.updated_at: now})
            .where(where)
            .execute()
        )
    if named:
        wanted = [lookup_number(x) for x in named]
        rows = list(DID.select(DID.id, DID.number, DID.status).where(base & DID.number.in_(wanted)).tuples())
        unknown = set(wanted) - {r[1] for r in rows}
        if unknown:
            raise RuleViolation(
                f"{sorted(unknown)[0]} is not a DID of this operator that its list leaves out: nothing was changed"
            )
        owners = {
            number: client
            for number, client in DID.select(DID.number, _client_name())
            .join(ClientPackage, JOIN.LEFT_OUTER)
            .join(Account, JOIN.LEFT_OUTER)
            .join(Client, JOIN.LEFT_OUTER)
            .where(DID.id.in_([r[0] for r in rows]))
            .tuples()
        }
        for _id, number, status in rows:
            history.record(
                "reconcile",
                number,
                {"status": [status, "archived"], "client": [owners.get(number) or None, None]},
                batch,
                actor,
                now,
            )
        where = DID.id.in_([r[0] for r in rows])
        n += (
            DID.update(
                {
                    DID.status: Status.ARCHIVED.value,
                    DID.client_package: None,
                    DID.hold_until: None,
                    DID.version: DID.version + 1,
                    DID.updated_at: now,
                }
            )
            .where(where)
            .execute()
        )
    return n
