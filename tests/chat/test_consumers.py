"""Websocket consumers: who may connect and join, live delivery after commit, resync by seq."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser

from apps.chat.models import ConversationState, MessageSender
from apps.chat.routing import websocket_urlpatterns
from apps.chat.services import chat_receive, message_append
from apps.desk.services import conversation_reply
from tests.agents.helpers import agent_in, waiting
from tests.factories import ConversationFactory

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

router = URLRouter(websocket_urlpatterns)
TIMEOUT = 3


@pytest.fixture(autouse=True)
def _roles(transactional_db):
    """Transactional tests flush the tables, including the groups the roles migration made."""
    from django.contrib.auth.models import Group

    from apps.core import roles

    for name in roles.ROLES:
        Group.objects.get_or_create(name=name)


async def desk_socket(user, conversation_id: int | None = None) -> WebsocketCommunicator:
    path = "/ws/desk/" + (f"?conversation={conversation_id}" if conversation_id else "")
    communicator = WebsocketCommunicator(router, path)
    communicator.scope["user"] = user
    return communicator


async def customer_socket(raw_key: str, conversation) -> WebsocketCommunicator:
    path = (
        f"/ws/chat/?key={raw_key}&user_id={conversation.user_id}"
        f"&session_id={conversation.session_id}"
    )
    communicator = WebsocketCommunicator(router, path)
    communicator.scope["user"] = AnonymousUser()
    return communicator


async def next_of(communicator: WebsocketCommunicator, kind: str) -> dict:
    while True:
        frame = await communicator.receive_json_from(timeout=TIMEOUT)
        if frame["type"] == kind:
            return frame


@database_sync_to_async
def _assigned_setup(queues, channel):
    agent = agent_in(queues["general"])
    conversation = ConversationFactory(
        channel_key=channel[0],
        state=ConversationState.ASSIGNED,
        agent=agent,
        queue=queues["general"],
    )
    return agent, conversation


async def test_anonymous_desk_sockets_are_refused(db):
    communicator = await desk_socket(AnonymousUser())
    assert await communicator.connect() == (False, 4401)


async def test_an_agent_cannot_join_a_conversation_of_another_queue(queues):
    agent = await database_sync_to_async(agent_in)(queues["general"])
    other = await database_sync_to_async(waiting)(queues["billing"])
    communicator = await desk_socket(agent.user, other.pk)
    assert await communicator.connect() == (False, 4403)

    communicator = await desk_socket(agent.user)
    assert (await communicator.connect())[0]
    await communicator.send_json_to({"type": "join", "conversation": other.pk})
    closed = await communicator.receive_output(timeout=TIMEOUT)
    assert closed == {"type": "websocket.close", "code": 4403}


async def test_agent_sees_customer_messages_live_after_commit(queues, channel):
    agent, conversation = await _assigned_setup(queues, channel)
    communicator = await desk_socket(agent.user, conversation.pk)
    assert (await communicator.connect())[0]
    await next_of(communicator, "joined")
    await database_sync_to_async(chat_receive)(
        channel_key=channel[0],
        user_id=conversation.user_id,
        text="<b>안녕하세요</b>",
        session_id=str(conversation.session_id),
    )
    frame = await next_of(communicator, "message")
    assert frame["message"]["text"] == "<b>안녕하세요</b>"
    assert frame["message"]["sender"] == MessageSender.CUSTOMER
    await communicator.disconnect()


async def test_agent_sends_over_the_socket_and_the_customer_gets_it(queues, channel):
    agent, conversation = await _assigned_setup(queues, channel)
    customer = await customer_socket(channel[1], conversation)
    assert (await customer.connect())[0]
    await next_of(customer, "ready")
    desk = await desk_socket(agent.user, conversation.pk)
    assert (await desk.connect())[0]
    await next_of(desk, "joined")
    await desk.send_json_to({"type": "send", "text": "무엇을 도와드릴까요?", "client_id": "a1"})
    sent = await next_of(desk, "sent")
    frame = await next_of(customer, "message")
    assert frame["message"]["text"] == "무엇을 도와드릴까요?"
    assert frame["message"]["seq"] == sent["seq"]
    assert "intent" not in frame["message"]
    await desk.disconnect()
    await customer.disconnect()


@database_sync_to_async
def _second_chat(agent, queues, channel):
    return ConversationFactory(
        channel_key=channel[0],
        state=ConversationState.ASSIGNED,
        agent=agent,
        queue=queues["general"],
    )


def _customer_says(channel, conversation, text):
    return database_sync_to_async(chat_receive)(
        channel_key=channel[0],
        user_id=conversation.user_id,
        text=text,
        session_id=str(conversation.session_id),
    )


async def test_a_desk_follows_several_chats_and_sends_to_each(queues, channel):
    agent, first = await _assigned_setup(queues, channel)
    second = await _second_chat(agent, queues, channel)
    desk = await desk_socket(agent.user)
    assert (await desk.connect())[0]
    for conversation in (first, second):
        await desk.send_json_to({"type": "join", "conversation": conversation.pk})
        assert (await next_of(desk, "joined"))["conversation"] == conversation.pk
    await _customer_says(channel, first, "첫 번째")
    await _customer_says(channel, second, "두 번째")
    texts = {(await next_of(desk, "message"))["message"]["text"] for _ in range(2)}
    assert texts == {"첫 번째", "두 번째"}

    await desk.send_json_to(
        {"type": "send", "conversation": first.pk, "text": "안내", "client_id": "m1"}
    )
    assert (await next_of(desk, "sent"))["conversation"] == first.pk
    # Without `conversation` a send goes to the last chat joined (static/js/desk.js).
    await desk.send_json_to({"type": "send", "text": "안내", "client_id": "m2"})
    assert (await next_of(desk, "sent"))["conversation"] == second.pk
    await desk.disconnect()


async def test_sends_to_a_chat_the_desk_has_not_joined_are_refused(queues, channel):
    agent, conversation = await _assigned_setup(queues, channel)
    desk = await desk_socket(agent.user)
    assert (await desk.connect())[0]
    await desk.send_json_to(
        {"type": "send", "conversation": conversation.pk, "text": "안내", "client_id": "x1"}
    )
    assert (await next_of(desk, "error"))["code"] == "not_allowed"
    await desk.disconnect()


async def test_a_transferred_chat_is_left_and_its_sends_refused(queues, channel):
    from apps.desk.services import conversation_transfer

    agent, conversation = await _assigned_setup(queues, channel)
    kept = await _second_chat(agent, queues, channel)
    colleague = await database_sync_to_async(agent_in)(queues["general"])
    desk = await desk_socket(agent.user, conversation.pk)
    assert (await desk.connect())[0]
    await next_of(desk, "joined")
    await desk.send_json_to({"type": "join", "conversation": kept.pk})
    await next_of(desk, "joined")

    await database_sync_to_async(conversation_transfer)(
        agent=agent, conversation_id=conversation.pk, note="요금 문의", to_agent=colleague
    )
    state = await next_of(desk, "state")
    assert state["conversation"]["agent_id"] == colleague.pk
    await _customer_says(channel, conversation, "아직 계세요?")
    await _customer_says(channel, kept, "저는 남아 있어요")
    # The transferred chat no longer reaches this desk; the other one still does.
    frame = await next_of(desk, "message")
    assert frame["message"]["conversation"] == kept.pk
    await desk.send_json_to(
        {"type": "send", "conversation": conversation.pk, "text": "제가", "client_id": "t1"}
    )
    assert (await next_of(desk, "error"))["code"] == "not_allowed"
    await desk.disconnect()


async def test_customers_never_get_internal_notes(queues, channel):
    agent, conversation = await _assigned_setup(queues, channel)
    customer = await customer_socket(channel[1], conversation)
    assert (await customer.connect())[0]
    await next_of(customer, "ready")

    @database_sync_to_async
    def note_then_reply():
        from django.db import transaction

        with transaction.atomic():
            message_append(
                conversation=conversation, sender=MessageSender.AGENT, text="내부", is_internal=True
            )
        conversation_reply(agent=agent, conversation_id=conversation.pk, text="공개")

    await note_then_reply()
    frame = await next_of(customer, "message")
    assert frame["message"]["text"] == "공개"
    await customer.disconnect()


async def test_customer_socket_needs_the_right_key_and_session(queues, channel):
    _, conversation = await _assigned_setup(queues, channel)
    communicator = await customer_socket("aicc_wrong", conversation)
    assert await communicator.connect() == (False, 4401)
    # Credentials in the first frame instead of the query string.
    communicator = WebsocketCommunicator(router, "/ws/chat/")
    communicator.scope["user"] = AnonymousUser()
    assert (await communicator.connect())[0]
    await communicator.send_json_to(
        {
            "type": "auth",
            "key": channel[1],
            "user_id": "someone-else",
            "session_id": str(conversation.session_id),
        }
    )
    assert (await communicator.receive_output(timeout=TIMEOUT))["code"] == 4401


async def test_waiting_customer_gets_position_and_heartbeat(queues, channel):
    @database_sync_to_async
    def setup():
        waiting(queues["general"], seconds_ago=30)
        conversation = waiting(queues["general"])
        conversation.channel_key = channel[0]
        conversation.save()
        return conversation

    conversation = await setup()
    communicator = await customer_socket(channel[1], conversation)
    assert (await communicator.connect())[0]
    frame = await next_of(communicator, "position")
    assert frame["position"] == 2
    assert frame["estimated_wait_seconds"] == 2 * 60
    await communicator.send_json_to({"type": "ping"})
    assert await next_of(communicator, "pong") == {"type": "pong"}
    await communicator.send_json_to({"type": "leave"})
    assert (await next_of(communicator, "left"))["abandoned"] is True
    await communicator.disconnect()


async def test_resync_by_seq_after_a_dropped_socket(queues, channel, api):
    agent, conversation = await _assigned_setup(queues, channel)
    customer = await customer_socket(channel[1], conversation)
    assert (await customer.connect())[0]
    await next_of(customer, "ready")
    await database_sync_to_async(conversation_reply)(
        agent=agent, conversation_id=conversation.pk, text="첫 답변"
    )
    seen = (await next_of(customer, "message"))["message"]["seq"]
    await customer.disconnect()
    for text in ("놓친 답변 1", "놓친 답변 2"):
        await database_sync_to_async(conversation_reply)(
            agent=agent, conversation_id=conversation.pk, text=text
        )
    customer = await customer_socket(channel[1], conversation)
    assert (await customer.connect())[0]
    ready = await next_of(customer, "ready")
    page = await database_sync_to_async(api.get)(
        f"/api/chatbot/history/{conversation.session_id}",
        {"user_id": conversation.user_id, "after_seq": seen},
    )
    seqs = [m["seq"] for m in page.json()["messages"]]
    assert seqs == list(range(seen + 1, ready["last_seq"] + 1))
    assert [m["text"] for m in page.json()["messages"]] == ["놓친 답변 1", "놓친 답변 2"]
    await customer.disconnect()


async def test_foreign_origins_are_refused(db):
    from aicc.asgi import application

    communicator = WebsocketCommunicator(
        application, "/ws/chat/", headers=[(b"origin", b"https://evil.example")]
    )
    connected, _ = await communicator.connect()
    assert not connected


# Origin policy of the full websocket stack (apps/chat/routing.py) -----------------------------


async def _full_stack(path: str, headers: list[tuple[bytes, bytes]]) -> tuple[bool, int | None]:
    from apps.chat.routing import websocket_application

    communicator = WebsocketCommunicator(websocket_application, path, headers=headers)
    connected, code = await communicator.connect()
    if connected:
        await next_of(communicator, "ready")
        await communicator.disconnect()
    return connected, code


def _credentials(conversation, key: str | None = None) -> str:
    query = f"user_id={conversation.user_id}&session_id={conversation.session_id}"
    return f"/ws/chat/?key={key}&{query}" if key else f"/ws/chat/?{query}"


async def test_native_clients_without_origin_connect_with_a_valid_channel_key(queues, channel):
    _, conversation = await _assigned_setup(queues, channel)
    assert (await _full_stack(_credentials(conversation, channel[1]), []))[0]
    # The key may travel as a header instead, out of URLs and access logs.
    header = [(b"x-api-key", channel[1].encode())]
    assert (await _full_stack(_credentials(conversation), header))[0]


async def test_sockets_without_origin_and_a_wrong_key_are_refused(queues, channel):
    _, conversation = await _assigned_setup(queues, channel)
    assert await _full_stack(_credentials(conversation, "aicc_wrong"), []) == (False, 4401)


async def test_sockets_without_origin_must_authenticate_in_the_handshake(db):
    # The auth-frame flow (accept first, credentials later) stays for browsers only.
    assert await _full_stack("/ws/chat/", []) == (False, 4403)


async def test_browser_origins_are_checked_even_with_a_valid_key(queues, channel):
    _, conversation = await _assigned_setup(queues, channel)
    path = _credentials(conversation, channel[1])
    assert not (await _full_stack(path, [(b"origin", b"https://evil.example")]))[0]
    assert (await _full_stack(path, [(b"origin", b"http://localhost")]))[0]


async def test_desk_sockets_need_an_allowed_origin(queues):
    from apps.chat.routing import websocket_application

    communicator = WebsocketCommunicator(websocket_application, "/ws/desk/")
    assert not (await communicator.connect())[0]
    # With an allowed Origin the handshake reaches the cookie check (no session: 4401).
    communicator = WebsocketCommunicator(
        websocket_application, "/ws/desk/", headers=[(b"origin", b"http://localhost")]
    )
    assert await communicator.connect() == (False, 4401)


# Broadcast from the event loop (issue 5 benchmark) --------------------------------------------


async def test_socket_replies_are_broadcast_from_the_event_loop(queues, channel, monkeypatch):
    """The database thread never sends to Redis itself: that would stall every other socket."""
    from apps.chat import broadcast

    def no_sync_sends(*args, **kwargs):
        raise AssertionError("group_send from the database thread")

    monkeypatch.setattr(broadcast, "group_send_sync", no_sync_sends)
    agent, conversation = await _assigned_setup(queues, channel)
    customer = await customer_socket(channel[1], conversation)
    assert (await customer.connect())[0]
    await next_of(customer, "ready")
    desk = await desk_socket(agent.user, conversation.pk)
    assert (await desk.connect())[0]
    await next_of(desk, "joined")
    await desk.send_json_to({"type": "send", "text": "곧 확인해 드릴게요", "client_id": "b1"})
    sent = await next_of(desk, "sent")
    assert (await next_of(customer, "message"))["message"]["seq"] == sent["seq"]
    # The agent's own desk gets the message on the conversation group, and no unread mark.
    assert (await next_of(desk, "message"))["message"]["seq"] == sent["seq"]
    assert await desk.receive_nothing(timeout=0.2)
    await customer.send_json_to({"type": "message", "text": "네 감사합니다", "client_id": "c1"})
    await next_of(customer, "sent")
    frame = await next_of(desk, "message")
    assert frame["message"]["sender"] == MessageSender.CUSTOMER
    await desk.disconnect()
    await customer.disconnect()


async def test_only_customer_messages_send_an_unread_mark(queues, channel):
    from apps.chat import broadcast

    agent, conversation = await _assigned_setup(queues, channel)

    @database_sync_to_async
    def groups_of_reply_and_customer_message():
        with broadcast.deferred() as reply:
            conversation_reply(agent=agent, conversation_id=conversation.pk, text="안내")
        with broadcast.deferred() as incoming:
            chat_receive(
                channel_key=channel[0],
                user_id=conversation.user_id,
                text="문의",
                session_id=str(conversation.session_id),
            )
        return [g for g, _ in reply], [g for g, _ in incoming]

    reply, incoming = await groups_of_reply_and_customer_message()
    conv, mine = broadcast.conv_group(conversation.pk), broadcast.agent_group(agent.pk)
    assert reply == [conv]
    assert conv in incoming and mine in incoming


async def test_channel_layer_calls_wait_for_a_free_slot(monkeypatch):
    """A reconnect storm queues its group_add/group_discard calls instead of failing them."""
    import asyncio

    from apps.chat import broadcast

    class Layer:
        running = peak = 0

        async def group_add(self, group, channel_name):
            Layer.running += 1
            Layer.peak = max(Layer.peak, Layer.running)
            await asyncio.sleep(0.01)
            Layer.running -= 1

    monkeypatch.setattr(broadcast, "LAYER_CONCURRENCY", 3)
    monkeypatch.setattr(broadcast, "get_channel_layer", Layer)
    await asyncio.gather(*(broadcast.group_add("conv-1", f"c{i}") for i in range(20)))
    assert Layer.peak == 3
