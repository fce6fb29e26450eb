"""Publish live KPIs and health to CloudWatch as custom metrics (namespace "AICC").

Reads the same figures as the supervisor dashboard (apps/reports/live.py) and the health
endpoint (apps/monitoring/health.py), so an alarm in CloudWatch and the board never disagree.
Metric names follow Amazon Connect's where one exists (DESIGN §3). Prometheus
(/api/monitoring/metrics) stays the local default; this runs only when
AICC_CLOUDWATCH_ENABLED is set (integrations.cloudwatch_publish, every minute).
"""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from apps.integrations.aws.cloudwatch import Metric, MetricsSink, get_metrics_sink
from apps.monitoring import health
from apps.reports import live

# Health as a number an alarm can threshold: >= 1 means something is wrong.
HEALTH_VALUES = {health.OK: 0, health.DEGRADED: 1, health.DOWN: 2}
# KPI field (apps/reports/kpis.Kpis) → (metric name, unit).
KPI_METRICS = {
    "conversations": ("Conversations", "Count"),
    "containment": ("Containment", "None"),
    "escalation_rate": ("EscalationRate", "None"),
    "asa_seconds": ("AVG_QUEUE_ANSWER_TIME", "Seconds"),
    "service_level": ("SERVICE_LEVEL", "None"),
    "abandonment": ("ABANDONMENT_RATE", "None"),
    "frt_seconds": ("FirstResponseTime", "Seconds"),
    "aht_seconds": ("AVG_HANDLE_TIME", "Seconds"),
    "csat_mean": ("CsatMean", "None"),
}


def _kpi_metrics(kpis: dict, window: str) -> list[Metric]:
    # A KPI without data (None: no conversation yet today) is left out, not sent as 0.
    return [
        Metric(name, kpis[key], unit, {"Window": window})
        for key, (name, unit) in KPI_METRICS.items()
        if kpis.get(key) is not None
    ]


def _queue_metrics(queues: list[dict]) -> list[Metric]:
    metrics = []
    for row in queues:
        dims = {"Queue": row["queue"]}
        metrics += [
            Metric("CONTACTS_IN_QUEUE", row["contacts_in_queue"], "Count", dims),
            Metric("OLDEST_CONTACT_AGE", row["oldest_contact_age"], "Seconds", dims),
            Metric("ActiveChats", row["active_chats"], "Count", dims),
            Metric("SlaAtRisk", row["sla_at_risk"], "Count", dims),
        ]
    return metrics


def _health_metrics() -> list[Metric]:
    status, checks = health.run_checks()
    return [Metric("HealthStatus", HEALTH_VALUES[status], "None")] + [
        Metric("HealthCheck", HEALTH_VALUES.get(result, 2), "None", {"Check": name})
        for name, result in sorted(checks.items())
    ]


def collect_metrics() -> list[Metric]:
    board = live.dashboard()
    by_state = board["agents"]["by_state"]
    return [
        *_kpi_metrics(board["today"], "today"),
        *_kpi_metrics(board["last_hour"], "last_hour"),
        *_queue_metrics(board["queues"]),
        Metric("CONTACTS_IN_QUEUE", sum(q["contacts_in_queue"] for q in board["queues"]), "Count"),
        Metric("AGENTS_AVAILABLE", by_state.get("AVAILABLE", 0), "Count"),
        Metric("AGENTS_ONLINE", sum(n for s, n in by_state.items() if s != "OFFLINE"), "Count"),
        *_health_metrics(),
    ]


def cloudwatch_publish(*, sink: MetricsSink | None = None) -> int | None:
    """Send one snapshot; None when CloudWatch publishing is not configured."""
    if not settings.AICC_CLOUDWATCH_ENABLED:
        return None
    sink = sink or get_metrics_sink()
    return sink.put(
        namespace=settings.AICC_CLOUDWATCH_NAMESPACE,
        metrics=collect_metrics(),
        timestamp=timezone.now(),
    )
