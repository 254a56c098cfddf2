"""Validating and importing a mapped CSV file: every row checked, nothing half-written.

One streaming pass does both jobs. Rows are checked as they are read (numbers, statuses,
names, duplicates inside the file), gathered into chunks of a few thousand DIDs, and each
chunk is checked against the database in one query. `validate` stops there; `run_import`
also writes each good chunk (the cursor's executemany, COPY on PostgreSQL) inside one
transaction that is rolled back if any row is wrong (all or nothing), on a cancel, or on
any failure. Memory stays flat: only the set of numbers seen (for duplicates) grows, at
about 65 bytes a DID.
"""

from __future__ import annotations

import contextlib
import csv
import gc
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import peewee
from peewee import SQL, fn

from didtui.core import bulk, history
from didtui.core.csvio.cells import restore
from didtui.core.csvio.export import EXPORT_COLUMNS
from didtui.core.csvio.mapping import FIELD_LABELS, check_mapping, guess_mapping
from didtui.core.csvio.precheck import MAX_TOTAL, check_total, may_hold_nul
from didtui.core.csvio.source import FileInfo, RecordReader, UnusableInput
from didtui.core.csvio.staging import Stage, stages_imports
from didtui.core.numbers import (
    MAX_DIGITS,
    MAX_RANGE,
    NumberSpan,
    derived,
    display_number,
    parse_span,
    read_number,
    span_rows,
)
from didtui.core.operators import create_operator
from didtui.core.outfile import OutputFile, Target, check_target, open_database_files
from didtui.core.resellers import create_reseller
from didtui.core.statuses import AFTER_HOLD, SETTABLE, Status, label, parse_after_hold, parse_status
from didtui.db import current_actor, current_numbering
from didtui.dialect import dialect
from didtui.errors import AlreadyExists, Cancelled, Conflict, InputError, OutputError
from didtui.models import DID, Event, Operator, Reseller, database_proxy, utcnow

ON_EXISTING = ("skip", "update", "stop")
CHUNK = 5_000
MAX_ERRORS_KEPT = 1_000
MAX_NOTES = 10_000
_SETTABLE = frozenset(s.value for s in SETTABLE)
_ATTACHED = frozenset((Status.ACTIVE.value, Status.HOLD.value))
_INSERT_COLUMNS = [
    "number",
    "status",
    "operator_id",
    "tag",
    "notes",
    "reseller_id",
    "after_hold",
    "hold_days",
    "created_at",
    "updated_at",
    "version",
    "country",
    "number_type",
    "place",
]
_EVENT_COLUMNS = ["at", "actor", "did_number", "action", "changes", "batch"]


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
_gc_users = [0, None]  # imports running, thresholds to restore


@contextlib.contextmanager
def _fewer_collections():
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


class _RowWrong(Exception):
    pass


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
    def __init__(
        self,
        info: FileInfo,
        options: ImportOptions,
        *,
        write: bool,
        skip_invalid: bool = False,
        progress=None,
        cancel=None,
        errors_path=None,
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
        self.col = {f: i for i, f in enumerate(self.mapping) if f != "ignore"}
        # didtui's own export is read exactly as written (docs/output-files.md): no blanks
        # trimmed from text cells, so an exported file imports back byte for byte.
        self.exact = info.header and tuple(info.columns) == EXPORT_COLUMNS
        self.nul_possible = True
        self.report = ImportReport()
        self.writing = write  # False once a wrong row makes an all-or-nothing import moot
        self.seen: set[int] = set()
        self.chunk: list[tuple] = []
        self.now = utcnow()
        self.batch = history.new_batch()
        self._error_writer = None
        self._error_file = None
        self.stage: Stage | None = None
        self._placeholders: dict[str, int] = {}
        self._load_names()
        self._resolve_defaults()

    # ---- names and defaults --------------------------------------------------------

    def _load_names(self) -> None:
        # Names match case-insensitively (MySQL's unique index does so anyway), so "telia"
        # in a file finds "Telia" rather than creating a second one.
        self.operators: dict[str, int] = {}
        self.operator_names: dict[int, str] = {}
        for op_id, name in Operator.select(Operator.id, Operator.name).tuples():
            self.operators.setdefault(name.casefold(), op_id)
            self.operator_names[op_id] = name
        self.resellers: dict[str, int] = {}
        self.reseller_names: dict[int, str] = {}
        for res_id, name in Reseller.select(Reseller.id, Reseller.name).tuples():
            self.resellers.setdefault(name.casefold(), res_id)
            self.reseller_names[res_id] = name
        self.pending_operators: dict[str, str] = {}  # casefold -> name as first written
        self.pending_resellers: list[str] = []  # names created (or to be), as first written
        self._good: dict[str, dict[str, Any]] = {k: {} for k in ("status", "after_hold", "operator", "reseller")}

    def _resolve_defaults(self) -> None:
        o = self.options
        try:
            status = parse_status(o.status).value
        except InputError as exc:
            raise UnusableInput(f"default status: {exc}") from None
        if status not in _SETTABLE:
            raise UnusableInput(
                f"default status cannot be {label(status)}: use In Stock, Reserved, Blocked or Archived"
            )
        try:
            after_hold = parse_after_hold(o.after_hold).value
        except InputError as exc:
            raise UnusableInput(f"default after hold: {exc}") from None
        tag = (o.tag or "").strip()
        if len(tag) > 100:
            raise UnusableInput("default tag is too long: at most 100 characters")
        if not isinstance(o.hold_days, int) or not 0 <= o.hold_days <= 3650:
            raise UnusableInput(f"hold days must be a whole number from 0 to 3650, not {o.hold_days!r}")
        operator = None
        if o.operator and o.operator.strip():
            try:
                operator = self._operator(o.operator.strip())
            except _RowWrong as exc:
                raise UnusableInput(f"default operator: {exc}") from None
        self.defaults = (status, operator, tag, "", None, after_hold)

    def _operator(self, name: str) -> Any:
        """An operator id, or ("new", name) for one to be created; _RowWrong if unknown."""
        if len(name) > 100:
            raise _RowWrong(f"operator name {name[:20]!r}... is too long: at most 100 characters")
        key = name.casefold()
        found = self.operators.get(key)
        if found is not None:
            return found
        if not self.options.create_operators:
            raise _RowWrong(f"unknown operator {name!r}: create it first, or choose to create unknown operators")
        self.pending_operators.setdefault(key, name)
        return ("new", key)

    def _create_reseller(self, name: str) -> int:
        try:
            return create_reseller(name).id
        except AlreadyExists:  # created by someone else meanwhile
            return Reseller.select(Reseller.id).where(Reseller.name == name).scalar()

    def _reseller(self, name: str) -> int:
        found = self.resellers.get(name.casefold())
        if found is not None:
            return found
        if not self.options.create_resellers:
            raise _RowWrong(
                f"unknown reseller {name!r}: create it first, choose to create unknown resellers, "
                "or map that column to Ignore"
            )
        if len(name) > 100:
            raise _RowWrong(f"reseller name {name[:20]!r}... is too long: at most 100 characters")
        if self.write and self.stage is None:
            # Inside the import's transaction: rolled back with it if nothing is written.
            found = self._create_reseller(name)
        else:
            # Validating, or staging (SQLite reads outside the transaction): a stand-in id,
            # replaced by the reseller created at the final step (_write_staged).
            found = -(len(self.pending_resellers) + 1)
        self.pending_resellers.append(name)
        self.resellers[name.casefold()] = found
        self.reseller_names[found] = name
        return found

    def _cached(self, kind: str, text: str, parse: Callable[[str], Any]) -> Any:
        """Parse a cell value once; good values are remembered for the next rows."""
        try:
            value = parse(text)
        except InputError as exc:
            raise _RowWrong(str(exc)) from None
        good = self._good[kind]
        if len(good) < 10_000:
            good[text] = value
        return value

    # ---- the pass ------------------------------------------------------------------

    def run(self) -> ImportReport:
        with _fewer_collections():
            return self._run()

    def _run(self) -> ImportReport:
        check_total(self.info, self.col["did"], self.options.max_range, MAX_TOTAL)
        self.nul_possible = may_hold_nul(self.info)
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
                        with db.atomic():
                            self._max_before = DID.select(DID.id).order_by(DID.id.desc()).limit(1).scalar() or 0
                            self._known_range = _number_range()
                            with bulk.deferred_indexes(db, self._deferrable(db)):
                                self._read_all(reader)
                                self.seen = set()  # its ~65 MB per million DIDs, freed before the index builds
                                if not self.writing or (self.report.wrong_rows and not self.skip_invalid):
                                    raise _Rollback
                                self._finish_writes()
                    self.report.written = True
                    self.report.batch = self.batch
                except _Rollback:
                    pass
                if self.report.written:
                    self._optimize()
            self._close_errors(keep=True)
        except BaseException:
            self._close_errors(keep=False)
            raise
        if self.report.rows == 0:
            what = "only a header" if self.info.header else "no data rows"
            raise UnusableInput(f"{self.info.path} has {what}: there is nothing to import")
        self.report.new_operators = list(self.pending_operators.values())
        self.report.new_resellers = list(self.pending_resellers)
        self.report.errors.sort(key=lambda e: e.line)
        return self.report

    def _run_staged(self, db: Any, reader: RecordReader) -> None:
        """SQLite (core/csvio/staging.py): read, check and stage the whole file in TEMP
        tables without the write lock, then write it all in one short transaction."""
        self.stage = Stage(db)
        try:
            with db.atomic("DEFERRED"):  # reads and TEMP writes: no lock on the main file
                self._known_range = _number_range()
                self._read_all(reader)
            self.seen = set()  # its ~65 MB per million DIDs, freed before the index builds
            if not self.writing or (self.report.wrong_rows and not self.skip_invalid):
                raise _Rollback
            with dialect(db).announce_import(db, self.actor), db.atomic():
                self._max_before = DID.select(DID.id).order_by(DID.id.desc()).limit(1).scalar() or 0
                for key, placeholder in self._placeholders.items():
                    self.stage.set_operator(placeholder, self._create_operator(key))
                for index, name in enumerate(self.pending_resellers):
                    self.stage.set_reseller(-(index + 1), self._create_reseller(name))
                self._keep_updated(db)
                with bulk.deferred_indexes(db, self._deferrable(db)):
                    try:
                        self.stage.load(self.options.hold_days, self.now)
                    except peewee.IntegrityError as exc:
                        raise AlreadyExists(
                            "the inventory changed during the import (a DID of the file created, or an operator "
                            "deleted, by someone else): nothing was written; import the file again"
                        ) from exc
                    self._finish_writes()
        finally:
            self.stage.drop()
            self.stage = None

    def _read_all(self, reader: RecordReader) -> None:
        width = self.info.width
        col = self.col
        did_col = col["did"]
        status_col = col.get("status")
        op_col = col.get("operator")
        tag_col = col.get("tag")
        notes_col = col.get("notes")
        res_col = col.get("reseller")
        ah_col = col.get("after_hold")
        seen = self.seen
        report = self.report
        statuses, after_holds = self._good["status"], self._good["after_hold"]
        operators, resellers = self._good["operator"], self._good["reseller"]
        max_range = self.options.max_range
        digits_level = current_numbering().level == "digits"
        chunk_append = self.chunk.append
        chunk_numbers = 0
        rows = 0
        exact, nul_possible = self.exact, self.nul_possible
        for line, cells, problem in reader:
            rows += 1
            if problem is not None:
                self._wrong(line, cells, "", problem)
                continue
            n = len(cells)
            if n != width and (n < width or any(c.strip() for c in cells[width:])):
                self._wrong(
                    line,
                    cells,
                    cells[did_col] if did_col < n else "",
                    f"{n} fields where the {'header has' if self.info.header else 'first rows have'} {width}: "
                    "a missing or stray delimiter, or a field that needs quotes",
                )
                continue
            if nul_possible and (nul := self._nul_column(cells)):
                self._wrong(line, cells, cells[did_col], f"{nul} contains a NUL character (\\x00): remove it")
                continue
            raw = cells[did_col].strip()
            try:
                if "-" not in raw or raw[:1] == "-":
                    numbers: Any = self._number(raw, digits_level)
                else:
                    numbers = self._span(raw, max_range)
                if isinstance(numbers, str):
                    if int("1" + numbers) in seen:
                        written = "" if raw == numbers else f" (written {raw!r} here)"
                        shown = display_number(numbers)
                        raise _RowWrong(f"duplicate inside the file: {shown} is also on an earlier line{written}")
                    count = 1
                else:
                    count = len(numbers)
                status = after_hold = operator = tag = notes = reseller = None
                if status_col is not None and (text := cells[status_col].strip()):
                    status = statuses.get(text) or self._cached("status", text, _status_value)
                if ah_col is not None and (text := cells[ah_col].strip()):
                    after_hold = after_holds.get(text) or self._cached("after_hold", text, _after_hold_value)
                if op_col is not None and (text := cells[op_col] if exact else cells[op_col].strip()):
                    operator = operators.get(text)
                    if operator is None:
                        operator = self._cached("operator", text, lambda t: self._operator(restore(t)))
                if res_col is not None and (text := cells[res_col] if exact else cells[res_col].strip()):
                    reseller = resellers.get(text) or self._cached(
                        "reseller", text, lambda t: self._reseller(restore(t))
                    )
                if tag_col is not None and (text := cells[tag_col] if exact else cells[tag_col].strip()):
                    tag = text if text[0] != "'" else restore(text)
                    if len(tag) > 100:
                        raise _RowWrong(f"tag {tag[:20]!r}... is too long: at most 100 characters")
                if notes_col is not None and (text := cells[notes_col] if exact else cells[notes_col].strip()):
                    notes = text if text[0] != "'" else restore(text)
                    if len(notes) > MAX_NOTES:
                        raise _RowWrong(f"notes are too long ({len(notes):,} characters): at most {MAX_NOTES:,}")
                if isinstance(numbers, str):
                    seen.add(int("1" + numbers))
                else:
                    self._claim(numbers)
            except _RowWrong as exc:
                self._wrong(line, cells, raw, str(exc))
                continue
            chunk_append((line, cells, numbers, status, operator, tag, notes, reseller, after_hold))
            chunk_numbers += count
            if chunk_numbers >= CHUNK:  # the total was checked before the first row (precheck.py)
                self._flush()
                chunk_numbers = 0
        report.rows += rows
        self._flush()

    def _nul_column(self, cells: list[str]) -> str | None:
        """The first used column holding a NUL (PostgreSQL cannot store one; no backend
        gets one), named as the file and the mapping name it, or None."""
        for i, field_ in enumerate(self.mapping):
            if field_ != "ignore" and i < len(cells) and "\x00" in cells[i]:
                return f"column {self.info.columns[i]!r} ({FIELD_LABELS[field_]})"
        return None

    @staticmethod
    def _number(raw: str, digits_level: bool) -> str:
        """One number through the one reader (core/numbers.py); bare ASCII digits under
        the digits level are already what it would return."""
        if digits_level and raw.isascii() and raw.isdigit() and 3 <= len(raw) <= MAX_DIGITS:
            return raw
        if not raw:
            raise _RowWrong("no DID number in this row")
        try:
            return read_number(raw)
        except InputError as exc:
            raise _RowWrong(str(exc)) from None

    def _span(self, raw: str, max_range: int) -> Any:
        try:
            span = parse_span(raw, max_range)
        except InputError as exc:
            raise _RowWrong(str(exc)) from None
        if len(span) == 1:
            return span.first_text
        return span

    def _claim(self, numbers: Any) -> None:
        """Refuse a number seen on an earlier line; else remember all of this row's."""
        seen = self.seen
        if isinstance(numbers, str):
            keys = [int("1" + numbers)]
        else:
            base = 10**numbers.width
            keys = range(base + numbers.first, base + numbers.last + 1)
        for key in keys:
            if key in seen:
                text = str(key)[1:]
                raise _RowWrong(f"duplicate inside the file: {text} is also on an earlier line")
        seen.update(keys)

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
            values = list(cells or [])[:width]
            writer.writerow(values + [""] * (width - len(values)) + [line, reason])

    def _errors_writer(self):
        if self._error_writer is None:
            assert self.errors_target is not None
            self._error_file = OutputFile(self.errors_target)
            stream = self._error_file.open()
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

    # ---- chunks against the database -----------------------------------------------

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
        inserts: list[tuple] = []
        updates: list[tuple] = []
        events: list[tuple] = []
        if not existing:
            self._all_new(chunk, inserts)
            if self.writing:
                self._write(inserts, updates, events)
            return
        for row in chunk:
            try:
                self._classify(row, existing, inserts, updates, events)
            except _RowWrong as exc:
                numbers = row[2]
                self._wrong(row[0], row[1], numbers if isinstance(numbers, str) else str(numbers), str(exc))
        if self.writing:
            self._write(inserts, updates, events)

    def _all_new(self, chunk: list[tuple], inserts: list[tuple]) -> None:
        """The fast path of `_classify` for a chunk none of whose numbers exist yet."""
        d_status, d_operator, d_tag, d_notes, d_reseller, d_after_hold = self.defaults
        writing = self.writing
        append = inserts.append
        derive = derived
        new = 0
        for row in chunk:
            line, cells, numbers, status, operator, tag, notes, reseller, after_hold = row
            if status is None:
                status = d_status
            elif status not in _SETTABLE:
                numbers = numbers if isinstance(numbers, str) else str(numbers)
                self._wrong(line, cells, numbers, self._not_settable(status, "a new DID"))
                writing = self.writing
                continue
            if isinstance(numbers, str):
                new += 1
            else:
                new += len(numbers)
            if not writing:
                continue
            if operator is None:
                operator = d_operator
            if operator.__class__ is tuple:
                operator = self._operator_id(operator)
            if tag is None:
                tag = d_tag
            if notes is None:
                notes = d_notes
            if reseller is None:
                reseller = d_reseller
            if isinstance(numbers, str):
                append((numbers, status, operator, tag, notes, reseller, after_hold or d_after_hold, *derive(numbers)))
            else:
                values = (status, operator, tag, notes, reseller, after_hold or d_after_hold)
                inserts.extend((n, *values, c, t, p) for n, c, t, p in span_rows(numbers))
        self.report.new += new

    def _existing(self, chunk: list[tuple]) -> dict[str, tuple]:
        numbers: list[str] = []
        for row in chunk:
            value = row[2]
            if isinstance(value, str):
                numbers.append(value)
            else:
                numbers.extend(value)
        low, high = self._known_range
        if low is None or max(numbers) < low or min(numbers) > high:
            # Outside the numbers the table held when the import began: none can exist
            # (a DID created meanwhile by someone else trips the unique index instead).
            return {}
        db = database_proxy.obj
        columns = "number, id, status, operator_id, tag, notes, reseller_id, after_hold, version"
        with peewee.__exception_wrapper__:
            return {values[0]: values for values in dialect(db).rows_by_number(db, columns, numbers)}

    def _classify(self, row: tuple, existing: dict[str, tuple], inserts: list, updates: list, events: list) -> None:
        _line, _cells, numbers, status, operator, tag, notes, reseller, after_hold = row
        d_status, d_operator, d_tag, d_notes, d_reseller, d_after_hold = self.defaults
        if isinstance(numbers, str):
            numbers = (numbers,)
        hits = [existing[n] for n in numbers if n in existing] if existing else []
        policy = self.options.on_existing
        if hits and policy == "stop":
            raise _RowWrong(self._exists_message(numbers, hits))
        new_status = status or d_status
        fresh = len(numbers) - len(hits)
        if fresh and new_status not in _SETTABLE:
            raise _RowWrong(self._not_settable(new_status, "a new DID"))
        planned_updates: list[tuple] = []
        unchanged = 0
        if hits and policy == "update":
            for hit in hits:
                change = self._update_of(hit, status, operator, tag, notes, reseller, after_hold)
                if change is None:
                    unchanged += 1
                else:
                    planned_updates.append(change)
        # The row is good: count it and plan its writes.
        report = self.report
        report.new += fresh
        if policy == "skip":
            report.skipped += len(hits)
        report.updated += len(planned_updates)
        report.unchanged += unchanged
        if not self.writing:
            return
        op_id = self._operator_id(operator if operator is not None else d_operator)
        values = (
            new_status,
            op_id,
            tag if tag is not None else d_tag,
            notes if notes is not None else d_notes,
            reseller if reseller is not None else d_reseller,
            after_hold or d_after_hold,
        )
        if fresh:
            skip = {h[0] for h in hits}
            if isinstance(row[2], NumberSpan):
                inserts.extend((n, *values, c, t, p) for n, c, t, p in span_rows(row[2]) if n not in skip)
            else:
                inserts.extend((n, *values, *derived(n)) for n in numbers if n not in skip)
        for number, did_id, version, fields_, changes in planned_updates:
            if "operator_id" in fields_:
                fields_["operator_id"] = self._operator_id(fields_["operator_id"])
                changes["operator"][1] = self.operator_names.get(fields_["operator_id"])
            updates.append((number, did_id, version, fields_))
            events.append((self.now, self.actor, number, "import", history.encode(changes), self.batch))

    def _update_of(self, hit: tuple, status, operator, tag, notes, reseller, after_hold) -> tuple | None:
        number, did_id, old_status, old_op, old_tag, old_notes, old_res, old_ah, version = hit
        fields_: dict[str, Any] = {}
        changes: dict[str, list] = {}
        if status is not None and status != old_status:
            if old_status in _ATTACHED:
                raise _RowWrong(
                    f"{number} is {label(old_status)} (it belongs to a client): import cannot change its status; "
                    "release it first, or leave the status empty"
                )
            if status not in _SETTABLE:
                raise _RowWrong(self._not_settable(status, number))
            fields_["status"] = status
            changes["status"] = [old_status, status]
        if operator is not None and operator != old_op:
            fields_["operator_id"] = operator
            name = (
                self.pending_operators.get(operator[1])
                if isinstance(operator, tuple)
                else self.operator_names.get(operator)
            )
            changes["operator"] = [self.operator_names.get(old_op), name]
        if tag is not None and tag != (old_tag or ""):
            fields_["tag"] = tag
            changes["tag"] = [old_tag, tag]
        if notes is not None and notes != (old_notes or ""):
            fields_["notes"] = notes
            changes["notes"] = [old_notes, notes]
        if reseller is not None and reseller != old_res:
            fields_["reseller_id"] = reseller
            changes["reseller"] = [self.reseller_names.get(old_res), self.reseller_names.get(reseller)]
        if after_hold is not None and after_hold != old_ah:
            fields_["after_hold"] = after_hold
            changes["after_hold"] = [old_ah, after_hold]
        if not fields_:
            return None
        return number, did_id, version, fields_, changes

    @staticmethod
    def _not_settable(status: str, what: str) -> str:
        why = (
            "only picking makes a DID Active"
            if status == Status.ACTIVE.value
            else "only releasing an Active DID puts it on Hold"
        )
        return f"{what} cannot be imported as {label(status)}: {why}; use In Stock, Reserved, Blocked or Archived"

    @staticmethod
    def _exists_message(numbers: tuple | Any, hits: list[tuple]) -> str:
        if len(hits) == 1 and len(numbers) == 1:
            return f"{hits[0][0]} already exists (the policy for existing DIDs is stop)"
        shown = ", ".join(h[0] for h in hits[:5]) + (" ..." if len(hits) > 5 else "")
        return f"{len(hits):,} of these DIDs already exist ({shown}); the policy for existing DIDs is stop"

    def _operator_id(self, value: Any) -> int | None:
        """The id to write; an operator to be created is created now, in the transaction."""
        if not isinstance(value, tuple):
            return value
        key = value[1]
        if key in self.operators:
            return self.operators[key]
        if self.stage is not None:
            # Staged (SQLite): created at the final step, under the write lock; until
            # then a negative placeholder stands for it.
            placeholder = self._placeholders.setdefault(key, -1 - len(self._placeholders))
            self.operator_names[placeholder] = self.pending_operators[key]
            return placeholder
        return self._create_operator(key)

    def _create_operator(self, key: str) -> int:
        """Create the file's new operator `key` now, in the import's write transaction."""
        name = self.pending_operators[key]
        try:
            op_id = create_operator(name).id
        except AlreadyExists:  # created by someone else meanwhile
            op_id = Operator.select(Operator.id).where(Operator.name == name).scalar()
        self.operators[key] = op_id
        self.operator_names[op_id] = name
        return op_id

    # ---- writing -------------------------------------------------------------------

    def _write(self, inserts: list[tuple], updates: list[tuple], events: list[tuple]) -> None:
        if self.stage is not None:
            self.stage.add_new(inserts)
            self.stage.add_updates(updates)
            self.stage.add_events(events)
            return
        db = database_proxy.obj
        single_writer = dialect(db).single_writer
        if inserts:
            try:
                self._insert(db, single_writer, inserts)
            except peewee.IntegrityError as exc:
                raise AlreadyExists(
                    "the inventory changed during the import (a DID of the file created, or an operator "
                    "deleted, by someone else): nothing was written; import the file again"
                ) from exc
            if not single_writer:
                encoded = history.encode({"imported": self.info.path.name})
                history.open_batch(self.batch, "import", self.actor, self.now, f"imported: {self.info.path.name}")
                history.count_batch(self.batch, len(inserts))
                bulk.insert_rows(
                    db,
                    Event._meta.table_name,
                    _EVENT_COLUMNS,
                    [(self.now, self.actor, row[0], "import", encoded, self.batch) for row in inserts],
                )
        if updates:
            # Undo (core/undo.py) restores the rows as they were before.
            existed = history.open_batch(self.batch, "import", self.actor, self.now, f"imported: {self.info.path.name}")
            for part in bulk.chunked([u[1] for u in updates], 500):
                history.capture(DID.id.in_(part), self.batch, once=existed)
                existed = True
            history.count_batch(self.batch, len(updates))
            self._apply_updates(db, updates)
            bulk.insert_rows(db, Event._meta.table_name, _EVENT_COLUMNS, events)

    def _insert(self, db: Any, single_writer: bool, rows: list[tuple]) -> None:
        """New DIDs: COPY on PostgreSQL, PyMySQL's multi-row rewrite of executemany on
        MySQL (which needs every value a placeholder); on SQLite executemany with the
        per-import constants written into the statement (a third fewer values to bind)."""
        if not single_writer:
            tail = (self.options.hold_days, self.now, self.now, 1)
            bulk.insert_rows(db, DID._meta.table_name, _INSERT_COLUMNS, [row[:7] + tail + row[7:] for row in rows])
            return
        p = db.param
        now = f"'{self.now:%Y-%m-%d %H:%M:%S}'"
        columns = [*_INSERT_COLUMNS[:7], *_INSERT_COLUMNS[11:], *_INSERT_COLUMNS[7:11]]
        sql = (
            f"INSERT INTO {DID._meta.table_name} ({', '.join(columns)}) VALUES ({p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, "
            f"{p}, {p}, "
            f"{int(self.options.hold_days)}, {now}, {now}, 1)"
        )
        cursor = db.cursor()
        with peewee.__exception_wrapper__:  # sqlite3's errors as peewee's, as for every statement
            for part in bulk.chunked(rows, 5_000):
                cursor.executemany(sql, part)

    def _apply_updates(self, db: Any, updates: list[tuple]) -> None:
        """One UPDATE per DID guarded by its version: a DID changed meanwhile aborts all."""
        by_shape: dict[tuple[str, ...], list[tuple]] = {}
        for _number, did_id, version, fields_ in updates:
            names = tuple(sorted(fields_))
            by_shape.setdefault(names, []).append((*tuple(fields_[n] for n in names), self.now, did_id, version))
        p = db.param
        for names, params in by_shape.items():
            sets = ", ".join(f"{n} = {p}" for n in names)
            sql = f"UPDATE {DID._meta.table_name} SET {sets}, version = version + 1, updated_at = {p} WHERE id = {p} AND version = {p}"
            for part in bulk.chunked(params, 2_000):
                cursor = db.cursor()
                with peewee.__exception_wrapper__:
                    cursor.executemany(sql, part)
                if cursor.rowcount is not None and 0 <= cursor.rowcount < len(part):
                    raise Conflict(
                        "some DIDs of the file were changed by someone else during the import: "
                        "nothing was written; import the file again"
                    )

    def _keep_updated(self, db: Any) -> None:
        """The staged updates' DIDs as they are before the import, for undo (core/undo.py)."""
        staged = f"temp.{self.stage.updates}"
        n = db.execute_sql(f"SELECT COUNT(*) FROM {staged}").fetchone()[0]
        if n:
            existed = history.open_batch(self.batch, "import", self.actor, self.now, f"imported: {self.info.path.name}")
            history.capture(DID.id.in_(SQL(f"(SELECT id FROM {staged})")), self.batch, once=existed)
            history.count_batch(self.batch, n)

    def _finish_writes(self) -> None:
        db = database_proxy.obj
        if dialect(db).single_writer and self.report.new:
            # One writer holds the lock: the new rows are exactly those above max_before.
            history.record_for(
                DID.id > self._max_before,
                "import",
                {"imported": self.info.path.name},
                self.batch,
                self.actor,
                self.now,
                keep=False,
            )

    def _deferrable(self, db: Any) -> list[str]:
        """Tables whose indexes are better built after the load than kept up during it.

        Only a large file (by size: rows are not counted yet) into an empty did table,
        since the lookups of existing numbers need its index; the event table when it
        holds no more rows than the file is likely to add.
        """
        if not dialect(db).defers_indexes:
            return []
        rows = self.info.size // 60
        if rows < bulk.REINDEX_MIN:
            return []
        tables = [DID._meta.table_name] if self._known_range[0] is None else []
        events = Event.select(fn.MAX(Event.id)).scalar() or 0
        if events <= rows:
            tables.append(Event._meta.table_name)
        return tables

    def _optimize(self) -> None:
        """Fresh planner statistics after a big load (FIELD-NOTES: pages 100x slower
        without). Only the did table's: a whole-database ANALYZE would also walk the
        history, which no page query filters on."""
        if self.report.new + self.report.updated < 10_000:
            return
        dialect().analyze(database_proxy.obj, DID)


def _number_range() -> tuple[str | None, str | None]:
    """The lowest and highest number in the inventory (text order, as the index keeps them)."""
    return DID.select(fn.MIN(DID.number), fn.MAX(DID.number)).tuples().get()


def _status_value(text: str) -> str:
    return parse_status(text).value


def _after_hold_value(text: str) -> str:
    return parse_after_hold(text).value


__all__ = ["AFTER_HOLD", "ImportOptions", "ImportReport", "RowError", "default_errors_path", "run_import", "validate"]
