"""~200 past conversations over the last 30 days, so dashboards and reports have data.

Generated from the templates in conversations.json with a fixed seed: the same database gets
the same history, and a second run adds nothing (it is skipped when the demo key has any).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.agents.models import Agent, Queue
from apps.chat.models import ChannelKey, Conversation, ConversationState, Message, MessageSender
from apps.core.demo.content import read
from apps.core.pii import mask_pii
from apps.customers.models import Customer
from apps.faqs.models import Faq

TARGET = 200
SEED = 20261126


def _intent_key(intent: str, faq_ids: dict[str, int]) -> str:
    if intent in faq_ids:
        return f"faq:{faq_ids[intent]}"
    return f"scenario:{intent}"


def _start_time(rng: random.Random, now: datetime) -> datetime:
    day = now - timedelta(days=rng.randint(0, 29))
    local = timezone.localtime(day).replace(hour=rng.randint(9, 20), minute=rng.randint(0, 59))
    return min(local, now - timedelta(minutes=30))


def _timeline(kind: str, rng: random.Random, started: datetime) -> dict[str, Any]:
    times: dict[str, Any] = {"started_at": started}
    if kind == "bot_resolved":
        times.update(
            state=ConversationState.CLOSED,
            closed_at=started + timedelta(seconds=rng.randint(60, 240)),
        )
        return times
    queued = started + timedelta(seconds=rng.randint(20, 120))
    times.update(queued_at=queued, escalation_reason=rng.choice(["customer_request", "fallbacks"]))
    if kind == "abandoned":
        times.update(
            state=ConversationState.ABANDONED,
            abandoned_at=queued + timedelta(seconds=rng.randint(30, 400)),
        )
        return times
    assigned = queued + timedelta(seconds=rng.randint(5, 200))
    times.update(
        state=ConversationState.CLOSED,
        assigned_at=assigned,
        first_agent_reply_at=assigned + timedelta(seconds=rng.randint(5, 60)),
        closed_at=assigned + timedelta(seconds=rng.randint(180, 900)),
        wrapup_seconds=rng.randint(30, 150),
        disposition=rng.choice(["resolved", "info", "follow_up"]),
    )
    return times


def _messages(
    conversation: Conversation,
    template: dict[str, Any],
    agent: Agent | None,
    intent: str,
    rng: random.Random,
) -> list[Message]:
    at = conversation.started_at
    out = []
    for seq, turn in enumerate(template["turns"], start=1):
        at += timedelta(seconds=rng.randint(5, 40))
        sender = turn["sender"]
        is_bot = sender == MessageSender.BOT
        out.append(
            Message(
                conversation=conversation,
                seq=seq,
                sender=sender,
                text=mask_pii(turn["text"]),
                created_at=at,
                agent=agent if sender == MessageSender.AGENT else None,
                intent=intent if is_bot else "",
                confidence=round(rng.uniform(0.55, 0.95), 2) if is_bot else None,
                next_action="ANSWER" if is_bot else "",
            )
        )
    return out


@transaction.atomic
def load_history(channel_key: ChannelKey, target: int = TARGET) -> int:
    if Conversation.objects.filter(channel_key=channel_key).exists():
        return 0
    rng = random.Random(SEED)
    templates = read("conversations.json")
    faq_ids = dict(Faq.objects.values_list("question", "pk"))
    queues = {q.code: q for q in Queue.objects.all()}
    customers = list(Customer.objects.all())
    now = timezone.now()
    for number in range(target):
        template = rng.choice(templates)
        queue = queues.get(template["queue"])
        agents = list(queue.agents.all()) if queue else []
        agent = rng.choice(agents) if agents and template["kind"] == "escalated" else None
        # Most visitors are anonymous; a third are known customers (CRM profile, history).
        customer = rng.choice(customers) if customers and rng.random() < 0.35 else None
        times = _timeline(template["kind"], rng, _start_time(rng, now))
        intent = _intent_key(template["intent"], faq_ids)
        conversation = Conversation.objects.create(
            channel_key=channel_key,
            user_id=f"web-{customer.crm_id}" if customer else f"guest-{number:04d}",
            customer=customer,
            queue=queue if template["kind"] != "bot_resolved" else None,
            agent=agent,
            last_intent=intent,
            csat_score=template.get("csat"),
            **times,
        )
        messages = _messages(conversation, template, agent, intent, rng)
        Message.objects.bulk_create(messages)
        Conversation.objects.filter(pk=conversation.pk).update(last_seq=len(messages))
    return target
