"""Modal forms and dialogs (new DIDs, edit, mass edit, confirmations...)."""
