"""Escalate a bot conversation into an Amazon Connect chat contact, and mirror its state back.

The transcript (already PII-masked when stored) and the last intent travel as contact
attributes, so the contact flow can route on `aicc_intent` and the agent sees the bot part in
the CCP. ClientToken makes the start idempotent on Connect's side; `connect_contact_id` makes it
idempotent on ours.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import Q

from apps.agents.models import Agent
from apps.chat.models import Conversation, ConversationState, MessageSender
from apps.core.exceptions import ApplicationError
from apps.integrations.aws.connect import get_connect
from apps.integrations.aws.connect_parse import ChatContact, ContactState

# Connect allows 32,767 characters per attribute value; keep the most recent part.
MAX_ATTRIBUTE_CHARS = 32_000
# Keyed by str: Message.sender is a plain CharField, not a MessageSender.
SENDER_LABEL: dict[str, str] = {
    MessageSender.CUSTOMER: "고객",
    MessageSender.BOT: "챗봇",
    MessageSender.AGENT: "상담원",
    MessageSender.SYSTEM: "시스템",
}


def transcript_text(conversation: Conversation) -> str:
    lines = [
        f"[{m.created_at:%H:%M:%S}] {SENDER_LABEL.get(m.sender, m.sender)}: {m.text}"
        for m in conversation.messages.filter(is_internal=False).order_by("seq")
    ]
    text = "\n".join(lines)
    return text[-MAX_ATTRIBUTE_CHARS:]


def contact_attributes(conversation: Conversation) -> dict[str, str]:
    return {
        "aicc_conversation_id": str(conversation.pk),
        "aicc_session_id": str(conversation.session_id),
        "aicc_channel": conversation.channel,
        "aicc_intent": conversation.last_intent or "",
        "aicc_queue": conversation.queue.code if conversation.queue else "",
        "aicc_transcript": transcript_text(conversation),
    }


def connect_chat_enabled() -> bool:
    return bool(getattr(settings, "CONNECT_CHAT_CONTACT_FLOW_ID", ""))


def conversation_escalate_to_connect(*, conversation_id: int) -> ChatContact | None:
    """Start the Connect chat contact for a conversation; None when Connect chat is off.

    Call it after the conversation was queued (chat's own escalation); it does not change the
    local state: Connect's state comes back through `conversation_mirror_connect_state`.
    """
    flow_id = getattr(settings, "CONNECT_CHAT_CONTACT_FLOW_ID", "")
    if not flow_id:
        return None
    conversation = Conversation.objects.select_related("queue").get(pk=conversation_id)
    if conversation.state in (ConversationState.CLOSED, ConversationState.ABANDONED):
        raise ApplicationError(
            "종료된 대화는 Connect로 연결할 수 없습니다.", code="conversation_closed"
        )
    contact = get_connect().start_chat_contact(
        contact_flow_id=flow_id,
        display_name=f"고객 {conversation.user_id}"[:256],
        attributes=contact_attributes(conversation),
        initial_message="챗봇 상담 내용을 이어서 상담원 연결을 요청했습니다.",
        client_token=f"aicc-conversation-{conversation.pk}",
    )
    # Only the first start stores its id; a retried task gets the same contact back anyway.
    Conversation.objects.filter(pk=conversation.pk, connect_contact_id="").update(
        connect_contact_id=contact.contact_id
    )
    return contact


def _mirror(conversation: Conversation, contact: ContactState) -> list[str]:
    changed: list[str] = []
    if contact.connected_to_agent_at and conversation.assigned_at is None:
        agent = Agent.objects.filter(connect_user_id=contact.agent_id or "-").first()
        conversation.state = ConversationState.ASSIGNED
        conversation.assigned_at = contact.connected_to_agent_at
        conversation.agent = agent
        changed += ["state", "assigned_at", "agent"]
    if contact.disconnected_at and conversation.closed_at is None:
        conversation.state = ConversationState.CLOSED
        conversation.closed_at = contact.disconnected_at
        changed += ["state", "closed_at"]
    return changed


def conversation_mirror_connect_state(*, conversation_id: int) -> list[str]:
    """Copy a Connect contact's agent-connect and disconnect times onto the conversation.

    Returns the changed fields ([] when nothing moved, so running it twice is harmless).
    """
    conversation = Conversation.objects.get(pk=conversation_id)
    if not conversation.connect_contact_id:
        return []
    contact = get_connect().describe_contact(conversation.connect_contact_id)
    changed = _mirror(conversation, contact)
    if changed:
        conversation.save(update_fields=list(dict.fromkeys(changed)))
    return changed


def connect_contacts_mirror_open() -> int:
    """Beat: mirror every open conversation that lives in Connect; returns how many changed."""
    open_ids = (
        Conversation.objects.exclude(connect_contact_id="")
        .filter(Q(state=ConversationState.QUEUED) | Q(state=ConversationState.ASSIGNED))
        .values_list("pk", flat=True)
    )
    return sum(1 for pk in open_ids if conversation_mirror_connect_state(conversation_id=pk))
