"""Creator analytics: viewer sessions and watched ranges measured from playback,
their roll-ups, and the studio that reads them (`/analytics`, the creator
dashboard). The counting rules are in docs/analytics.md."""
