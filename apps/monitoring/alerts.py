"""Evaluate alert rules and send what fired (issue 7 item 6).

1. Every minute `alerts_evaluate` computes each active rule's metric over its trailing window
   with database aggregates (apps/reports/kpis.py for conversation KPIs; live counts here).
2. A rule whose condition holds claims its aligned window by inserting an `AlertLog`; the
   unique (rule, window_start) constraint makes the claim atomic, so a second run in the same
   window, or a racing worker, finds the row taken and sends nothing.
3. The claimed log is sent by `alert_send` (a task per log) through the notification service,
   one idempotency key per recipient, so a retried task never texts anyone twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Count, Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.agents.models import Agent, AgentState
from apps.chat.models import Conversation, ConversationState, Message, MessageSender
from apps.core.pii import mask_pii
from apps.integrations.aws.errors import IntegrationError
from apps.integrations.services.notifications import notification_send
from apps.monitoring.models import (
    PERCENT_METRICS,
    AlertLog,
    AlertMetric,
    AlertRule,
    AlertStatus,
)
from apps.reports import kpis

logger = logging.getLogger(__name__)
DEFAULT_SLA_SECONDS = 60


@dataclass(frozen=True)
class Evaluation:
    rule_id: int
    value: float | None
    fired: bool
    log_id: int | None = None


# -- metrics ---------------------------------------------------------------------------------


def _live_queue(rule: AlertRule, now: datetime) -> dict:
    qs = Conversation.objects.filter(state=ConversationState.QUEUED)
    if rule.queue_id:
        qs = qs.filter(queue_id=rule.queue_id)
    return qs.aggregate(n=Count("pk"), oldest=Min("queued_at"))


def _contacts_in_queue(rule: AlertRule, now: datetime) -> float | None:
    return float(_live_queue(rule, now)["n"])


def _oldest_contact_age(rule: AlertRule, now: datetime) -> float | None:
    oldest = _live_queue(rule, now)["oldest"]
    return max(0.0, (now - oldest).total_seconds()) if oldest else 0.0


def _agents_available(rule: AlertRule, now: datetime) -> float | None:
    qs = Agent.objects.filter(state=AgentState.AVAILABLE)
    if rule.queue_id:
        qs = qs.filter(queues=rule.queue_id)
    return float(qs.count())


def _fallback_rate(rule: AlertRule, now: datetime) -> float | None:
    """Bot replies that did not understand (FALLBACK, or the hand-off after repeated misses)."""
    start, end = rule.window_bounds(now)
    counts = Message.objects.filter(
        sender=MessageSender.BOT, created_at__gte=start, created_at__lte=end
    ).aggregate(
        total=Count("pk"),
        missed=Count("pk", filter=Q(next_action="FALLBACK") | Q(intent="fallback")),
    )
    return counts["missed"] / counts["total"] if counts["total"] else None


def _kpi(name: str) -> Callable[[AlertRule, datetime], float | None]:
    def compute(rule: AlertRule, now: datetime) -> float | None:
        start, end = rule.window_bounds(now)
        qs = kpis.window(start, end)
        sla = DEFAULT_SLA_SECONDS
        if rule.queue_id:
            qs = qs.filter(queue_id=rule.queue_id)
            sla = rule.queue.sla_seconds  # type: ignore[union-attr]
        return getattr(kpis.compute(qs, sla_seconds=sla), name)

    return compute


METRICS: dict[str, Callable[[AlertRule, datetime], float | None]] = {
    AlertMetric.CONTACTS_IN_QUEUE: _contacts_in_queue,
    AlertMetric.OLDEST_CONTACT_AGE: _oldest_contact_age,
    AlertMetric.ABANDONMENT_RATE: _kpi("abandonment"),
    AlertMetric.SERVICE_LEVEL: _kpi("service_level"),
    AlertMetric.FALLBACK_RATE: _fallback_rate,
    AlertMetric.CONTAINMENT: _kpi("containment"),
    AlertMetric.CSAT_MEAN: _kpi("csat_mean"),
    AlertMetric.AGENTS_AVAILABLE: _agents_available,
}


def alert_metric_value(*, rule: AlertRule, now: datetime) -> float | None:
    """The rule's metric, in the unit its threshold uses; None when there is nothing to measure
    (no conversations in the window), which never fires."""
    value = METRICS[rule.metric](rule, now)
    if value is None:
        return None
    if rule.metric in PERCENT_METRICS:
        value *= 100
    return round(float(value), 2)


# -- evaluation ------------------------------------------------------------------------------


def _claim(rule: AlertRule, value: float, now: datetime) -> AlertLog | None:
    try:
        with transaction.atomic():
            return AlertLog.objects.create(
                rule=rule,
                metric=rule.metric,
                value=value,
                threshold=rule.threshold,
                comparison=rule.comparison,
                window_start=rule.window_start(now),
                channel=rule.channel,
                sent_to=", ".join(mask_pii(r) for r in rule.recipient_list),
                created_at=now,
            )
    except IntegrityError:
        return None  # this window already fired (or another worker just claimed it)


def alert_rule_evaluate(*, rule: AlertRule, now: datetime | None = None) -> Evaluation:
    now = now or timezone.now()
    value = alert_metric_value(rule=rule, now=now)
    if value is None or not rule.holds(value):
        return Evaluation(rule.pk, value, fired=False)
    log = _claim(rule, value, now)
    if log is None:
        return Evaluation(rule.pk, value, fired=False)
    from apps.monitoring.tasks import alert_send as alert_send_task

    log_id = log.pk
    transaction.on_commit(lambda: alert_send_task.delay(log_id))
    return Evaluation(rule.pk, value, fired=True, log_id=log_id)


def alerts_evaluate(*, now: datetime | None = None) -> list[Evaluation]:
    now = now or timezone.now()
    results = []
    for rule in AlertRule.objects.filter(is_active=True).select_related("queue"):
        try:
            results.append(alert_rule_evaluate(rule=rule, now=now))
        except Exception:  # noqa: BLE001  one broken rule must not silence the others
            logger.exception("alert rule %s failed to evaluate", rule.pk)
    return results


# -- sending ---------------------------------------------------------------------------------


def alert_text(log: AlertLog) -> tuple[str, str]:
    rule = log.rule
    scope = rule.queue.name if rule.queue_id else _("전체")  # type: ignore[union-attr]
    subject = _("[AICC 알림] %(name)s") % {"name": rule.name}
    body = _(
        "%(metric)s(%(scope)s)이(가) %(value)s로 임계값 %(threshold)s %(comparison)s입니다. "
        "최근 %(minutes)s분 기준, %(at)s."
    ) % {
        "metric": log.get_metric_display(),
        "scope": scope,
        "value": f"{log.value:g}",
        "threshold": f"{log.threshold:g}",
        "comparison": log.get_comparison_display(),
        "minutes": rule.window_minutes,
        "at": timezone.localtime(log.created_at).strftime("%Y-%m-%d %H:%M"),
    }
    return subject, body


def alert_send(*, log_id: int) -> AlertLog:
    """Send one fired alert to every recipient; safe to run again (per-recipient keys)."""
    log = AlertLog.objects.select_related("rule", "rule__queue").get(pk=log_id)
    if log.status == AlertStatus.SENT:
        return log
    subject, body = alert_text(log)
    errors = []
    for index, recipient in enumerate(log.rule.recipient_list):
        try:
            notification_send(
                channel=log.channel,
                recipient=recipient,
                text=body,
                subject=subject,
                key=f"alert:{log.pk}:{index}",
            )
        except IntegrationError as exc:
            if exc.retryable:
                raise  # the task retries; recipients already reached are skipped by key
            errors.append(f"{mask_pii(recipient)}: {exc.message}")
    log.status = AlertStatus.FAILED if errors else AlertStatus.SENT
    log.error = "\n".join(errors)[:2000]
    log.save(update_fields=["status", "error"])
    return log
