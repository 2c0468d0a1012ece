"""The organization schema with the rest: every list it adds has a size for the cost
limit, and the cost of a members page follows its `first`."""

from __future__ import annotations

from graphql import get_named_type, get_nullable_type, is_leaf_type, is_list_type, is_object_type

from cosmostream.graphql.cost import CONNECTION_LISTS, LIST_SIZES, PAGE_SIZE_ARGUMENTS
from cosmostream.graphql.schema import build_schema


def test_every_organization_list_has_a_size() -> None:
    schema = build_schema()
    names = ("Organization", "DomainClaim", "Query", "Mutation")
    checked, unsized = [], []
    for name, type_ in schema._schema.type_map.items():
        if not name.startswith(names) or not is_object_type(type_):
            continue
        for field_name, field in type_.fields.items():
            key = f"{name}.{field_name}"
            if (
                is_list_type(get_nullable_type(field.type))
                and not is_leaf_type(get_named_type(field.type))
                and field_name not in CONNECTION_LISTS
            ):
                checked.append(key)
                if not set(PAGE_SIZE_ARGUMENTS) & set(field.args) and key not in LIST_SIZES:
                    unsized.append(key)
    assert {"Organization.invitations", "Query.myOrganizations"} <= set(checked)
    assert "Organization.members" in [
        f"Organization.{f}"
        for f in schema._schema.type_map["Organization"].fields  # type: ignore[union-attr]
    ]
    assert unsized == []
