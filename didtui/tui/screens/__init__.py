"""One module per tab (DIDs, Operators, Packages, Clients) plus pushed screens."""
