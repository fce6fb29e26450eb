"""Fixed-window throttles on the cache: per channel key and per chat session.

A counter per window (`cache.incr`, atomic on Redis) instead of DRF's history lists, which cost a
read and a full rewrite per request; one round trip for both checks (see `_hit`). When the cache is
down, requests are allowed: throttling degrades, chat keeps answering (DESIGN §4).
"""

from __future__ import annotations

import hashlib
import logging
import time
import weakref
from typing import Any

import redis
from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

logger = logging.getLogger(__name__)


_clients: weakref.WeakKeyDictionary[object, redis.Redis] = weakref.WeakKeyDictionary()


def _client(backend: RedisCache) -> redis.Redis:
    """A redis-py client on the cache's write pool, made once per pool.

    Django's RedisCache builds a new client for every operation, and a redis-py client sets up
    ~170 response callbacks when it is made: half a millisecond of CPU per chat turn (cProfile).
    Clients are thread-safe; the pool stays Django's.
    """
    cache_client: Any = backend._cache  # Django's RedisCacheClient; its stubs omit these
    pool = cache_client._get_connection_pool(write=True)
    client = _clients.get(pool)
    if client is None:
        client = _clients[pool] = cache_client._client(connection_pool=pool)
    return client


def _hit(windows: list[tuple[str, int]]) -> list[int]:
    """Count one request in each (key, timeout) window: one cache round trip on Redis."""
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        # Django's RedisCache.incr checks EXISTS first (two round trips, plus the add): one
        # pipeline of INCR + EXPIRE per window does them all at once. Integers are stored raw,
        # so cache.get agrees. Keys of one request hash to one client (a single Redis here).
        full_keys = [backend.make_and_validate_key(key) for key, _ in windows]
        pipeline = _client(backend).pipeline(transaction=False)
        for full_key, (_, timeout) in zip(full_keys, windows, strict=True):
            pipeline.incr(full_key)
            pipeline.expire(full_key, timeout)
        return [int(count) for count in pipeline.execute()[::2]]
    return [_hit_one(key, timeout) for key, timeout in windows]


def _hit_one(key: str, timeout: int) -> int:
    try:
        return cache.incr(key)
    except ValueError:  # first request of the window
        if cache.add(key, 1, timeout=timeout):
            return 1
        return cache.incr(key)  # another request created it in between


class ChannelThrottle(BaseThrottle):
    """Per channel key and per chat session (AICC_THROTTLE_RATES), counted together.

    One class, not one per scope: DRF runs each throttle class on its own, which cost a Redis
    round trip each, and the throttles were a fifth of a chat turn's time (bench/chat_load.py).
    """

    def __init__(self) -> None:
        self._wait = 0.0

    def allow_request(self, request: Request, view: APIView) -> bool:
        now = time.time()
        windows = []
        for scope, ident in self.idents(request, view):
            limit, period = (int(value) for value in settings.AICC_THROTTLE_RATES[scope])
            window = int(now // period)
            key = f"throttle:{scope}:{ident}:{window}"
            windows.append((key, period + 1, limit, (window + 1) * period - now))
        if not windows:
            return True
        try:
            counts = _hit([(key, timeout) for key, timeout, _, _ in windows])
        except Exception:  # noqa: BLE001  cache down: degrade, do not fail the chat
            logger.warning("throttle cache unavailable; allowing request", exc_info=True)
            return True
        waits = [
            wait
            for (_, _, limit, wait), count in zip(windows, counts, strict=True)
            if count > limit
        ]
        self._wait = max(waits, default=0.0)
        return not waits

    def wait(self) -> float:
        return max(self._wait, 1.0)

    @staticmethod
    def idents(request: Request, view: APIView) -> list[tuple[str, str]]:
        if request.auth is None:
            return []
        idents = [("channel_key", str(request.auth.pk))]
        data = request.data if isinstance(request.data, dict) else {}
        session = data.get("session_id") or view.kwargs.get("session_id")
        user_id = data.get("user_id") or request.query_params.get("user_id")
        if session or user_id:
            # Hashed: the value is client input and must not shape the cache key.
            raw = f"{request.auth.pk}:{session or user_id}"
            idents.append(("session", hashlib.sha256(raw.encode()).hexdigest()[:24]))
        return idents
