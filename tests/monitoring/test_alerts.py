from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from apps.chat.models import ConversationState
from apps.integrations.aws.notify import local_notifier
from apps.integrations.models import NotificationLog
from apps.monitoring import alerts
from apps.monitoring.models import AlertLog, AlertMetric, AlertRule, AlertStatus
from apps.monitoring.tasks import alerts_evaluate as alerts_evaluate_task
from tests.factories import AgentFactory, ConversationFactory, MessageFactory

pytestmark = pytest.mark.django_db

# 10:07 UTC: inside the aligned 15-minute window 10:00-10:15.
T0 = datetime(2026, 3, 2, 10, 7, tzinfo=UTC)


def _rule(**overrides) -> AlertRule:
    values = {
        "name": "대기 고객 많음",
        "metric": AlertMetric.CONTACTS_IN_QUEUE,
        "threshold": 2,
        "window_minutes": 15,
        "channel": "email",
        "recipients": "lead@example.com",
    }
    return AlertRule.objects.create(**{**values, **overrides})


def _waiting(n: int, queue=None, since: datetime = T0) -> None:
    for _ in range(n):
        ConversationFactory(
            state=ConversationState.QUEUED,
            queue=queue,
            started_at=since - timedelta(minutes=5),
            queued_at=since,
        )


def _evaluate(now: datetime, django_capture_on_commit_callbacks) -> list[alerts.Evaluation]:
    with django_capture_on_commit_callbacks(execute=True):
        return alerts.alerts_evaluate(now=now)


def test_it_fires_once_per_window_and_again_in_the_next(django_capture_on_commit_callbacks):
    rule = _rule()
    _waiting(3)

    first = _evaluate(T0, django_capture_on_commit_callbacks)
    again = _evaluate(T0 + timedelta(minutes=1), django_capture_on_commit_callbacks)
    later = _evaluate(T0 + timedelta(minutes=7), django_capture_on_commit_callbacks)  # 10:14
    next_window = _evaluate(T0 + timedelta(minutes=8), django_capture_on_commit_callbacks)

    assert [r.fired for r in (*first, *again, *later, *next_window)] == [True, False, False, True]
    logs = list(AlertLog.objects.order_by("window_start"))
    assert [log.window_start for log in logs] == [
        datetime(2026, 3, 2, 10, 0, tzinfo=UTC),
        datetime(2026, 3, 2, 10, 15, tzinfo=UTC),
    ]
    assert all(
        (log.rule, log.value, log.threshold, log.status) == (rule, 3.0, 2.0, "sent") for log in logs
    )
    assert len(mail.outbox) == 2


def test_the_database_refuses_a_second_firing_in_the_same_window():
    # What protects two workers evaluating the same minute: the unique constraint itself.
    rule = _rule()
    window = rule.window_start(T0)
    AlertLog.objects.create(
        rule=rule,
        metric=rule.metric,
        value=3,
        threshold=2,
        comparison="above",
        window_start=window,
        channel="email",
    )
    assert alerts._claim(rule, 4.0, T0 + timedelta(minutes=2)) is None
    assert AlertLog.objects.count() == 1


def test_it_does_not_fire_below_the_threshold(django_capture_on_commit_callbacks):
    _rule(threshold=5)
    _waiting(3)

    results = _evaluate(T0, django_capture_on_commit_callbacks)

    assert [(r.value, r.fired) for r in results] == [(3.0, False)]
    assert not AlertLog.objects.exists()
    assert mail.outbox == []


def test_it_emails_the_recipients_with_the_figures(django_capture_on_commit_callbacks):
    _rule(recipients="lead@example.com, ops@example.com")
    _waiting(3)

    _evaluate(T0, django_capture_on_commit_callbacks)

    assert sorted(m.to[0] for m in mail.outbox) == ["lead@example.com", "ops@example.com"]
    assert mail.outbox[0].subject == "[AICC 알림] 대기 고객 많음"
    assert "대기 중 고객 수(전체)이(가) 3로 임계값 2 초과" in mail.outbox[0].body
    log = AlertLog.objects.get()
    assert log.sent_to == "le***@example.com, op***@example.com"


def test_it_texts_through_the_local_sms_twin(django_capture_on_commit_callbacks):
    outbox = local_notifier().sms_outbox
    outbox.clear()
    _rule(
        channel="sms",
        recipients="010-1234-5678",
        metric=AlertMetric.AGENTS_AVAILABLE,
        comparison="below",
        threshold=1,
    )

    _evaluate(T0, django_capture_on_commit_callbacks)

    assert [number for number, _text in outbox] == ["+821012345678"]
    assert "대기 상담원 수" in outbox[0][1]
    assert AlertLog.objects.get().status == AlertStatus.SENT
    assert NotificationLog.objects.get().recipient == "010-****-5678"


def test_a_resent_alert_does_not_text_twice(django_capture_on_commit_callbacks):
    outbox = local_notifier().sms_outbox
    outbox.clear()
    _rule(
        channel="sms",
        recipients="010-1234-5678",
        metric=AlertMetric.AGENTS_AVAILABLE,
        comparison="below",
        threshold=1,
    )
    _evaluate(T0, django_capture_on_commit_callbacks)
    log = AlertLog.objects.get()
    AlertLog.objects.filter(pk=log.pk).update(status=AlertStatus.PENDING)  # a redelivered task

    alerts.alert_send(log_id=log.pk)

    assert len(outbox) == 1


def test_it_limits_queue_rules_to_their_queue(queues, django_capture_on_commit_callbacks):
    _rule(queue=queues["billing"], threshold=1)
    _waiting(3, queue=queues["general"])
    _waiting(1, queue=queues["billing"])

    results = _evaluate(T0, django_capture_on_commit_callbacks)

    assert [(r.value, r.fired) for r in results] == [(1.0, False)]


def test_oldest_wait_is_measured_in_seconds():
    rule = _rule(metric=AlertMetric.OLDEST_CONTACT_AGE, threshold=60)
    _waiting(1, since=T0 - timedelta(seconds=90))

    assert alerts.alert_metric_value(rule=rule, now=T0) == 90.0


def test_abandonment_is_a_percentage_of_queued_conversations_in_the_window():
    rule = _rule(metric=AlertMetric.ABANDONMENT_RATE, threshold=20)
    start = T0 - timedelta(minutes=5)
    for state in (
        ConversationState.ABANDONED,
        ConversationState.ASSIGNED,
        ConversationState.ASSIGNED,
        ConversationState.ASSIGNED,
    ):
        ConversationFactory(state=state, started_at=start, queued_at=start)
    # Outside the 15-minute window: not counted.
    ConversationFactory(
        state=ConversationState.ABANDONED,
        started_at=T0 - timedelta(hours=1),
        queued_at=T0 - timedelta(hours=1),
    )

    assert alerts.alert_metric_value(rule=rule, now=T0) == 25.0


def test_fallback_rate_counts_bot_replies_that_missed():
    rule = _rule(metric=AlertMetric.FALLBACK_RATE, threshold=30)
    at = T0 - timedelta(minutes=1)
    for action in ("FALLBACK", "ANSWER", "ANSWER", "ANSWER"):
        MessageFactory(sender="bot", next_action=action, created_at=at)
    MessageFactory(sender="customer", created_at=at)

    assert alerts.alert_metric_value(rule=rule, now=T0) == 25.0


def test_nothing_to_measure_never_fires(django_capture_on_commit_callbacks):
    _rule(metric=AlertMetric.CSAT_MEAN, comparison="below", threshold=3)

    results = _evaluate(T0, django_capture_on_commit_callbacks)

    assert [(r.value, r.fired) for r in results] == [(None, False)]


def test_inactive_rules_are_not_evaluated(django_capture_on_commit_callbacks):
    _rule(is_active=False)
    _waiting(3)

    assert _evaluate(T0, django_capture_on_commit_callbacks) == []


def test_the_task_evaluates_every_active_rule(django_capture_on_commit_callbacks):
    AgentFactory()  # one available agent
    _rule(metric=AlertMetric.AGENTS_AVAILABLE, comparison="below", threshold=2)

    with django_capture_on_commit_callbacks(execute=True):
        results = alerts_evaluate_task.delay().get()

    assert [(r["value"], r["fired"]) for r in results] == [(1.0, True)]
    assert len(mail.outbox) == 1


def test_rule_validation_names_the_bad_field(queues):
    rule = AlertRule(
        name="x",
        metric=AlertMetric.FALLBACK_RATE,
        threshold=150,
        window_minutes=5,
        channel="email",
        recipients="not-an-email",
        queue=queues["general"],
    )

    with pytest.raises(ValidationError) as exc:
        rule.full_clean()

    assert set(exc.value.message_dict) == {"recipients", "threshold", "queue"}


def test_supervisors_manage_rules_in_admin(client_as_supervisor):
    response = client_as_supervisor.post(
        reverse("admin:monitoring_alertrule_add"),
        {
            "name": "SLA 저하",
            "metric": "SERVICE_LEVEL",
            "comparison": "below",
            "threshold": "80",
            "window_minutes": "30",
            "channel": "email",
            "recipients": "lead@example.com",
            "is_active": "on",
        },
    )

    assert response.status_code == 302
    assert AlertRule.objects.get().threshold == 80


def test_alert_log_admin_is_read_only(client_as_supervisor):
    rule = _rule()
    log = AlertLog.objects.create(
        rule=rule,
        metric=rule.metric,
        value=3,
        threshold=2,
        comparison="above",
        window_start=T0,
        channel="email",
    )

    assert (
        client_as_supervisor.get(reverse("admin:monitoring_alertlog_changelist")).status_code == 200
    )
    assert client_as_supervisor.get(reverse("admin:monitoring_alertlog_add")).status_code == 403
    page = client_as_supervisor.get(reverse("admin:monitoring_alertlog_change", args=[log.pk]))
    assert page.status_code == 200
    assert b'name="_save"' not in page.content


def test_schedules_exist_in_beat():
    from django_celery_beat.models import PeriodicTask

    tasks = dict(PeriodicTask.objects.values_list("task", "enabled"))
    assert tasks["monitoring.alerts_evaluate"] is True
    assert tasks["core.audit_monthly_report"] is True
    assert PeriodicTask.objects.get(task="monitoring.alerts_evaluate").interval.every == 1
