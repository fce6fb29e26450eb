"""Agent replies (apps/desk/services.py): resends, first-reply time, broadcast after commit."""

from __future__ import annotations

import pytest
from django.utils import timezone

from apps.chat import broadcast
from apps.chat.models import ConversationState, Message
from apps.core.exceptions import ApplicationError
from apps.desk.services import conversation_reply
from tests.agents.helpers import agent_in
from tests.factories import ConversationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def live_chat(queues):
    agent = agent_in(queues["general"])
    conversation = ConversationFactory(
        state=ConversationState.ASSIGNED,
        agent=agent,
        queue=queues["general"],
        assigned_at=timezone.now(),
    )
    return agent, conversation


def test_a_resent_reply_stores_nothing_new(live_chat):
    agent, conversation = live_chat
    first = conversation_reply(
        agent=agent, conversation_id=conversation.pk, text="확인해 볼게요", client_message_id="r1"
    )
    again = conversation_reply(
        agent=agent, conversation_id=conversation.pk, text="확인해 볼게요", client_message_id="r1"
    )
    other = conversation_reply(
        agent=agent, conversation_id=conversation.pk, text="잠시만요", client_message_id="r2"
    )
    assert again.pk == first.pk
    assert [m.seq for m in Message.objects.filter(conversation=conversation)] == [
        first.seq,
        other.seq,
    ]
    assert other.seq == first.seq + 1


def test_first_agent_reply_time_is_kept_from_the_first_reply(live_chat):
    agent, conversation = live_chat
    first = conversation_reply(agent=agent, conversation_id=conversation.pk, text="안녕하세요")
    conversation_reply(agent=agent, conversation_id=conversation.pk, text="무엇을 도와드릴까요?")
    conversation.refresh_from_db()
    assert conversation.first_agent_reply_at == first.created_at


def test_replies_to_a_chat_that_is_not_mine_are_refused(live_chat, queues):
    _, conversation = live_chat
    stranger = agent_in(queues["general"])
    with pytest.raises(ApplicationError) as refused:
        conversation_reply(agent=stranger, conversation_id=conversation.pk, text="끼어들기")
    assert refused.value.code == "conflict"
    assert not Message.objects.filter(conversation=conversation).exists()


@pytest.mark.django_db(transaction=True)
def test_deferred_replies_hand_their_sends_to_the_caller(live_chat):
    """The socket path collects the after-commit sends and awaits them on the event loop."""
    agent, conversation = live_chat
    with broadcast.deferred() as outbox:
        message = conversation_reply(agent=agent, conversation_id=conversation.pk, text="네")
    assert [(group, event["type"]) for group, event in outbox] == [
        (broadcast.conv_group(conversation.pk), "chat.message")
    ]
    assert outbox[0][1]["message"]["seq"] == message.seq
