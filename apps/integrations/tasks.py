"""Celery tasks: thin wrappers that take ids, call one service and retry what may succeed later.

All tasks are acks_late + reject_on_worker_lost (a crashed worker's task is redelivered), so
every service they call is idempotent. Only IntegrationError(retryable=True) is retried, with
exponential backoff and full jitter so throttled workers do not retry in lockstep.
Queues are assigned in settings.CELERY_TASK_ROUTES (realtime, sync, reports, default).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from celery import Task, shared_task
from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings

from apps.integrations.aws.errors import IntegrationError
from apps.integrations.models import SyncRun
from apps.integrations.services import (
    cloudwatch_publish as cloudwatch,
)
from apps.integrations.services import (
    connect_chat,
    connect_contacts,
    connect_sync,
    content_mirror,
    lex_sync,
    notifications,
    probe,
    retention,
    webhooks,
)

RETRY_BACKOFF_SECONDS = 2
RETRY_BACKOFF_MAX_SECONDS = 600
OPTIONS: dict[str, Any] = {
    "bind": True,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "max_retries": 6,
}


def backoff(retries: int) -> int:
    return get_exponential_backoff_interval(
        factor=RETRY_BACKOFF_SECONDS,
        retries=retries,
        maximum=RETRY_BACKOFF_MAX_SECONDS,
        full_jitter=True,
    )


def _run(task: Task, call: Callable[[], Any]) -> Any:
    try:
        return call()
    except IntegrationError as exc:
        if not exc.retryable:
            raise
        raise task.retry(exc=exc, countdown=backoff(task.request.retries))


def _connect_scheduled() -> bool:
    # With the local twin, scheduled syncs would overwrite the demo's own queues and agent
    # states every 15 s; `manage.py sync_connect` still runs against the twin on request.
    return settings.AICC_AWS_BACKEND == "aws" or getattr(settings, "CONNECT_SYNC_LOCAL", False)


def _summary(run: SyncRun | None) -> dict[str, Any] | None:
    if run is None:
        return None
    return {
        "id": run.pk,
        "kind": run.kind,
        "status": run.status,
        "created": run.created,
        "updated": run.updated,
        "deleted": run.deleted,
        "unchanged": run.unchanged,
    }


@shared_task(name="integrations.connect_sync_directory", **OPTIONS)
def connect_sync_directory(self: Task) -> list | None:
    if not _connect_scheduled():
        return None
    return _run(self, lambda: [_summary(r) for r in connect_sync.connect_sync_directory()])


@shared_task(name="integrations.connect_sync_live_metrics", **OPTIONS)
def connect_sync_live_metrics(self: Task) -> dict | None:
    # No retry: the next run is 15 s away and a retried snapshot would already be stale.
    if not _connect_scheduled():
        return None
    return _summary(connect_sync.connect_sync_live_metrics())


@shared_task(name="integrations.connect_sync_historical", **OPTIONS)
def connect_sync_historical(self: Task) -> dict | None:
    if not _connect_scheduled():
        return None
    return _run(self, lambda: _summary(connect_sync.connect_sync_historical_metrics()))


@shared_task(name="integrations.agent_set_connect_status", **OPTIONS)
def agent_set_connect_status(self: Task, agent_id: int, status_name: str) -> None:
    _run(
        self,
        lambda: connect_sync.agent_set_connect_status(agent_id=agent_id, status_name=status_name),
    )


@shared_task(name="integrations.connect_escalate", **OPTIONS)
def connect_escalate(self: Task, conversation_id: int) -> str | None:
    contact = _run(
        self, lambda: connect_chat.conversation_escalate_to_connect(conversation_id=conversation_id)
    )
    return contact.contact_id if contact else None


@shared_task(name="integrations.connect_mirror_contacts", **OPTIONS)
def connect_mirror_contacts(self: Task) -> int:
    return _run(self, connect_chat.connect_contacts_mirror_open)


@shared_task(name="integrations.lex_push_if_changed", **OPTIONS)
def lex_push_if_changed(self: Task) -> dict | None:
    return _run(self, lambda: _summary(lex_sync.lex_push_if_changed()))


@shared_task(name="integrations.lex_sync", **OPTIONS)
def lex_sync_now(self: Task) -> dict | None:
    return _run(self, lambda: _summary(lex_sync.lex_sync_intents()))


@shared_task(name="integrations.webhook_deliver", **{**OPTIONS, "max_retries": 8})
def webhook_deliver(self: Task, delivery_id: int) -> str:
    try:
        return _run(self, lambda: webhooks.webhook_delivery_send(delivery_id=delivery_id).status)
    except IntegrationError as exc:
        webhooks.webhook_delivery_give_up(delivery_id=delivery_id, error=str(exc))
        raise


@shared_task(name="integrations.webhook_requeue_stale", **OPTIONS)
def webhook_requeue_stale(self: Task) -> int:
    return webhooks.webhook_deliveries_requeue_stale()


@shared_task(name="integrations.notification_send", **OPTIONS)
def notification_send(self: Task, **kwargs: Any) -> int:
    return _run(self, lambda: notifications.notification_send(**kwargs).pk)


@shared_task(name="integrations.retention_purge", **OPTIONS)
def retention_purge(self: Task) -> dict:
    return vars(retention.retention_purge())


@shared_task(name="integrations.worker_probe", **OPTIONS)
def worker_probe(self: Task, key: str, seconds: float = 0.0, fail_times: int = 0) -> int:
    return _run(
        self,
        lambda: (
            probe.worker_probe_run(
                key=key, seconds=seconds, fail_times=fail_times, task_name=self.name
            ).effects
        ),
    )


@shared_task(name="integrations.dynamodb_mirror_faq", **OPTIONS)
def dynamodb_mirror_faq(self: Task, faq_id: int) -> str:
    return _run(self, lambda: content_mirror.content_mirror_faq(faq_id=faq_id))


@shared_task(name="integrations.dynamodb_mirror_scenario", **OPTIONS)
def dynamodb_mirror_scenario(self: Task, scenario_id: int, code: str = "") -> str:
    return _run(
        self, lambda: content_mirror.content_mirror_scenario(scenario_id=scenario_id, code=code)
    )


@shared_task(name="integrations.dynamodb_mirror_resync", **OPTIONS)
def dynamodb_mirror_resync(self: Task) -> dict | None:
    if not content_mirror.mirror_enabled():
        return None
    return _run(self, lambda: vars(content_mirror.content_mirror_resync()))


@shared_task(name="integrations.cloudwatch_publish", **OPTIONS)
def cloudwatch_publish(self: Task) -> int | None:
    # No retry, like the live Connect metrics: the next snapshot is a minute away.
    return cloudwatch.cloudwatch_publish()


@shared_task(name="integrations.connect_sync_voice_contacts", **OPTIONS)
def connect_sync_voice_contacts(self: Task) -> dict | None:
    # Hourly over the last two hours: a contact missed (or recorded late) is taken next time.
    if not _connect_scheduled():
        return None
    return _run(self, lambda: _summary(connect_contacts.connect_sync_voice_contacts()))
