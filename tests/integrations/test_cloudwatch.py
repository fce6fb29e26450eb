"""CloudWatch custom metrics from the live dashboard and health (moto), and the local twin."""

from __future__ import annotations

from datetime import timedelta

import boto3
import pytest
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from moto import mock_aws

from apps.chat.models import ConversationState
from apps.integrations.aws import _client
from apps.integrations.aws.cloudwatch import local_metrics
from apps.integrations.tasks import cloudwatch_publish
from tests.factories import ConversationFactory, QueueFactory

pytestmark = pytest.mark.django_db

REGION = "ap-northeast-2"


@pytest.fixture
def cloudwatch(monkeypatch, settings):
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    settings.AICC_AWS_BACKEND, settings.AWS_REGION = "aws", REGION
    settings.AICC_CLOUDWATCH_ENABLED = True
    _client.client.cache_clear()
    with mock_aws():
        yield boto3.client("cloudwatch", region_name=REGION)
    _client.client.cache_clear()


def _latest(client, name: str, dimensions: list[dict] | None = None) -> float:
    now = timezone.now()
    stats = client.get_metric_statistics(
        Namespace="AICC",
        MetricName=name,
        Dimensions=dimensions or [],
        StartTime=now - timedelta(minutes=5),
        EndTime=now + timedelta(minutes=5),
        Period=60,
        Statistics=["Maximum"],
    )
    return stats["Datapoints"][0]["Maximum"]


def test_it_publishes_queue_kpis_and_health_under_the_aicc_namespace(cloudwatch) -> None:
    queue = QueueFactory(code="billing")
    for minutes in (3, 1):
        ConversationFactory(
            queue=queue,
            state=ConversationState.QUEUED,
            queued_at=timezone.now() - timedelta(minutes=minutes),
        )

    sent = cloudwatch_publish.delay().get()

    names = {m["MetricName"] for m in cloudwatch.list_metrics(Namespace="AICC")["Metrics"]}
    assert {
        "CONTACTS_IN_QUEUE",
        "OLDEST_CONTACT_AGE",
        "AGENTS_AVAILABLE",
        "HealthStatus",
        "HealthCheck",
        "Conversations",
    } <= names
    billing = [{"Name": "Queue", "Value": "billing"}]
    assert _latest(cloudwatch, "CONTACTS_IN_QUEUE", billing) == 2
    assert 170 <= _latest(cloudwatch, "OLDEST_CONTACT_AGE", billing) <= 200
    assert _latest(cloudwatch, "HealthStatus") == 0  # ok: SQLite + in-memory layers are up
    assert _latest(cloudwatch, "HealthCheck", [{"Name": "Check", "Value": "db"}]) == 0
    assert _latest(cloudwatch, "Conversations", [{"Name": "Window", "Value": "today"}]) == 2
    assert sent == len(cloudwatch.list_metrics(Namespace="AICC")["Metrics"])


def test_it_does_nothing_unless_cloudwatch_is_enabled(settings) -> None:
    settings.AICC_CLOUDWATCH_ENABLED = False
    local_metrics.cache_clear()
    assert cloudwatch_publish.delay().get() is None
    assert not local_metrics().batches


def test_the_local_twin_keeps_the_batch(settings) -> None:
    settings.AICC_CLOUDWATCH_ENABLED = True
    local_metrics.cache_clear()
    sent = cloudwatch_publish.delay().get()
    namespace, _when, metrics = local_metrics().batches[-1]
    assert namespace == "AICC"
    assert len(metrics) == sent
    assert any(m.name == "HealthStatus" for m in metrics)


def test_it_is_scheduled_every_minute_on_the_realtime_queue() -> None:
    task = PeriodicTask.objects.get(task="integrations.cloudwatch_publish")
    assert (task.interval.every, task.interval.period) == (1, "minutes")
    assert task.queue == "realtime"
