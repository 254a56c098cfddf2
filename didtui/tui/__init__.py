"""The full-screen Textual face of didtui: tabs, the lazy DID table, forms."""
