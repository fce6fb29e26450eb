"""The only module that calls `channel_layer.group_send` (STYLE §9, DESIGN §6).

Groups: `conv-<id>` (customer + assigned agent + silent supervisors), `queue-<id>` (waiting list:
agents of the queue and the customers waiting in it), `agent-<id>`, `board` (supervisors).
Event `type`s map to consumer handlers in apps/chat/consumers.py (`chat.message` → chat_message).

Callers run after commit (apps/chat/events.py), so a failed send never undoes a stored message:
clients resync from history?after_seq= when they reconnect.
"""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

logger = logging.getLogger(__name__)

BOARD = "board"


def conv_group(conversation_id: int) -> str:
    return f"conv-{conversation_id}"


def queue_group(queue_id: int) -> str:
    return f"queue-{queue_id}"


def agent_group(agent_id: int) -> str:
    return f"agent-{agent_id}"


def send(group: str, event: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, event)
    except Exception:
        # Redis down or a full channel: the row is stored, clients resync on reconnect.
        logger.exception("broadcast to %s failed", group)


def message(conversation_id: int, agent_id: int | None, data: dict[str, Any]) -> None:
    send(conv_group(conversation_id), {"type": "chat.message", "message": data})
    if agent_id is not None:
        # The desk shows unread marks for chats that are not open on screen.
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


def board_changed(reason: str) -> None:
    send(BOARD, {"type": "board.changed", "reason": reason})
