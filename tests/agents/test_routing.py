from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.agents.models import AgentState
from apps.agents.routing import conversation_abandon, routing_dispatch, routing_pick
from apps.agents.services import agent_set_state
from apps.chat.models import ConversationState, MessageSender
from apps.chat.services import chat_escalate
from apps.core.exceptions import ApplicationError
from apps.desk.services import conversation_close
from tests.agents.helpers import agent_in, waiting
from tests.factories import ConversationFactory, QueueFactory

pytestmark = pytest.mark.django_db


def test_it_serves_the_highest_priority_queue_first(queues):
    agent = agent_in(queues["general"], queues["billing"], capacity=1)
    older_low = waiting(queues["general"], seconds_ago=300)
    newer_high = waiting(queues["billing"], seconds_ago=10)
    routing_dispatch()
    newer_high.refresh_from_db()
    older_low.refresh_from_db()
    assert (newer_high.state, newer_high.agent) == (ConversationState.ASSIGNED, agent)
    assert older_low.state == ConversationState.QUEUED


def test_it_is_first_in_first_out_within_a_queue(queues):
    agent_in(queues["general"], capacity=1)
    newer = waiting(queues["general"], seconds_ago=10)
    older = waiting(queues["general"], seconds_ago=60)
    routing_dispatch()
    older.refresh_from_db()
    newer.refresh_from_db()
    assert older.state == ConversationState.ASSIGNED
    assert older.assigned_at is not None
    assert newer.state == ConversationState.QUEUED


def test_it_never_goes_over_capacity(queues):
    agent = agent_in(queues["general"], capacity=2)
    for i in range(3):
        waiting(queues["general"], seconds_ago=i)
    assert len(routing_dispatch()) == 2
    assert agent.conversations.filter(state=ConversationState.ASSIGNED).count() == 2


def test_it_requires_the_queue_skills():
    queue = QueueFactory(skills=["billing"])
    agent_in(queue, skills=["general"])
    skilled = agent_in(queue, skills=["general", "billing"])
    conversation = waiting(queue)
    routing_dispatch()
    conversation.refresh_from_db()
    assert conversation.agent == skilled


def test_it_skips_agents_who_are_not_available_or_not_members(queues):
    agent_in(queues["general"], state=AgentState.AWAY)
    agent_in(queues["billing"])
    conversation = waiting(queues["general"])
    assert routing_dispatch() == []
    conversation.refresh_from_db()
    assert conversation.state == ConversationState.QUEUED


def test_it_prefers_most_free_capacity_then_longest_idle(queues):
    now = timezone.now()
    busy = agent_in(queues["general"], capacity=3)
    ConversationFactory(state=ConversationState.ASSIGNED, agent=busy, queue=queues["general"])
    recent = agent_in(queues["general"], capacity=3, last_assigned_at=now)
    idle = agent_in(queues["general"], capacity=3, last_assigned_at=now - timedelta(hours=1))
    first = waiting(queues["general"], seconds_ago=20)
    routing_dispatch(queue_ids=[queues["general"].pk])
    first.refresh_from_db()
    assert first.agent == idle
    second = waiting(queues["general"])
    routing_dispatch()
    second.refresh_from_db()
    assert second.agent == recent  # busy has 2 free, recent has 3
    assert busy.last_assigned_at is None


def test_it_reassigns_when_capacity_frees(queues, django_capture_on_commit_callbacks):
    agent = agent_in(queues["general"], capacity=1)
    first = waiting(queues["general"], seconds_ago=60)
    second = waiting(queues["general"], seconds_ago=30)
    routing_dispatch()
    with django_capture_on_commit_callbacks(execute=True):
        conversation_close(agent=agent, conversation_id=first.pk)
    second.refresh_from_db()
    assert (second.state, second.agent) == (ConversationState.ASSIGNED, agent)


def test_it_routes_as_soon_as_a_conversation_is_queued(queues, django_capture_on_commit_callbacks):
    agent = agent_in(queues["general"])
    conversation = ConversationFactory()
    with django_capture_on_commit_callbacks(execute=True):
        chat_escalate(conversation=conversation)
    conversation.refresh_from_db()
    assert (conversation.state, conversation.agent) == (ConversationState.ASSIGNED, agent)
    texts = list(conversation.messages.values_list("sender", flat=True))
    assert texts[-1] == MessageSender.SYSTEM  # "상담원이 연결되었습니다"


def test_it_routes_when_an_agent_becomes_available(queues, django_capture_on_commit_callbacks):
    agent = agent_in(queues["general"], state=AgentState.OFFLINE)
    conversation = waiting(queues["general"])
    with django_capture_on_commit_callbacks(execute=True):
        agent_set_state(agent=agent, state=AgentState.AVAILABLE)
    conversation.refresh_from_db()
    assert conversation.agent == agent
    assert agent.state_history.filter(state=AgentState.AVAILABLE, ended_at__isnull=True).exists()


def test_manual_pick_assigns_once(queues):
    first = agent_in(queues["general"], state=AgentState.AWAY)
    second = agent_in(queues["general"], state=AgentState.AWAY)
    conversation = waiting(queues["general"])
    routing_pick(agent=first, conversation_id=conversation.pk)
    with pytest.raises(ApplicationError):
        routing_pick(agent=second, conversation_id=conversation.pk)
    conversation.refresh_from_db()
    assert conversation.agent == first


def test_manual_pick_needs_membership_of_the_queue(queues):
    outsider = agent_in(queues["billing"])
    conversation = waiting(queues["general"])
    with pytest.raises(ApplicationError):
        routing_pick(agent=outsider, conversation_id=conversation.pk)


def test_a_customer_who_leaves_while_waiting_is_abandoned(queues):
    conversation = waiting(queues["general"])
    assert conversation_abandon(conversation_id=conversation.pk)
    conversation.refresh_from_db()
    assert conversation.state == ConversationState.ABANDONED
    assert conversation.abandoned_at is not None
    assert not conversation_abandon(conversation_id=conversation.pk)
