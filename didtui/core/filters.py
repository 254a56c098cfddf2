"""Which DIDs: filters, selections, counts, and keyset pages of the inventory.

A `Selection` is either a set of ids or a filter ("all matching"), never a list of a
million ids built in Python. Pages are read by key (`WHERE key > last ORDER BY key LIMIT
n`), which costs the same on the first page and on the millionth row.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from peewee import JOIN, SQL, Expression, Tuple, fn

from didtui.core import operator_sort
from didtui.core.filter_syntax import KEYS, refuse_unstorable
from didtui.core.filter_syntax import parse_filter_text as parse_filter_text  # re-exported (cli/common.py)
from didtui.core.numbers import clean_digits, read_prefix
from didtui.core.phoneplan import TYPE_NAMES
from didtui.core.statuses import label, parse_status
from didtui.dialect import dialect
from didtui.errors import InputError, NotFound
from didtui.models import DID, Account, Block, Client, ClientPackage, Operator, Package, Reseller, database_proxy

SORTS = ("number", "status", "operator", "tag")


@dataclass(frozen=True)
class DIDFilter:
    """A combinable filter; empty fields do not filter.

    `number` is a prefix; with a leading `*` it is a substring (`*555` matches any DID
    containing 555).
    """

    number: str = ""
    statuses: tuple[str, ...] = ()
    operator_id: int | None = None
    tag: str | None = None
    reseller_id: int | None = None
    client_id: int | None = None
    account_id: int | None = None
    package_id: int | None = None
    client_package_id: int | None = None
    country: str | None = None  # ISO code, upper case ("" finds numbers without one)
    number_type: str | None = None  # one of NUMBER_TYPES
    place: str | None = None  # a piece of the geocoder's place, any case
    # A block's range (first, last: digits of one width), set by core/blocks.py.
    number_span: tuple[str, str] | None = None
    # Names for display only (set by `resolve_filter`), so a face can show what it filters.
    names: tuple[tuple[str, str], ...] = field(default=(), compare=False)

    def is_empty(self) -> bool:
        return self == DIDFilter()

    def describe(self) -> str:
        parts = []
        if self.number:
            parts.append(
                f"number {'contains ' + self.number[1:] if self.number.startswith('*') else 'starts ' + self.number}"
            )
        if self.statuses:
            parts.append("status " + "/".join(label(s) for s in self.statuses))
        shown = dict(self.names)
        for key, attr in (
            ("operator", "operator_id"),
            ("reseller", "reseller_id"),
            ("client", "client_id"),
            ("account", "account_id"),
            ("package", "package_id"),
            ("client package", "client_package_id"),
        ):
            value = getattr(self, attr)
            if value is not None:
                parts.append(f"{key} {shown.get(key, '#' + str(value))}")
        if self.tag is not None:
            tag = self.tag if self.tag.strip() == self.tag else f'"{self.tag}"'  # blanks made visible
            parts.append(f"tag {tag or '(none)'}")
        for key in ("country", "number_type", "place"):
            value = getattr(self, key)
            if value is not None:
                parts.append(f"{key.replace('number_', '')} {value or '(none)'}")
        if self.number_span is not None:
            parts.append(f"block {shown.get('block', '-'.join(self.number_span))}")
        return ", ".join(parts) or "all DIDs"

    def where(self) -> Expression | None:
        """The filter as a peewee expression over DID (subqueries, no joins: usable in
        UPDATE and DELETE on every backend)."""
        terms: list[Any] = []
        number = self.number.strip()
        if number.startswith("*"):
            if number[1:].strip():
                terms.append(DID.number.contains(_number_part(number[1:], clean_digits)))
        elif number:
            # A prefix as people write it (`+44 20 7946`, `020 7946`) is a range on the
            # stored digits: one seek of the number index.
            digits = _number_part(number, read_prefix)
            upper = digits[:-1] + chr(ord(digits[-1]) + 1)
            terms.append((DID.number >= digits) & (DID.number < upper))
        if self.country is not None:
            terms.append(DID.country == self.country)
        if self.number_type is not None:
            terms.append(DID.number_type == self.number_type)
        if self.place is not None:
            terms.append(fn.LOWER(DID.place).contains(self.place.lower()))
        if self.number_span is not None:
            first, last = self.number_span
            terms.append((DID.number >= first) & (DID.number <= last) & (fn.LENGTH(DID.number) == len(first)))
        if self.statuses:
            terms.append(DID.status.in_(list(self.statuses)))
        if self.operator_id is not None:
            terms.append(DID.operator == self.operator_id)
        if self.tag is not None:
            terms.append(DID.tag == self.tag)
        if self.reseller_id is not None:
            terms.append(DID.reseller == self.reseller_id)
        if self.client_package_id is not None:
            terms.append(DID.client_package == self.client_package_id)
        cp = ClientPackage.select(ClientPackage.id)
        if self.account_id is not None:
            terms.append(DID.client_package.in_(cp.where(ClientPackage.account == self.account_id)))
        if self.client_id is not None:
            accounts = Account.select(Account.id).where(Account.client == self.client_id)
            terms.append(DID.client_package.in_(cp.where(ClientPackage.account.in_(accounts))))
        if self.package_id is not None:
            terms.append(DID.client_package.in_(cp.where(ClientPackage.package == self.package_id)))
        if not terms:
            return None
        expression = terms[0]
        for term in terms[1:]:
            expression &= term
        return expression


NUMBER_TYPES = tuple(dict.fromkeys(TYPE_NAMES.values()))


def _number_part(text: str, read: Any) -> str:
    try:
        return read(text)
    except InputError:
        raise InputError(
            f"number filter {text.strip()!r}: use digits, as a prefix (+44 20 7946) or *digits for a substring"
        ) from None


def _number_type(text: str) -> str:
    word = text.strip().lower().replace("_", "-").replace(" ", "-")
    word = {"toll-free": "tollfree", "fixed-line": "fixed", "premium-rate": "premium"}.get(word, word)
    if word not in NUMBER_TYPES:
        raise InputError(f"unknown number type {text!r}: use one of {', '.join(NUMBER_TYPES)}")
    return word


def resolve_filter(
    *,
    number: str = "",
    status: str | list[str] | tuple[str, ...] | None = None,
    operator: str | None = None,
    tag: str | None = None,
    reseller: str | None = None,
    client: str | None = None,
    account: str | None = None,
    package: str | None = None,
    country: str | None = None,
    number_type: str | None = None,
    place: str | None = None,
    block: str | None = None,
) -> DIDFilter:
    """A filter from names as people type them; unknown names raise NotFound.

    Names (operator, client, ...) are trimmed; a tag is taken exactly (`tag=""`: no tag).
    A NUL or a lone surrogate anywhere is an InputError, before any query runs (a typed
    filter line refuses every control character: `filter_syntax.parse_filter_text`).

    `account` is `client/account` (or just the account name when `client` is given).
    """
    typed = {"number": number, "operator": operator, "tag": tag, "reseller": reseller}
    typed |= {"client": client, "account": account, "package": package, "block": block}
    typed |= {"country": country, "type": number_type, "place": place}
    statuses_typed = [status] if isinstance(status, str) else list(status or ())
    for what, text in [*typed.items(), *(("status", s) for s in statuses_typed)]:
        if text:
            refuse_unstorable(what, str(text))
    statuses: tuple[str, ...] = ()
    if status:
        items = [status] if isinstance(status, str) else list(status)
        words = [w for item in items for w in item.split(",") if w.strip()]
        statuses = tuple(dict.fromkeys(parse_status(w).value for w in words))
    names: list[tuple[str, str]] = []
    values: dict[str, Any] = {"number": (number or "").strip(), "statuses": statuses}
    if tag is not None:
        # Exactly as given (case and blanks: tags compare exactly on every backend);
        # "" finds DIDs without a tag. None does not filter.
        values["tag"] = tag
    if country is not None and country.strip():
        code = country.strip().upper()
        if not (code.isalpha() and len(code) == 2) and code not in ("-", "001"):
            raise InputError(f"country {country!r}: use an ISO code such as GB or US (- for none)")
        values["country"] = "" if code == "-" else code
    if number_type is not None and number_type.strip():
        values["number_type"] = _number_type(number_type)
    if place is not None and place.strip():
        values["place"] = place.strip()
    for key, model, name in (
        ("operator", Operator, operator),
        ("reseller", Reseller, reseller),
        ("client", Client, client),
        ("package", Package, package),
    ):
        if name:
            values[f"{key}_id"] = lookup_id(model, name.strip(), key)
            names.append((key, name.strip()))
    if block and block.strip():
        row = Block.select(Block.first, Block.last).where(Block.id == lookup_id(Block, block.strip(), "block")).get()
        values["number_span"] = (row.first, row.last)
        names.append(("block", block.strip()))
    if account:
        client_name, _, account_name = account.rpartition("/")
        query = Account.select(Account.id).join(Client).where(Account.name == account_name.strip())
        if client_name:
            query = query.where(Client.name == client_name.strip())
        elif "client_id" in values:
            query = query.where(Account.client == values["client_id"])
        ids = [a.id for a in query.limit(2)]
        if len(ids) != 1:
            raise NotFound(
                f"unknown account {account!r}"
                if not ids
                else f"account {account!r} is ambiguous: write it as client/account"
            )
        values["account_id"] = ids[0]
        names.append(("account", account.strip()))
    filt = DIDFilter(**values, names=tuple(names))
    filt.where()  # validates the number pattern now, not when the table first reads
    return filt


def lookup_id(model: Any, name: str, kind: str) -> int:
    """The id of a named row; NotFound lists a few of the known names."""
    row = model.select(model.id).where(model.name == name).first()
    if row is None:
        known = [r.name for r in model.select(model.name).order_by(model.name).limit(8)]
        hint = (
            f"; known: {', '.join(known)}" + (", ..." if len(known) == 8 else "")
            if known
            else f"; there is no {kind} yet"
        )
        raise NotFound(f"unknown {kind} {name!r}{hint}")
    return row.id


@dataclass(frozen=True)
class Selection:
    """Marked DIDs: explicit ids, or everything matching a filter (minus nothing)."""

    ids: frozenset[int] | None = None
    filter: DIDFilter | None = None

    @classmethod
    def of_ids(cls, ids: Any) -> Selection:
        return cls(ids=frozenset(int(i) for i in ids))

    @classmethod
    def matching(cls, filt: DIDFilter) -> Selection:
        return cls(filter=filt)

    def is_empty(self) -> bool:
        return self.ids is not None and not self.ids


def count(filt: DIDFilter | None = None) -> int:
    return int(database_proxy.execute_sql(*count_sql(filt)).fetchone()[0])


# How many ids an estimate reads, in ESTIMATE_WINDOWS evenly spaced id windows, and how
# many matching rows the sample must hold for its estimate to be worth showing.
ESTIMATE_IDS = 20_000
ESTIMATE_WINDOWS = 40
ESTIMATE_MIN_HITS = 20


def estimate(filt: DIDFilter | None = None) -> int | None:
    """A quick estimate of `count(filt)`, or None when there is none worth showing.

    The exact count of a broad filter over ten million DIDs reads millions of index
    entries (0.2-1 s, more on a cold cache); this reads ESTIMATE_IDS ids in windows spread
    evenly over the id range (primary-key range scans: milliseconds on every backend) and
    scales the matches by the range's width, so deleted ids and clustered data are
    counted as they are. Planner estimates (sqlite_stat1, pg_class.reltuples, EXPLAIN
    rows) multiply each column's selectivity as if independent: 4x off for
    `status:blocked tag:berlin` where every blocked DID is tagged berlin. None when the
    table is small enough that the exact count is as quick, or the sample holds fewer
    than ESTIMATE_MIN_HITS matches (a narrow filter: its estimate would be noise)."""
    # Two queries: SQLite reads MIN and MAX from the index only when each is alone.
    low = DID.select(fn.MIN(DID.id)).scalar()
    high = DID.select(fn.MAX(DID.id)).scalar()
    if low is None or high is None or high - low + 1 <= 2 * ESTIMATE_IDS:
        return None
    span = high - low + 1
    width = max(1, ESTIMATE_IDS // ESTIMATE_WINDOWS)
    step = span / ESTIMATE_WINDOWS
    # One statement (one round trip to a server), each window its own arm; the arm's SQL
    # is built once (peewee takes about a millisecond per build) with the window's
    # bounds as its first two parameters.
    arm, arm_params = window_count_sql(filt.where() if filt else None, -2, -1)
    if arm_params[:2] != [-2, -1]:
        raise AssertionError("the window's bounds must be the arm's first parameters")
    params: list[Any] = []
    for i in range(ESTIMATE_WINDOWS):
        start = low + int(i * step + (step - width) / 2)
        params += [start, start + width, *arm_params[2:]]
    union = " UNION ALL ".join([arm] * ESTIMATE_WINDOWS)
    hits = int(database_proxy.execute_sql(f"SELECT SUM(n) FROM ({union}) AS windows", params).fetchone()[0] or 0)
    if hits < ESTIMATE_MIN_HITS:
        return None
    return round(hits * span / (width * ESTIMATE_WINDOWS))


def window_count_sql(where: Any, start: int, stop: int) -> tuple[str, list[Any]]:
    """The COUNT(*) of matching rows with ids in [start, stop), read by primary key
    (pinned where the backend allows, so a filter's index never drives it)."""
    query = DID.select(fn.COUNT(SQL("*")).alias("n")).where((DID.id >= start) & (DID.id < stop))
    if where is not None:
        query = query.where(where)
    sql, params = query.sql()
    return dialect().pin_primary_key(sql, DID), list(params)


def count_sql(filt: DIDFilter | None) -> tuple[str, list[Any]]:
    """The SELECT COUNT(*) of a filter, reading the index of the filter's field."""
    query = DID.select(fn.COUNT(SQL("*")))
    where = filt.where() if filt else None
    if where is not None:
        query = query.where(where)
    sql, params = query.sql()
    index = _index_for_count(filt)
    if index is not None:
        sql = dialect().pin_index(sql, DID, index)
    return sql, list(params)


def count_by_status(filt: DIDFilter | None = None) -> dict[str, int]:
    query = DID.select(DID.status, SQL("COUNT(*)")).group_by(DID.status)
    where = filt.where() if filt else None
    if where is not None:
        query = query.where(where)
    return {status: n for status, n in query.tuples()}


# ---- rows as the faces show them --------------------------------------------------------


@dataclass(frozen=True)
class DIDRow:
    id: int
    status: str
    operator: str
    number: str
    tag: str
    notes: str
    client: str
    account: str
    reseller: str
    package: str
    hold_until: _dt.datetime | None
    after_hold: str
    hold_days: int
    version: int
    operator_id: int | None
    reseller_id: int | None
    client_package_id: int | None
    created_at: _dt.datetime | None = None
    updated_at: _dt.datetime | None = None
    country: str = ""
    number_type: str = ""
    place: str = ""

    @property
    def status_label(self) -> str:
        return label(self.status)

    @property
    def client_account(self) -> str:
        return f"{self.client} / {self.account}" if self.client else ""

    def sort_key(self, sort: str) -> tuple[Any, ...]:
        return _ROW_KEYS[sort](self)


_ROW_KEYS = {
    "number": lambda r: (r.number,),
    "status": lambda r: (r.status, r.tag, r.number),
    "tag": lambda r: (r.tag, r.number),
    "operator": lambda r: (r.operator_id, r.number),
}


def sort_columns(sort: str) -> list[Any]:
    """The ORDER BY of a sort (the view, keyset pages and exports all use it)."""
    if sort == "number":
        return [DID.number]
    if sort == "status":
        return [DID.status, DID.tag, DID.number]
    if sort == "tag":
        return [DID.tag, DID.number]
    if sort == "operator":
        # The index's order (operator id). What people see is by operator name: pages
        # walk this index operator by operator (core/operator_sort.py), exports sort on
        # `shown_order`.
        return [DID.operator, DID.number]
    raise InputError(f"unknown sort {sort!r}: use one of {', '.join(SORTS)}")


def shown_order(sort: str) -> list[Any]:
    """The ORDER BY of a sort as people see it, over `joined_select` (operators by name,
    those without one last): one sorted pass, for exports."""
    if sort == "operator":
        return [Operator.name.is_null(), Operator.name, DID.operator, DID.number]
    return sort_columns(sort)


# The index each sort reads in order (models.DID's indexes, named as peewee names them).
SORT_INDEXES = {
    "number": "did_number",
    "status": "did_status_tag_number",
    "tag": "did_tag_number",
    "operator": "did_operator_id_number",
}
# Filter fields each sort index also serves (its leading columns, or a number range).
_SERVED = {
    "number": ("number",),
    "status": ("statuses",),
    "tag": ("tag",),
    "operator": ("operator_id",),
}


def _only(filt: DIDFilter | None, fields: tuple[str, ...]) -> bool:
    """The filter uses no field but `fields` (a number substring `*555` counts as other)."""
    if filt is None:
        return True
    if filt.number.strip().startswith("*"):
        return False
    return replace(filt, names=(), **{f: getattr(DIDFilter(), f) for f in fields}) == DIDFilter()


def _sort_index_serves(filt: DIDFilter | None, sort: str) -> bool:
    """The sort's own index serves this filter too: pin it. Otherwise the planner picks
    the filter's index (a selective filter is faster that way) with today's statistics."""
    return _only(filt, _SERVED[sort])


@dataclass(frozen=True)
class _Reading:
    """How a page or jump reads: the index to pin (None: the planner's choice), the
    ORDER BY, and the WHERE."""

    index: str | None
    order: list[Any]
    where: Any


def _filter_index_in_number_order(filt: DIDFilter, sort: str) -> _Reading | None:
    """When the filter fixes the leading columns of an index whose next column is the
    number (`status:blocked tag:berlin` and (status, tag, number)), that index holds the
    matching rows already in number order: it is pinned where the backend has hints.
    PostgreSQL has none and, told `=` and ORDER BY number, drops the fixed columns from
    the order, walks the number index instead and, the blocked DIDs being the last
    quarter, threw away 7.5 million rows before the first (2 s at 10M DIDs; issue 14).
    There the fixed columns are ordered by too and matched as closed ranges, the same
    rows (`(status, tag) >= ('blocked', 'berlin') AND (status, tag) <= (...)`: a row
    comparison, so the scan stops where the pair ends), which only that index serves in
    that order: no statistics can flip the plan."""
    if sort != "number" or filt.number.strip().startswith("*"):
        return None
    fixed: list[tuple[Any, Any]]
    if len(filt.statuses) == 1 and filt.tag is not None and _only(filt, ("statuses", "tag", "number")):
        index, fixed = SORT_INDEXES["status"], [(DID.status, filt.statuses[0]), (DID.tag, filt.tag)]
    elif filt.tag is not None and _only(filt, ("tag", "number")):
        index, fixed = SORT_INDEXES["tag"], [(DID.tag, filt.tag)]
    elif filt.operator_id is not None and _only(filt, ("operator_id", "number")):
        index, fixed = SORT_INDEXES["operator"], [(DID.operator, filt.operator_id)]
    else:
        return None
    order = [c for c, _ in fixed] + [DID.number]
    if dialect().index_hints:
        # The fixed columns are constants: ORDER BY number alone. (MariaDB keeps a fixed
        # column in the ORDER BY, and sorts, when its collation differs from the
        # connection's, as did.tag's binary one does since migration 0005.)
        return _Reading(index, [DID.number], filt.where())
    where = replace(filt, statuses=(), tag=None, operator_id=None).where()
    columns, values = Tuple(*(c for c, _ in fixed)), Tuple(*(v for _, v in fixed))
    if len(fixed) == 1:
        columns, values = fixed[0]
    term = (columns >= values) & (columns <= values)
    return _Reading(None, order, term if where is None else where & term)


def _reading(filt: DIDFilter | None, sort: str) -> _Reading:
    by_filter = _filter_index_in_number_order(filt, sort) if filt is not None else None
    if by_filter is not None:
        return by_filter
    index = SORT_INDEXES[sort] if _sort_index_serves(filt, sort) else None
    return _Reading(index, sort_columns(sort), filt.where() if filt is not None else None)


def _index_for_count(filt: DIDFilter | None) -> str | None:
    """The index a count reads when the filter names one index's leading column."""
    if filt is None or filt.is_empty():
        return None  # any index serves a full count; the smallest is the planner's pick
    for sort, fields in _SERVED.items():
        if _only(filt, fields):
            return SORT_INDEXES[sort]
    return None


OWNER = Client.alias("owner")  # the client owning a DID, through its client package


def joined_select(filt: DIDFilter | None, *columns: Any) -> Any:
    """SELECT `columns` from DIDs matching `filt`, joined to their operator, reseller,
    client package, account, client (`OWNER`) and package: the rows as people see them."""
    query = (
        DID.select(*columns)
        .join_from(DID, Operator, JOIN.LEFT_OUTER)
        .join_from(DID, Reseller, JOIN.LEFT_OUTER)
        .join_from(DID, ClientPackage, JOIN.LEFT_OUTER)
        .join_from(ClientPackage, Account, JOIN.LEFT_OUTER)
        .join_from(Account, OWNER, JOIN.LEFT_OUTER, on=(Account.client == OWNER.id))
        .join_from(ClientPackage, Package, JOIN.LEFT_OUTER)
    )
    where = filt.where() if filt else None
    return query.where(where) if where is not None else query


def _row_query(filt: DIDFilter | None) -> Any:
    return joined_select(
        filt,
        DID.id,
        DID.status,
        Operator.name,
        DID.number,
        DID.tag,
        DID.notes,
        OWNER.name,
        Account.name,
        Reseller.name,
        Package.name,
        DID.hold_until,
        DID.after_hold,
        DID.hold_days,
        DID.version,
        DID.operator,
        DID.reseller,
        DID.client_package,
        DID.created_at,
        DID.updated_at,
        DID.country,
        DID.number_type,
        DID.place,
    )


def _to_row(t: tuple[Any, ...]) -> DIDRow:
    return DIDRow(
        id=t[0],
        status=t[1],
        operator=t[2] or "",
        number=t[3],
        tag=t[4] or "",
        notes=t[5] or "",
        client=t[6] or "",
        account=t[7] or "",
        reseller=t[8] or "",
        package=t[9] or "",
        hold_until=t[10],
        after_hold=t[11],
        hold_days=t[12],
        version=t[13],
        operator_id=t[14],
        reseller_id=t[15],
        client_package_id=t[16],
        created_at=t[17],
        updated_at=t[18],
        country=t[19] or "",
        number_type=t[20] or "",
        place=t[21] or "",
    )


def _key_term(columns: list[Any], key: tuple[Any, ...], after: bool) -> Any:
    if len(columns) == 1:
        return columns[0] > key[0] if after else columns[0] < key[0]
    if dialect().row_value_seek:
        # A row-value comparison is one index range seek on SQLite and PostgreSQL.
        left, right = Tuple(*columns), Tuple(*key)
        return left > right if after else left < right
    # MariaDB does not plan row values as a range: expand (a > x) OR (a = x AND ...).
    term = None
    for i in range(len(columns) - 1, -1, -1):
        cmp = columns[i] > key[i] if after else columns[i] < key[i]
        term = cmp if term is None else (cmp | ((columns[i] == key[i]) & term))
    return term


def _operator_term(key: tuple[Any, ...], after: bool) -> Any:
    """Keyset term for (operator, number) where operator may be NULL.

    SQLite and MariaDB sort NULLs first in ascending order, PostgreSQL last; the term
    includes the NULL rows exactly when they lie beyond the key in the paging direction.
    """
    op, number = key
    nulls_first = dialect().nulls_first
    num_cmp = DID.number > number if after else DID.number < number
    if op is None:
        same = DID.operator.is_null() & num_cmp
        return (same | DID.operator.is_null(False)) if after == nulls_first else same
    term = _key_term([DID.operator, DID.number], (op, number), after)
    return (term | DID.operator.is_null()) if after != nulls_first else term


def _keyset(sort: str, columns: list[Any], key: tuple[Any, ...], after: bool) -> Any:
    return _key_term(columns, key, after)


def page(
    filt: DIDFilter | None = None,
    *,
    sort: str = "number",
    after: tuple[Any, ...] | None = None,
    before: tuple[Any, ...] | None = None,
    limit: int = 100,
    last: bool = False,
) -> list[DIDRow]:
    """A keyset page, in sort order.

    `after=key`: the rows following that key; `before=key`: the rows preceding it;
    `last=True`: the final `limit` rows. Keys come from `DIDRow.sort_key(sort)`.
    """
    if sort == "operator":  # by operator NAME: core/operator_sort.py walks the id-ordered index
        base = lambda: _row_query(filt)  # noqa: E731
        return [_to_row(t) for t in operator_sort.page(base, after=after, before=before, last=last, limit=limit)]
    descending = before is not None or last
    order = [c.desc() for c in sort_columns(sort)] if descending else sort_columns(sort)
    sql, params = page_keys_sql(filt, sort=sort, after=after, before=before, limit=limit, last=last)
    # A derived table: MariaDB refuses LIMIT directly inside IN (...).
    page_ids = SQL(f"(SELECT id FROM ({sql}) AS page_keys)", params)
    query = _row_query(None).where(DID.id.in_(page_ids)).order_by(*order)
    rows = [_to_row(t) for t in query.tuples()]
    return list(reversed(rows)) if descending else rows


def page_keys_sql(
    filt: DIDFilter | None,
    *,
    sort: str = "number",
    after: tuple[Any, ...] | None = None,
    before: tuple[Any, ...] | None = None,
    limit: int = 100,
    last: bool = False,
) -> tuple[str, list[Any]]:
    """The SELECT of a page's ids (its SQL and parameters; the plan tests EXPLAIN it).

    The ids come from the sort index alone, pinned where the filter lets that index
    serve it, so no statistics can flip the plan to a scan and a sort; `page` then reads
    the rows of just these ids."""
    columns = sort_columns(sort)
    descending = before is not None or last
    reading = _reading(filt, sort)
    keys = DID.select(DID.id)
    if reading.where is not None:
        keys = keys.where(reading.where)
    if after is not None:
        keys = keys.where(_keyset(sort, columns, after, True))
    if before is not None:
        keys = keys.where(_keyset(sort, columns, before, False))
    order = [c.desc() for c in reading.order] if descending else reading.order
    sql, params = keys.order_by(*order).limit(limit).sql()
    if reading.index is not None:
        sql = dialect().pin_index(sql, DID, reading.index)
    return sql, list(params)


@dataclass(frozen=True)
class Landmarks:
    """The sort keys of rows `every`, 2*`every`, ... of one filter and sort (positions
    counted from 1): a jump seeks from the nearest one, reading at most `every` index
    entries instead of all those before the target (0.25 s at row 5,000,000 of ten
    million on SQLite, 1-2 s on PostgreSQL)."""

    every: int
    keys: tuple[tuple[Any, ...], ...]


def landmarks(filt: DIDFilter | None, *, sort: str = "number", every: int) -> Landmarks:
    """One pass over the sort index in steps of `every` (as long as one exact count): the
    DIDs table builds them in the background once it knows a filter is large. Sorted by
    operator name (core/operator_sort.py) there are none: that order is not the index's."""
    if sort == "operator":
        return Landmarks(every, ())
    keys: list[tuple[Any, ...]] = []
    key: tuple[Any, ...] | None = None
    while True:
        row = database_proxy.execute_sql(*jump_key_sql(filt, sort=sort, offset=every, after=key)).fetchone()
        if row is None:
            return Landmarks(every, tuple(keys))
        key = tuple(row)
        keys.append(key)


def page_at(
    filt: DIDFilter | None,
    *,
    sort: str = "number",
    offset: int,
    limit: int = 100,
    marks: Landmarks | None = None,
) -> list[DIDRow]:
    """Rows from a position: for jumps (a scrollbar drag), where there is no key yet.

    The key of the row before `offset` comes from the sort columns alone (an index-only
    scan: 20 ms at row 500,000 of a million, against 200 ms for OFFSET over whole joined
    rows), counted from the nearest landmark before it when `marks` (of the same filter
    and sort) are given; then the page is a keyset page after that key.
    """
    if offset <= 0:
        return page(filt, sort=sort, limit=limit)
    if sort == "operator":
        where = filt.where() if filt is not None else None
        rows = operator_sort.page_at(
            lambda: _row_query(filt), where, lambda t: _to_row(t).number, offset=offset, limit=limit
        )
        return [_to_row(t) for t in rows]
    after, skip = None, offset  # the row before `offset` is row `skip` after `after`
    if marks is not None and marks.keys:
        n = min(offset // marks.every, len(marks.keys))
        if n:
            after, skip = marks.keys[n - 1], offset - n * marks.every
    if skip == 0:
        return page(filt, sort=sort, after=after, limit=limit)
    key = database_proxy.execute_sql(*jump_key_sql(filt, sort=sort, offset=skip, after=after)).fetchone()
    if key is None:
        return []
    return page(filt, sort=sort, after=tuple(key), limit=limit)


def jump_key_sql(
    filt: DIDFilter | None, *, sort: str, offset: int, after: tuple[Any, ...] | None = None
) -> tuple[str, list[Any]]:
    """The SELECT of the sort key of row `offset` (from 1) after the key `after` (from the
    top without it): an index-only scan of the sort index, pinned as for pages."""
    columns = sort_columns(sort)
    reading = _reading(filt, sort)
    query = DID.select(*columns)
    if reading.where is not None:
        query = query.where(reading.where)
    if after is not None:
        query = query.where(_keyset(sort, columns, after, True))
    sql, params = query.order_by(*reading.order).offset(offset - 1).limit(1).sql()
    if reading.index is not None:
        sql = dialect().pin_index(sql, DID, reading.index)
    return sql, list(params)


def get_row(did_id: int) -> DIDRow:
    rows = [_to_row(t) for t in _row_query(None).where(DID.id == did_id).tuples()]
    if not rows:
        raise NotFound(f"DID #{did_id} does not exist any more (deleted meanwhile?)")
    return rows[0]


def row_by_number(number: str) -> DIDRow:
    rows = [_to_row(t) for t in _row_query(None).where(DID.number == number).tuples()]
    if not rows:
        raise NotFound(f"DID {number} does not exist")
    return rows[0]


def iter_rows(filt: DIDFilter | None = None, *, sort: str = "number", chunk: int = 5_000) -> Iterator[DIDRow]:
    """Every row matching, in key-paged chunks: constant memory however many there are."""
    after = None
    while True:
        rows = page(filt, sort=sort, after=after, limit=chunk)
        yield from rows
        if len(rows) < chunk:
            return
        after = rows[-1].sort_key(sort)


# ---- the filter bar's line (the app's `/` and the command line's --filter) ---------------

# The filter line's syntax lives in core/filter_syntax.py (quoting, no escape character,
# exact tags); re-exported here for the command line's --filter.
FILTER_KEYS = KEYS
