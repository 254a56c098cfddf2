"""The validate stage of an import: a mapped record becomes an ImportRow, or a RowWrong
saying why not, by the same rules the rest of the core keeps (core/did_rules.py for a
DID's fields, core/numbers.py for numbers, core/statuses.py, core/text.py for names).

Also the rules of a row against the DIDs already there (`update_of`, `exists_message`,
`not_settable`), used by the pipeline once a chunk's numbers were looked up.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from didtui.core import did_rules
from didtui.core.csvio.cells import restore
from didtui.core.csvio.fields import FIELD_LABELS
from didtui.core.csvio.rows import Defaults, DIDUpdate, Existing, ImportRow, NewOperator, Numbers, OperatorRef
from didtui.core.csvio.source import FileInfo, UnusableInput
from didtui.core.numbers import MAX_DIGITS, NumberSpan, display_number, parse_span, read_number
from didtui.core.statuses import SETTABLE, Status, label, parse_after_hold, parse_status
from didtui.core.text import check_name
from didtui.db import current_numbering
from didtui.errors import InputError
from didtui.models import Operator, Reseller

MAX_NOTES = 10_000  # characters of one notes cell
SETTABLE_VALUES = frozenset(s.value for s in SETTABLE)
ATTACHED = frozenset((Status.ACTIVE.value, Status.HOLD.value))


class RowWrong(Exception):
    """This row breaks a rule: the message is its reason; `did` the number as written."""

    def __init__(self, reason: str, did: str | None = None) -> None:
        super().__init__(reason)
        self.did = did


def not_settable(status: str, what: str) -> str:
    """Why `what` (a number, or "a new DID") cannot be imported with `status`."""
    why = did_rules.why_not_settable(status) or ""
    return f"{what} cannot be imported as {label(status)}: {why}; use {did_rules.settable_labels(' or ')}"


def exists_message(numbers: tuple[str, ...] | NumberSpan, hits: list[Existing]) -> str:
    if len(hits) == 1 and len(numbers) == 1:
        return f"{hits[0].number} already exists (the policy for existing DIDs is stop)"
    shown = ", ".join(h.number for h in hits[:5]) + (" ..." if len(hits) > 5 else "")
    return f"{len(hits):,} of these DIDs already exist ({shown}); the policy for existing DIDs is stop"


class Names:
    """The operators and resellers a file may name, matched case-insensitively (MySQL's
    unique index does so anyway), so "telia" in a file finds "Telia" rather than creating
    a second one; and the ones the file adds."""

    def __init__(self, create_operators: bool, create_resellers: bool) -> None:
        self.create_operators = create_operators
        self.create_resellers = create_resellers
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
        self.pending_operators: dict[str, NewOperator] = {}  # by key, as first written
        self.pending_resellers: list[str] = []  # names created (or to be), as first written
        # Set by the pipeline: creates a reseller now (inside the import's transaction),
        # or None to stand in a negative id created at the final step (validating, staging).
        self.reseller_maker: Callable[[str], int] | None = None

    def operator(self, name: str) -> OperatorRef:
        """An operator id, or the NewOperator to create; RowWrong if unknown."""
        if len(name) > 100:
            raise RowWrong(f"operator name {name[:20]!r}... is too long: at most 100 characters")
        key = name.casefold()
        found = self.operators.get(key)
        if found is not None:
            return found
        pending = self.pending_operators.get(key)
        if pending is not None:
            return pending
        if not self.create_operators:
            raise RowWrong(f"unknown operator {name!r}: create it first, or choose to create unknown operators")
        _checked(lambda text: check_name(text, "operator name"), name)
        new = self.pending_operators[key] = NewOperator(key, name)
        return new

    def operator_name(self, ref: OperatorRef | None) -> str | None:
        if isinstance(ref, NewOperator):
            return ref.name
        return self.operator_names.get(ref) if ref is not None else None

    def reseller(self, name: str) -> int:
        found = self.resellers.get(name.casefold())
        if found is not None:
            return found
        if not self.create_resellers:
            raise RowWrong(
                f"unknown reseller {name!r}: create it first, choose to create unknown resellers, "
                "or map that column to Ignore"
            )
        if len(name) > 100:
            raise RowWrong(f"reseller name {name[:20]!r}... is too long: at most 100 characters")
        if self.reseller_maker is not None:
            found = self.reseller_maker(name)
        else:
            # A stand-in id, replaced by the reseller created at the final step.
            found = -(len(self.pending_resellers) + 1)
        self.pending_resellers.append(name)
        self.resellers[name.casefold()] = found
        self.reseller_names[found] = name
        return found


def resolve_defaults(
    names: Names, *, status: str, operator: str | None, tag: str | None, after_hold: str, hold_days: Any
) -> Defaults:
    """The import's defaults checked by the DID rules; UnusableInput if one breaks them."""
    try:
        status_value = parse_status(status).value
    except InputError as exc:
        raise UnusableInput(f"default status: {exc}") from None
    why = did_rules.why_not_settable(status_value)
    if why is not None:
        raise UnusableInput(
            f"default status cannot be {label(status_value)}: {why}; use {did_rules.settable_labels(' or ')}"
        )
    try:
        after_hold_value = parse_after_hold(after_hold).value
    except InputError as exc:
        raise UnusableInput(f"default after hold: {exc}") from None
    tag_value = (tag or "").strip()
    try:
        did_rules.check_tag_value(tag_value)
    except InputError as exc:
        raise UnusableInput(f"default tag: {exc}") from None
    try:
        did_rules.check_hold_days(hold_days)
    except InputError as exc:
        raise UnusableInput(str(exc)) from None
    operator_ref: OperatorRef | None = None
    if operator and operator.strip():
        try:
            operator_ref = names.operator(operator.strip())
        except RowWrong as exc:
            raise UnusableInput(f"default operator: {exc}") from None
    return Defaults(status_value, operator_ref, tag_value, "", None, after_hold_value)


class RowChecker:
    """Turns one mapped record into an ImportRow (or RowWrong), remembering the numbers
    seen so far (duplicates inside the file) and the cell values already read."""

    def __init__(self, info: FileInfo, mapping: tuple[str, ...], names: Names, max_range: int, exact: bool) -> None:
        self.info = info
        self.mapping = mapping
        self.names = names
        self.max_range = max_range
        # didtui's own export is read exactly as written (docs/output-files.md): no blanks
        # trimmed from text cells, so an exported file imports back byte for byte.
        self.exact = exact
        self.nul_possible = True
        self.seen: set[int] = set()  # 1 + digits of every number so far: ~65 bytes a DID
        self.col = {f: i for i, f in enumerate(mapping) if f != "ignore"}
        self._good: dict[str, dict[str, Any]] = {k: {} for k in ("status", "after_hold", "operator", "reseller")}

    def checker(self) -> Callable[[int, list[str] | None, str | None], ImportRow]:
        """The per-record check, with everything it reads bound once (it runs a million
        times per million rows)."""
        info = self.info
        width = info.width
        col = self.col
        did_col = col["did"]
        status_col = col.get("status")
        op_col = col.get("operator")
        tag_col = col.get("tag")
        notes_col = col.get("notes")
        res_col = col.get("reseller")
        ah_col = col.get("after_hold")
        seen = self.seen
        statuses, after_holds = self._good["status"], self._good["after_hold"]
        operators, resellers = self._good["operator"], self._good["reseller"]
        max_range = self.max_range
        digits_level = current_numbering().level == "digits"
        exact, nul_possible = self.exact, self.nul_possible
        cached, names = self._cached, self.names
        tag_max = did_rules.TAG_MAX
        check_tag_value, check_notes_value = did_rules.check_tag_value, did_rules.check_notes_value

        def check(line: int, cells: list[str] | None, problem: str | None) -> ImportRow:
            if problem is not None or cells is None:
                raise RowWrong(problem or "unreadable row", "")
            n = len(cells)
            if n != width and (n < width or any(c.strip() for c in cells[width:])):
                raise RowWrong(
                    f"{n} fields where the {'header has' if info.header else 'first rows have'} {width}: "
                    "a missing or stray delimiter, or a field that needs quotes",
                    cells[did_col] if did_col < n else "",
                )
            if nul_possible and (nul := self._nul_column(cells)):
                raise RowWrong(f"{nul} contains a NUL character (\\x00): remove it", cells[did_col])
            raw = cells[did_col].strip()
            try:
                numbers: Numbers
                if "-" not in raw or raw[:1] == "-":
                    numbers = _number(raw, digits_level)
                else:
                    numbers = _span(raw, max_range)
                if isinstance(numbers, str) and int("1" + numbers) in seen:
                    written = "" if raw == numbers else f" (written {raw!r} here)"
                    shown = display_number(numbers)
                    raise RowWrong(f"duplicate inside the file: {shown} is also on an earlier line{written}")
                status = after_hold = tag = notes = None
                operator: OperatorRef | None = None
                reseller: int | None = None
                if status_col is not None and (text := cells[status_col].strip()):
                    status = statuses.get(text) or cached("status", text, _status_value)
                if ah_col is not None and (text := cells[ah_col].strip()):
                    after_hold = after_holds.get(text) or cached("after_hold", text, _after_hold_value)
                if op_col is not None and (text := cells[op_col] if exact else cells[op_col].strip()):
                    operator = operators.get(text)
                    if operator is None:
                        operator = cached("operator", text, lambda t: names.operator(restore(t)))
                if res_col is not None and (text := cells[res_col] if exact else cells[res_col].strip()):
                    reseller = resellers.get(text) or cached("reseller", text, lambda t: names.reseller(restore(t)))
                if tag_col is not None and (text := cells[tag_col] if exact else cells[tag_col].strip()):
                    tag = text if text[0] != "'" else restore(text)
                    if len(tag) > tag_max or not tag.isprintable():
                        _checked(check_tag_value, tag)
                if notes_col is not None and (text := cells[notes_col] if exact else cells[notes_col].strip()):
                    notes = text if text[0] != "'" else restore(text)
                    if len(notes) > MAX_NOTES:
                        raise RowWrong(f"notes are too long ({len(notes):,} characters): at most {MAX_NOTES:,}")
                    if not notes.isprintable():
                        _checked(check_notes_value, notes)
                if isinstance(numbers, str):
                    seen.add(int("1" + numbers))
                else:
                    self._claim(numbers)
            except RowWrong as exc:
                exc.did = raw
                raise
            return ImportRow(line, cells, numbers, status, operator, tag, notes, reseller, after_hold)

        return check

    def _cached(self, kind: str, text: str, parse: Callable[[str], Any]) -> Any:
        """Parse a cell value once; good values are remembered for the next rows."""
        try:
            value = parse(text)
        except InputError as exc:
            raise RowWrong(str(exc)) from None
        good = self._good[kind]
        if len(good) < 10_000:
            good[text] = value
        return value

    def _nul_column(self, cells: list[str]) -> str | None:
        """The first used column holding a NUL (PostgreSQL cannot store one; no backend
        gets one), named as the file and the mapping name it, or None."""
        for i, field_ in enumerate(self.mapping):
            if field_ != "ignore" and i < len(cells) and "\x00" in cells[i]:
                return f"column {self.info.columns[i]!r} ({FIELD_LABELS[field_]})"
        return None

    def _claim(self, span: NumberSpan) -> None:
        """Refuse a number seen on an earlier line; else remember all of this range's."""
        seen = self.seen
        base = 10**span.width
        keys = range(base + span.first, base + span.last + 1)
        for key in keys:
            if key in seen:
                text = str(key)[1:]
                raise RowWrong(f"duplicate inside the file: {text} is also on an earlier line")
        seen.update(keys)


def update_of(row: ImportRow, hit: Existing, names: Names) -> DIDUpdate | None:
    """The change `row` makes to the existing DID `hit` (None if none): the DID rules for
    an existing DID (one a client holds keeps its status; Active and Hold are never set)."""
    fields: dict[str, Any] = {}
    changes: dict[str, list[Any]] = {}
    status = row.status
    if status is not None and status != hit.status:
        if hit.status in ATTACHED:
            raise RowWrong(
                f"{hit.number} is {label(hit.status)} (it belongs to a client): import cannot change its status; "
                "release it first, or leave the status empty"
            )
        if status not in SETTABLE_VALUES:
            raise RowWrong(not_settable(status, hit.number))
        fields["status"] = status
        changes["status"] = [hit.status, status]
    operator = row.operator
    if operator is not None and operator != hit.operator_id:
        fields["operator_id"] = operator
        changes["operator"] = [names.operator_name(hit.operator_id), names.operator_name(operator)]
    if row.tag is not None and row.tag != (hit.tag or ""):
        fields["tag"] = row.tag
        changes["tag"] = [hit.tag, row.tag]
    if row.notes is not None and row.notes != (hit.notes or ""):
        fields["notes"] = row.notes
        changes["notes"] = [hit.notes, row.notes]
    if row.reseller is not None and row.reseller != hit.reseller_id:
        fields["reseller_id"] = row.reseller
        old = names.reseller_names.get(hit.reseller_id) if hit.reseller_id is not None else None
        changes["reseller"] = [old, names.reseller_names.get(row.reseller)]
    if row.after_hold is not None and row.after_hold != hit.after_hold:
        fields["after_hold"] = row.after_hold
        changes["after_hold"] = [hit.after_hold, row.after_hold]
    if not fields:
        return None
    return DIDUpdate(hit.number, hit.id, hit.version, fields, changes)


def _number(raw: str, digits_level: bool) -> str:
    """One number through the one reader (core/numbers.py); bare ASCII digits under the
    digits level are already what it would return."""
    if digits_level and raw.isascii() and raw.isdigit() and 3 <= len(raw) <= MAX_DIGITS:
        return raw
    if not raw:
        raise RowWrong("no DID number in this row")
    try:
        return read_number(raw)
    except InputError as exc:
        raise RowWrong(str(exc)) from None


def _span(raw: str, max_range: int) -> Numbers:
    try:
        span = parse_span(raw, max_range)
    except InputError as exc:
        raise RowWrong(str(exc)) from None
    if len(span) == 1:
        return span.first_text
    return span


def _checked(rule: Callable[[str], str], text: str) -> None:
    """A DID rule (core/did_rules.py), its refusal as this row's reason."""
    try:
        rule(text)
    except InputError as exc:
        raise RowWrong(str(exc)) from None


def _status_value(text: str) -> str:
    return parse_status(text).value


def _after_hold_value(text: str) -> str:
    return parse_after_hold(text).value
