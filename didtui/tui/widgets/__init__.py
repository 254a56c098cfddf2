"""Reusable widgets: the lazy virtual DID table, the filter bar."""
