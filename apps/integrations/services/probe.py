"""A worker probe: proves the broker → worker → database path end to end, exactly once.

Operators enqueue it to check a deployment (and CI kills a worker in the middle of one). Each
delivery is counted; the effect (`effects += 1`, `completed_at`) is applied by a conditional
UPDATE, so a task redelivered after a crash or a visibility timeout never applies it twice.
"""

from __future__ import annotations

import time

from django.db.models import F
from django.utils import timezone

from apps.integrations.aws.errors import IntegrationError
from apps.integrations.models import TaskReceipt


def worker_probe_run(
    *, key: str, seconds: float = 0.0, fail_times: int = 0, task_name: str = "probe"
) -> TaskReceipt:
    receipt, _new = TaskReceipt.objects.get_or_create(key=key, defaults={"task_name": task_name})
    TaskReceipt.objects.filter(pk=receipt.pk).update(deliveries=F("deliveries") + 1)
    receipt.refresh_from_db()
    if receipt.completed_at is not None:
        return receipt
    time.sleep(seconds)  # the "work"; where CI's SIGKILL lands
    if receipt.deliveries <= fail_times:
        raise IntegrationError(
            f"probe {key}: failing as asked", retryable=True, code="ProbeFailure"
        )
    TaskReceipt.objects.filter(pk=receipt.pk, completed_at__isnull=True).update(
        completed_at=timezone.now(), effects=F("effects") + 1
    )
    receipt.refresh_from_db()
    return receipt
