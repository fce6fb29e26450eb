"""The board over websockets: snapshots on queue events, silent watching, whisper, take-over."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from django.db import transaction

from apps.agents.models import AgentState
from apps.chat.models import ConversationState
from apps.chat.services import chat_escalate
from apps.desk.services import conversation_reply, conversation_take_over, conversation_whisper
from tests.agents.helpers import agent_in
from tests.chat.test_consumers import TIMEOUT, customer_socket, desk_socket, next_of
from tests.factories import AgentFactory, ConversationFactory, UserFactory

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _roles(transactional_db):
    """Transactional tests flush the tables, including the groups the roles migration made."""
    from django.contrib.auth.models import Group

    from apps.core import roles

    for name in roles.ROLES:
        Group.objects.get_or_create(name=name)


@database_sync_to_async
def _supervisor(with_agent: bool = False):
    user = UserFactory(username="board-sup", roles=["supervisor"])
    if with_agent:
        AgentFactory(user=user, display_name="김감독", state=AgentState.AWAY)
    return user


@database_sync_to_async
def _live_chat(queues, channel):
    agent = agent_in(queues["general"], state=AgentState.AVAILABLE)
    conversation = ConversationFactory(
        channel_key=channel[0],
        state=ConversationState.ASSIGNED,
        agent=agent,
        queue=queues["general"],
    )
    return agent, conversation


async def _connected(communicator, first: str):
    assert (await communicator.connect())[0]
    await next_of(communicator, first)
    return communicator


async def test_supervisors_get_a_fresh_snapshot_when_a_conversation_is_queued(queues, channel):
    supervisor = await _supervisor()
    board = await desk_socket(supervisor)
    assert (await board.connect())[0]

    @database_sync_to_async
    def escalate():
        conversation = ConversationFactory(channel_key=channel[0], state=ConversationState.BOT)
        with transaction.atomic():
            chat_escalate(conversation=conversation)

    await escalate()
    frame = await next_of(board, "board")
    assert frame["reason"] == "queued"
    snapshot = frame["snapshot"]
    assert snapshot["totals"]["contacts_in_queue"] == 1
    assert {q["queue"] for q in snapshot["queues"]} == {"general", "billing", "retention"}
    await board.disconnect()


async def test_agents_get_no_board_snapshots(queues, channel):
    agent = await database_sync_to_async(agent_in)(queues["billing"], state=AgentState.AWAY)
    desk = await desk_socket(agent.user)
    assert (await desk.connect())[0]

    @database_sync_to_async
    def escalate():
        conversation = ConversationFactory(channel_key=channel[0], state=ConversationState.BOT)
        with transaction.atomic():
            chat_escalate(conversation=conversation)

    await escalate()
    while not await desk.receive_nothing(timeout=0.3):
        assert "snapshot" not in await desk.receive_json_from(timeout=TIMEOUT)
    await desk.disconnect()


async def test_silent_view_notifies_neither_customer_nor_agent(queues, channel):
    agent, conversation = await _live_chat(queues, channel)
    customer = await _connected(await customer_socket(channel[1], conversation), "ready")
    desk = await _connected(await desk_socket(agent.user, conversation.pk), "joined")
    supervisor = await _supervisor()
    watcher = await _connected(await desk_socket(supervisor, conversation.pk), "joined")

    assert await customer.receive_nothing(timeout=0.3)
    assert await desk.receive_nothing(timeout=0.3)
    # The watcher does see the chat live.
    await database_sync_to_async(conversation_reply)(
        agent=agent, conversation_id=conversation.pk, text="확인해 드릴게요"
    )
    assert (await next_of(watcher, "message"))["message"]["text"] == "확인해 드릴게요"
    for socket in (customer, desk, watcher):
        await socket.disconnect()


async def test_whisper_reaches_the_agent_but_never_the_customer(queues, channel, api):
    agent, conversation = await _live_chat(queues, channel)
    customer = await _connected(await customer_socket(channel[1], conversation), "ready")
    desk = await _connected(await desk_socket(agent.user, conversation.pk), "joined")
    supervisor = await _supervisor()

    await database_sync_to_async(conversation_whisper)(
        user=supervisor, conversation_id=conversation.pk, text="해지 방어 쿠폰을 제안하세요"
    )
    frame = await next_of(desk, "message")
    assert frame["message"]["is_internal"] is True
    assert "해지 방어 쿠폰" in frame["message"]["text"]

    await database_sync_to_async(conversation_reply)(
        agent=agent, conversation_id=conversation.pk, text="다른 혜택도 있습니다"
    )
    # The first message the customer ever gets is the public reply, not the whisper.
    assert (await next_of(customer, "message"))["message"]["text"] == "다른 혜택도 있습니다"
    history = await database_sync_to_async(api.get)(
        f"/api/chatbot/history/{conversation.session_id}", {"user_id": conversation.user_id}
    )
    assert [m["text"] for m in history.json()["messages"]] == ["다른 혜택도 있습니다"]
    await desk.disconnect()
    await customer.disconnect()


async def test_the_agent_is_told_when_a_supervisor_takes_over(queues, channel):
    agent, conversation = await _live_chat(queues, channel)
    desk = await _connected(await desk_socket(agent.user, conversation.pk), "joined")
    supervisor = await _supervisor(with_agent=True)

    await database_sync_to_async(conversation_take_over)(
        user=supervisor, conversation_id=conversation.pk
    )
    taken = await next_of(desk, "taken")
    assert taken == {"type": "taken", "conversation": conversation.pk, "by": "김감독"}
    await database_sync_to_async(conversation_reply)(
        agent=supervisor.agent, conversation_id=conversation.pk, text="감독자입니다"
    )
    # The previous agent's desk left the chat: it hears nothing more from it.
    while not await desk.receive_nothing(timeout=0.3):
        frame = await desk.receive_json_from(timeout=TIMEOUT)
        assert frame["type"] != "message" or frame["message"]["text"] != "감독자입니다"
    await desk.disconnect()
