"""Lifecycle: batches (what undo needs), DIDs' "free since", un-assigned client packages.

Frozen like 0001: these classes copy the models as this migration shipped them and never
import models.py. New tables are created from them; new columns and the index are
playhouse.migrations operations.
"""

import datetime as _dt

from peewee import CharField, DateTimeField, IntegerField, Model, TextField
from playhouse.migrate import migrate


def _utcnow():
    return _dt.datetime.now(_dt.UTC).replace(tzinfo=None, microsecond=0)


class _Base(Model):
    class Meta:
        legacy_table_names = False


class Batch(_Base):
    batch = CharField(max_length=32, unique=True)
    kind = CharField(max_length=32)
    actor = CharField(max_length=100)
    at = DateTimeField(default=_utcnow, index=True)
    count = IntegerField(default=0)
    note = CharField(max_length=200, default="")
    undone_by = CharField(max_length=32, null=True)
    undo_of = CharField(max_length=32, null=True)
    detail = TextField(null=True)


class DIDBefore(_Base):
    batch = CharField(max_length=32)
    did_id = IntegerField()
    number = CharField(max_length=32)
    status = CharField(max_length=16)
    operator_id = IntegerField(null=True)
    tag = CharField(max_length=100)
    notes = TextField()
    reseller_id = IntegerField(null=True)
    after_hold = CharField(max_length=16)
    hold_days = IntegerField()
    hold_until = DateTimeField(null=True)
    client_package_id = IntegerField(null=True)
    created_at = DateTimeField()
    updated_at = DateTimeField()
    version = IntegerField()
    released_at = DateTimeField(null=True)

    class Meta:
        table_name = "did_before"
        indexes = ((("batch", "did_id"), True),)


MODELS = [Batch, DIDBefore]


def up(migrator, db):
    with db.bind_ctx(MODELS):
        db.create_tables(MODELS, safe=True)
    migrate(
        migrator.add_column("did", "released_at", DateTimeField(null=True)),
        migrator.add_index("did", ("released_at",), False),
        migrator.add_column("client_package", "unassigned_at", DateTimeField(null=True)),
    )


def down(migrator, db):
    migrate(
        migrator.drop_index("did", "did_released_at"),
        migrator.drop_column("did", "released_at"),
        migrator.drop_column("client_package", "unassigned_at"),
    )
    with db.bind_ctx(MODELS):
        db.drop_tables(list(reversed(MODELS)), safe=True)
