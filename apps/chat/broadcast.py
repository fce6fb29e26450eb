"""The only module that calls `channel_layer.group_send` (STYLE §9, DESIGN §6).

Groups: `conv-<id>` (customer + assigned agent + silent supervisors), `queue-<id>` (waiting list:
agents of the queue and the customers waiting in it), `agent-<id>`, `board` (supervisors).
Event `type`s map to consumer handlers in apps/chat/consumers/ (`chat.message` → chat_message).

Callers run after commit (apps/chat/events.py), so a failed send never undoes a stored message:
clients resync from history?after_seq= when they reconnect.

Sync code run by a websocket consumer sends nothing itself: inside `deferred()` the sends are
collected and the consumer awaits `flush()` on the event loop once the database thread is free.
Sending from that thread (async_to_sync) would park it on Redis round trips, two per message,
while every other socket's database work waits behind it (issue 5 benchmark).
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from channels.layers import get_channel_layer

from apps.chat.layer_send import group_send_many_sync, group_send_sync

logger = logging.getLogger(__name__)

Outbox = list[tuple[str, dict[str, Any]]]
_outbox: ContextVar[Outbox | None] = ContextVar("broadcast_outbox", default=None)

# Below the channel layer's Redis pool (settings CHANNEL_LAYERS max_connections, 1,000).
LAYER_CONCURRENCY = 200
_gates: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary()
)

BOARD = "board"


def conv_group(conversation_id: int) -> str:
    return f"conv-{conversation_id}"


def queue_group(queue_id: int) -> str:
    return f"queue-{queue_id}"


def agent_group(agent_id: int) -> str:
    return f"agent-{agent_id}"


@contextmanager
def deferred() -> Iterator[Outbox]:
    """Collect the sends made in this block (in order) instead of sending them; see flush()."""
    outbox: Outbox = []
    token = _outbox.set(outbox)
    try:
        yield outbox
    finally:
        _outbox.reset(token)


async def flush(outbox: Outbox) -> None:
    """Send what `deferred()` collected, in the order it was sent (from the event loop)."""
    for group, event in outbox:
        await asend(group, event)


def _gate() -> asyncio.Semaphore:
    """This event loop's cap on concurrent channel-layer calls from consumers.

    redis-py's pool raises MaxConnectionsError instead of waiting once every connection is
    out: a reconnect storm (thousands of group_discard + group_add at once) exhausted 1,000
    connections and failed handshakes. Waiting here keeps well below the pool size.
    """
    loop = asyncio.get_running_loop()
    gate = _gates.get(loop)
    if gate is None:
        gate = _gates[loop] = asyncio.Semaphore(LAYER_CONCURRENCY)
    return gate


async def group_add(group: str, channel_name: str) -> None:
    layer = get_channel_layer()
    async with _gate():
        await layer.group_add(group, channel_name)


async def group_discard(group: str, channel_name: str) -> None:
    layer = get_channel_layer()
    async with _gate():
        await layer.group_discard(group, channel_name)


async def asend(group: str, event: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async with _gate():
            await layer.group_send(group, event)
    except Exception:
        # Redis down or a full channel: the row is stored, clients resync on reconnect.
        logger.exception("broadcast to %s failed", group)


def send(group: str, event: dict[str, Any]) -> None:
    outbox = _outbox.get()
    if outbox is not None:
        outbox.append((group, event))
        return
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        group_send_sync(layer, group, event)
    except Exception:
        # Redis down or a full channel: the row is stored, clients resync on reconnect.
        logger.exception("broadcast to %s failed", group)


def send_many(outbox: Outbox) -> None:
    """Send what `deferred()` collected from sync code, together (one Redis round trip)."""
    layer = get_channel_layer()
    if layer is None or not outbox:
        return
    try:
        group_send_many_sync(layer, outbox)
    except Exception:
        logger.exception("broadcast of %d events failed", len(outbox))


@contextmanager
def batched() -> Iterator[None]:
    """Sync code: hold this block's sends and send them together when it ends.

    A chat turn broadcasts the customer's message and the bot's reply after its commit; sent
    one by one that was two Redis round trips per turn. Inside an outer `deferred()` (a
    consumer's database thread) the outer block keeps collecting instead.
    """
    if _outbox.get() is not None:
        yield
        return
    with deferred() as outbox:
        try:
            yield
        finally:
            send_many(list(outbox))


def message(conversation_id: int, agent_id: int | None, data: dict[str, Any]) -> None:
    send(conv_group(conversation_id), {"type": "chat.message", "message": data})
    if agent_id is not None and data["sender"] == "customer":
        # The desk marks chats with unread customer messages (static/js/desk.js reads only
        # those); the agent's own replies, bot and system lines would be a wasted Redis send.
        send(
            agent_group(agent_id),
            {"type": "conv.activity", "conversation": conversation_id, "sender": data["sender"]},
        )


def conversation_state(data: dict[str, Any]) -> None:
    send(conv_group(data["id"]), {"type": "conv.state", "conversation": data})


def queue_changed(queue_id: int, waiting: list[int], asa_seconds: int) -> None:
    send(
        queue_group(queue_id),
        {
            "type": "queue.changed",
            "queue_id": queue_id,
            "waiting": waiting,
            "asa_seconds": asa_seconds,
        },
    )


def agent_changed(agent_id: int, reason: str) -> None:
    send(agent_group(agent_id), {"type": "agent.changed", "agent_id": agent_id, "reason": reason})
    if reason == "released":
        # State changes other than AVAILABLE reach only this path; the board counts agents too.
        board_changed("agent")


def conversation_taken(agent_id: int, conversation_id: int, by: str) -> None:
    """Tell an agent's desk that a supervisor took one of their chats (the board's take-over)."""
    send(
        agent_group(agent_id),
        {"type": "conv.taken", "conversation": conversation_id, "by": by},
    )


def board_changed(reason: str) -> None:
    """Something the board shows changed: a throttled fresh snapshot goes to supervisors."""
    from apps.desk.board import board_publish  # desk imports chat; late import avoids a cycle

    board_publish(reason)


def board_snapshot(reason: str, snapshot: dict[str, Any]) -> None:
    send(BOARD, {"type": "board.snapshot", "reason": reason, "snapshot": snapshot})
