"""Numbers as E.164 digits, with their country, type and place (issue 8, docs/numbers.md).

Adds did.country, did.number_type, did.place and did.unreadable, and rewrites every stored
number to its E.164 digits, read under the profile's `country` and `numbers` level, which
`didtui db upgrade` (db.upgrade_schema) puts on the migrator as `didtui_numbering`.

- A stored number is read first as written in that country (`02079460000` under GB),
  then, if that is not acceptable, as E.164 (the seed stored `+44...` without its `+`).
- A number read neither way is kept as it is and flagged: `unreadable` holds why, and
  `didtui db status` lists such numbers.
- Two stored numbers that become one E.164 number stop the migration before anything is
  changed (the error lists them): merge or delete one of each pair, then upgrade again.
- Under `numbers = "digits"` nothing is rewritten and no country is derived.

Everything is read and checked before the first change, then written in batches inside
the runner's transaction; on MariaDB, whose ALTER TABLE commits, the columns are added
only if missing, so an interrupted run can simply be run again.

Frozen: it reads numbers with `phonenumbers` directly, never through didtui's modules, so
later changes to the reader never change what this migration did.
"""

import phonenumbers as pn
from peewee import SQL, CharField
from phonenumbers import NumberParseException, PhoneNumberType, geocoder

BATCH = 5_000
SHOWN = 20
COLUMNS = (("country", 3), ("number_type", 16), ("place", 100), ("unreadable", 200))
TYPES = {
    PhoneNumberType.FIXED_LINE: "fixed",
    PhoneNumberType.MOBILE: "mobile",
    PhoneNumberType.FIXED_LINE_OR_MOBILE: "fixed-or-mobile",
    PhoneNumberType.TOLL_FREE: "tollfree",
    PhoneNumberType.PREMIUM_RATE: "premium",
    PhoneNumberType.SHARED_COST: "shared-cost",
    PhoneNumberType.VOIP: "voip",
    PhoneNumberType.PERSONAL_NUMBER: "personal",
    PhoneNumberType.PAGER: "pager",
    PhoneNumberType.UAN: "uan",
    PhoneNumberType.VOICEMAIL: "voicemail",
    PhoneNumberType.UNKNOWN: "unknown",
}


class NumberCollision(Exception):
    """Two stored numbers are one E.164 number: the migration stops, nothing changed."""


def _acceptable(number, level):
    if not pn.is_possible_number(number):
        return False
    return level != "valid" or pn.is_valid_number(number)


def _read(stored, country, level):
    """(e164 digits, country, type, place, "") or (stored, "", "", "", why)."""
    for text, region in ((stored, country), ("+" + stored, None)):
        try:
            number = pn.parse(text, region)
        except NumberParseException:
            continue
        if _acceptable(number, level):
            e164 = f"{number.country_code}{pn.national_significant_number(number)}"
            valid = pn.is_valid_number(number)
            if valid:
                region_code = pn.region_code_for_number(number)
            elif number.country_code is not None:  # always set once parsed; typed Optional
                region_code = pn.region_code_for_country_code(number.country_code)
            else:
                region_code = None
            place = geocoder.description_for_number(number, "en") if valid else ""
            kind = TYPES.get(pn.number_type(number), "unknown")
            return e164, "" if region_code in (None, "ZZ") else region_code, kind, place, ""
    return stored, "", "", "", f"not a {level} number for {country}, nor as E.164: kept as it was"


def _plan(db, country, level):
    """Every row's new values, and the collisions, read before anything changes."""
    rows = []
    owner: dict[str, str] = {}  # E.164 number -> the stored number that becomes it
    collisions = []
    last = 0
    while True:
        batch = db.execute_sql(
            f"SELECT id, number FROM did WHERE id > {db.param} ORDER BY id LIMIT {BATCH}", (last,)
        ).fetchall()
        if not batch:
            break
        for did_id, stored in batch:
            values = _read(stored, country, level)
            new = values[0]
            if new in owner:
                collisions.append((owner[new], stored, new))
            else:
                owner[new] = stored
            rows.append((did_id, stored, values))
        last = batch[-1][0]
    return rows, collisions


def _add_columns(migrator, db):
    present = {c.name for c in db.get_columns("did")}
    for name, size in COLUMNS:
        if name not in present:
            field = CharField(max_length=size, constraints=[SQL("DEFAULT ''")])
            migrator.migrate(migrator.add_column("did", name, field, allow_not_null=True))


def up(migrator, db):
    settings = getattr(migrator, "didtui_numbering", None) or {}
    country = settings.get("country", "US")
    level = settings.get("level", "valid")
    rows, collisions = ([], []) if level == "digits" else _plan(db, country, level)
    if collisions:
        shown = "; ".join(f"{a} and {b} are both +{e164}" for a, b, e164 in collisions[:SHOWN])
        more = f" and {len(collisions) - SHOWN} more" if len(collisions) > SHOWN else ""
        raise NumberCollision(
            f"migration 0002 stopped, nothing was changed: {len(collisions)} stored numbers become a number "
            f"already there once written as E.164 (read under {country}): {shown}{more}. "
            "Delete or renumber one of each pair, then run `didtui db upgrade` again"
        )
    _add_columns(migrator, db)
    with db.atomic():  # the runner's transaction on SQLite and PostgreSQL; MariaDB's own
        _write(db, rows)


def _write(db, rows):
    p = db.param
    # Changing numbers go through a temporary value first ("~id"), so a number taking the
    # old text of another row that changes too never trips the unique index, and no
    # history moves twice.
    changing = [(did_id, stored, values[0]) for did_id, stored, values in rows if values[0] != stored]
    steps = (
        ("UPDATE did SET number = {p} WHERE id = {p}", lambda i, s, n: (f"~{i}", i)),
        ("UPDATE event SET did_number = {p} WHERE did_number = {p}", lambda i, s, n: (f"~{i}", s)),
        ("UPDATE event SET did_number = {p} WHERE did_number = {p}", lambda i, s, n: (n, f"~{i}")),
    )
    for sql, params in steps:
        for start in range(0, len(changing), BATCH):
            part = changing[start : start + BATCH]
            db.cursor().executemany(sql.format(p=p), [params(*row) for row in part])
    sql = f"UPDATE did SET number = {p}, country = {p}, number_type = {p}, place = {p}, unreadable = {p} WHERE id = {p}"
    for start in range(0, len(rows), BATCH):
        part = rows[start : start + BATCH]
        db.cursor().executemany(sql, [(*values, did_id) for did_id, _stored, values in part])


def down(migrator, db):
    for name, _size in reversed(COLUMNS):
        migrator.migrate(migrator.drop_column("did", name))
