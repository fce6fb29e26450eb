"""After-commit events of the chat service: the seam where routing and live updates attach.

The chat service calls these through `transaction.on_commit`, so listeners only ever see
committed rows (persist first, then broadcast; DESIGN §6). Routing runs here too: when a
conversation is queued, when an agent becomes available and when an agent's capacity frees.
An error here is logged, never raised: the customer's request has already been stored.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.db.models import Avg, F
from django.utils import timezone

from apps.chat import broadcast
from apps.chat.models import Conversation, ConversationState, Message

logger = logging.getLogger(__name__)

ASA_WINDOW = timedelta(hours=24)


def message_data(message: Message) -> dict[str, Any]:
    """The one JSON shape of a message on every socket (customers get a subset, see consumers)."""
    payload = message.payload or {}
    return {
        "id": message.pk,
        "conversation": message.conversation_id,
        "seq": message.seq,
        "sender": message.sender,
        "text": message.text,
        "intent": message.intent,
        "confidence": message.confidence,
        "next_action": message.next_action,
        "is_internal": message.is_internal,
        "agent_name": message.agent.display_name if message.agent else "",
        "quick_replies": list(payload.get("quick_replies", [])),
        "ask_csat": bool(payload.get("ask_csat")),
        "created_at": message.created_at.isoformat(),
    }


def conversation_data(conversation: Conversation) -> dict[str, Any]:
    return {
        "id": conversation.pk,
        "state": conversation.state,
        "queue_id": conversation.queue_id,
        "agent_id": conversation.agent_id,
        "agent_name": conversation.agent.display_name if conversation.agent else "",
        "last_seq": conversation.last_seq,
    }


def queue_snapshot(queue_id: int) -> tuple[list[int], int]:
    """Waiting conversation ids in routing order and the queue's recent mean answer time."""
    waiting = list(
        Conversation.objects.filter(queue_id=queue_id, state=ConversationState.QUEUED)
        .order_by("queued_at", "pk")
        .values_list("pk", flat=True)
    )
    recent = Conversation.objects.filter(
        queue_id=queue_id, assigned_at__isnull=False, queued_at__gte=timezone.now() - ASA_WINDOW
    ).aggregate(asa=Avg(F("assigned_at") - F("queued_at")))["asa"]
    if recent is None:
        from apps.agents.models import Queue

        sla = Queue.objects.filter(pk=queue_id).values_list("sla_seconds", flat=True).first()
        return waiting, int(sla or 60)
    return waiting, round(recent.total_seconds())


def _announce(conversation: Conversation, reason: str) -> None:
    broadcast.conversation_state(conversation_data(conversation))
    if conversation.queue_id:
        broadcast.queue_changed(conversation.queue_id, *queue_snapshot(conversation.queue_id))
    if conversation.agent_id:
        broadcast.agent_changed(conversation.agent_id, reason)
    broadcast.board_changed(reason)


def _load(conversation_id: int) -> Conversation | None:
    return Conversation.objects.select_related("agent").filter(pk=conversation_id).first()


def _route(**scope: Any) -> None:
    from apps.agents.routing import routing_dispatch

    try:
        routing_dispatch(**scope)
    except Exception:
        logger.exception("routing failed for %s", scope)


def conversation_queued(conversation_id: int) -> None:
    """A conversation entered a queue: tell the waiting list, then try to hand it to an agent."""
    conversation = _load(conversation_id)
    if conversation is None:
        return
    _announce(conversation, "queued")
    if conversation.queue_id:
        _route(queue_ids=[conversation.queue_id])
    _escalate_to_connect(conversation_id)


def message_created(message_id: int, message: Message | None = None) -> None:
    """A message was stored (customer, bot, agent or system).

    The chat service passes the instance it just committed (with its conversation), which saves
    a read-back per message on the hot path; other callers pass only the id.
    """
    if message is None:
        message = (
            Message.objects.select_related("agent", "conversation").filter(pk=message_id).first()
        )
    if message is None:
        return
    broadcast.message(message.conversation_id, message.conversation.agent_id, message_data(message))


def conversation_changed(conversation_id: int) -> None:
    """State, queue or agent of a conversation changed."""
    conversation = _load(conversation_id)
    if conversation is None:
        return
    _announce(conversation, "changed")
    if conversation.state in (ConversationState.CLOSED, ConversationState.ABANDONED):
        _emit_webhook(conversation)


def _escalate_to_connect(conversation_id: int) -> None:
    """With a Connect chat flow configured, the queued chat also becomes a Connect contact."""
    from apps.integrations.services.connect_chat import connect_chat_enabled
    from apps.integrations.tasks import connect_escalate

    if connect_chat_enabled():
        connect_escalate.delay(conversation_id)


def _emit_webhook(conversation: Conversation) -> None:
    """CRM/ERP subscribers hear about finished conversations (delivered later by Celery)."""
    from apps.integrations.services.webhooks import webhook_event_emit

    event = (
        "conversation.closed"
        if conversation.state == ConversationState.CLOSED
        else ("conversation.abandoned")
    )
    try:
        webhook_event_emit(
            event=event,
            payload={
                "session_id": str(conversation.session_id),
                "state": conversation.state,
                "queue_id": conversation.queue_id,
                "agent_id": conversation.agent_id,
                "disposition": conversation.disposition,
                "csat_score": conversation.csat_score,
                "closed_at": conversation.closed_at.isoformat() if conversation.closed_at else None,
            },
        )
    except Exception:
        logger.exception("webhook emit failed for conversation %s", conversation.pk)


def agent_available(agent_id: int) -> None:
    """An agent became AVAILABLE or finished a chat (capacity freed): route to them."""
    broadcast.agent_changed(agent_id, "state")
    broadcast.board_changed("agent")
    _route(agent_id=agent_id)


def agent_released(agent_id: int) -> None:
    """A conversation left an agent (transfer, close): their queues may be served now."""
    broadcast.agent_changed(agent_id, "released")
    _route(agent_id=agent_id)
