"""The billing domain's contributions (see `cosmostream.registry`).

Plans on Stripe: pricing, checkout, the billing settings page, organizations'
seats, the Stripe webhook and its queued processing, periodic reconciliation,
and (in test mode) the fake Stripe at `/_stripe`.
"""

from __future__ import annotations

from strawberry.tools import merge_types

from cosmostream.billing import api, demo, pages, tasks
from cosmostream.billing.gql import BillingMutation, BillingQuery
from cosmostream.billing.revenue_gql import RevenueQuery
from cosmostream.registry import Domain, Middleware, NavLink

domain = Domain(
    "billing",
    query=merge_types("BillingQueries", (BillingQuery, RevenueQuery)),
    mutation=BillingMutation,
    routers=(api.router, pages.router),
    middleware=(Middleware(api.FakeStripeMount),),
    nav=[NavLink("Pricing", "/pricing", 90)],
    demo=demo.load,
    tasks=(tasks,),
)
