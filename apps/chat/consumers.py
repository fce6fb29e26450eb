"""Websocket consumers (DESIGN §6): they authenticate, join groups, forward, and call services.

Close codes: 4401 not authenticated, 4403 not allowed (e.g. joining someone else's chat),
4400 bad frame. Clients send {"type": "ping"} every ~20 s and get {"type": "pong"}; a missing
pong makes them reconnect and resync from history?after_seq=.

Throughput (issue 5 benchmark): the event loop never waits for the one shared sync thread.
Database work runs in a small thread pool on PostgreSQL (`_db`), group sends are awaited on the
loop after the database call returns (`broadcast.deferred`/`flush`), and frames and group events
skip Channels' per-event `close_old_connections` hop (`_LoopOnly.dispatch`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar
from urllib.parse import parse_qs

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.db import connections

from apps.chat import broadcast
from apps.chat.models import ChannelKey, Conversation, ConversationState
from apps.core.exceptions import ApplicationError

if TYPE_CHECKING:
    from apps.desk.selectors import Viewer

P = ParamSpec("P")
R = TypeVar("R")

# Threads for consumer database work on PostgreSQL: each holds at most one pooled connection
# (DATABASE_POOL_MAX defaults to 20; Django's per-request HTTP threads need some too).
DB_THREADS: int = getattr(settings, "WS_DB_THREADS", 8)
_db_pool = ThreadPoolExecutor(max_workers=DB_THREADS, thread_name_prefix="ws-db")


def _db(func: Callable[P, R]) -> Callable[P, Awaitable[R]]:
    """`database_sync_to_async` for consumers: parallel on PostgreSQL, serial on SQLite.

    Channels' default is one thread for every socket of the process, so a slow call (a reply
    and its Redis sends) held up every handshake and message behind it. The consumers keep no
    thread-bound state (no ORM objects shared between calls that are written to), so PostgreSQL
    work may run on any pooled thread. SQLite keeps the single thread: it serialises writers
    anyway and a shared-cache test database raises "table is locked" under parallel writers.
    """
    if connections["default"].vendor == "sqlite":
        return database_sync_to_async(func)
    return database_sync_to_async(func, thread_sensitive=False, executor=_db_pool)


class _LoopOnly:
    """Dispatch without Channels' `aclose_old_connections()` before every handler.

    That hop runs on the single sync thread for each handshake, frame and group event, so a
    group message to 5,000 sockets queued 5,000 thread hops behind any database call. These
    consumers touch the database only through `_db`, which closes stale connections itself.
    """

    async def dispatch(self, message: dict[str, Any]) -> None:
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)


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


def _query(scope: dict[str, Any]) -> dict[str, str]:
    parsed = parse_qs(scope.get("query_string", b"").decode(errors="replace"))
    return {key: values[0] for key, values in parsed.items()}


def _header(scope: dict[str, Any], name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return ""


class DeskConsumer(_LoopOnly, AsyncJsonWebsocketConsumer):
    """An agent's or supervisor's desk: own agent + queue groups, and one open conversation."""

    async def connect(self) -> None:
        from apps.desk.selectors import desk_viewer

        viewer = await _db(desk_viewer)(self.scope["user"])
        if viewer is None:
            code = 4401 if not self.scope["user"].is_authenticated else 4403
            await self.close(code=code)
            return
        self.viewer: Viewer = viewer
        self.conversation_id: int | None = None
        conversation = _query(self.scope).get("conversation", "")
        if conversation and not await self._allowed(conversation):
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
        if conversation:
            await self._join(int(conversation))

    async def disconnect(self, code: int) -> None:
        for group in getattr(self, "fixed_groups", []):
            await broadcast.group_discard(group, self.channel_name)
        conversation_id = getattr(self, "conversation_id", None)
        if conversation_id:
            await broadcast.group_discard(broadcast.conv_group(conversation_id), self.channel_name)

    async def _allowed(self, raw_id: object) -> bool:
        from apps.desk.selectors import can_view

        try:
            conversation_id = int(raw_id)  # type: ignore[call-overload]
        except (TypeError, ValueError):
            return False
        return await _db(can_view)(self.viewer, conversation_id)

    async def _join(self, conversation_id: int) -> None:
        if self.conversation_id:
            await broadcast.group_discard(
                broadcast.conv_group(self.conversation_id), self.channel_name
            )
        self.conversation_id = conversation_id
        await broadcast.group_add(broadcast.conv_group(conversation_id), self.channel_name)
        await self.send_json({"type": "joined", "conversation": conversation_id})

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "ping":
            await self.send_json({"type": "pong"})
        elif kind == "join":
            if not await self._allowed(content.get("conversation")):
                await self.close(code=4403)
                return
            await self._join(int(content["conversation"]))
        elif kind == "send":
            await self._send_message(content)
        else:
            await self.send_json({"type": "error", "code": "bad_frame"})

    async def _send_message(self, content: dict[str, Any]) -> None:
        from apps.desk.services import conversation_reply

        if self.viewer.agent is None or not self.conversation_id:
            await self.send_json({"type": "error", "code": "not_allowed"})
            return
        try:
            message, outbox = await _db(_deferred(conversation_reply))(
                agent=self.viewer.agent,
                conversation_id=self.conversation_id,
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
            {"type": "sent", "client_id": content.get("client_id"), "seq": message.seq}
        )

    # Group events -------------------------------------------------------------------------

    async def chat_message(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "message", "message": event["message"]})

    async def conv_state(self, event: dict[str, Any]) -> None:
        data = event["conversation"]
        mine = data["agent_id"] in (None, self.viewer.agent_id)
        if not (mine or self.viewer.is_supervisor) and data["id"] == self.conversation_id:
            # Transferred to someone else: this desk stops listening.
            await broadcast.group_discard(broadcast.conv_group(data["id"]), self.channel_name)
            self.conversation_id = None
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
        await self.send_json(
            {"type": "taken", "conversation": event["conversation"], "by": event["by"]}
        )


def _deferred(func: Callable[P, R]) -> Callable[P, tuple[R, broadcast.Outbox]]:
    """Run a service with its after-commit group sends collected for `broadcast.flush`."""

    def run(*args: P.args, **kwargs: P.kwargs) -> tuple[R, broadcast.Outbox]:
        try:
            with broadcast.deferred() as outbox:
                result = func(*args, **kwargs)
        except Exception:
            # Work committed before the error (if any) is still announced, the slow way.
            for group, event in outbox:
                broadcast.send(group, event)
            raise
        return result, outbox

    return run


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


class CustomerConsumer(_LoopOnly, AsyncJsonWebsocketConsumer):
    """A customer's web chat: one conversation, found by channel key + user_id + session_id.

    Credentials come in the query string (?key=&user_id=&session_id=) or as the first frame
    {"type": "auth", ...}. Internal notes and bot diagnostics are never forwarded.
    """

    conversation: CustomerChat | None = None
    queue_id: int | None = None

    async def connect(self) -> None:
        params = _query(self.scope)
        header_key = _header(self.scope, b"x-api-key")
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
        self.conversation = await _db(_customer_conversation)(
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
            frame = await _db(_position)(self.conversation.pk)
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

            left, outbox = await _db(_deferred(conversation_abandon))(
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
            result, outbox = await _db(_deferred(chat_receive))(
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
