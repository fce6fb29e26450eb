"""The agent's and supervisor's desk socket: own agent and queue groups, and joined conversations.

A desk follows several conversations at once (a real desk shows all "my chats" live). Each
`join` is checked against the database once (`can_view`) and remembered in `joined`; the memory
shrinks when a conv.state or conv.taken event says the chat is no longer this agent's, so
sending needs no permission query of its own (`conversation_reply` re-checks the assignment in
the UPDATE that stores the message anyway). `send` goes to the frame's `conversation`, or to
the last one joined (static/js/desk.js joins one with ?conversation= and sends without it).
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from apps.chat import broadcast
from apps.chat.consumers.base import LoopOnly, db, deferred, query
from apps.chat.models import ConversationState
from apps.core.exceptions import ApplicationError

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from apps.chat.models import Message
    from apps.desk.selectors import Viewer

# Enough for any agent's chats and a supervisor's screen; each one is a group subscription.
MAX_JOINED = 500


@cache
def _reply() -> Callable[..., Awaitable[tuple[Message, broadcast.Outbox]]]:
    """`conversation_reply` wrapped once for the event loop (a wrapper per frame costs CPU)."""
    from apps.desk.services import conversation_reply

    return db(deferred(conversation_reply))


def _conversation_id(raw: object) -> int | None:
    try:
        return int(raw)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None


class DeskConsumer(LoopOnly, AsyncJsonWebsocketConsumer):
    """An agent's or supervisor's desk; see the module docstring for joining and sending."""

    async def connect(self) -> None:
        from apps.desk.selectors import desk_viewer

        viewer = await db(desk_viewer)(self.scope["user"])
        if viewer is None:
            code = 4401 if not self.scope["user"].is_authenticated else 4403
            await self.close(code=code)
            return
        self.viewer: Viewer = viewer
        # The chats this desk follows, each checked once; `current` takes sends that name none.
        self.joined: set[int] = set()
        self.current: int | None = None
        conversation_id = None
        conversation = query(self.scope).get("conversation", "")
        if conversation:
            conversation_id = _conversation_id(conversation)
            if conversation_id is None or not await self._follow(conversation_id):
                await self.close(code=4403)
                return
        await self.accept()
        groups = [broadcast.queue_group(q) for q in self.viewer.queue_ids]
        if self.viewer.agent_id:
            groups.append(broadcast.agent_group(self.viewer.agent_id))
        if self.viewer.is_supervisor:
            groups.append(broadcast.BOARD)
        self.fixed_groups = groups
        for group in groups:
            await broadcast.group_add(group, self.channel_name)
        if conversation_id is not None:
            await self._joined(conversation_id)

    async def disconnect(self, code: int) -> None:
        for group in getattr(self, "fixed_groups", []):
            await broadcast.group_discard(group, self.channel_name)
        for conversation_id in list(getattr(self, "joined", ())):
            await broadcast.group_discard(broadcast.conv_group(conversation_id), self.channel_name)

    async def _may_view(self, conversation_id: int) -> bool:
        from apps.desk.selectors import can_view

        return await db(can_view)(self.viewer, conversation_id)

    def _still_visible(self, data: dict[str, Any]) -> bool:
        """`can_view` (apps/desk/selectors.py) decided from a conv.state event, without a query."""
        if self.viewer.is_supervisor:
            return True
        if data["agent_id"] is not None and data["agent_id"] == self.viewer.agent_id:
            return True
        queued = data["state"] == ConversationState.QUEUED
        return queued and data["queue_id"] in self.viewer.queue_ids

    async def _follow(self, conversation_id: int) -> bool:
        """Listen to a conversation's group if this desk may see it; False when it may not.

        The group is joined before the permission check: a transfer committed after the check
        still reaches this socket as conv.state and revokes the join. Events of a conversation
        not (yet) in `joined` are dropped, so nothing leaks while the check runs.
        """
        if conversation_id in self.joined:
            return True  # checked when it was joined; conv.state/conv.taken keep it current
        group = broadcast.conv_group(conversation_id)
        await broadcast.group_add(group, self.channel_name)
        if not await self._may_view(conversation_id):
            await broadcast.group_discard(group, self.channel_name)
            return False
        self.joined.add(conversation_id)
        return True

    async def _joined(self, conversation_id: int) -> None:
        self.current = conversation_id
        await self.send_json({"type": "joined", "conversation": conversation_id})

    async def _leave(self, conversation_id: int) -> None:
        if conversation_id in self.joined:
            self.joined.discard(conversation_id)
            await broadcast.group_discard(broadcast.conv_group(conversation_id), self.channel_name)
        if self.current == conversation_id:
            self.current = None

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "ping":
            await self.send_json({"type": "pong"})
        elif kind == "join":
            await self._join(content.get("conversation"))
        elif kind == "send":
            await self._send_message(content)
        else:
            await self.send_json({"type": "error", "code": "bad_frame"})

    async def _join(self, raw_id: object) -> None:
        conversation_id = _conversation_id(raw_id)
        if conversation_id not in self.joined and len(self.joined) >= MAX_JOINED:
            await self.send_json(
                {"type": "error", "code": "too_many_joined", "conversation": conversation_id}
            )
        elif conversation_id is None or not await self._follow(conversation_id):
            await self.close(code=4403)
        else:
            await self._joined(conversation_id)

    async def _send_message(self, content: dict[str, Any]) -> None:
        target = content.get("conversation", self.current)
        conversation_id = _conversation_id(target)
        if self.viewer.agent is None or conversation_id not in self.joined:
            await self.send_json(
                {"type": "error", "code": "not_allowed", "client_id": content.get("client_id")}
            )
            return
        try:
            message, outbox = await _reply()(
                agent=self.viewer.agent,
                conversation_id=conversation_id,
                text=content.get("text", ""),
                client_message_id=str(content.get("client_id") or "")[:64] or None,
            )
        except ApplicationError as exc:
            await self.send_json(
                {
                    "type": "error",
                    "code": exc.code,
                    "message": exc.message,
                    "client_id": content.get("client_id"),
                }
            )
            return
        await broadcast.flush(outbox)
        await self.send_json(
            {
                "type": "sent",
                "client_id": content.get("client_id"),
                "conversation": conversation_id,
                "seq": message.seq,
            }
        )

    # Group events -------------------------------------------------------------------------

    async def chat_message(self, event: dict[str, Any]) -> None:
        if event["message"]["conversation"] not in self.joined:
            return  # joined while its permission check ran, and refused
        await self.send_json({"type": "message", "message": event["message"]})

    async def conv_state(self, event: dict[str, Any]) -> None:
        data = event["conversation"]
        if data["id"] not in self.joined:
            return
        if not self._still_visible(data):
            # Transferred to someone else, or left the queue: this desk stops listening.
            await self._leave(data["id"])
        await self.send_json({"type": "state", "conversation": data})

    async def conv_activity(self, event: dict[str, Any]) -> None:
        await self.send_json(
            {"type": "activity", "conversation": event["conversation"], "sender": event["sender"]}
        )

    async def queue_changed(self, event: dict[str, Any]) -> None:
        await self.send_json(
            {"type": "queue", "queue_id": event["queue_id"], "waiting": len(event["waiting"])}
        )

    async def agent_changed(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "agent", "reason": event["reason"]})

    async def board_changed(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "board", "reason": event["reason"]})

    async def board_snapshot(self, event: dict[str, Any]) -> None:
        # Only supervisors are in the `board` group; the snapshot is JSON-safe (reports.live).
        await self.send_json(
            {"type": "board", "reason": event["reason"], "snapshot": event["snapshot"]}
        )

    async def conv_taken(self, event: dict[str, Any]) -> None:
        if not self.viewer.is_supervisor:
            await self._leave(event["conversation"])  # a supervisor took it: no longer mine
        await self.send_json(
            {"type": "taken", "conversation": event["conversation"], "by": event["by"]}
        )
