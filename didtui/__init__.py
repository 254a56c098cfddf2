"""didtui: a keyboard-driven terminal app for DID number inventories."""

__version__ = "0.1.0"
