"""A token bucket shared by every worker through Django's cache (Redis in production).

Connect allows 2 requests/s per account by default; with several Celery workers each must take
its tokens from the same bucket. The bucket state is read and written under a short lock made
with `cache.add` (atomic on Redis and locmem), so the cache needs no scripting support.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.core.cache import cache

from apps.integrations.aws.errors import IntegrationError

LOCK_TTL_SECONDS = 2  # a worker killed inside the lock frees it after this long
LOCK_SPIN_SECONDS = 0.01


class TokenBucket:
    def __init__(
        self,
        name: str,
        *,
        rate: float,
        capacity: float,
        max_wait: float = 30.0,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.name = name
        self.rate = rate
        self.capacity = capacity
        self.max_wait = max_wait
        self._clock = clock
        self._sleep = sleep

    @property
    def _state_key(self) -> str:
        return f"ratelimit:{self.name}:state"

    @property
    def _lock_key(self) -> str:
        return f"ratelimit:{self.name}:lock"

    def _take(self) -> float:
        """Take one token if there is one; otherwise return the seconds until there is."""
        while not cache.add(self._lock_key, 1, LOCK_TTL_SECONDS):
            self._sleep(LOCK_SPIN_SECONDS)
        try:
            now = self._clock()
            tokens, stamp = cache.get(self._state_key) or (self.capacity, now)
            tokens = min(self.capacity, tokens + (now - stamp) * self.rate)
            wait = 0.0 if tokens >= 1 else (1 - tokens) / self.rate
            if wait == 0.0:
                tokens -= 1
            cache.set(self._state_key, (tokens, now), timeout=60)
            return wait
        finally:
            cache.delete(self._lock_key)

    def acquire(self) -> None:
        """Block until a token is ours; give up (retryable) after `max_wait` seconds."""
        deadline = self._clock() + self.max_wait
        while (wait := self._take()) > 0:
            if self._clock() + wait > deadline:
                raise IntegrationError(
                    f"rate limit {self.name}: no token within {self.max_wait}s",
                    retryable=True,
                    code="LocalRateLimit",
                )
            self._sleep(wait)


def connect_bucket() -> TokenBucket:
    from django.conf import settings

    rate = float(getattr(settings, "CONNECT_REQUESTS_PER_SECOND", 2.0))
    return TokenBucket("connect", rate=rate, capacity=rate)
