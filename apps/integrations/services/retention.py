"""Destroy conversations (and their messages and transcript files) past the retention period.

PIPA asks for destruction without delay once the purpose's period ends (DESIGN §11). The purge
is idempotent (a second run finds nothing), batched, and logged with counts. Conversations under
QA evaluation are kept (evaluations protect them) and counted, so nobody wonders where they are.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from apps.chat.models import Conversation, ConversationState, Message
from apps.integrations.aws.s3 import get_file_store, transcript_key
from apps.integrations.models import NotificationLog, SyncRun, TaskReceipt, WebhookDelivery

logger = logging.getLogger(__name__)

BATCH = 500


@dataclass
class PurgeResult:
    conversations: int = 0
    messages: int = 0
    kept_for_qa: int = 0
    logs: int = 0


def _expired(cutoff: datetime) -> QuerySet[Conversation]:
    ended = Q(closed_at__lt=cutoff) | Q(closed_at__isnull=True, abandoned_at__lt=cutoff)
    return Conversation.objects.filter(
        ended, state__in=[ConversationState.CLOSED, ConversationState.ABANDONED]
    )


@transaction.atomic
def _purge_batch(ids: list[int], result: PurgeResult) -> None:
    result.messages += Message.objects.filter(conversation_id__in=ids).delete()[0]
    result.conversations += (
        Conversation.objects.filter(pk__in=ids).delete()[1].get("chat.Conversation", 0)
    )


def _purge_logs(cutoff: datetime) -> int:
    deleted = 0
    for model, field in (
        (WebhookDelivery, "created_at"),
        (NotificationLog, "created_at"),
        (SyncRun, "started_at"),
        (TaskReceipt, "created_at"),
    ):
        deleted += model.objects.filter(**{f"{field}__lt": cutoff}).delete()[0]
    return deleted


def retention_purge(*, days: int | None = None, now: datetime | None = None) -> PurgeResult:
    days = days if days is not None else settings.AICC_RETENTION_DAYS
    cutoff = (now or timezone.now()) - timedelta(days=days)
    result = PurgeResult()
    expired = _expired(cutoff)
    result.kept_for_qa = expired.filter(evaluations__isnull=False).distinct().count()
    store = get_file_store()
    while batch := list(
        expired.filter(evaluations__isnull=True).values_list("pk", "started_at")[:BATCH]
    ):
        for pk, started in batch:
            store.delete(transcript_key(pk, started))
        _purge_batch([pk for pk, _started in batch], result)
    result.logs = _purge_logs(cutoff)
    logger.info("retention purge before %s: %s", cutoff.isoformat(), result)
    return result
