"""What each column of a file holds: guessed from header names and their usual synonyms,
or by position when there is no header, and always editable by the user.

A mapping is a tuple with one field name per column ("ignore" for the rest).
"""

from __future__ import annotations

from didtui.core.csvio.fields import _BY_WORD, FIELD_LABELS, FIELDS, POSITIONAL, _key
from didtui.core.csvio.source import FileInfo, UnusableInput, _numberish
from didtui.core.statuses import parse_status


def parse_field(text: str) -> str:
    """A field name as people write it: "DID", "after hold", "After_Hold", "skip"..."""
    key = _key(text)
    if key in ("ignore", "skip", "none", "", "unused"):
        return "ignore"
    for name, label in FIELD_LABELS.items():
        if key in (_key(name), _key(label)):
            return name
    if key in _BY_WORD and _BY_WORD[key] != "ignore":
        return _BY_WORD[key]
    known = ", ".join(FIELD_LABELS.values())
    raise UnusableInput(f"unknown field {text!r}: map columns to one of {known}")


def guess_mapping(info: FileInfo) -> tuple[str, ...]:
    """One field per column: from the header's words, else from the data and position."""
    if info.header:
        mapping, taken = [], set()
        for name in info.columns:
            field = _BY_WORD.get(_key(name), "ignore")
            if field != "ignore" and field in taken:
                field = "ignore"
            taken.add(field)
            mapping.append(field)
        return tuple(mapping)
    return _guess_by_content(info)


def _guess_by_content(info: FileInfo) -> tuple[str, ...]:
    width = info.width
    rows = [r for r in info.preview if r]

    def all_rows(test) -> list[int]:
        cols = []
        for col in range(width):
            cells = [r[col].strip() for r in rows if col < len(r) and r[col].strip()]
            if cells and all(test(c) for c in cells):
                cols.append(col)
        return cols

    def is_status(text: str) -> bool:
        try:
            parse_status(text)
            return True
        except Exception:  # noqa: BLE001 - any failure means "not a status"
            return False

    mapping = ["ignore"] * width
    did_cols = all_rows(_numberish)
    did_col = did_cols[0] if did_cols else 0
    mapping[did_col] = "did"
    status_cols = [c for c in all_rows(is_status) if c != did_col]
    if status_cols:
        mapping[status_cols[0]] = "status"
    rest = [f for f in POSITIONAL if f not in mapping]
    for col in range(width):
        if mapping[col] == "ignore" and rest:
            mapping[col] = rest.pop(0)
    return tuple(mapping)


def column_index(info: FileInfo, column: str) -> int:
    """A column by header name (case-insensitive) or 1-based position."""
    text = column.strip()
    if text.isdigit():
        index = int(text) - 1
        if not 0 <= index < info.width:
            raise UnusableInput(f"column {text}: the file has columns 1 to {info.width}")
        return index
    wanted = [i for i, name in enumerate(info.columns) if name.strip().lower() == text.lower()]
    if not wanted:
        names = ", ".join(repr(n) for n in info.columns)
        raise UnusableInput(f"no column named {text!r}: the columns are {names} (or use a position, 1 to {info.width})")
    return wanted[0]


def parse_map_specs(
    info: FileInfo, specs: list[str] | tuple[str, ...], base: tuple[str, ...] | None = None
) -> tuple[str, ...]:
    """Apply `COLUMN=FIELD` overrides to the guessed (or given) mapping.

    A field given to one column is taken away from any column that had it by guess.
    """
    mapping = list(base if base is not None else guess_mapping(info))
    for spec in specs:
        column, sep, name = spec.partition("=")
        if not sep or not column.strip():
            raise UnusableInput(f"--map {spec!r}: write it as COLUMN=FIELD, e.g. --map Phone=DID or --map 3=Status")
        index = column_index(info, column)
        field = parse_field(name)
        if field != "ignore":
            mapping = ["ignore" if f == field else f for f in mapping]
        mapping[index] = field
    return tuple(mapping)


def check_mapping(info: FileInfo, mapping: tuple[str, ...]) -> None:
    """Refuse a mapping without DID, or with one field on two columns."""
    if len(mapping) != info.width:
        raise UnusableInput(f"the mapping names {len(mapping)} columns but the file has {info.width}")
    for field in mapping:
        if field not in FIELDS:
            raise UnusableInput(f"unknown field {field!r}")
    if "did" not in mapping:
        names = ", ".join(repr(n) for n in info.columns)
        raise UnusableInput(
            f"no column is mapped to DID (the columns are {names}): map the column holding the numbers, e.g. --map 1=DID"
        )
    seen: dict[str, int] = {}
    for index, field in enumerate(mapping):
        if field == "ignore":
            continue
        if field in seen:
            raise UnusableInput(
                f"columns {info.columns[seen[field]]!r} and {info.columns[index]!r} are both mapped to "
                f"{FIELD_LABELS[field]}: map one of them to Ignore"
            )
        seen[field] = index
