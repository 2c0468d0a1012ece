"""The billing domain's contributions (see `cosmostream.registry`).

Plans on Stripe: pricing, checkout, the billing settings page, organizations'
seats, the Stripe webhook and its queued processing, periodic reconciliation,
and (in test mode) the fake Stripe at `/_stripe`.
"""

from __future__ import annotations

from strawberry.tools import merge_types

from cosmostream.account.signals import signed_in_with_provider
from cosmostream.billing import api, demo, organization_pages, pages, tasks
from cosmostream.billing.gql import BillingMutation, BillingQuery
from cosmostream.billing.organization_gql import OrganizationMutation, OrganizationQuery
from cosmostream.billing.organizations import organization_service
from cosmostream.billing.revenue import revenue_service
from cosmostream.billing.revenue_gql import RevenueQuery
from cosmostream.engagement.signals import playback_step
from cosmostream.registry import Domain, Middleware, NavLink
from cosmostream.signals import Receiver

domain = Domain(
    "billing",
    query=merge_types("BillingQueries", (BillingQuery, OrganizationQuery, RevenueQuery)),
    mutation=merge_types("BillingMutations", (BillingMutation, OrganizationMutation)),
    routers=(api.router, pages.router, organization_pages.router),
    receivers=[
        Receiver(signed_in_with_provider, organization_service.on_provider_sign_in),
        Receiver(playback_step, revenue_service.on_playback),
    ],
    middleware=(Middleware(api.FakeStripeMount),),
    nav=[NavLink("Pricing", "/pricing", 90)],
    demo=demo.load,
    tasks=(tasks,),
)
