"""Live floor figures for the dashboard API and the supervisor board (/desk/board/).

Every function is a handful of aggregate queries over indexed filters — open conversations
(`state` in QUEUED/ASSIGNED, index state+queued_at), last-hour windows (`started_at`,
`Message.created_at`) and the small agent and queue tables — so their cost does not grow with
the history of closed conversations. bench/reports.py times them over 1 M conversations.
`board_snapshot()` returns JSON-safe values only: it travels over the channel layer (msgpack
with Redis) and the desk websocket.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, IntegerField, Min, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from apps.agents.models import Agent, AgentState, Queue
from apps.chat.models import Conversation, ConversationState, Message, MessageSender
from apps.reports import kpis

# A waiting contact is "at risk" once it has used this share of its queue's SLA.
SLA_RISK_SHARE = 0.8
LAST_HOUR = timedelta(hours=1)
# Connect metrics synced longer ago than this are shown as stale on the board.
CONNECT_STALE_SECONDS = 60


def start_of_today() -> datetime:
    return timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)


def _age(now: datetime, then: datetime | None) -> int:
    return max(int((now - then).total_seconds()), 0) if then else 0


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def queue_snapshot(now: datetime | None = None) -> list[dict[str, Any]]:
    """Per active queue: waiting contacts, oldest wait, active chats and SLA at risk.

    Two queries: the queues, then one GROUP BY over open conversations. Each queue has its own
    SLA, so "at risk" is one OR of (queue, queued_at ≤ threshold) terms inside that query.
    """
    now = now or timezone.now()
    queues = list(
        Queue.objects.filter(is_active=True).values(
            "pk", "code", "name", "sla_seconds", "connect_queue_id"
        )
    )
    if not queues:
        return []
    at_risk = Q()
    for queue in queues:
        threshold = now - timedelta(seconds=queue["sla_seconds"] * SLA_RISK_SHARE)
        at_risk |= Q(queue_id=queue["pk"], queued_at__lte=threshold)
    queued = Q(state=ConversationState.QUEUED)
    rows = (
        Conversation.objects.filter(
            state__in=[ConversationState.QUEUED, ConversationState.ASSIGNED],
            queue_id__in=[q["pk"] for q in queues],
        )
        .values("queue_id")
        .annotate(
            waiting=Count("pk", filter=queued),
            oldest=Min("queued_at", filter=queued),
            at_risk=Count("pk", filter=queued & at_risk),
            active=Count("pk", filter=Q(state=ConversationState.ASSIGNED)),
        )
        .order_by()
    )
    by_queue: dict[int, dict[str, Any]] = {row["queue_id"]: dict(row) for row in rows}
    empty: dict[str, Any] = {"waiting": 0, "oldest": None, "at_risk": 0, "active": 0}
    return [
        {
            "id": q["pk"],
            "queue": q["code"],
            "name": q["name"],
            "contacts_in_queue": by_queue.get(q["pk"], empty)["waiting"],
            "oldest_contact_age": _age(now, by_queue.get(q["pk"], empty)["oldest"]),
            "active_chats": by_queue.get(q["pk"], empty)["active"],
            "sla_at_risk": by_queue.get(q["pk"], empty)["at_risk"],
            "sla_seconds": q["sla_seconds"],
            "connect_queue_id": q["connect_queue_id"],
        }
        for q in queues
    ]


def agents_by_state() -> dict[str, int]:
    counts = dict(Agent.objects.values_list("state").annotate(n=Count("pk")).order_by())
    return {state: counts.get(state, 0) for state in AgentState.values}


def agent_rows() -> list[dict[str, Any]]:
    """Every agent with their ASSIGNED chat count (a correlated count on the agent+state index)."""
    assigned = (
        Conversation.objects.filter(agent_id=OuterRef("pk"), state=ConversationState.ASSIGNED)
        .order_by()
        .values("agent_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rows = Agent.objects.annotate(
        active=Coalesce(Subquery(assigned, output_field=IntegerField()), Value(0))
    ).values("pk", "display_name", "state", "capacity", "active")
    return [dict(row) for row in rows]


def agent_snapshot() -> dict[str, Any]:
    return {"by_state": agents_by_state(), "agents": agent_rows()}


def bot_last_hour(now: datetime | None = None) -> dict[str, Any]:
    """Containment (DESIGN §3 formula) and fallback rate of the bot over the last hour.

    Containment: conversations started in the hour that closed in BOT without reaching a queue,
    over all started in the hour. Fallback rate: bot replies to a customer message whose
    next_action is FALLBACK, over all such replies created in the hour.
    """
    now = now or timezone.now()
    since = now - LAST_HOUR
    conv = Conversation.objects.filter(started_at__gte=since, started_at__lte=now).aggregate(
        total=Count("pk"),
        contained=Count("pk", filter=Q(state=ConversationState.CLOSED, queued_at__isnull=True)),
    )
    replies = Message.objects.filter(
        created_at__gte=since,
        created_at__lte=now,
        sender=MessageSender.BOT,
        reply_to__isnull=False,
    ).aggregate(total=Count("pk"), fallbacks=Count("pk", filter=Q(next_action="FALLBACK")))
    return {
        "conversations": conv["total"],
        "contained": conv["contained"],
        "containment": _ratio(conv["contained"], conv["total"]),
        "bot_replies": replies["total"],
        "fallbacks": replies["fallbacks"],
        "fallback_rate": _ratio(replies["fallbacks"], replies["total"]),
    }


def connect_metrics(queue_ids: list[int], now: datetime | None = None) -> dict[int, dict[str, Any]]:
    """The latest synced Connect real-time metrics per local queue, with their age in seconds."""
    from apps.integrations.models import QueueMetricSnapshot

    now = now or timezone.now()
    out: dict[int, dict[str, Any]] = {}
    rows = QueueMetricSnapshot.objects.filter(queue_id__in=queue_ids).order_by("updated_at")
    for snap in rows:  # one row per Connect queue; the newest wins if two map to one queue
        taken = snap.data_snapshot_time or snap.updated_at
        age = _age(now, taken)
        out[snap.queue_id] = {  # type: ignore[index]
            "values": dict(snap.values or {}),
            "snapshot_time": taken.isoformat() if taken else None,
            "age_seconds": age,
            "stale": age > CONNECT_STALE_SECONDS,
        }
    return out


def board_snapshot(now: datetime | None = None) -> dict[str, Any]:
    """Everything the board's numbers and charts show, in at most 5 queries (+1 with Connect)."""
    now = now or timezone.now()
    queues = queue_snapshot(now)
    connected = [q["id"] for q in queues if q["connect_queue_id"]]
    connect = connect_metrics(connected, now) if connected else {}
    for queue in queues:
        queue["connect"] = connect.get(queue["id"])
    return {
        "generated_at": now.isoformat(),
        "queues": queues,
        "totals": {
            "contacts_in_queue": sum(q["contacts_in_queue"] for q in queues),
            "oldest_contact_age": max((q["oldest_contact_age"] for q in queues), default=0),
            "active_chats": sum(q["active_chats"] for q in queues),
            "sla_at_risk": sum(q["sla_at_risk"] for q in queues),
        },
        "agents_by_state": agents_by_state(),
        "bot": bot_last_hour(now),
        "connect_configured": bool(connected),
    }


def dashboard() -> dict[str, Any]:
    now = timezone.now()
    today = kpis.compute(kpis.window(start_of_today(), now + timedelta(seconds=1)))
    last_hour = kpis.compute(kpis.window(now - LAST_HOUR, now + timedelta(seconds=1)))
    return {
        "generated_at": now,
        "today": today.as_dict(),
        "last_hour": last_hour.as_dict(),
        "queues": queue_snapshot(now),
        "agents": agent_snapshot(),
    }
