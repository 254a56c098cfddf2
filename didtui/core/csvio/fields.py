"""The fields a CSV column can be mapped to, and the header words people use for them.

Its own module, below both the file reader (source.py, which asks whether a first row is
a header) and the mapping guesser (mapping.py), so neither imports the other for it.
"""

from __future__ import annotations

FIELDS = ("did", "operator", "status", "after_hold", "tag", "notes", "reseller", "ignore")
FIELD_LABELS = {
    "did": "DID",
    "operator": "Operator",
    "status": "Status",
    "after_hold": "After Hold",
    "tag": "Tag",
    "notes": "Notes",
    "reseller": "Reseller",
    "ignore": "Ignore",
}
# Header words, compared lower-case with everything but letters and digits removed.
SYNONYMS = {
    "did": (
        "did",
        "dids",
        "didnumber",
        "didnumbers",
        "did#",
        "number",
        "numbers",
        "phone",
        "phonenumber",
        "phoneno",
        "telephone",
        "telephonenumber",
        "tel",
        "tn",
        "msisdn",
        "e164",
        "ddi",
        "ddinumber",
        "dnis",
        "numberrange",
        "range",
        "didrange",
        "dialnumber",
    ),
    "operator": (
        "operator",
        "operatorname",
        "provider",
        "providername",
        "carrier",
        "carriername",
        "vendor",
        "supplier",
        "upstream",
        "didprovider",
    ),
    "status": ("status", "state", "didstatus"),
    "after_hold": ("afterhold", "afterholdstatus", "statusafterhold", "holdto", "afterholdto"),
    "tag": ("tag", "tags", "label", "group", "category", "pool", "didtag"),
    "notes": ("notes", "note", "comment", "comments", "description", "remark", "remarks", "memo", "info"),
    "reseller": ("reseller", "resellername", "owner"),
    # Columns of our own export (and their like) that import does not set.
    "ignore": (
        "id",
        "country",  # Country, Type, Place: derived from the number (docs/numbers.md)
        "type",
        "numbertype",
        "place",
        "client",
        "clientname",
        "customer",
        "account",
        "package",
        "holduntil",
        "holddays",
        "created",
        "createdat",
        "updated",
        "updatedat",
        "version",
        "clientaccount",
    ),
}
_BY_WORD = {word: name for name, words in SYNONYMS.items() for word in words}
# Without a header: the order fields are tried for a column whose values fit them
# (mapping._guess_by_content); statuses first, as they are told apart by content alone.
POSITIONAL = ("did", "status", "after_hold", "operator", "tag", "notes", "reseller")


def _key(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


def known_header(text: str) -> bool:
    return _key(text) in _BY_WORD
