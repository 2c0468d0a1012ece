"""Personal notifications: what happened that a user asked to hear about."""
