"""Space news aggregated from RSS/Atom feeds and the Spaceflight News API."""
