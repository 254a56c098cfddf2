"""Blocks: ranges of numbers bought from an operator, with their monthly and setup costs.

Frozen: describes its own table, whatever models.py says later.
"""

import datetime as _dt

from peewee import CharField, DateField, DateTimeField, DecimalField, ForeignKeyField, Model, TextField


def _utcnow():
    return _dt.datetime.now(_dt.UTC).replace(tzinfo=None, microsecond=0)


class _Operator(Model):
    class Meta:
        table_name = "operator"


class Block(Model):
    name = CharField(max_length=100, unique=True)
    operator = ForeignKeyField(_Operator, on_delete="RESTRICT")
    first = CharField(max_length=32, index=True)
    last = CharField(max_length=32)
    bought_on = DateField(null=True)
    monthly_cost = DecimalField(max_digits=14, decimal_places=4, null=True)
    setup_cost = DecimalField(max_digits=14, decimal_places=2, null=True)
    notes = TextField(default="")
    created_at = DateTimeField(default=_utcnow)

    class Meta:
        legacy_table_names = False
        table_name = "block"


def up(migrator, db):
    with db.bind_ctx([Block, _Operator]):
        db.create_tables([Block], safe=True)


def down(migrator, db):
    with db.bind_ctx([Block]):
        db.drop_tables([Block], safe=True)
