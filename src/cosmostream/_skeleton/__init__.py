"""The skeleton of a domain package: copy it to start a new domain.

See "Adding a domain" in docs/architecture.md. It is not in `cosmostream.domains`
(nothing serves it); `tests/core/test_domains.py` copies it under another name,
registers the copy and checks that it is served, in the schema and in the worker.
"""
