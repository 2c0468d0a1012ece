"""Plans on Stripe, the entitlements they grant, and organizations' seats."""
