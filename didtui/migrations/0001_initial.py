"""The first schema: every table of DESIGN.md with its indexes.

It creates the tables from the models as they were when 0001 shipped. A later schema
change goes in a new numbered file (add_column, add_index...) and, before models.py
changes, this file must get a frozen copy of the models it creates.
"""
from didtui.models import ALL_MODELS


def up(migrator, db):
    with db.bind_ctx(ALL_MODELS):
        db.create_tables(ALL_MODELS, safe=True)


def down(migrator, db):
    with db.bind_ctx(ALL_MODELS):
        db.drop_tables(list(reversed(ALL_MODELS)), safe=True)
