"""The operations of didtui: plain Python over peewee, no Textual and no click.

Modules: numbers (parsing), statuses, filters (selection, counts, keyset pages),
inventory (create/edit/mass edit/delete), operators, retail (packages, clients,
picking, release), sweep, history, bulk (backend-specific bulk paths), errors.
"""
