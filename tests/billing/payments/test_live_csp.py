"""In live mode, POST /pricing/checkout and POST /settings/billing/portal answer
303 to Stripe's hosted pages, and browsers apply `form-action` to that redirect
(review finding 3): the policy lists Stripe's two origins then, and only then."""

from __future__ import annotations

from cosmostream.config import Settings
from cosmostream.web.security import content_security_policy
from tests.core.test_csp import directives

STRIPE = ["https://billing.stripe.com", "https://checkout.stripe.com"]


def test_form_action_admits_stripe_in_live_mode_only(settings: Settings) -> None:
    live = settings.model_copy(
        update={
            "billing_mode": "live",
            "stripe_secret_key": "sk_live_example",
            "stripe_webhook_secret": "whsec_example",
        }
    )
    assert live.resolved_billing_mode == "live"
    policy = directives(content_security_policy(live))
    assert policy["form-action"][0] == "'self'"
    assert sorted(o for o in policy["form-action"] if "stripe" in o) == STRIPE
    for name in ("default-src", "connect-src", "frame-ancestors", "script-src"):
        assert not any("stripe" in v for v in policy[name]), name
    # A live key alone means live mode too.
    keyed = settings.model_copy(update={"billing_mode": None, "stripe_secret_key": "sk_live_x"})
    assert keyed.resolved_billing_mode == "live"
    assert set(STRIPE) <= set(directives(content_security_policy(keyed))["form-action"])
    for mode in ("test", "off"):
        other = settings.model_copy(update={"billing_mode": mode, "stripe_secret_key": None})
        assert other.resolved_billing_mode == mode
        form_action = directives(content_security_policy(other))["form-action"]
        assert not any("stripe" in v for v in form_action), (mode, form_action)
