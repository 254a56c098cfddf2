"""The first schema: every table of the first release with its indexes, frozen as it shipped.

These classes are a copy of the models of version 0.1.0, not an import of models.py, so a
later change to the models never changes what this migration creates. A later schema
change goes in a new numbered file; tests/core/test_core_schema.py checks that the
migrations, applied in order, build exactly the tables models.py describes.
"""

import datetime as _dt

from peewee import (
    BooleanField,
    CharField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)


def _utcnow():
    return _dt.datetime.now(_dt.UTC).replace(tzinfo=None, microsecond=0)


class _Base(Model):
    class Meta:
        legacy_table_names = False


class Reseller(_Base):
    name = CharField(max_length=100, unique=True)


class Operator(_Base):
    name = CharField(max_length=100, unique=True)
    reseller = ForeignKeyField(Reseller, null=True, on_delete="RESTRICT")


class Client(_Base):
    name = CharField(max_length=100, unique=True)
    reseller = ForeignKeyField(Reseller, null=True, on_delete="RESTRICT")


class Account(_Base):
    client = ForeignKeyField(Client, on_delete="CASCADE")
    name = CharField(max_length=100)

    class Meta:
        indexes = ((("client", "name"), True),)


class Package(_Base):
    name = CharField(max_length=100, unique=True)
    tags = CharField(max_length=500)
    allowed_dids = IntegerField()


class ClientPackage(_Base):
    account = ForeignKeyField(Account, on_delete="RESTRICT")
    package = ForeignKeyField(Package, on_delete="RESTRICT")
    active = BooleanField(default=True)
    created_at = DateTimeField(default=_utcnow)


class DID(_Base):
    number = CharField(max_length=32, unique=True)
    status = CharField(max_length=16)
    operator = ForeignKeyField(Operator, null=True, on_delete="RESTRICT", index=False)
    tag = CharField(max_length=100, default="")
    notes = TextField(default="")
    reseller = ForeignKeyField(Reseller, null=True, on_delete="RESTRICT")
    after_hold = CharField(max_length=16, default="in_stock")
    hold_days = IntegerField(default=30)
    hold_until = DateTimeField(null=True, index=True)
    client_package = ForeignKeyField(ClientPackage, null=True, on_delete="RESTRICT")
    created_at = DateTimeField(default=_utcnow)
    updated_at = DateTimeField(default=_utcnow)
    version = IntegerField(default=1)

    class Meta:
        table_name = "did"
        indexes = (
            (("status", "tag", "number"), False),
            (("tag", "number"), False),
            (("operator", "number"), False),
        )


class Event(_Base):
    at = DateTimeField(default=_utcnow)
    actor = CharField(max_length=100)
    did_number = CharField(max_length=32, null=True, index=True)
    action = CharField(max_length=32)
    changes = TextField(null=True)
    batch = CharField(max_length=32, index=True)


MODELS = [Reseller, Operator, Client, Account, Package, ClientPackage, DID, Event]


def up(migrator, db):
    with db.bind_ctx(MODELS):
        db.create_tables(MODELS, safe=True)


def down(migrator, db):
    with db.bind_ctx(MODELS):
        db.drop_tables(list(reversed(MODELS)), safe=True)
