"""Two agents accept the same conversation at the same instant: exactly one gets it."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from apps.agents.routing import routing_dispatch, routing_pick
from apps.chat.models import Conversation, ConversationState
from apps.core.exceptions import ApplicationError
from tests.agents.helpers import agent_in, waiting

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs row locks and real concurrent connections (PostgreSQL); SQLite serialises "
        "writers, so threads would only test its busy timeout",
    ),
]


def _race(workers: list) -> list[object]:
    barrier = threading.Barrier(len(workers))
    results: list[object] = [None] * len(workers)

    def run(i: int, work) -> None:
        try:
            barrier.wait()
            results[i] = work()
        except Exception as exc:  # noqa: BLE001 - the losing thread's error is the result
            results[i] = exc
        finally:
            connections.close_all()  # each thread has its own connection

    threads = [threading.Thread(target=run, args=(i, w)) for i, w in enumerate(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def test_concurrent_accepts_assign_once(queues):
    agents = [agent_in(queues["general"]) for _ in range(2)]
    for _ in range(10):
        conversation = waiting(queues["general"])
        results = _race(
            [
                lambda a=a, pk=conversation.pk: routing_pick(agent=a, conversation_id=pk)
                for a in agents
            ]
        )
        won = [r for r in results if isinstance(r, Conversation)]
        lost = [r for r in results if isinstance(r, ApplicationError)]
        assert (len(won), len(lost)) == (1, 1), results
        conversation.refresh_from_db()
        assert conversation.state == ConversationState.ASSIGNED
        assert conversation.messages.count() == 1  # one "connected" notice, not two
        Conversation.objects.filter(pk=conversation.pk).update(state=ConversationState.CLOSED)


def test_concurrent_dispatchers_respect_capacity(queues):
    agent = agent_in(queues["general"], capacity=3)
    for i in range(12):
        waiting(queues["general"], seconds_ago=i)
    results = _race([lambda: routing_dispatch() for _ in range(4)])
    assert not [r for r in results if isinstance(r, Exception)], results
    assigned = Conversation.objects.filter(state=ConversationState.ASSIGNED)
    assert assigned.count() == 3
    assert set(assigned.values_list("agent", flat=True)) == {agent.pk}
