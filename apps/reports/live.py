"""Live floor figures for the dashboard API and the supervisor board."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Min, Q
from django.utils import timezone

from apps.agents.models import Agent, AgentState, Queue
from apps.chat.models import Conversation, ConversationState
from apps.reports import kpis

# A waiting contact is "at risk" once it has used this share of its queue's SLA.
SLA_RISK_SHARE = 0.8


def start_of_today() -> datetime:
    return timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)


def queue_snapshot(now: datetime | None = None) -> list[dict[str, Any]]:
    now = now or timezone.now()
    waiting = (
        Conversation.objects.filter(state=ConversationState.QUEUED)
        .values("queue_id")
        .annotate(n=Count("pk"), oldest=Min("queued_at"))
    )
    by_queue = {row["queue_id"]: row for row in waiting}
    active = dict(
        Conversation.objects.filter(state=ConversationState.ASSIGNED)
        .values_list("queue_id")
        .annotate(n=Count("pk"))
    )
    out = []
    for queue in Queue.objects.filter(is_active=True):
        row = by_queue.get(queue.pk, {"n": 0, "oldest": None})
        risk_after = now - timedelta(seconds=queue.sla_seconds * SLA_RISK_SHARE)
        at_risk = (
            Conversation.objects.filter(
                queue=queue, state=ConversationState.QUEUED, queued_at__lte=risk_after
            ).count()
            if row["n"]
            else 0
        )
        out.append(
            {
                "queue": queue.code,
                "name": queue.name,
                "contacts_in_queue": row["n"],
                "oldest_contact_age": int((now - row["oldest"]).total_seconds())
                if row["oldest"]
                else 0,
                "active_chats": active.get(queue.pk, 0),
                "sla_at_risk": at_risk,
                "sla_seconds": queue.sla_seconds,
            }
        )
    return out


def agent_snapshot() -> dict[str, Any]:
    counts = dict(Agent.objects.values_list("state").annotate(n=Count("pk")))
    chats = Agent.objects.annotate(
        active=Count("conversations", filter=Q(conversations__state=ConversationState.ASSIGNED))
    ).values("pk", "display_name", "state", "capacity", "active")
    return {
        "by_state": {state: counts.get(state, 0) for state in AgentState.values},
        "agents": list(chats),
    }


def dashboard() -> dict[str, Any]:
    now = timezone.now()
    today = kpis.compute(kpis.window(start_of_today(), now + timedelta(seconds=1)))
    last_hour = kpis.compute(kpis.window(now - timedelta(hours=1), now + timedelta(seconds=1)))
    return {
        "generated_at": now,
        "today": today.as_dict(),
        "last_hour": last_hour.as_dict(),
        "queues": queue_snapshot(now),
        "agents": agent_snapshot(),
    }
