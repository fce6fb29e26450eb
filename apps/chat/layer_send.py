"""Group sends from synchronous code (HTTP requests, Celery tasks) without an event loop.

`async_to_sync(layer.group_send)` from a thread with no loop starts a new thread and a new event
loop for every call, and the Redis pub/sub layer opens a new Redis connection per loop: about a
tenth of a chat turn's server time went there (bench/chat_load.py, py-spy). Here:
- the Redis pub/sub layer gets one PUBLISH on a pooled, thread-safe redis-py connection, in the
  layer's own wire format (same channel name, same serializer), so consumers cannot tell;
- the in-memory layer (one process, dev and tests) is skipped when nobody in this process
  listens to the group, which is every HTTP worker of a split deployment;
- any other layer still goes through async_to_sync.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import redis
from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer
from channels_redis.pubsub import RedisPubSubChannelLayer
from channels_redis.utils import _consistent_hash, decode_hosts

# After a failed publish, skip Redis for this long: a dead Redis would otherwise cost every chat
# turn a connect timeout per broadcast (clients resync from history when they reconnect).
BREAKER_SECONDS = 5.0


class _Publisher:
    """Synchronous PUBLISH for one RedisPubSubChannelLayer configuration."""

    def __init__(self, layer: RedisPubSubChannelLayer) -> None:
        config = dict(layer._kwargs)  # the layer's CONFIG, as channels_redis reads it
        self.layer = layer
        self.prefix = config.get("prefix", "asgi")
        self.clients = [self._client(host) for host in decode_hosts(config.get("hosts"))]
        self.open_after = 0.0

    @staticmethod
    def _client(host: dict[str, Any]) -> redis.Redis:
        host = dict(host)
        if "address" in host:
            return redis.Redis(
                connection_pool=redis.ConnectionPool.from_url(host.pop("address"), **host)
            )
        return redis.Redis(**host)

    def publish(self, group: str, event: dict[str, Any]) -> None:
        if time.monotonic() < self.open_after:
            raise ConnectionError("Redis publishing paused after a failure")
        # channels_redis RedisPubSubLoopLayer._get_group_channel_name and _get_shard.
        channel = f"{self.prefix}__group__{group}"
        client = self.clients[_consistent_hash(channel, len(self.clients))]
        try:
            client.publish(channel, self.layer.serialize(event))
        except redis.RedisError:
            self.open_after = time.monotonic() + BREAKER_SECONDS
            raise

    def publish_many(self, events: list[tuple[str, dict[str, Any]]]) -> None:
        """PUBLISH each (group, event) in order, one pipeline per Redis host."""
        if len(self.clients) > 1:
            for group, event in events:
                self.publish(group, event)
            return
        if time.monotonic() < self.open_after:
            raise ConnectionError("Redis publishing paused after a failure")
        pipeline = self.clients[0].pipeline(transaction=False)
        for group, event in events:
            pipeline.publish(f"{self.prefix}__group__{group}", self.layer.serialize(event))
        try:
            pipeline.execute()
        except redis.RedisError:
            self.open_after = time.monotonic() + BREAKER_SECONDS
            raise


_publishers: dict[int, _Publisher] = {}
_lock = threading.Lock()


def _publisher(layer: RedisPubSubChannelLayer) -> _Publisher:
    publisher = _publishers.get(id(layer))
    if publisher is None or publisher.layer is not layer:
        with _lock:
            publisher = _publishers[id(layer)] = _Publisher(layer)
    return publisher


def group_send_many_sync(layer: Any, events: list[tuple[str, dict[str, Any]]]) -> None:
    """Send each (group, event) in order from sync code; on Redis in one round trip."""
    if isinstance(layer, RedisPubSubChannelLayer):
        _publisher(layer).publish_many(events)
    else:
        for group, event in events:
            group_send_sync(layer, group, event)


def group_send_sync(layer: Any, group: str, event: dict[str, Any]) -> None:
    """Send `event` to `group` from sync code; raises what the layer raises."""
    if isinstance(layer, RedisPubSubChannelLayer):
        _publisher(layer).publish(group, event)
    elif isinstance(layer, InMemoryChannelLayer):
        if group in layer.groups:
            async_to_sync(layer.group_send)(group, event)
    else:
        async_to_sync(layer.group_send)(group, event)
