"""The one place that calls `boto3.client(...)` (STYLE.md §5).

Clients are thread-safe and expensive to build (endpoint resolution, model loading), so each
service gets one per process. Timeouts are per service: a chat turn waits on Lex synchronously,
so its budget is small and it never retries — the caller falls back to the local NLU instead.
"""

from __future__ import annotations

import functools
from typing import Any

import boto3
from botocore.config import Config
from django.conf import settings

# Lex sits on the chat hot path: the whole call must fit in the customer's patience.
LEX_MAX_TIMEOUT_SECONDS = 2.0
DEFAULT_CONNECT_TIMEOUT_SECONDS = 3.0
DEFAULT_READ_TIMEOUT_SECONDS = 10.0
# Background jobs (Connect sync, S3) may retry a little; Celery retries the rest.
DEFAULT_MAX_RETRIES = 2


def _lex_timeout() -> float:
    return min(float(settings.NLU_LEX_TIMEOUT_SECONDS), LEX_MAX_TIMEOUT_SECONDS)


def client_config(service: str) -> Config:
    """botocore config for `service`; `max_attempts` counts retries after the first try."""
    if service == "lexv2-runtime":
        timeout = _lex_timeout()
        return Config(
            region_name=settings.AWS_REGION,
            connect_timeout=timeout,
            read_timeout=timeout,
            retries={"max_attempts": 0, "mode": "standard"},
        )
    return Config(
        region_name=settings.AWS_REGION,
        connect_timeout=DEFAULT_CONNECT_TIMEOUT_SECONDS,
        read_timeout=DEFAULT_READ_TIMEOUT_SECONDS,
        retries={"max_attempts": DEFAULT_MAX_RETRIES, "mode": "standard"},
    )


@functools.lru_cache(maxsize=32)  # a handful of services; bounded anyway
def client(service: str) -> Any:
    """A cached boto3 client; `client.cache_clear()` after changing settings in tests."""
    return boto3.client(service, config=client_config(service))
