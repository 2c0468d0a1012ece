"""Discovery: listings, home rows, categories, trending, staff picks and up next."""
