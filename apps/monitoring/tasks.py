"""Celery tasks of monitoring: alert evaluation and sending, and the monthly audit report.

`core.audit_monthly_report` lives here because apps/core has no tasks module; its service is
apps/core/audit.py. Schedules: migration monitoring 0002_periodic_tasks.
"""

from __future__ import annotations

from typing import Any

from celery import Task, shared_task

from apps.core import audit
from apps.integrations.aws.errors import IntegrationError
from apps.integrations.tasks import backoff
from apps.monitoring import alerts

OPTIONS: dict[str, Any] = {"bind": True, "acks_late": True, "reject_on_worker_lost": True}


@shared_task(name="monitoring.alerts_evaluate", **OPTIONS)
def alerts_evaluate(self: Task) -> list[dict[str, Any]]:
    # Safe to run twice for one minute: a window fires once (unique AlertLog per window).
    return [vars(result) for result in alerts.alerts_evaluate()]


@shared_task(name="monitoring.alert_send", max_retries=6, **OPTIONS)
def alert_send(self: Task, log_id: int) -> str:
    try:
        return alerts.alert_send(log_id=log_id).status
    except IntegrationError as exc:  # only retryable ones reach here
        raise self.retry(exc=exc, countdown=backoff(self.request.retries))


@shared_task(name="core.audit_monthly_report", **OPTIONS)
def audit_monthly_report(self: Task, month: str | None = None) -> int:
    """E-mail last month's access summary (or `month`, "YYYY-MM"); returns recipients."""
    target = audit.parse_month(month) if month else audit.previous_month()
    return audit.audit_monthly_report_send(month=target)
