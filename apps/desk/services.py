"""Agent-side conversation workflows: reply, transfer, close, wrap-up, PII reveal.

Messages go through `apps.chat.services.message_append` (seq + after-commit broadcast); state
changes are conditional UPDATEs checked by row count, like routing (apps/agents/routing.py).
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import IntegrityError, connection, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.agents.models import Agent, AgentState, Queue
from apps.agents.routing import active_chats
from apps.chat import broadcast, events
from apps.chat.models import Conversation, ConversationState, Message, MessageSender
from apps.chat.services import message_append
from apps.core.exceptions import ApplicationError
from apps.core.models import AuditAction, AuditLog
from apps.core.text import clean_message_text
from apps.customers.crm import CrmCustomer, get_crm
from apps.customers.models import Customer

CSAT_PROMPT = "상담이 종료되었습니다. 오늘 상담은 만족스러우셨나요? 1~5점으로 평가해 주세요."


def _assigned_to(
    agent: Agent, conversation_id: int, client_message_id: str | None = None
) -> Conversation:
    """The agent's live chat, row-locked; `earlier_message_id` is set for a resent client id.

    The resend probe rides along as a subquery (conversation_reply's path when its one
    UPDATE stored nothing).
    """
    qs = Conversation.objects.select_for_update().filter(
        pk=conversation_id, agent=agent, state=ConversationState.ASSIGNED
    )
    if client_message_id:
        earlier = Message.objects.filter(
            conversation=OuterRef("pk"), client_message_id=client_message_id
        ).values("pk")[:1]
        qs = qs.annotate(earlier_message_id=Subquery(earlier))
    conversation = qs.first()
    if conversation is None:
        raise ApplicationError(_("내게 배정된 진행 중인 대화가 아닙니다."), code="conflict")
    return conversation


# One statement checks the assignment, takes the row lock and the next seq, stamps the first
# reply (FRT) and skips a resent client id. Table and column names are ours; values are params.
_REPLY_SQL = """
    UPDATE {conversation} SET last_seq = last_seq + 1,
        first_agent_reply_at = COALESCE(first_agent_reply_at, %s)
    WHERE id = %s AND agent_id = %s AND state = %s AND NOT EXISTS (
        SELECT 1 FROM {message} WHERE conversation_id = %s AND client_message_id = %s)
    RETURNING {columns}
"""


def conversation_reply(
    *, agent: Agent, conversation_id: int, text: str, client_message_id: str | None = None
) -> Message:
    """An agent message to the customer; the first one stamps `first_agent_reply_at` (FRT).

    The desk socket's hot path (issue 5 benchmark): BEGIN, one UPDATE, one INSERT, COMMIT.
    When the UPDATE matches nothing, `_reply_not_stored` finds out why (resend or not mine).
    """
    text, client_message_id = clean_message_text(text), client_message_id or None
    try:
        message = _reply_stored(agent, conversation_id, text, client_message_id)
    except IntegrityError:
        # A concurrent resend of the same client id stored it first (message_unique_client_id).
        message = None
    if message is None:
        message = _reply_not_stored(agent, conversation_id, client_message_id)
    return message


@transaction.atomic
def _reply_stored(
    agent: Agent, conversation_id: int, text: str, client_message_id: str | None
) -> Message | None:
    now = timezone.now()
    fields = Conversation._meta.concrete_fields
    sql = _REPLY_SQL.format(
        conversation=connection.ops.quote_name(Conversation._meta.db_table),
        message=connection.ops.quote_name(Message._meta.db_table),
        columns=", ".join(connection.ops.quote_name(str(f.column)) for f in fields),
    )
    params = [now, conversation_id, agent.pk, ConversationState.ASSIGNED]
    # raw(): the RETURNING row becomes a whole Conversation with the usual field converters.
    updated = Conversation.objects.raw(sql, [*params, conversation_id, client_message_id])
    conversation = next(iter(updated), None)
    if conversation is None:
        return None
    conversation.agent = agent
    message = Message.objects.create(
        conversation=conversation,
        seq=conversation.last_seq,
        sender=MessageSender.AGENT,
        text=text,
        agent=agent,
        client_message_id=client_message_id,
        created_at=now,
    )
    # What message_append does after its insert: broadcast once the row is committed.
    transaction.on_commit(lambda: events.message_created(message.pk, message=message))
    return message


@transaction.atomic
def _reply_not_stored(agent: Agent, conversation_id: int, client_message_id: str | None) -> Message:
    """The stored message for a resent client id; otherwise the chat is not (or no longer) mine."""
    conversation = _assigned_to(agent, conversation_id, client_message_id)
    earlier_id = getattr(conversation, "earlier_message_id", None)
    if earlier_id is None:
        raise ApplicationError(_("대화 상태가 바뀌었습니다. 다시 시도해 주세요."), code="conflict")
    return Message.objects.select_related("agent").get(pk=earlier_id)


@transaction.atomic
def conversation_close(*, agent: Agent, conversation_id: int) -> Conversation:
    """ASSIGNED → CLOSED; the customer is asked for CSAT and the agent's capacity frees."""
    conversation = _assigned_to(agent, conversation_id)
    conversation.state = ConversationState.CLOSED
    conversation.closed_at = timezone.now()
    conversation.save(update_fields=["state", "closed_at"])
    message_append(
        conversation=conversation,
        sender=MessageSender.BOT,
        text=_(CSAT_PROMPT),
        next_action="END",
        intent="csat",
        payload={"ask_csat": True},
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
    *,
    agent: Agent,
    conversation_id: int,
    note: str,
    queue: Queue | None = None,
    to_agent: Agent | None = None,
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
            ConversationState.QUEUED,
            queue,
            None,
        )
        target = str(queue)
    conversation.save(update_fields=["state", "queue", "agent"])
    message_append(
        conversation=conversation,
        sender=MessageSender.AGENT,
        agent=agent,
        is_internal=True,
        text=_("[이관 → %(target)s] %(note)s") % {"target": target, "note": note},
        payload={
            "transfer": {
                "queue": queue.pk if queue else None,
                "agent": to_agent.pk if to_agent else None,
            }
        },
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
        user=user,
        action=AuditAction.PII_REVEAL,
        target=f"customer:{crm_customer.crm_id}",
        customer=Customer.objects.filter(crm_id=crm_customer.crm_id).first(),
        fields="phone,email",
        reason=f"{reason[:250]} (대화 #{conversation.pk})",
    )
    return crm_customer


def crm_profile(conversation: Conversation) -> CrmCustomer | None:
    """The customer behind a chat: the linked profile, else the chat's user id as a CRM id."""
    crm_id = conversation.customer.crm_id if conversation.customer else conversation.user_id
    return get_crm().get_customer(crm_id)


# Supervisor intervention from the board (issue 7) ------------------------------------------


def _supervisor_name(user: User) -> str:
    agent = Agent.objects.filter(user_id=user.pk).first()
    return agent.display_name if agent else user.get_username()


@transaction.atomic
def conversation_whisper(*, user: User, conversation_id: int, text: str) -> Message:
    """A supervisor's note to the agent in a live chat: an internal message.

    Internal messages reach the desk only: the customer socket drops them and the history API
    filters them out (apps/chat/consumers/, apps/chat/api/views.py).
    """
    text = clean_message_text(text, field="text")
    conversation = (
        Conversation.objects.select_for_update()
        .filter(
            pk=conversation_id, state__in=[ConversationState.QUEUED, ConversationState.ASSIGNED]
        )
        .first()
    )
    if conversation is None:
        raise ApplicationError(_("진행 중인 대화에만 귓속말을 남길 수 있습니다."), code="conflict")
    name = _supervisor_name(user)
    return message_append(
        conversation=conversation,
        sender=MessageSender.SYSTEM,
        is_internal=True,
        text=_("[귓속말 · %(name)s] %(text)s") % {"name": name, "text": text},
        payload={"whisper": {"user_id": user.pk, "name": name}},
    )


@transaction.atomic
def conversation_take_over(*, user: User, conversation_id: int) -> Conversation:
    """The supervisor's own Agent profile takes an ASSIGNED chat from its agent.

    The previous agent's capacity frees (capacity counts ASSIGNED rows), routing may hand them
    a waiting chat, and their desk hears `taken` on its agent group. An internal note records
    who took the chat from whom.
    """
    new_agent = Agent.objects.filter(user_id=user.pk).first()
    if new_agent is None:
        raise ApplicationError(
            _("상담원 프로필이 없는 감독자는 상담을 가져올 수 없습니다."), code="forbidden"
        )
    conversation = (
        # of=("self",): PostgreSQL cannot lock the nullable side of the agent outer join.
        Conversation.objects.select_for_update(of=("self",))
        .select_related("agent")
        .filter(pk=conversation_id, state=ConversationState.ASSIGNED)
        .first()
    )
    previous = conversation.agent if conversation else None
    if conversation is None or previous is None:
        raise ApplicationError(_("상담원이 진행 중인 대화만 가져올 수 있습니다."), code="conflict")
    if previous.pk == new_agent.pk:
        raise ApplicationError(_("이미 내가 진행 중인 대화입니다."), code="conflict")
    # Conditional on the agent we read: a concurrent transfer or close makes this a no-op.
    updated = Conversation.objects.filter(
        pk=conversation_id, state=ConversationState.ASSIGNED, agent_id=previous.pk
    ).update(agent=new_agent)
    if not updated:
        raise ApplicationError(_("대화 상태가 바뀌었습니다. 다시 시도해 주세요."), code="conflict")
    conversation.agent = new_agent
    by = new_agent.display_name
    message_append(
        conversation=conversation,
        sender=MessageSender.SYSTEM,
        is_internal=True,
        text=_("[상담 인계] %(by)s 님이 %(previous)s 상담원에게서 상담을 가져왔습니다.")
        % {"by": by, "previous": previous.display_name},
        payload={
            "take_over": {"by_user": user.pk, "to_agent": new_agent.pk, "from_agent": previous.pk}
        },
    )
    previous_id = previous.pk
    transaction.on_commit(lambda: events.conversation_changed(conversation_id))
    transaction.on_commit(lambda: events.agent_released(previous_id))
    transaction.on_commit(lambda: broadcast.conversation_taken(previous_id, conversation_id, by))
    return conversation
