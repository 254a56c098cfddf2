"""What each column of a file holds: guessed from header names and their usual synonyms,
or, when there is no header, from the values themselves (a column is given a field only
when its sampled values are valid for it); always editable by the user.

A mapping is a tuple with one field name per column ("ignore" for the rest).
"""

from __future__ import annotations

import re
import unicodedata

from didtui.core.csvio.fields import _BY_WORD, FIELD_LABELS, FIELDS, POSITIONAL, _key
from didtui.core.csvio.source import FileInfo, UnusableInput, _numberish
from didtui.core.statuses import parse_after_hold, parse_status
from didtui.errors import InputError

__all__ = ["FIELDS", "FIELD_LABELS", "check_mapping", "describe_mapping", "guess_mapping", "parse_map_specs"]


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
    """A headerless file: each column gets the first field its sampled values are all
    valid for (the DID column first, then statuses, then names and text in the usual
    order of such files); a column no field fits stays ignored (`unfit_columns`)."""
    width = info.width
    samples = [_cells(info, col) for col in range(width)]
    mapping = ["ignore"] * width
    did_col = next((c for c in range(width) if samples[c] and all(map(_did_like, samples[c]))), None)
    if did_col is None:
        did_col = next((c for c in range(width) if samples[c] and all(map(_numberish, samples[c]))), 0)
    mapping[did_col] = "did"
    rest = [f for f in POSITIONAL if f != "did"]
    for col in range(width):
        if mapping[col] != "ignore" or not samples[col]:
            continue
        for name in rest:
            if all(map(_FITS[name], samples[col])):
                mapping[col] = name
                rest.remove(name)
                break
    return tuple(mapping)


def unfit_columns(info: FileInfo, mapping: tuple[str, ...]) -> list[int]:
    """Columns of a headerless file that hold values but stay ignored because guessing
    found no field their values are valid for (and nobody mapped them since)."""
    if info.header:
        return []
    guessed = guess_mapping(info)
    return [
        col
        for col in range(min(info.width, len(mapping)))
        if mapping[col] == "ignore" and guessed[col] == "ignore" and _cells(info, col)
    ]


def unfit_note(info: FileInfo, mapping: tuple[str, ...]) -> str:
    """What the wizard says about `unfit_columns` ("" when there are none)."""
    unfit = unfit_columns(info, mapping)
    if not unfit:
        return ""
    names = ", ".join(info.columns[i] for i in unfit)
    return f"left on Ignore, their values fit no field: {names} (choose a field if one of them holds one)"


def describe_mapping(info: FileInfo, mapping: tuple[str, ...]) -> str:
    """The one line that says what each column will be: `mapping: 'Phone' → DID, ...`."""
    columns = info.columns
    used = [f"{columns[i]!r} → {FIELD_LABELS[f]}" for i, f in enumerate(mapping) if f != "ignore" and i < len(columns)]
    unfit = set(unfit_columns(info, mapping))
    ignored = [repr(columns[i]) for i, f in enumerate(mapping) if f == "ignore" and i < len(columns) and i not in unfit]
    text = "mapping: " + ", ".join(used)
    if ignored:
        text += f" (ignored: {', '.join(ignored)})"
    if unfit:
        names = ", ".join(repr(columns[i]) for i in sorted(unfit))
        text += f" (left ignored, their values fit no field: {names})"
    return text


def _cells(info: FileInfo, col: int) -> list[str]:
    return [r[col].strip() for r in info.preview if col < len(r) and r[col].strip()]


_DATE = re.compile(r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?Z?)?|\d{1,2}:\d{2}(:\d{2})?")


def _date_like(text: str) -> bool:
    return bool(_DATE.fullmatch(text))


def _did_like(text: str) -> bool:
    """A number or range as carriers write them: at least 6 digits, not a date."""
    return _numberish(text) and not _date_like(text) and sum(ch.isdigit() for ch in text) >= 6


def _status_like(text: str) -> bool:
    try:
        parse_status(text)
    except InputError:
        return False
    return True


def _after_hold_like(text: str) -> bool:
    try:
        parse_after_hold(text)
    except InputError:
        return False
    return True


def _printable(text: str) -> bool:
    return not any(unicodedata.category(ch) in ("Cc", "Cs") for ch in text)


# Flag values of other systems' exports: never a name, a tag or a note.
_FLAGS = {"y", "n", "yes", "no", "true", "false", "t", "f", "on", "off", "x", "null", "none", "nan"}


def _word_like(text: str) -> bool:
    return any(ch.isalpha() for ch in text) and not _date_like(text) and text.lower() not in _FLAGS


def _name_like(text: str) -> bool:
    """An operator, reseller or tag: words with letters, short, not a number, a date,
    a flag or a status."""
    return len(text) <= 100 and _word_like(text) and not _status_like(text) and _printable(text)


def _text_like(text: str) -> bool:
    """Notes: free text with letters in it (not bare numbers, flags or dates)."""
    return _word_like(text)


_FITS = {
    "status": _status_like,
    "after_hold": _after_hold_like,
    "operator": _name_like,
    "tag": _name_like,
    "notes": _text_like,
    "reseller": _name_like,
}


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
