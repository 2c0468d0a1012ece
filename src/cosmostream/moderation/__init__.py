"""Moderation: reports about anything reportable, filed one way (the review queue comes later)."""
