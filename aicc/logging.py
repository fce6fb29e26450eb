"""Structured logs: request and conversation ids on every record, personal data masked.

`RequestIdMiddleware` takes `X-Request-ID` from the load balancer (or makes one), keeps it in a
context variable for the rest of the request and echoes it back as a response header, so a
customer complaint, an nginx line and our JSON lines can be joined. Code that knows which
conversation it works on calls `bind_conversation(id)` (or passes `extra={"conversation_id":
...}`); Celery tasks get the task id as request id and their `conversation_id` argument bound.

`ContextFilter` masks PII in the message (apps.core.pii, the same masks as the chat log), and
`JsonFormatter` writes one JSON object per line (AICC_LOG_FORMAT=json); `logging_config` wires
them into settings.LOGGING.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from celery.signals import task_postrun, task_prerun

from apps.core.pii import mask_pii

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse
    from sentry_sdk.types import Event, Hint

REQUEST_ID_HEADER = "X-Request-ID"
# A client-supplied id is echoed into logs and headers: accept only a short, plain token.
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

request_id_var: ContextVar[str | None] = ContextVar("aicc_request_id", default=None)
conversation_id_var: ContextVar[int | str | None] = ContextVar("aicc_conversation_id", default=None)

# Attributes every LogRecord has; anything else on a record came in through `extra=`.
_RECORD_FIELDS = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
# `request` (django.request, django.security) is an object, not data for a log line.
_SKIPPED_FIELDS = frozenset({"request_id", "conversation_id", "request"})


def new_request_id() -> str:
    return uuid.uuid4().hex


def bind_conversation(conversation_id: int | str | None) -> None:
    """Tag the rest of this request's (or task's) log lines with the conversation."""
    conversation_id_var.set(conversation_id)


@contextmanager
def log_context(
    *, request_id: str | None = None, conversation_id: int | str | None = None
) -> Iterator[None]:
    tokens = (request_id_var.set(request_id), conversation_id_var.set(conversation_id))
    try:
        yield
    finally:
        conversation_id_var.reset(tokens[1])
        request_id_var.reset(tokens[0])


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = incoming if _SAFE_ID.match(incoming) else new_request_id()
        request.request_id = request_id  # type: ignore[attr-defined]
        with log_context(request_id=request_id):
            response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        return response

    def process_view(
        self, request: HttpRequest, view: Callable, args: tuple, kwargs: dict[str, Any]
    ) -> None:
        # Desk routes name their conversation: /desk/c/<pk>/..., /desk/board/c/<pk>/...
        match = request.resolver_match
        conversation_id = kwargs.get("conversation_id")
        if match is not None and match.namespace == "desk" and "c/<int:pk>" in match.route:
            conversation_id = kwargs.get("pk")
        if conversation_id is not None:
            request.conversation_id = conversation_id  # type: ignore[attr-defined]
            bind_conversation(conversation_id)


class ContextFilter(logging.Filter):
    """Add request_id / conversation_id to the record and mask PII in its message."""

    def filter(self, record: logging.LogRecord) -> bool:
        # django.request logs 4xx/5xx after the middleware returned; it passes the request.
        request = getattr(record, "request", None)
        if getattr(record, "request_id", None) is None:
            record.request_id = getattr(request, "request_id", None) or request_id_var.get() or "-"
        if getattr(record, "conversation_id", None) is None:
            record.conversation_id = conversation_id_var.get() or getattr(
                request, "conversation_id", None
            )
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a broken %-format must not lose the line
            message = str(record.msg)
        record.msg, record.args = mask_pii(message), ()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": mask_pii(record.getMessage()),
            "request_id": getattr(record, "request_id", None) or request_id_var.get(),
            "conversation_id": getattr(record, "conversation_id", None)
            or conversation_id_var.get(),
        }
        for key, value in vars(record).items():
            if key not in _RECORD_FIELDS and key not in _SKIPPED_FIELDS:
                payload[key] = mask_pii(value) if isinstance(value, str) else value
        if record.exc_info:
            payload["exception"] = mask_pii(self.formatException(record.exc_info))
        return json.dumps(payload, ensure_ascii=False, default=str)


def _mask_deep(value: Any) -> Any:
    if isinstance(value, str):
        return mask_pii(value)
    if isinstance(value, dict):
        return {key: _mask_deep(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_mask_deep(item) for item in value]
    return value


def sentry_before_send(event: Event, hint: Hint) -> Event:
    """Mask every string of a Sentry event: messages, exception values, breadcrumbs, locals."""
    return _mask_deep(event)


def init_sentry(
    *, dsn: str, environment: str, release: str | None, traces_sample_rate: float
) -> None:
    """Report errors to Sentry (settings, when SENTRY_DSN is set).

    Events carry no default PII and pass the same masking as the log lines.
    """
    import sentry_sdk

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release,
        send_default_pii=False,
        before_send=sentry_before_send,
        traces_sample_rate=traces_sample_rate,
    )


def logging_config(*, level: str, log_format: str) -> dict[str, Any]:
    """settings.LOGGING: one line per record on stderr, a JSON object when log_format is "json".

    The JSON lines carry request_id and conversation_id, ready for CloudWatch Logs (awslogs
    driver or the CloudWatch agent). Personal data is masked in both formats (ContextFilter).
    """
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": "aicc.logging.ContextFilter"}},
        "formatters": {
            "json": {"()": "aicc.logging.JsonFormatter"},
            "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "filters": ["context"],
                "formatter": "json" if log_format == "json" else "text",
            }
        },
        "root": {"handlers": ["console"], "level": level},
        # axes logs its banner and every failed login at INFO; the lockout itself is a WARNING.
        "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
    }


# Celery: the task id is the request id of everything a task logs (settings.py imports this
# module for LOGGING, so every process that loads the settings has the receivers connected).
_task_tokens: dict[str, tuple] = {}


@task_prerun.connect(weak=False)
def _task_started(task_id: str = "", kwargs: dict | None = None, **_: Any) -> None:
    # Tokens, not plain resets: an eager task (tests, `runserver`) runs inside a request whose
    # ids must come back afterwards.
    _task_tokens[task_id] = (
        request_id_var.set(task_id),
        conversation_id_var.set((kwargs or {}).get("conversation_id")),
    )


@task_postrun.connect(weak=False)
def _task_finished(task_id: str = "", **_: Any) -> None:
    tokens = _task_tokens.pop(task_id, None)
    if tokens is not None:
        conversation_id_var.reset(tokens[1])
        request_id_var.reset(tokens[0])
