"""Watch parties: invite-only rooms that play one video in sync, with chat."""
