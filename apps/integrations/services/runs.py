"""Record each sync as a SyncRun, so admin shows what changed and why a run failed."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from django.utils import timezone

from apps.integrations.aws.errors import IntegrationError
from apps.integrations.models import SyncRun, SyncStatus

logger = logging.getLogger(__name__)

CREATED, UPDATED, UNCHANGED, DELETED = "created", "updated", "unchanged", "deleted"


def count(run: SyncRun, outcome: str, n: int = 1) -> None:
    setattr(run, outcome, getattr(run, outcome) + n)


@contextmanager
def sync_run(kind: str, *, keep_success: bool = True) -> Iterator[SyncRun]:
    """Yield a run to count into; a failure is stored (code + message) and re-raised.

    `keep_success=False` stores only failures: the 15-second live sync would otherwise write
    5,760 rows a day that say nothing.
    """
    run = SyncRun(kind=kind)
    if keep_success:
        run.save()
    try:
        yield run
    except IntegrationError as exc:
        run.status, run.error_code, run.error_message = SyncStatus.FAILED, exc.code, exc.message
        run.finished_at = timezone.now()
        run.detail = {**run.detail, "retryable": exc.retryable}
        run.save()
        logger.warning(
            "sync %s failed: %s %s (retryable=%s)", kind, exc.code, exc.message, exc.retryable
        )
        raise
    run.status, run.finished_at = SyncStatus.SUCCEEDED, timezone.now()
    if keep_success:
        run.save()
