from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from apps.agents.models import Agent, Queue
from apps.chat.models import Conversation, ConversationState
from tests.factories import AgentFactory, ConversationFactory


def waiting(queue: Queue, *, seconds_ago: int = 0) -> Conversation:
    return ConversationFactory(
        state=ConversationState.QUEUED,
        queue=queue,
        queued_at=timezone.now() - timedelta(seconds=seconds_ago),
    )


def agent_in(*queues: Queue, **fields: object) -> Agent:
    agent = AgentFactory(**fields)
    agent.queues.set(queues)
    return agent
