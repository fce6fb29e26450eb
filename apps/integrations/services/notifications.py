"""Send SMS and e-mail through the notify adapter, with a log row per message.

Each message may carry an idempotency key; a retried or redelivered task finds the row by it and
does not send a second time. Recipients are stored masked; only the task carries the raw value.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from apps.core.pii import mask_pii
from apps.integrations.aws.errors import IntegrationError
from apps.integrations.aws.notify import get_notifier
from apps.integrations.models import DeliveryStatus, NotificationChannel, NotificationLog


def _log_for(channel: str, recipient: str, subject: str, key: str | None) -> NotificationLog:
    fields = {"channel": channel, "recipient": mask_pii(recipient)[:200], "subject": subject[:200]}
    if key is None:
        return NotificationLog.objects.create(**fields)
    log, _created = NotificationLog.objects.get_or_create(idempotency_key=key, defaults=fields)
    return log


def notification_send(
    *, channel: str, recipient: str, text: str, subject: str = "", key: str | None = None
) -> NotificationLog:
    log = _log_for(channel, recipient, subject, key)
    if log.status == DeliveryStatus.SUCCEEDED:
        return log
    notifier = get_notifier()
    try:
        if channel == NotificationChannel.SMS:
            message_id = notifier.send_sms(phone=recipient, text=text)
        else:
            message_id = notifier.send_email(to=recipient, subject=subject, body=text)
    except IntegrationError as exc:
        log.status = DeliveryStatus.PENDING if exc.retryable else DeliveryStatus.FAILED
        log.error = f"{exc.code}: {exc.message}"[:2000]
        log.save(update_fields=["status", "error"])
        raise
    log.status, log.provider_message_id, log.error = DeliveryStatus.SUCCEEDED, message_id, ""
    log.sent_at = timezone.now()
    log.save(update_fields=["status", "provider_message_id", "error", "sent_at"])
    return log


def notification_enqueue(
    *, channel: str, recipient: str, text: str, subject: str = "", key: str | None = None
) -> None:
    """Send from a worker after the caller's transaction commits (never on the request path)."""
    from apps.integrations.tasks import notification_send as notification_send_task

    kwargs = {
        "channel": channel,
        "recipient": recipient,
        "text": text,
        "subject": subject,
        "key": key,
    }
    transaction.on_commit(lambda: notification_send_task.delay(**kwargs))
