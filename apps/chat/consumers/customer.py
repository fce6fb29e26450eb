"""The customer's web chat socket: one conversation, live agent replies and queue position."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from apps.chat import broadcast
from apps.chat.consumers.base import LoopOnly, db, deferred, header, query
from apps.chat.models import ChannelKey, Conversation, ConversationState
from apps.core.exceptions import ApplicationError

AUTH_TIMEOUT_SECONDS = 10
CUSTOMER_FIELDS = (
    "seq",
    "sender",
    "text",
    "next_action",
    "quick_replies",
    "ask_csat",
    "agent_name",
    "created_at",
)


@dataclass(slots=True)
class CustomerChat:
    """What a customer socket keeps of its conversation: ids and the join-time state.

    Not the model instance: at 10,000 sockets per process every object per socket counts
    (issue 5 memory target), and these few fields are all the socket uses.
    """

    pk: int
    channel_key: ChannelKey
    user_id: str
    session_id: str
    state: str
    queue_id: int | None
    last_seq: int


def _customer_conversation(raw_key: str, user_id: str, session_id: str) -> CustomerChat | None:
    key = ChannelKey.lookup(raw_key) if raw_key else None
    if key is None or not user_id or not session_id:
        return None
    try:
        row = (
            Conversation.objects.filter(channel_key=key, user_id=user_id, session_id=session_id)
            .values_list("pk", "state", "queue_id", "last_seq")
            .first()
        )
    except Exception:  # noqa: BLE001 - a malformed UUID is just "not found"
        return None
    if row is None:
        return None
    # The remembered key instance: one object for all of the key's sockets.
    return CustomerChat(row[0], key, user_id, session_id, row[1], row[2], row[3])


def _position(conversation_id: int) -> dict[str, Any] | None:
    from apps.chat.events import queue_snapshot

    conversation = Conversation.objects.filter(pk=conversation_id).first()
    if conversation is None or conversation.state != ConversationState.QUEUED:
        return None
    waiting, asa = queue_snapshot(conversation.queue_id)  # type: ignore[arg-type]
    return _position_frame(conversation_id, waiting, asa)


def _position_frame(conversation_id: int, waiting: list[int], asa: int) -> dict[str, Any] | None:
    if conversation_id not in waiting:
        return None
    position = waiting.index(conversation_id) + 1
    return {"type": "position", "position": position, "estimated_wait_seconds": asa * position}


class CustomerConsumer(LoopOnly, AsyncJsonWebsocketConsumer):
    """A customer's web chat: one conversation, found by channel key + user_id + session_id.

    Credentials come in the query string (?key=&user_id=&session_id=) or as the first frame
    {"type": "auth", ...}. Internal notes and bot diagnostics are never forwarded.
    """

    conversation: CustomerChat | None = None
    queue_id: int | None = None

    async def connect(self) -> None:
        params = query(self.scope)
        header_key = header(self.scope, b"x-api-key")
        if header_key and not params.get("key"):
            params["key"] = header_key  # native clients keep the secret out of URLs and logs
        if params.get("key"):
            if not await self._authenticate(params):
                await self.close(code=4401)
                return
            await self.accept()
            await self._joined()
        elif self.scope.get("origin_missing"):
            # No Origin (not a browser: apps/chat/routing.py): credentials must come with the
            # handshake; an anonymous socket waiting for an auth frame is for browsers only.
            await self.close(code=4403)
        else:
            await self.accept()
            self.auth_timer = asyncio.get_running_loop().call_later(
                AUTH_TIMEOUT_SECONDS, lambda: asyncio.ensure_future(self._auth_timeout())
            )

    async def _auth_timeout(self) -> None:
        if self.conversation is None:
            await self.close(code=4401)

    async def _authenticate(self, params: dict[str, Any]) -> bool:
        self.conversation = await db(_customer_conversation)(
            str(params.get("key", "")),
            str(params.get("user_id", "")),
            str(params.get("session_id", "")),
        )
        return self.conversation is not None

    async def _joined(self) -> None:
        assert self.conversation is not None
        await broadcast.group_add(broadcast.conv_group(self.conversation.pk), self.channel_name)
        await self._follow_queue(self.conversation.state, self.conversation.queue_id)
        await self.send_json(
            {
                "type": "ready",
                "state": self.conversation.state,
                "last_seq": self.conversation.last_seq,
            }
        )
        if self.queue_id:
            frame = await db(_position)(self.conversation.pk)
            if frame:
                await self.send_json(frame)

    async def _follow_queue(self, state: str, queue_id: int | None) -> None:
        """Waiting customers listen to their queue's group for position updates."""
        wanted = queue_id if state == ConversationState.QUEUED else None
        if wanted == self.queue_id:
            return
        if self.queue_id:
            await broadcast.group_discard(broadcast.queue_group(self.queue_id), self.channel_name)
        if wanted:
            await broadcast.group_add(broadcast.queue_group(wanted), self.channel_name)
        self.queue_id = wanted

    async def disconnect(self, code: int) -> None:
        if getattr(self, "auth_timer", None):
            self.auth_timer.cancel()
        if self.conversation is not None:
            await broadcast.group_discard(
                broadcast.conv_group(self.conversation.pk), self.channel_name
            )
            await self._follow_queue(ConversationState.CLOSED, None)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "ping":
            await self.send_json({"type": "pong"})
        elif self.conversation is None:
            if kind != "auth" or not await self._authenticate(content):
                await self.close(code=4401)
                return
            await self._joined()
        elif kind == "message":
            await self._message(content)
        elif kind == "leave":
            from apps.agents.routing import conversation_abandon

            left, outbox = await db(deferred(conversation_abandon))(
                conversation_id=self.conversation.pk
            )
            await broadcast.flush(outbox)
            await self.send_json({"type": "left", "abandoned": left})
        else:
            await self.send_json({"type": "error", "code": "bad_frame"})

    async def _message(self, content: dict[str, Any]) -> None:
        from apps.chat.services import chat_receive

        assert self.conversation is not None
        try:
            result, outbox = await db(deferred(chat_receive))(
                channel_key=self.conversation.channel_key,
                user_id=self.conversation.user_id,
                text=content.get("text", ""),
                session_id=self.conversation.session_id,
                client_message_id=str(content.get("client_id") or "")[:64] or None,
            )
        except ApplicationError as exc:
            await self.send_json({"type": "error", "code": exc.code, "message": exc.message})
            return
        await broadcast.flush(outbox)
        await self.send_json(
            {
                "type": "sent",
                "client_id": content.get("client_id"),
                "seq": result.customer_message.seq,
            }
        )

    # Group events -------------------------------------------------------------------------

    async def chat_message(self, event: dict[str, Any]) -> None:
        message = event["message"]
        if message["is_internal"]:
            return
        await self.send_json(
            {"type": "message", "message": {k: message[k] for k in CUSTOMER_FIELDS}}
        )

    async def conv_state(self, event: dict[str, Any]) -> None:
        data = event["conversation"]
        await self._follow_queue(data["state"], data["queue_id"])
        await self.send_json(
            {"type": "state", "state": data["state"], "agent_name": data["agent_name"]}
        )

    async def queue_changed(self, event: dict[str, Any]) -> None:
        if self.conversation is None:
            return
        frame = _position_frame(self.conversation.pk, event["waiting"], event["asa_seconds"])
        if frame:
            await self.send_json(frame)
