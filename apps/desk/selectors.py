"""Read queries of the agent desk, shared by the views and the desk websocket.

Visibility rule (issue 5): an agent sees conversations assigned to them (open or closed) and
those waiting in their own queues; supervisors see everything but cannot send.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q, QuerySet

from apps.agents.models import Agent
from apps.chat.models import Conversation, ConversationState, Message, MessageSender
from apps.core import roles
from apps.faqs.models import CannedResponse, Faq

logger = logging.getLogger(__name__)

SUGGESTIONS = 3


@dataclass(frozen=True)
class Viewer:
    agent: Agent | None
    is_supervisor: bool
    queue_ids: list[int] = field(default_factory=list)

    @property
    def agent_id(self) -> int | None:
        return self.agent.pk if self.agent else None


def desk_viewer(user: AbstractBaseUser | AnonymousUser) -> Viewer | None:
    """None when the user may not use the desk at all."""
    if not user.is_authenticated:
        return None
    agent = Agent.objects.filter(user_id=user.pk).first()
    supervisor = roles.is_supervisor(user)
    if agent is None and not supervisor:
        return None
    if agent is not None and not (supervisor or roles.has_role(user, roles.AGENT)):
        return None
    queue_ids = list(agent.queues.values_list("pk", flat=True)) if agent else []
    return Viewer(agent=agent, is_supervisor=supervisor, queue_ids=queue_ids)


def visible_conversations(viewer: Viewer) -> QuerySet[Conversation]:
    qs = Conversation.objects.select_related("agent", "queue", "customer")
    if viewer.is_supervisor:
        return qs
    return qs.filter(
        Q(agent=viewer.agent) | Q(state=ConversationState.QUEUED, queue_id__in=viewer.queue_ids)
    )


def can_view(viewer: Viewer, conversation_id: int) -> bool:
    return visible_conversations(viewer).filter(pk=conversation_id).exists()


def waiting_list(viewer: Viewer) -> list[Conversation]:
    qs = Conversation.objects.select_related("queue").filter(state=ConversationState.QUEUED)
    if not viewer.is_supervisor:
        qs = qs.filter(queue_id__in=viewer.queue_ids)
    return list(qs.order_by("-queue__priority", "queued_at", "pk")[:100])


def my_chats(viewer: Viewer) -> list[Conversation]:
    if viewer.agent is None:
        return []
    return list(
        Conversation.objects.select_related("queue")
        .filter(agent=viewer.agent, state=ConversationState.ASSIGNED)
        .order_by("assigned_at", "pk")
    )


def transcript(conversation: Conversation) -> list[Message]:
    return list(conversation.messages.select_related("agent").order_by("seq"))


def previous_conversations(conversation: Conversation) -> list[Conversation]:
    if conversation.customer_id:
        same = Q(customer_id=conversation.customer_id)
    else:
        same = Q(channel_key_id=conversation.channel_key_id, user_id=conversation.user_id)
    qs = Conversation.objects.select_related("agent", "queue").filter(same)
    return list(qs.exclude(pk=conversation.pk).order_by("-started_at")[:10])


def suggested_faqs(conversation: Conversation) -> list[Faq]:
    """Top FAQs for the last customer message, ranked by the bot's own index."""
    from apps.nlu.index import get_bot_index

    last = conversation.messages.filter(sender=MessageSender.CUSTOMER).order_by("-seq").first()
    if last is None:
        return []
    try:
        candidates = get_bot_index().index.rank(last.text, k=SUGGESTIONS * 2)
    except Exception:
        logger.exception("suggestion ranking failed")  # the desk works without suggestions
        return []
    ids = [int(c.key.split(":", 1)[1]) for c in candidates if c.key.startswith("faq:")]
    faqs = Faq.objects.live().in_bulk(ids[:SUGGESTIONS])
    return [faqs[i] for i in ids[:SUGGESTIONS] if i in faqs]


def render_canned(body: str, *, customer_name: str, agent_name: str) -> str:
    # Plain replacement, not str.format: a stray "{" in a script must not raise or leak attributes.
    return body.replace("{customer_name}", customer_name).replace("{agent_name}", agent_name)


def canned_responses(*, customer_name: str, agent_name: str) -> list[dict[str, str]]:
    return [
        {
            "title": c.title,
            "shortcut": c.shortcut,
            "text": render_canned(c.body, customer_name=customer_name, agent_name=agent_name),
        }
        for c in CannedResponse.objects.filter(is_active=True)
    ]
