"""Routing: hand waiting conversations to agents (DESIGN §1, issue 5).

Order: highest queue priority, then oldest `queued_at`. Target: an AVAILABLE agent who is a
member of the queue, has every skill the queue needs and has fewer ASSIGNED chats than their
capacity; the one with the most free capacity wins, ties go to the longest idle
(`last_assigned_at` oldest, never-assigned first).

Race safety. Every assignment is a conditional UPDATE (`state=QUEUED` → ASSIGNED) checked by its
row count, so a conversation can never be handed out twice. Capacity is checked while the agent
row is locked:
- PostgreSQL: waiting rows are read with `select_for_update(skip_locked=True)`, so two
  dispatchers split the queue instead of waiting for each other, and the agent row is locked
  with `select_for_update()` before its chats are counted.
- SQLite has no row locks; it serialises writers per database. `_begin_write()` makes the first
  statement of the transaction a write, which takes the write lock for the whole transaction, so
  a second dispatcher waits (busy timeout) instead of reading a stale snapshot.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.agents.models import Agent, AgentState, Queue
from apps.chat import events
from apps.chat.models import Conversation, ConversationState, MessageSender
from apps.chat.services import message_append
from apps.core.exceptions import ApplicationError

logger = logging.getLogger(__name__)

BATCH = 50  # waiting conversations looked at per transaction
MAX_ROUNDS = 20
_NEVER = datetime.min.replace(tzinfo=timezone.get_fixed_timezone(0))


@dataclass(frozen=True)
class Assignment:
    conversation_id: int
    agent_id: int
    queue_id: int


def _begin_write() -> None:
    if connection.vendor == "sqlite":
        # A no-op write: SQLite takes its single write lock here (see module docstring).
        Agent.objects.filter(pk=-1).update(capacity=F("capacity"))


def _waiting(queue_ids: list[int] | None) -> QuerySet[Conversation]:
    qs = Conversation.objects.filter(state=ConversationState.QUEUED, queue__is_active=True)
    if queue_ids is not None:
        qs = qs.filter(queue_id__in=queue_ids)
    qs = qs.select_related("queue").order_by("-queue__priority", "queued_at", "pk")
    if connection.features.has_select_for_update_skip_locked:
        qs = qs.select_for_update(skip_locked=True, of=("self",))
    return qs


def active_chats(agent_id: int) -> int:
    return Conversation.objects.filter(agent_id=agent_id, state=ConversationState.ASSIGNED).count()


def _candidates(queue: Queue) -> Sequence[Agent]:  # Agents annotated with `active`
    agents = (
        Agent.objects.filter(state=AgentState.AVAILABLE, queues=queue)
        .annotate(
            active=Count("conversations", filter=Q(conversations__state=ConversationState.ASSIGNED))
        )
        .filter(active__lt=F("capacity"))
    )
    needed = set(queue.skills or [])
    # Skills are a JSON list; checked here so SQLite and PostgreSQL behave the same.
    eligible = [a for a in agents if needed <= set(a.skills or [])]
    eligible.sort(key=lambda a: (a.active - a.capacity, a.last_assigned_at or _NEVER, a.pk))
    return eligible


def _lock_agent(agent_id: int) -> Agent | None:
    qs = Agent.objects.filter(pk=agent_id)
    if connection.features.has_select_for_update:
        qs = qs.select_for_update()
    return qs.first()


def _assign(conversation: Conversation, agent: Agent, now: datetime) -> bool:
    """The conditional UPDATE; False when someone else got there first."""
    waiting = Conversation.objects.filter(pk=conversation.pk, state=ConversationState.QUEUED)
    updated = waiting.update(state=ConversationState.ASSIGNED, agent=agent, assigned_at=now)
    if not updated:
        return False
    Agent.objects.filter(pk=agent.pk).update(last_assigned_at=now)
    conversation.refresh_from_db()
    message_append(
        conversation=conversation,
        sender=MessageSender.SYSTEM,
        agent=agent,
        text=_("%(name)s 상담원이 연결되었습니다.") % {"name": agent.display_name},
    )
    conversation_id = conversation.pk
    transaction.on_commit(lambda: events.conversation_changed(conversation_id))
    return True


def _try_agents(conversation: Conversation, now: datetime) -> Assignment | None:
    for candidate in _candidates(conversation.queue):  # type: ignore[arg-type]
        agent = _lock_agent(candidate.pk)
        # Re-checked under the lock: another dispatcher may have filled this agent meanwhile.
        if agent is None or agent.state != AgentState.AVAILABLE:
            continue
        if active_chats(agent.pk) >= agent.capacity:
            continue
        if _assign(conversation, agent, now):
            return Assignment(conversation.pk, agent.pk, conversation.queue_id)  # type: ignore[arg-type]
        return None
    return None


@transaction.atomic
def _dispatch_once(queue_ids: list[int] | None) -> list[Assignment]:
    _begin_write()
    made: list[Assignment] = []
    full_queues: set[int] = set()
    now = timezone.now()
    for conversation in _waiting(queue_ids)[:BATCH]:
        if conversation.queue_id in full_queues:
            continue
        assignment = _try_agents(conversation, now)
        if assignment is None:
            full_queues.add(conversation.queue_id)  # type: ignore[arg-type]
        else:
            made.append(assignment)
    return made


def routing_dispatch(
    *, queue_ids: list[int] | None = None, agent_id: int | None = None
) -> list[Assignment]:
    """Assign as many waiting conversations as agents can take; returns what was assigned.

    `agent_id` limits the run to that agent's queues (they became available or freed capacity).
    """
    if agent_id is not None:
        queue_ids = list(Queue.objects.filter(agents__pk=agent_id).values_list("pk", flat=True))
        if not queue_ids:
            return []
    made: list[Assignment] = []
    for _round in range(MAX_ROUNDS):
        batch = _dispatch_once(queue_ids)
        made.extend(batch)
        if len(batch) < 1:
            break
    return made


@transaction.atomic
def routing_pick(*, agent: Agent, conversation_id: int) -> Conversation:
    """An agent takes a waiting conversation from their queue by hand."""
    _begin_write()
    conversation = Conversation.objects.filter(
        pk=conversation_id, state=ConversationState.QUEUED, queue__agents=agent
    ).first()
    if conversation is None:
        raise ApplicationError(
            _("이미 다른 상담원이 받았거나 대기 중이 아닌 대화입니다."), code="conflict"
        )
    locked = _lock_agent(agent.pk)
    if locked is None or locked.state == AgentState.OFFLINE:
        raise ApplicationError(_("오프라인 상태에서는 상담을 받을 수 없습니다."), code="conflict")
    if active_chats(agent.pk) >= locked.capacity:
        raise ApplicationError(_("동시 상담 한도에 도달했습니다."), code="conflict")
    if not _assign(conversation, locked, timezone.now()):
        raise ApplicationError(
            _("이미 다른 상담원이 받았거나 대기 중이 아닌 대화입니다."), code="conflict"
        )
    return conversation


def conversation_abandon(*, conversation_id: int) -> bool:
    """The customer left while waiting: QUEUED → ABANDONED. False when it was not waiting."""
    updated = Conversation.objects.filter(
        pk=conversation_id, state=ConversationState.QUEUED
    ).update(state=ConversationState.ABANDONED, abandoned_at=timezone.now())
    if updated:
        transaction.on_commit(lambda: events.conversation_changed(conversation_id))
    return bool(updated)
