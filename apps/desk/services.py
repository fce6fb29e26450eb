"""Agent-side conversation workflows: reply, transfer, close, wrap-up, PII reveal.

Messages go through `apps.chat.services.message_append` (seq + after-commit broadcast); state
changes are conditional UPDATEs checked by row count, like routing (apps/agents/routing.py).
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.agents.models import Agent, AgentState, Queue
from apps.agents.routing import active_chats
from apps.chat import events
from apps.chat.models import Conversation, ConversationState, Message, MessageSender
from apps.chat.services import message_append
from apps.core.exceptions import ApplicationError
from apps.core.models import AuditAction, AuditLog
from apps.core.text import clean_message_text
from apps.customers.crm import CrmCustomer, get_crm
from apps.customers.models import Customer

CSAT_PROMPT = "상담이 종료되었습니다. 오늘 상담은 만족스러우셨나요? 1~5점으로 평가해 주세요."


def _assigned_to(agent: Agent, conversation_id: int) -> Conversation:
    conversation = (
        Conversation.objects.select_for_update()
        .filter(pk=conversation_id, agent=agent, state=ConversationState.ASSIGNED)
        .first()
    )
    if conversation is None:
        raise ApplicationError(_("내게 배정된 진행 중인 대화가 아닙니다."), code="conflict")
    return conversation


@transaction.atomic
def conversation_reply(
    *, agent: Agent, conversation_id: int, text: str, client_message_id: str | None = None
) -> Message:
    """An agent message to the customer; the first one stamps `first_agent_reply_at` (FRT)."""
    text = clean_message_text(text)
    conversation = _assigned_to(agent, conversation_id)
    if client_message_id:
        earlier = conversation.messages.filter(client_message_id=client_message_id).first()
        if earlier is not None:
            return earlier  # a resent frame after a reconnect: store nothing new
    message = message_append(
        conversation=conversation, sender=MessageSender.AGENT, text=text, agent=agent,
        client_message_id=client_message_id or None,
    )
    Conversation.objects.filter(pk=conversation.pk, first_agent_reply_at__isnull=True).update(
        first_agent_reply_at=message.created_at
    )
    return message


@transaction.atomic
def conversation_close(*, agent: Agent, conversation_id: int) -> Conversation:
    """ASSIGNED → CLOSED; the customer is asked for CSAT and the agent's capacity frees."""
    conversation = _assigned_to(agent, conversation_id)
    conversation.state = ConversationState.CLOSED
    conversation.closed_at = timezone.now()
    conversation.save(update_fields=["state", "closed_at"])
    message_append(
        conversation=conversation, sender=MessageSender.BOT, text=_(CSAT_PROMPT),
        next_action="END", intent="csat", payload={"ask_csat": True},
    )
    agent_id = agent.pk
    transaction.on_commit(lambda: events.conversation_changed(conversation_id))
    transaction.on_commit(lambda: events.agent_released(agent_id))
    return conversation


def conversation_wrapup(
    *, agent: Agent, conversation_id: int, disposition: str, note: str = ""
) -> Conversation:
    """Disposition and note after close; wrap-up time counts from close to now (AHT)."""
    conversation = Conversation.objects.filter(
        pk=conversation_id, agent=agent, state=ConversationState.CLOSED
    ).first()
    if conversation is None or conversation.closed_at is None:
        raise ApplicationError(_("종료된 내 대화만 후처리할 수 있습니다."), code="conflict")
    if not conversation.disposition:
        conversation.wrapup_seconds = round(
            (timezone.now() - conversation.closed_at).total_seconds()
        )
    conversation.disposition, conversation.wrapup_note = disposition, note
    conversation.save(update_fields=["disposition", "wrapup_note", "wrapup_seconds"])
    return conversation


@transaction.atomic
def conversation_transfer(
    *, agent: Agent, conversation_id: int, note: str,
    queue: Queue | None = None, to_agent: Agent | None = None,
) -> Conversation:
    """Hand a chat to another queue (back to waiting) or straight to another agent."""
    if (queue is None) == (to_agent is None):
        raise ApplicationError(_("이관할 큐나 상담원 중 하나를 고르세요."))
    conversation = _assigned_to(agent, conversation_id)
    if to_agent is not None:
        _check_target(to_agent, agent)
        conversation.agent = to_agent
        target = to_agent.display_name
    else:
        conversation.state, conversation.queue, conversation.agent = (
            ConversationState.QUEUED, queue, None,
        )
        target = str(queue)
    conversation.save(update_fields=["state", "queue", "agent"])
    message_append(
        conversation=conversation, sender=MessageSender.AGENT, agent=agent, is_internal=True,
        text=_("[이관 → %(target)s] %(note)s") % {"target": target, "note": note},
        payload={"transfer": {"queue": queue.pk if queue else None,
                              "agent": to_agent.pk if to_agent else None}},
    )
    agent_id = agent.pk
    if queue is not None:
        transaction.on_commit(lambda: events.conversation_queued(conversation_id))
    else:
        transaction.on_commit(lambda: events.conversation_changed(conversation_id))
    transaction.on_commit(lambda: events.agent_released(agent_id))
    return conversation


def _check_target(to_agent: Agent, agent: Agent) -> None:
    if to_agent.pk == agent.pk:
        raise ApplicationError(_("자기 자신에게는 이관할 수 없습니다."))
    if to_agent.state == AgentState.OFFLINE:
        raise ApplicationError(_("오프라인 상담원에게는 이관할 수 없습니다."))
    if active_chats(to_agent.pk) >= to_agent.capacity:
        raise ApplicationError(_("받는 상담원의 동시 상담 한도가 찼습니다."))


def customer_reveal(
    *, user: User, conversation: Conversation, crm_customer: CrmCustomer, reason: str
) -> CrmCustomer:
    """Unmasked contact data for one customer, logged with who, whom, what and why (PIPA)."""
    reason = reason.strip()
    if len(reason) < 2:
        raise ApplicationError(_("열람 사유를 입력해 주세요."), {"reason": [_("필수 항목입니다.")]})
    AuditLog.objects.create(
        user=user, action=AuditAction.PII_REVEAL, target=f"customer:{crm_customer.crm_id}",
        customer=Customer.objects.filter(crm_id=crm_customer.crm_id).first(),
        fields="phone,email", reason=f"{reason[:250]} (대화 #{conversation.pk})",
    )
    return crm_customer


def crm_profile(conversation: Conversation) -> CrmCustomer | None:
    """The customer behind a chat: the linked profile, else the chat's user id as a CRM id."""
    crm_id = conversation.customer.crm_id if conversation.customer_id else conversation.user_id
    return get_crm().get_customer(crm_id)  # type: ignore[union-attr]
