"""Fixed-window throttles on the cache: per channel key and per chat session.

A counter per window (`cache.incr`, atomic on Redis) instead of DRF's history lists, which cost a
read and a full rewrite per request; one round trip per check (see `_hit`). When the cache is
down, requests are allowed: throttling degrades, chat keeps answering (DESIGN §4).
"""

from __future__ import annotations

import hashlib
import logging
import time

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

logger = logging.getLogger(__name__)


def _hit(key: str, timeout: int) -> int:
    """Count one request in the window: one cache round trip on the common path."""
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        # Django's RedisCache.incr checks EXISTS first (two round trips, plus the add): one
        # pipelined INCR + EXPIRE does it in one. Integers are stored raw, so cache.get agrees.
        full_key = backend.make_and_validate_key(key)
        client = backend._cache.get_client(full_key, write=True)
        count, _ = (
            client.pipeline(transaction=False).incr(full_key).expire(full_key, timeout).execute()
        )
        return int(count)
    try:
        return cache.incr(key)
    except ValueError:  # first request of the window
        if cache.add(key, 1, timeout=timeout):
            return 1
        return cache.incr(key)  # another request created it in between


class FixedWindowThrottle(BaseThrottle):
    scope = ""

    def __init__(self) -> None:
        count, period = settings.AICC_THROTTLE_RATES[self.scope]
        self.limit, self.period = int(count), int(period)
        self._wait = 0.0

    def ident(self, request: Request, view: APIView) -> str | None:
        raise NotImplementedError

    def allow_request(self, request: Request, view: APIView) -> bool:
        ident = self.ident(request, view)
        if ident is None:
            return True
        now = time.time()
        window = int(now // self.period)
        key = f"throttle:{self.scope}:{ident}:{window}"
        try:
            count = _hit(key, self.period + 1)
        except Exception:  # noqa: BLE001  cache down: degrade, do not fail the chat
            logger.warning("throttle cache unavailable; allowing request", exc_info=True)
            return True
        if count > self.limit:
            self._wait = (window + 1) * self.period - now
            return False
        return True

    def wait(self) -> float:
        return max(self._wait, 1.0)


class ChannelKeyThrottle(FixedWindowThrottle):
    scope = "channel_key"

    def ident(self, request: Request, view: APIView) -> str | None:
        return str(request.auth.pk) if request.auth is not None else None


class SessionThrottle(FixedWindowThrottle):
    scope = "session"

    def ident(self, request: Request, view: APIView) -> str | None:
        data = request.data if isinstance(request.data, dict) else {}
        session = data.get("session_id") or view.kwargs.get("session_id")
        user_id = data.get("user_id") or request.query_params.get("user_id")
        if not session and not user_id:
            return None
        # Hashed: the value is client input and must not shape the cache key.
        raw = f"{request.auth.pk if request.auth else '-'}:{session or user_id}"
        return hashlib.sha256(raw.encode()).hexdigest()[:24]
