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
