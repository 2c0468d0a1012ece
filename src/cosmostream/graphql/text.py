"""Bad text in a GraphQL request is refused before validation, whatever field it is for.

PostgreSQL cannot store NUL and no database driver can encode half a surrogate
pair, so such text must never reach a resolver. Checking the request once (its
variables and the string literals of its document) covers every argument and
input field of the schema, those added later included, with one error code:
`bad_text`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from graphql import (
    ArgumentNode,
    DocumentNode,
    GraphQLError,
    ObjectFieldNode,
    StringValueNode,
    VariableNode,
    Visitor,
    visit,
)
from strawberry.extensions import SchemaExtension

from cosmostream.errors import BadText
from cosmostream.kit.text import find_bad_text, is_bad_text

_NOT_FOUND = object()


def _snake(name: str) -> str:
    """`displayName` → `display_name`: errors name fields as the forms do."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


class _Literals(Visitor):
    """Finds a bad string literal (and the argument or input field it is for), and notes
    which argument or input field each variable feeds."""

    def __init__(self) -> None:
        super().__init__()
        self.names: list[str] = []
        self.bad: object = _NOT_FOUND
        self.variables: dict[str, str] = {}

    def enter_argument(self, node: ArgumentNode, *_: Any) -> None:
        self._enter(node)

    def leave_argument(self, node: ArgumentNode, *_: Any) -> None:
        self.names.pop()

    def enter_object_field(self, node: ObjectFieldNode, *_: Any) -> None:
        self._enter(node)

    def leave_object_field(self, node: ObjectFieldNode, *_: Any) -> None:
        self.names.pop()

    def _enter(self, node: ArgumentNode | ObjectFieldNode) -> None:
        self.names.append(node.name.value)
        if isinstance(node.value, VariableNode):
            self.variables.setdefault(node.value.name.value, node.name.value)

    def enter_string_value(self, node: StringValueNode, *_: Any) -> None:
        if self.bad is _NOT_FOUND and is_bad_text(node.value):
            self.bad = self.names[-1] if self.names else None


def bad_text(document: DocumentNode, variables: Mapping[str, Any] | None) -> BadText | None:
    """The refusal for a request with bad text in a literal or a variable, else None."""
    literals = _Literals()
    visit(document, literals)
    if literals.bad is not _NOT_FOUND:
        name = literals.bad
        return BadText(field=_snake(name) if isinstance(name, str) else None)
    path = find_bad_text(variables)
    if path is None:
        return None
    # The innermost input field, else the argument the variable is passed to.
    keys = [key for key in path if isinstance(key, str) and not is_bad_text(key)]
    if not keys:
        return BadText()
    name = keys[-1] if len(keys) > 1 else literals.variables.get(keys[0], keys[0])
    return BadText(field=_snake(name))


class BadTextGuard(SchemaExtension):
    """Refuse requests with bad text before validation, so no resolver ever sees it."""

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None and context.pre_execution_errors is None:
            error = bad_text(document, context.variables)
            if error is not None:
                # Errors set here make Strawberry skip its validation step.
                context.pre_execution_errors = [
                    GraphQLError(
                        error.message, extensions={**error.to_dict(), "status": error.status}
                    )
                ]
        yield
