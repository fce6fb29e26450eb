"""Chat workflows: receive a customer message, let the bot answer, escalate, close.

Persist first, then broadcast after commit (DESIGN §6). Customer text is masked before it is
stored or handed to the NLU; the raw text lives only for this call (slot checks need it).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Avg, F
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.agents.models import Queue
from apps.chat import broadcast, events
from apps.chat.dialog import BotReply, bot_respond
from apps.chat.models import ChannelKey, Conversation, ConversationState, Message, MessageSender
from apps.chat.turn_store import lock_conversation, store_turn
from apps.core.exceptions import ApplicationError
from apps.core.pii import mask_pii
from apps.core.text import clean_message_text
from apps.monitoring.metrics import BOT_OUTCOMES

logger = logging.getLogger(__name__)

ASA_WINDOW = timedelta(hours=24)


def _no_agent_text() -> str:
    return _(
        "지금은 상담원 연결이 어려워요. 잠시 후 다시 시도해 주시거나 고객센터 114로 전화해 주세요."
    )


OPEN_STATES = (ConversationState.BOT, ConversationState.QUEUED, ConversationState.ASSIGNED)


@dataclass
class Escalation:
    queue: str
    position: int
    estimated_wait_seconds: int


@dataclass
class ChatResult:
    conversation: Conversation
    customer_message: Message
    reply: Message | None
    next_action: str
    quick_replies: list[str]
    escalation: Escalation | None
    replayed: bool = False


class ConversationNotFound(ApplicationError):
    def __init__(self) -> None:
        super().__init__(
            _("대화를 찾을 수 없습니다."),
            {"session_id": [_("알 수 없는 세션입니다.")]},
            code="not_found",
        )


def _next_seq(conversation: Conversation) -> int:
    """Take the next seq in one round trip: the UPDATE locks the row until commit."""
    table = connection.ops.quote_name(Conversation._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            # The ORM has no UPDATE ... RETURNING; the table name is ours, the value a parameter.
            f"UPDATE {table} SET last_seq = last_seq + 1 WHERE id = %s RETURNING last_seq",  # noqa: S608
            [conversation.pk],
        )
        conversation.last_seq = cursor.fetchone()[0]
    return conversation.last_seq


def _created(message: Message) -> None:
    # The instance goes along so listeners need not read back the row this request just wrote.
    transaction.on_commit(lambda: events.message_created(message.pk, message=message))


def message_append(
    *, conversation: Conversation, sender: str, text: str, **fields: object
) -> Message:
    """Store a message with the next seq, for callers that did not lock the conversation row."""
    message = Message.objects.create(
        conversation=conversation, seq=_next_seq(conversation), sender=sender, text=text, **fields
    )
    _created(message)
    return message


def _next_locked(
    conversation: Conversation, *, sender: str, text: str, **fields: object
) -> Message:
    """The next message under the row lock this transaction holds, not yet stored.

    The seq comes from the locked row's last_seq without a write per message; the caller stores
    the message and `last_seq` together (`store_turn`). Other writers increment last_seq in
    SQL, which waits for this lock, so seq stays strictly increasing and gap-free (the unique
    constraint is the backstop).
    """
    conversation.last_seq += 1
    return Message(
        conversation=conversation, seq=conversation.last_seq, sender=sender, text=text, **fields
    )


_REPLAY_SQL = """
    SELECT m.id FROM {message} m JOIN {conversation} c ON c.id = m.conversation_id
    WHERE m.client_message_id = %s AND m.sender = %s AND c.channel_key_id = %s
      AND c.user_id = %s
    ORDER BY m.id LIMIT 1
"""


def _find_replay(
    channel_key: ChannelKey, user_id: str, client_message_id: str | None
) -> Message | None:
    if not client_message_id:
        return None
    # Runs before every chat turn and almost never finds anything: plain SQL led by
    # client_message_id (its own index) costs one probe and a fraction of the ORM's CPU
    # (building this join was a fifth of a turn's CPU in py-spy). The full row only on a retry.
    sql = _REPLAY_SQL.format(
        message=connection.ops.quote_name(Message._meta.db_table),
        conversation=connection.ops.quote_name(Conversation._meta.db_table),
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql, [client_message_id, MessageSender.CUSTOMER.value, channel_key.pk, user_id]
        )
        row = cursor.fetchone()
    if row is None:
        return None
    return Message.objects.select_related("conversation").get(pk=row[0])


def _open_conversation(
    channel_key: ChannelKey,
    user_id: str,
    session_id: str | None,
    channel: str | None,
    client_message_id: str | None,
) -> Conversation:
    if session_id:
        conversation = lock_conversation(session_id, channel_key.pk, user_id)
        if conversation is None:
            raise ConversationNotFound()
        if conversation.state in OPEN_STATES:
            return conversation
        # A closed conversation is over; the customer's next words start a new one.
    return Conversation.objects.create(
        channel_key=channel_key,
        user_id=user_id,
        channel=channel or channel_key.channel,
        opening_client_message_id=client_message_id,
    )


def queue_estimate(queue: Queue, conversation: Conversation) -> Escalation:
    """Position in the queue and a wait estimate from the queue's recent ASA."""
    waiting = Conversation.objects.filter(queue=queue, state=ConversationState.QUEUED)
    position = waiting.filter(queued_at__lte=conversation.queued_at).count()
    since = timezone.now() - ASA_WINDOW
    recent = Conversation.objects.filter(
        queue=queue, assigned_at__isnull=False, queued_at__gte=since
    ).aggregate(asa=Avg(F("assigned_at") - F("queued_at")))["asa"]
    asa = recent.total_seconds() if recent else float(queue.sla_seconds)
    return Escalation(
        queue=queue.code,
        position=max(position, 1),
        estimated_wait_seconds=round(asa * max(position, 1)),
    )


def _pick_queue(code: str | None) -> Queue:
    queues = Queue.objects.filter(is_active=True)
    queue = (
        queues.filter(code=code).first()
        or queues.filter(code=settings.BOT_DEFAULT_QUEUE).first()
        or queues.order_by("-priority", "pk").first()
    )
    if queue is None:
        raise ApplicationError(_("연결할 상담 대기열이 없습니다."), code="no_queue")
    return queue


def conversation_escalate(
    *, conversation: Conversation, queue_code: str | None = None, reason: str = "customer_request"
) -> Escalation:
    """BOT → QUEUED. Idempotent: an already queued or assigned conversation keeps its place."""
    if conversation.state == ConversationState.BOT:
        conversation.queue = _pick_queue(queue_code)
        conversation.state = ConversationState.QUEUED
        conversation.queued_at = timezone.now()
        conversation.escalation_reason = reason
        conversation.save(
            update_fields=["queue", "state", "queued_at", "escalation_reason", "bot_state"]
        )
        transaction.on_commit(lambda: events.conversation_queued(conversation.pk))
    if conversation.queue is None:
        raise ApplicationError(_("연결할 상담 대기열이 없습니다."), code="no_queue")
    return queue_estimate(conversation.queue, conversation)


def conversation_close_by_bot(*, conversation: Conversation) -> None:
    if conversation.state == ConversationState.BOT:
        conversation.state = ConversationState.CLOSED
        conversation.closed_at = timezone.now()
        conversation.save(update_fields=["state", "closed_at", "bot_state"])
        transaction.on_commit(lambda: events.conversation_changed(conversation.pk))


def _reply_message(conversation: Conversation, customer_msg: Message, reply: BotReply) -> Message:
    payload: dict[str, object] = {"quick_replies": reply.quick_replies}
    if reply.ask_csat:
        payload["ask_csat"] = True
    return _next_locked(
        conversation,
        sender=MessageSender.BOT,
        text=reply.text,
        intent=reply.intent[:120],
        confidence=reply.confidence,
        next_action=reply.next_action,
        reply_to=customer_msg,
        faq_id=reply.faq_id,
        payload=payload,
    )


def _replay(message: Message) -> ChatResult:
    reply = message.replies.order_by("seq").first()
    escalation = None
    conversation = message.conversation
    if reply and reply.next_action == "QUEUED" and conversation.queue_id:
        escalation = queue_estimate(conversation.queue, conversation)  # type: ignore[arg-type]
    return ChatResult(
        conversation=conversation,
        customer_message=message,
        reply=reply,
        next_action=reply.next_action if reply else _agent_action(conversation),
        quick_replies=list((reply.payload or {}).get("quick_replies", [])) if reply else [],
        escalation=escalation,
        replayed=True,
    )


def _agent_action(conversation: Conversation) -> str:
    return "WITH_AGENT" if conversation.state == ConversationState.ASSIGNED else "QUEUED"


def chat_receive(
    *,
    channel_key: ChannelKey,
    user_id: str,
    text: str,
    session_id: str | None = None,
    channel: str | None = None,
    client_message_id: str | None = None,
) -> ChatResult:
    """Store a customer message and the bot's answer, or pass it to the agent."""
    raw_text = clean_message_text(text)
    if (earlier := _find_replay(channel_key, user_id, client_message_id)) is not None:
        return _replay(earlier)
    try:
        with broadcast.batched():
            return _receive(channel_key, user_id, raw_text, session_id, channel, client_message_id)
    except IntegrityError:
        # Two identical requests raced past the replay check; the loser reads the winner's row.
        if (earlier := _find_replay(channel_key, user_id, client_message_id)) is not None:
            return _replay(earlier)
        raise


@transaction.atomic
def _receive(
    channel_key: ChannelKey,
    user_id: str,
    raw_text: str,
    session_id: str | None,
    channel: str | None,
    client_message_id: str | None,
) -> ChatResult:
    conversation = _open_conversation(channel_key, user_id, session_id, channel, client_message_id)
    masked = mask_pii(raw_text)
    # Built now, stored with the bot's reply in one statement at the end (apps/chat/turn_store).
    customer_msg = _next_locked(
        conversation,
        sender=MessageSender.CUSTOMER,
        text=masked,
        client_message_id=client_message_id,
    )
    _created(customer_msg)  # the broadcast reads the pk at commit, after store_turn set it
    if conversation.state != ConversationState.BOT:
        store_turn(conversation, customer_msg, None, ["last_seq"])
        escalation = None
        if conversation.state == ConversationState.QUEUED and conversation.queue:
            escalation = queue_estimate(conversation.queue, conversation)
        return ChatResult(
            conversation, customer_msg, None, _agent_action(conversation), [], escalation
        )
    reply = bot_respond(conversation=conversation, text=masked, raw_text=raw_text)
    BOT_OUTCOMES.labels(reply.next_action).inc()
    escalation = None
    if reply.escalates:
        try:
            escalation = conversation_escalate(
                conversation=conversation,
                queue_code=reply.escalate_queue,
                reason=reply.escalate_reason,
            )
        except ApplicationError:
            # No queue to hand over to: say so, but never lose the customer's message.
            reply = BotReply(
                text=_no_agent_text(), next_action="FALLBACK", intent="handoff_unavailable"
            )
    bot_msg = _reply_message(conversation, customer_msg, reply)
    _created(bot_msg)
    conversation.last_intent = reply.intent[:120]
    # One closing UPDATE carries the seq counter, the dialog memory and, on END, the close.
    changed = ["bot_state", "last_intent", "last_seq"]
    if reply.next_action == "END" and conversation.state == ConversationState.BOT:
        conversation.state = ConversationState.CLOSED
        conversation.closed_at = timezone.now()
        changed += ["state", "closed_at"]
        transaction.on_commit(lambda: events.conversation_changed(conversation.pk))
    store_turn(conversation, customer_msg, bot_msg, changed)
    return ChatResult(
        conversation, customer_msg, bot_msg, reply.next_action, reply.quick_replies, escalation
    )


@transaction.atomic
def chat_escalate(*, conversation: Conversation, reason: str = "customer_request") -> Escalation:
    """The customer pressed "상담원 연결": queue the conversation and say so in the transcript."""
    conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
    if conversation.state not in OPEN_STATES:
        raise ApplicationError(
            _("이미 종료된 대화입니다. 새 대화를 시작해 주세요."), code="conversation_closed"
        )
    was_bot = conversation.state == ConversationState.BOT
    conversation.bot_state.pop("scenario", None)
    escalation = conversation_escalate(conversation=conversation, reason=reason)
    if was_bot:
        message_append(
            conversation=conversation,
            sender=MessageSender.BOT,
            next_action="QUEUED",
            text=_("상담원에게 연결해 드릴게요. 잠시만 기다려 주세요."),
            intent="handoff",
        )
    return escalation


def message_feedback(*, conversation: Conversation, seq: int, helpful: bool) -> Message:
    message = conversation.messages.filter(seq=seq, sender=MessageSender.BOT).first()
    if message is None:
        raise ApplicationError(
            _("평가할 챗봇 답변을 찾을 수 없습니다."),
            {"seq": [_("챗봇 답변의 순번이 아닙니다.")]},
            code="not_found",
        )
    message.helpful = helpful
    message.save(update_fields=["helpful"])
    return message


def conversation_rate(*, conversation: Conversation, score: int, comment: str = "") -> Conversation:
    """CSAT after close, once: a second rating would let one customer skew the figure."""
    updated = Conversation.objects.filter(
        pk=conversation.pk, state=ConversationState.CLOSED, csat_score__isnull=True
    ).update(csat_score=score, csat_comment=comment)
    if not updated:
        conversation.refresh_from_db()
        if conversation.state != ConversationState.CLOSED:
            raise ApplicationError(
                _("상담이 끝난 뒤에 만족도를 남길 수 있습니다."), code="conversation_open"
            )
        raise ApplicationError(_("이미 만족도를 남기셨습니다."), code="already_rated")
    conversation.refresh_from_db()
    return conversation
