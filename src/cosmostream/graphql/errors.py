"""Error masking: expected `AppError`s reach clients with a code; anything else is a bug."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from graphql.error import GraphQLError
from strawberry.extensions import MaskErrors

from cosmostream.errors import AppError

log = logging.getLogger(__name__)


def _should_mask(error: GraphQLError) -> bool:
    original = error.original_error
    if original is None or isinstance(original, AppError):
        return False  # syntax/validation errors and expected failures are the client's
    if isinstance(original, GraphQLError):
        return False
    log.error("unexpected error in GraphQL resolver", exc_info=original)
    return True


class AppErrorMasker(MaskErrors):
    def __init__(self) -> None:
        super().__init__(should_mask_error=_should_mask, error_message="Unexpected error.")

    def on_operation(self) -> Iterator[None]:
        yield from super().on_operation()
        result = self.execution_context.result
        errors = getattr(result, "errors", None) or []
        response = getattr(self.execution_context.context, "response", None)
        if response is None:
            return
        if any((e.extensions or {}).get("code") == "internal_error" for e in errors):
            # A bug, masked for the client: 500 whatever else the answer holds,
            # so monitoring that watches for 5xx sees it.
            response.status_code = 500
        elif (
            result is not None
            and errors
            and getattr(result, "data", None) is None
            and all(e.original_error is None for e in errors)
        ):
            # A request that failed before execution (syntax, validation, limits)
            # is the client's fault: 400, as GraphQL over HTTP recommends.
            response.status_code = 400

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        masked = super().anonymise_error(error)
        masked.extensions = {"code": "internal_error"}
        return masked

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        processed = super()._process_errors(errors)
        for error in processed:
            original = error.original_error
            if isinstance(original, AppError):
                error.extensions = {
                    **(error.extensions or {}),
                    **original.to_dict(),
                    "status": original.status,
                }
        return processed
