"""Structured logs: key=value on a terminal, JSON lines in production.

Standard-library loggers (ours, uvicorn's, Huey's) go through the same
structlog formatter, so every line has a timestamp, level and logger name,
and the request id when one is bound.
"""

from __future__ import annotations

import logging
import sys

import structlog

from cosmostream.config import Settings

_configured = False


def configure_logging(settings: Settings) -> None:
    global _configured
    if _configured:
        return
    _configured = True
    as_json = settings.log_json if settings.log_json is not None else settings.is_production
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.stdlib.ExtraAdder(),
    ]
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer()
        if as_json
        else structlog.dev.ConsoleRenderer(
            colors=sys.stderr.isatty(),
            # Plain tracebacks: rich's would print local variables (tokens, passwords).
            exception_formatter=structlog.dev.plain_traceback,
        )
    )
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            _drop_color_message,
            structlog.processors.format_exc_info if as_json else _identity,
            renderer,
        ],
    )
    handler = logging.StreamHandler()
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "huey"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    logging.getLogger("aiosqlite").setLevel(logging.WARNING)


def _identity(
    _: object, __: str, event_dict: structlog.types.EventDict
) -> structlog.types.EventDict:
    return event_dict


def _drop_color_message(
    _: object, __: str, event_dict: structlog.types.EventDict
) -> structlog.types.EventDict:
    event_dict.pop("color_message", None)
    return event_dict
