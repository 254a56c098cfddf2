"""Validating and importing a mapped CSV file: every row checked, nothing half-written.

The import runs as typed stages (docs/architecture.md, "The import stages"): **read**
(`source.py`), **map** (`mapping.py`), **validate** (`validate.py`: a record becomes an
`ImportRow` by the core's own DID rules, or a reason), then, per chunk of a few thousand
DIDs looked up in one query, the **plan** here (`NewDID` rows and `DIDUpdate`s, rows.py)
and the **write** (`write.py`, through core/did_writes.py as every creation of DIDs).

One streaming pass does it all. `validate` stops before writing; `run_import` writes
each good chunk inside one transaction that is rolled back if any row is wrong (all or
nothing), on a cancel, or on any failure (SQLite stages the chunks instead: staging.py).
Memory stays flat: only the set of numbers seen (for duplicates) grows, at about 65 bytes
a DID.
"""

from __future__ import annotations

import contextlib
import csv
import gc
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import peewee
from peewee import Database, fn

from didtui.core import bulk, history
from didtui.core.csvio.export import EXPORT_COLUMNS
from didtui.core.csvio.mapping import check_mapping, guess_mapping
from didtui.core.csvio.precheck import MAX_TOTAL, check_total, may_hold_nul
from didtui.core.csvio.rows import DIDUpdate, Existing, ImportRow, NewDID, NewOperator, OperatorRef
from didtui.core.csvio.source import FileInfo, RecordReader, UnusableInput
from didtui.core.csvio.staging import Stage, stages_imports
from didtui.core.csvio.validate import (
    MAX_NOTES,
    SETTABLE_VALUES,
    Names,
    RowChecker,
    RowWrong,
    exists_message,
    not_settable,
    resolve_defaults,
    update_of,
)
from didtui.core.csvio.write import CHANGED_MEANWHILE, ServerWriter, StagedWriter, load_staged
from didtui.core.did_writes import Creation, refresh_statistics
from didtui.core.numbers import MAX_RANGE, NumberSpan, derived, span_rows
from didtui.core.operators import create_operator
from didtui.core.outfile import OutputFile, Target, check_target, open_database_files
from didtui.core.resellers import create_reseller
from didtui.core.statuses import AFTER_HOLD, Status
from didtui.db import current_actor
from didtui.dialect import dialect
from didtui.errors import AlreadyExists, Cancelled, OutputError
from didtui.models import DID, Event, Operator, Reseller, database_proxy, utcnow

ON_EXISTING = ("skip", "update", "stop")
CHUNK = 5_000
MAX_ERRORS_KEPT = 1_000


@dataclass(frozen=True)
class ImportOptions:
    """How to read the mapped columns, and what to do with what is not in the file.

    Defaults fill fields a new DID gets no value for (unmapped column or empty cell);
    an existing DID that is updated only changes the fields its row gives.
    """

    mapping: tuple[str, ...] | None = None
    operator: str | None = None
    status: str = Status.IN_STOCK.value
    tag: str = ""
    after_hold: str = Status.IN_STOCK.value
    hold_days: int = 30
    on_existing: str = "skip"
    create_operators: bool = False
    create_resellers: bool = False
    max_range: int = MAX_RANGE


@dataclass(frozen=True)
class RowError:
    line: int
    did: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass
class ImportReport:
    """Counts in DIDs (a range row counts each of its numbers), wrong ones in rows."""

    rows: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    wrong_rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    new_operators: list[str] = field(default_factory=list)
    new_resellers: list[str] = field(default_factory=list)
    written: bool = False
    batch: str | None = None
    errors_path: Path | None = None

    @property
    def ok(self) -> bool:
        return self.wrong_rows == 0

    @property
    def imported(self) -> int:
        """DIDs created or changed in the database (0 unless written)."""
        return self.new + self.updated if self.written else 0

    def summary(self) -> str:
        parts = [f"{self.new:,} new", f"{self.updated:,} updated"]
        if self.unchanged:
            parts.append(f"{self.unchanged:,} unchanged")
        parts.append(f"{self.skipped:,} skipped (already there)")
        parts.append(f"{self.wrong_rows:,} wrong row{'s' if self.wrong_rows != 1 else ''}")
        text = f"{self.rows:,} rows: " + ", ".join(parts)
        if self.new_operators:
            shown = ", ".join(self.new_operators[:10]) + (" ..." if len(self.new_operators) > 10 else "")
            text += f"; new operators: {shown}"
        if self.new_resellers:
            shown = ", ".join(self.new_resellers[:10]) + (" ..." if len(self.new_resellers) > 10 else "")
            text += f"; new resellers: {shown}"
        return text


_gc_lock = threading.Lock()
_gc_users: list[Any] = [0, None]  # imports running, thresholds to restore


@contextlib.contextmanager
def _fewer_collections() -> Iterator[None]:
    """Collect garbage less often while a file streams through.

    Every row is a list the collector tracks, and a chunk of them lives long enough to
    be promoted, so the default thresholds ran it thousands of times per million rows
    (20-30% of the validation time, measured). Nothing here makes cycles.
    """
    with _gc_lock:
        if _gc_users[0] == 0:
            _gc_users[1] = gc.get_threshold()
            gc.set_threshold(50_000, 20, 100)
        _gc_users[0] += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_users[0] -= 1
            if _gc_users[0] == 0:
                gc.set_threshold(*_gc_users[1])


class _Rollback(Exception):
    pass


def validate(
    info: FileInfo,
    options: ImportOptions,
    *,
    progress: Callable[[int, int], None] | None = None,
    cancel: Callable[[], bool] | None = None,
    errors_path: str | Path | Target | None = None,
) -> ImportReport:
    """Check every row against the rules and the database; write nothing."""
    return _Pipeline(info, options, write=False, progress=progress, cancel=cancel, errors_path=errors_path).run()


def run_import(
    info: FileInfo,
    options: ImportOptions,
    *,
    skip_invalid: bool = False,
    errors_path: str | Path | Target | None = None,
    progress: Callable[[int, int], None] | None = None,
    cancel: Callable[[], bool] | None = None,
    actor: str | None = None,
) -> ImportReport:
    """Import the file in one transaction.

    All or nothing by default: if any row is wrong, nothing is written (the report says
    why). With `skip_invalid` the good rows are written. Rejected rows go to
    `errors_path` (their cells plus Line and Reason columns) when it is given.
    """
    pipeline = _Pipeline(
        info,
        options,
        write=True,
        skip_invalid=skip_invalid,
        progress=progress,
        cancel=cancel,
        errors_path=errors_path,
        actor=actor,
    )
    return pipeline.run()


def _errors_target(errors_path: str | Path | Target | None, info: FileInfo) -> Target | None:
    """Where rejected rows go, checked before any work: never the input file or the database."""
    if errors_path is None or isinstance(errors_path, Target):
        return errors_path
    if not str(errors_path):
        return None
    try:
        return check_target(errors_path, protect=[info.path, *open_database_files()])
    except OutputError as exc:
        raise UnusableInput(f"errors file: {exc}") from None


def default_errors_path(path: str | Path) -> Path:
    path = Path(path)
    return path.with_name(f"{path.stem}.errors.csv")


class _Pipeline:
    """One pass over the file: read, validate, plan each chunk, write (when asked)."""

    def __init__(
        self,
        info: FileInfo,
        options: ImportOptions,
        *,
        write: bool,
        skip_invalid: bool = False,
        progress: Callable[[int, int], None] | None = None,
        cancel: Callable[[], bool] | None = None,
        errors_path: str | Path | Target | None = None,
        actor: str | None = None,
    ) -> None:
        if options.on_existing not in ON_EXISTING:
            raise UnusableInput(f"on existing {options.on_existing!r}: use skip, update or stop")
        self.info = info
        self.options = options
        self.write = write
        self.skip_invalid = skip_invalid
        self.progress = progress
        self.cancel = cancel
        self.errors_target = _errors_target(errors_path, info)
        self.actor = actor or current_actor()
        self.mapping = tuple(options.mapping) if options.mapping is not None else guess_mapping(info)
        check_mapping(info, self.mapping)
        self.report = ImportReport()
        self.writing = write  # False once a wrong row makes an all-or-nothing import moot
        self.chunk: list[ImportRow] = []
        self.now = utcnow()
        self.batch = history.new_batch()
        self.creation = Creation(
            self.batch, "import", {"imported": info.path.name}, self.actor, self.now, options.hold_days
        )
        self._error_writer: Any = None
        self._error_file: OutputFile | None = None
        self.writer: ServerWriter | StagedWriter | None = None
        self._placeholders: dict[str, int] = {}
        self._known_range: tuple[str | None, str | None] = (None, None)
        self.names = Names(options.create_operators, options.create_resellers)
        self.defaults = resolve_defaults(
            self.names,
            status=options.status,
            operator=options.operator,
            tag=options.tag,
            after_hold=options.after_hold,
            hold_days=options.hold_days,
        )
        exact = bool(info.header and tuple(info.columns) == EXPORT_COLUMNS)
        self.rows = RowChecker(info, self.mapping, self.names, options.max_range, exact)

    # ---- the pass ------------------------------------------------------------------

    def run(self) -> ImportReport:
        with _fewer_collections():
            return self._run()

    def _run(self) -> ImportReport:
        check_total(self.info, self.rows.col["did"], self.options.max_range, MAX_TOTAL)
        self.rows.nul_possible = may_hold_nul(self.info)
        reader = RecordReader(self.info)
        self._reader = reader
        db = database_proxy.obj
        try:
            if not self.write:
                self._known_range = _number_range()
                self._read_all(reader)
            else:
                try:
                    if stages_imports(db):
                        self._run_staged(db, reader)
                    else:
                        self._run_on_server(db, reader)
                    self.report.written = True
                    self.report.batch = self.batch
                except _Rollback:
                    pass
                if self.report.written:
                    refresh_statistics(self.report.new + self.report.updated)
            self._close_errors(keep=True)
        except BaseException:
            self._close_errors(keep=False)
            raise
        if self.report.rows == 0:
            what = "only a header" if self.info.header else "no data rows"
            raise UnusableInput(f"{self.info.path} has {what}: there is nothing to import")
        self.report.new_operators = [op.name for op in self.names.pending_operators.values()]
        self.report.new_resellers = list(self.names.pending_resellers)
        self.report.errors.sort(key=lambda e: e.line)
        return self.report

    def _moot(self) -> bool:
        """Nothing is to be written: a wrong row in an all-or-nothing import."""
        return not self.writing or bool(self.report.wrong_rows and not self.skip_invalid)

    def _run_on_server(self, db: Database, reader: RecordReader) -> None:
        """PostgreSQL, MariaDB: every good chunk written as it comes, in one transaction."""
        with db.atomic():
            # Inside the import's transaction: rolled back with it if nothing is written.
            self.names.reseller_maker = _create_reseller
            writer = self.writer = ServerWriter(db, self.creation)
            self._known_range = _number_range()
            deferred = self._deferrable(db)
            try:
                with bulk.deferred_indexes(db, deferred):
                    if deferred:
                        # Read again now that the dropped indexes' lock is held: DIDs
                        # someone committed meanwhile are looked up like any other.
                        self._known_range = _number_range()
                    self._read_all(reader)
                    self.rows.seen = set()  # its ~65 MB per million DIDs
                    if self._moot():
                        raise _Rollback
                    writer.finish()
            except peewee.IntegrityError as exc:  # the number index's rebuild found a duplicate
                raise AlreadyExists(CHANGED_MEANWHILE) from exc

    def _run_staged(self, db: Database, reader: RecordReader) -> None:
        """SQLite (core/csvio/staging.py): read, check and stage the whole file in TEMP
        tables without the write lock, then write it all in one short transaction."""
        stage = Stage(db)
        self.writer = StagedWriter(stage, self.creation)
        try:
            with db.atomic("DEFERRED"):  # reads and TEMP writes: no lock on the main file
                self._known_range = _number_range()
                self._read_all(reader)
            self.rows.seen = set()  # its ~65 MB per million DIDs, freed before the index builds
            if self._moot():
                raise _Rollback
            with dialect(db).announce_import(db, self.actor), db.atomic():
                for key, placeholder in self._placeholders.items():
                    stage.set_operator(placeholder, self._create_operator(self.names.pending_operators[key]))
                for index, name in enumerate(self.names.pending_resellers):
                    stage.set_reseller(-(index + 1), _create_reseller(name))
                with bulk.deferred_indexes(db, self._deferrable(db)):
                    load_staged(db, stage, self.creation)
        finally:
            stage.drop()
            self.writer = None

    def _read_all(self, reader: RecordReader) -> None:
        check = self.rows.checker()
        chunk_append = self.chunk.append
        chunk_numbers = 0
        rows = 0
        for line, cells, problem in reader:
            rows += 1
            try:
                row = check(line, cells, problem)
            except RowWrong as exc:
                self._wrong(line, cells, exc.did or "", str(exc))
                continue
            chunk_append(row)
            numbers = row.numbers
            chunk_numbers += 1 if numbers.__class__ is str else len(numbers)
            if chunk_numbers >= CHUNK:  # the total was checked before the first row (precheck.py)
                self._flush()
                chunk_numbers = 0
        self.report.rows += rows
        self._flush()

    # ---- rejected rows -------------------------------------------------------------

    def _wrong(self, line: int, cells: list[str] | None, did: str, reason: str) -> None:
        report = self.report
        report.wrong_rows += 1
        if len(report.errors) < MAX_ERRORS_KEPT:
            report.errors.append(RowError(line, did, reason))
        if not self.skip_invalid:
            self.writing = False
        if self.errors_target is not None:
            writer = self._errors_writer()
            width = self.info.width
            values: list[Any] = list(cells or [])[:width]
            writer.writerow(values + [""] * (width - len(values)) + [line, reason])

    def _errors_writer(self) -> Any:
        if self._error_writer is None:
            assert self.errors_target is not None
            output = self._error_file = OutputFile(self.errors_target)
            stream = output.open()
            self._error_writer = csv.writer(stream, delimiter=self.info.delimiter)
            self._error_writer.writerow([*list(self.info.columns), "Line", "Reason"])
        return self._error_writer

    def _close_errors(self, keep: bool) -> None:
        output = self._error_file
        if output is None:
            return
        self._error_file = None
        if keep:
            output.commit()
            target = output.target
            self.report.errors_path = Path("/dev/stdout" if target.kind == "stdout" else target.given)
        else:
            output.discard()

    # ---- chunks against the database: the plan -------------------------------------

    def _flush(self) -> None:
        if self.cancel is not None and self.cancel():
            raise Cancelled(("import" if self.write else "validation") + " cancelled: nothing was written")
        chunk = list(self.chunk)
        self.chunk.clear()
        if self.progress is not None:
            self.progress(self._reader.position(), self.info.size)
        if not chunk:
            return
        existing = self._existing(chunk)
        inserts: list[NewDID] = []
        updates: list[DIDUpdate] = []
        if not existing:
            self._all_new(chunk, inserts)
        else:
            for row in chunk:
                try:
                    self._classify(row, existing, inserts, updates)
                except RowWrong as exc:
                    self._wrong(row.line, row.cells, str(row.numbers), str(exc))
        if self.writing and self.writer is not None:
            self.writer.write(inserts, updates)

    def _all_new(self, chunk: list[ImportRow], inserts: list[NewDID]) -> None:
        """The fast path of `_classify` for a chunk none of whose numbers exist yet."""
        d = self.defaults
        writing = self.writing
        append = inserts.append
        derive = derived
        new = 0
        for row in chunk:
            line, cells, numbers, status, operator, tag, notes, reseller, after_hold = row
            if status is None:
                status = d.status
            elif status not in SETTABLE_VALUES:
                self._wrong(line, cells, str(numbers), not_settable(status, "a new DID"))
                writing = self.writing
                continue
            if isinstance(numbers, str):
                new += 1
            else:
                new += len(numbers)
            if not writing:
                continue
            op_id = self._operator_id(operator if operator is not None else d.operator)
            values = (
                status,
                op_id,
                d.tag if tag is None else tag,
                d.notes if notes is None else notes,
                d.reseller if reseller is None else reseller,
                after_hold or d.after_hold,
            )
            if isinstance(numbers, str):
                append(NewDID(numbers, *values, *derive(numbers)))
            else:
                inserts.extend(NewDID(n, *values, c, t, p) for n, c, t, p in span_rows(numbers))
        self.report.new += new

    def _existing(self, chunk: list[ImportRow]) -> dict[str, Existing]:
        low, high = self._known_range
        if low is None or high is None:
            return {}  # the inventory was empty when the import began
        numbers: list[str] = []
        for row in chunk:
            value = row.numbers
            if isinstance(value, str):
                numbers.append(value)
            else:
                numbers.extend(value)
        if max(numbers) < low or min(numbers) > high:
            # Outside the numbers the table held when the import began: none can exist
            # (a DID created meanwhile by someone else trips the unique index instead).
            return {}
        db = database_proxy.obj
        columns = "number, id, status, operator_id, tag, notes, reseller_id, after_hold, version"
        with peewee.__exception_wrapper__:
            found = dialect(db).rows_by_number(db, columns, numbers)
            return {values[0]: Existing(*values) for values in found}

    def _classify(
        self, row: ImportRow, existing: dict[str, Existing], inserts: list[NewDID], updates: list[DIDUpdate]
    ) -> None:
        d = self.defaults
        numbers = (row.numbers,) if isinstance(row.numbers, str) else row.numbers
        hits = [existing[n] for n in numbers if n in existing]
        policy = self.options.on_existing
        if hits and policy == "stop":
            raise RowWrong(exists_message(numbers, hits))
        new_status = row.status or d.status
        fresh = len(numbers) - len(hits)
        if fresh and new_status not in SETTABLE_VALUES:
            raise RowWrong(not_settable(new_status, "a new DID"))
        planned: list[DIDUpdate] = []
        unchanged = 0
        if hits and policy == "update":
            for hit in hits:
                change = update_of(row, hit, self.names)
                if change is None:
                    unchanged += 1
                else:
                    planned.append(change)
        # The row is good: count it and plan its writes.
        report = self.report
        report.new += fresh
        if policy == "skip":
            report.skipped += len(hits)
        report.updated += len(planned)
        report.unchanged += unchanged
        if not self.writing:
            return
        values = (
            new_status,
            self._operator_id(row.operator if row.operator is not None else d.operator),
            d.tag if row.tag is None else row.tag,
            d.notes if row.notes is None else row.notes,
            d.reseller if row.reseller is None else row.reseller,
            row.after_hold or d.after_hold,
        )
        if fresh:
            skip = {h.number for h in hits}
            if isinstance(row.numbers, NumberSpan):
                inserts.extend(NewDID(n, *values, c, t, p) for n, c, t, p in span_rows(row.numbers) if n not in skip)
            else:
                inserts.extend(NewDID(n, *values, *derived(n)) for n in numbers if n not in skip)
        for change in planned:
            if "operator_id" in change.fields:
                op_id = self._operator_id(change.fields["operator_id"])
                change.fields["operator_id"] = op_id
                change.changes["operator"][1] = self.names.operator_names.get(op_id) if op_id is not None else None
            updates.append(change)

    def _operator_id(self, ref: OperatorRef | None) -> int | None:
        """The id to write; an operator to be created is created now, in the transaction."""
        if not isinstance(ref, NewOperator):
            return ref
        found = self.names.operators.get(ref.key)
        if found is not None:
            return found
        if isinstance(self.writer, StagedWriter):
            # Staged (SQLite): created at the final step, under the write lock; until
            # then a negative placeholder stands for it.
            placeholder = self._placeholders.setdefault(ref.key, -1 - len(self._placeholders))
            self.names.operator_names[placeholder] = ref.name
            return placeholder
        return self._create_operator(ref)

    def _create_operator(self, new: NewOperator) -> int:
        """Create the file's new operator now, in the import's write transaction."""
        try:
            op_id: int = create_operator(new.name).id
        except AlreadyExists:  # created by someone else meanwhile
            op_id = Operator.select(Operator.id).where(Operator.name == new.name).scalar()
        self.names.operators[new.key] = op_id
        self.names.operator_names[op_id] = new.name
        return op_id

    def _deferrable(self, db: Database) -> list[str]:
        """Tables whose indexes are better built after the load than kept up during it.

        Only a large file (by size: rows are not counted yet) into an empty did table,
        since the lookups of existing numbers need its index; the event table when it
        holds no more rows than the file is likely to add. On a server, dropping an
        index locks its table against every other session until the import commits, so
        only the first load of an empty inventory does it (PostgreSQL: 1M DIDs in 20 s
        instead of 27-34 s, docs/performance.md); SQLite drops them under its write lock.
        """
        backend = dialect(db)
        if not backend.defers_indexes:
            return []
        rows = self.info.size // 60
        if rows < backend.reindex_min:
            return []
        empty = self._known_range[0] is None
        if not empty and not backend.single_writer:
            return []
        tables = [DID._meta.table_name] if empty else []
        events = Event.select(fn.MAX(Event.id)).scalar() or 0
        if events <= rows:
            tables.append(Event._meta.table_name)
        return tables


def _create_reseller(name: str) -> int:
    try:
        reseller_id: int = create_reseller(name).id
    except AlreadyExists:  # created by someone else meanwhile
        reseller_id = Reseller.select(Reseller.id).where(Reseller.name == name).scalar()
    return reseller_id


def _number_range() -> tuple[str | None, str | None]:
    """The lowest and highest number in the inventory (text order, as the index keeps them)."""
    low, high = DID.select(fn.MIN(DID.number), fn.MAX(DID.number)).tuples().get()
    return low, high


__all__ = [
    "AFTER_HOLD",
    "MAX_NOTES",
    "MAX_TOTAL",
    "ImportOptions",
    "ImportReport",
    "RowError",
    "default_errors_path",
    "run_import",
    "validate",
]
