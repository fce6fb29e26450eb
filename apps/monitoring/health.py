"""Health checks behind GET /api/monitoring/health.

Each check returns "ok", "degraded" or "down". The database is critical (the portal cannot work
without it); every other part degrades the service: chat still answers without Redis or Lex.
Other apps add their checks with `register()` (the NLU circuit breaker does).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import cache
from django.db import connection

OK, DEGRADED, DOWN = "ok", "degraded", "down"
CRITICAL = {"db"}

_registry: dict[str, Callable[[], str]] = {}


def register(name: str, check: Callable[[], str]) -> None:
    _registry[name] = check


def check_db() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return OK


def check_cache() -> str:
    key = f"health:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=5)
    ok = cache.get(key) == "1"
    cache.delete(key)
    return OK if ok else DOWN


def check_channel_layer() -> str:
    layer = get_channel_layer()
    if layer is None:
        return DOWN

    async def roundtrip() -> bool:
        channel = await layer.new_channel()
        await asyncio.wait_for(layer.send(channel, {"type": "health.ping"}), timeout=1)
        message = await asyncio.wait_for(layer.receive(channel), timeout=1)
        return message.get("type") == "health.ping"

    return OK if async_to_sync(roundtrip)() else DOWN


def check_broker() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return OK  # no broker configured: tasks run inline
    from aicc.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=1)
    return OK


def check_connect() -> str:
    return OK


def check_nlu() -> str:
    return OK


BUILTIN: dict[str, Callable[[], str]] = {
    "db": check_db,
    "cache": check_cache,
    "channel_layer": check_channel_layer,
    "broker": check_broker,
    "nlu": check_nlu,
    "connect": check_connect,
}


def _run(check: Callable[[], str]) -> str:
    try:
        return check()
    except Exception:  # noqa: BLE001  a failing dependency is a result here, not an error
        return DOWN


def run_checks() -> tuple[str, dict[str, str]]:
    checks = {name: _run(fn) for name, fn in {**BUILTIN, **_registry}.items()}
    if any(checks[name] == DOWN for name in CRITICAL):
        return DOWN, checks
    if any(result != OK for result in checks.values()):
        return DEGRADED, checks
    return OK, checks
