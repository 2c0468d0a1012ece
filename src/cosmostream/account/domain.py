"""The account domain's contributions (see `cosmostream.registry`)."""

from cosmostream.account import pages, tasks
from cosmostream.account.demo import load_demo_accounts
from cosmostream.account.gql import AccountMutation, AccountQuery, MeIdentityFields
from cosmostream.registry import Domain

domain = Domain(
    "account",
    routers=[pages.router],
    query=AccountQuery,
    mutation=AccountMutation,
    hub_fields=[MeIdentityFields],
    tasks=[tasks],
    demo=load_demo_accounts,
)
