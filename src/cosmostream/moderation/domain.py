"""The moderation domain's contributions (see `cosmostream.registry`).

Today it holds the one report mechanism that comments, forum posts and chat
messages share; the review queue will add its pages and GraphQL here.
"""

from cosmostream.registry import Domain

domain = Domain("moderation")
