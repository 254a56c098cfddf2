"""The words a header row uses for each field, and telling a header row by them.

Apart from mapping.py so that source.py (header detection) and mapping.py (header
mapping) both import it without importing each other.
"""

from __future__ import annotations

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
BY_WORD = {word: name for name, words in SYNONYMS.items() for word in words}


def word_key(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


def known_header(text: str) -> bool:
    return word_key(text) in BY_WORD
