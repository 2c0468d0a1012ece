"""Launch countdowns: upcoming launches synced from Launch Library 2, follows and
the "lift-off soon" notification."""
