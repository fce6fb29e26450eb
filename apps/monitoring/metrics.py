"""Prometheus metrics: request counts and latency per endpoint, bot figures, live queue state.

Counters and histograms live in the process (one scrape target per process); conversation and
queue gauges are read from the database at scrape time, so every process reports the same.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Count
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

REGISTRY = CollectorRegistry(auto_describe=True)

HTTP_REQUESTS = Counter(
    "aicc_http_requests_total",
    "HTTP requests by endpoint, method and status",
    ["endpoint", "method", "status"],
    registry=REGISTRY,
)
HTTP_LATENCY = Histogram(
    "aicc_http_request_duration_seconds",
    "HTTP request latency by endpoint",
    ["endpoint"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
    registry=REGISTRY,
)
HTTP_SHED = Counter(
    "aicc_http_shed_total",
    "API requests refused because they waited in the queue past the deadline",
    registry=REGISTRY,
)
NLU_LATENCY = Histogram(
    "aicc_nlu_seconds",
    "Time to understand one customer message",
    ["backend"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2),
    registry=REGISTRY,
)
BOT_OUTCOMES = Counter(
    "aicc_bot_replies_total",
    "Bot replies by next action (FALLBACK counts fallbacks)",
    ["next_action"],
    registry=REGISTRY,
)


class LiveStateCollector(Collector):
    def describe(self) -> Iterator[GaugeMetricFamily]:
        # Registration asks for names; answering without a query keeps imports DB-free.
        yield GaugeMetricFamily(
            "aicc_conversations", "Open conversations by state", labels=["state"]
        )
        yield GaugeMetricFamily(
            "aicc_contacts_in_queue", "Conversations waiting per queue", labels=["queue"]
        )

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from apps.chat.models import Conversation, ConversationState

        open_states = [ConversationState.BOT, ConversationState.QUEUED, ConversationState.ASSIGNED]
        by_state = GaugeMetricFamily(
            "aicc_conversations", "Open conversations by state", labels=["state"]
        )
        counts = dict(
            Conversation.objects.filter(state__in=open_states)
            .values_list("state")
            .annotate(n=Count("pk"))
        )
        for state in open_states:
            by_state.add_metric([state], counts.get(state, 0))
        yield by_state
        queues = GaugeMetricFamily(
            "aicc_contacts_in_queue", "Conversations waiting per queue", labels=["queue"]
        )
        waiting = (
            Conversation.objects.filter(state=ConversationState.QUEUED)
            .values_list("queue__code")
            .annotate(n=Count("pk"))
        )
        for code, n in waiting:
            queues.add_metric([code or "none"], n)
        yield queues


REGISTRY.register(LiveStateCollector())
