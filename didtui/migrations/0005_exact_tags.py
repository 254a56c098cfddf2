"""Tags compare exactly on every backend: `gold`, `GOLD` and `gold ` are three tags.

SQLite and PostgreSQL compare text byte for byte already. MySQL/MariaDB compare through
the column's collation, and the default one (utf8mb4_general_ci) ignores case and
trailing blanks, so a filter `tag:GOLD` found `gold` there and picking took either. The
did.tag column gets a binary, no-pad collation instead; its indexes are rebuilt by the
ALTER and stay usable for equality and range lookups (an index compares with its
column's collation). Nothing changes on the other backends.

No playhouse.migrations operation changes a collation: this one is plain DDL, frozen
here like the other migrations.
"""

import peewee

# The first of these the server has: MariaDB's no-pad binary, MySQL 8's, then the
# padded binary (exact but for trailing blanks) of older servers.
_COLLATIONS = ("utf8mb4_nopad_bin", "utf8mb4_0900_bin", "utf8mb4_bin")
_COLUMN = "`tag` VARCHAR(100) CHARACTER SET utf8mb4 NOT NULL"


def _collation(db):
    known = {row[0] for row in db.execute_sql("SHOW COLLATION WHERE Charset = 'utf8mb4'").fetchall()}
    return next(name for name in _COLLATIONS if name in known)


def up(migrator, db):
    if isinstance(db, peewee.MySQLDatabase):
        db.execute_sql(f"ALTER TABLE `did` MODIFY {_COLUMN} COLLATE {_collation(db)}")


def down(migrator, db):
    if isinstance(db, peewee.MySQLDatabase):
        db.execute_sql(f"ALTER TABLE `did` MODIFY {_COLUMN}")
