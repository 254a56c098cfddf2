"""Peewee models: the schema (docs/architecture.md; statuses in docs/lifecycle.md).

All models are bound to one `DatabaseProxy`; `didtui.db.open_database` initialises it
with the profile's database. Times are naive UTC throughout (every backend stores them
the same way and compares them as such).
"""

from __future__ import annotations

import datetime as _dt

from peewee import (
    BooleanField,
    CharField,
    DatabaseProxy,
    DateField,
    DateTimeField,
    DecimalField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)

database_proxy = DatabaseProxy()


def utcnow() -> _dt.datetime:
    """Naive UTC now, truncated to whole seconds so every backend round-trips it."""
    return _dt.datetime.now(_dt.UTC).replace(tzinfo=None, microsecond=0)


class BaseModel(Model):
    class Meta:
        database = database_proxy
        legacy_table_names = False


class Reseller(BaseModel):
    name = CharField(max_length=100, unique=True)


class Operator(BaseModel):
    name = CharField(max_length=100, unique=True)
    reseller = ForeignKeyField(Reseller, null=True, backref="operators", on_delete="RESTRICT")


class Client(BaseModel):
    name = CharField(max_length=100, unique=True)
    reseller = ForeignKeyField(Reseller, null=True, backref="clients", on_delete="RESTRICT")


class Account(BaseModel):
    client = ForeignKeyField(Client, backref="accounts", on_delete="CASCADE")
    name = CharField(max_length=100)

    class Meta:
        indexes = ((("client", "name"), True),)


class Package(BaseModel):
    name = CharField(max_length=100, unique=True)
    # Tags are kept as one comma-separated string: a package has a handful, picking
    # turns them into an IN list, and no query ever joins on them.
    tags = CharField(max_length=500)
    allowed_dids = IntegerField()

    @property
    def tag_list(self) -> list[str]:
        return [t for t in self.tags.split(",") if t]


class ClientPackage(BaseModel):
    account = ForeignKeyField(Account, backref="client_packages", on_delete="RESTRICT")
    package = ForeignKeyField(Package, backref="client_packages", on_delete="RESTRICT")
    active = BooleanField(default=True)
    created_at = DateTimeField(default=utcnow)
    # Set by un-assigning: the assignment is removed once it holds no DIDs (core/sweep.py).
    unassigned_at = DateTimeField(null=True)


class DID(BaseModel):
    # E.164 digits without the "+" (docs/numbers.md): keyset pages and prefix filters are
    # ranges on this text, served by its unique index.
    number = CharField(max_length=32, unique=True)
    status = CharField(max_length=16)  # indexed through (status, tag, number)
    operator = ForeignKeyField(
        Operator, null=True, backref="dids", on_delete="RESTRICT", index=False
    )  # indexed through (operator, number)
    tag = CharField(max_length=100, default="")  # "" is no tag: keeps keyset sorting simple
    notes = TextField(default="")
    reseller = ForeignKeyField(Reseller, null=True, backref="dids", on_delete="RESTRICT")
    after_hold = CharField(max_length=16, default="in_stock")
    hold_days = IntegerField(default=30)
    hold_until = DateTimeField(null=True, index=True)
    client_package = ForeignKeyField(ClientPackage, null=True, backref="dids", on_delete="RESTRICT")
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)
    version = IntegerField(default=1)
    # When the DID last left a client (release or deactivation): "free since", for reuse
    # (picking reads the oldest first). Not (status, tag, released_at): the planner then
    # took it for plain status counts instead of (status, tag, number).
    released_at = DateTimeField(null=True, index=True)
    # Derived from the number by core/numbers.py when it is created or imported, stored so
    # reads never run libphonenumber (migration 0002).
    country = CharField(max_length=3, default="")  # ISO 3166 alpha-2, "001" non-geographic
    number_type = CharField(max_length=16, default="")  # fixed, mobile, tollfree, ...
    place = CharField(max_length=100, default="")  # the geocoder's "London"
    unreadable = CharField(max_length=200, default="")  # why 0002 could not read it; "" if fine

    class Meta:
        table_name = "did"
        indexes = (
            # Picking: In Stock DIDs of some tags, in number order.
            (("status", "tag", "number"), False),
            # Sort and filter by tag.
            (("tag", "number"), False),
            # Operator drill-down and sort by operator.
            (("operator", "number"), False),
        )


class Event(BaseModel):
    at = DateTimeField(default=utcnow)
    actor = CharField(max_length=100)
    did_number = CharField(max_length=32, null=True, index=True)
    action = CharField(max_length=32)
    changes = TextField(null=True)  # JSON: {"field": [old, new], ...}
    batch = CharField(max_length=32, index=True)


class Batch(BaseModel):
    """One operation that changed DIDs: what, who, when, how many; and its undo."""

    batch = CharField(max_length=32, unique=True)
    kind = CharField(max_length=32)
    actor = CharField(max_length=100)
    at = DateTimeField(default=utcnow, index=True)
    count = IntegerField(default=0)
    note = CharField(max_length=200, default="")
    undone_by = CharField(max_length=32, null=True)
    undo_of = CharField(max_length=32, null=True)
    # JSON: the client package the batch changed, as it was before (core/undo.py).
    detail = TextField(null=True)


class DIDBefore(BaseModel):
    """A DID as it was before a batch changed or deleted it: what undo restores."""

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


class Block(BaseModel):
    """A range of numbers bought from an operator, with what it costs.

    Its DIDs are those whose number lies in first..last with the same number of digits
    (core/blocks.py); a block never creates or changes DIDs. Blocks never overlap.
    """

    name = CharField(max_length=100, unique=True)
    operator = ForeignKeyField(Operator, backref="blocks", on_delete="RESTRICT")
    first = CharField(max_length=32, index=True)
    last = CharField(max_length=32)
    bought_on = DateField(null=True)
    monthly_cost = DecimalField(max_digits=14, decimal_places=4, null=True)  # per number, per month
    setup_cost = DecimalField(max_digits=14, decimal_places=2, null=True)  # once, for the block
    notes = TextField(default="")
    created_at = DateTimeField(default=utcnow)


ALL_MODELS = [Reseller, Operator, Client, Account, Package, ClientPackage, DID, Event, Block, Batch, DIDBefore]
