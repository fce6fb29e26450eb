"""Outbound webhooks for CRM/ERP: signed JSON POSTs delivered by Celery, each attempt logged.

Events never leave on the request path: `webhook_event_emit` writes one WebhookDelivery per
subscribed webhook inside the caller's transaction and enqueues the sends after commit.

Signature (receivers verify it, see `verify`): header `X-AICC-Signature: t=<unix>,v1=<hex>`
where hex = HMAC-SHA256(secret, "<t>." + raw body). Including the timestamp lets receivers
refuse replays older than a few minutes; `X-AICC-Event-Id` lets them drop our retries.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from datetime import timedelta
from functools import partial

import httpx
from django.db import transaction
from django.utils import timezone

from apps.integrations.aws.errors import IntegrationError
from apps.integrations.models import DeliveryStatus, Webhook, WebhookDelivery

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-AICC-Signature"
TIMEOUT_SECONDS = 10
MAX_ATTEMPTS = 8
STALE_AFTER = timedelta(minutes=15)  # a pending delivery this old lost its task: re-enqueue
_RETRY_STATUSES = {408, 425, 429}


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(
    secret: str, header: str, body: bytes, *, tolerance: int = 300, now: float | None = None
) -> bool:
    """What a receiver does: recompute the HMAC and refuse stale timestamps."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs((now or time.time()) - timestamp) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), header)


def _enqueue(delivery_id: int) -> None:
    from apps.integrations.tasks import webhook_deliver as webhook_deliver_task

    webhook_deliver_task.delay(delivery_id)


def webhook_event_emit(*, event: str, payload: dict) -> list[int]:
    """Log a delivery for each active webhook wanting `event`; send after commit."""
    hooks = [hook for hook in Webhook.objects.filter(is_active=True) if hook.wants(event)]
    ids = [
        WebhookDelivery.objects.create(webhook=h, event=event, payload=payload).pk for h in hooks
    ]
    for pk in ids:
        transaction.on_commit(partial(_enqueue, pk))
    return ids


def _body(delivery: WebhookDelivery) -> bytes:
    envelope = {
        "id": str(delivery.event_id),
        "event": delivery.event,
        "created_at": delivery.created_at.isoformat(),
        "data": delivery.payload,
    }
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode()


def _http_client() -> httpx.Client:
    return httpx.Client(timeout=TIMEOUT_SECONDS, follow_redirects=False)


def _post(delivery: WebhookDelivery) -> httpx.Response:
    body = _body(delivery)
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "AICC-Cloud-Webhooks/1",
        "X-AICC-Event": delivery.event,
        "X-AICC-Event-Id": str(delivery.event_id),
        SIGNATURE_HEADER: sign(delivery.webhook.secret, int(time.time()), body),
    }
    with _http_client() as client:
        return client.post(delivery.webhook.url, content=body, headers=headers)


def _record(delivery: WebhookDelivery, status: str, *, code: int | None, error: str) -> None:
    delivery.status, delivery.response_status, delivery.last_error = status, code, error[:2000]
    if status == DeliveryStatus.SUCCEEDED:
        delivery.delivered_at = timezone.now()
    delivery.save(
        update_fields=[
            "status",
            "response_status",
            "last_error",
            "delivered_at",
            "attempts",
            "next_attempt_at",
        ]
    )


def webhook_delivery_send(*, delivery_id: int) -> WebhookDelivery:
    """One attempt. Retryable failures raise IntegrationError(retryable=True) for Celery."""
    delivery = WebhookDelivery.objects.select_related("webhook").get(pk=delivery_id)
    if delivery.status != DeliveryStatus.PENDING:
        return delivery  # delivered (or given up) already: a redelivered task does nothing
    delivery.attempts += 1
    delivery.next_attempt_at = timezone.now() + STALE_AFTER
    try:
        response = _post(delivery)
    except httpx.HTTPError as exc:
        _record(delivery, DeliveryStatus.PENDING, code=None, error=f"{type(exc).__name__}: {exc}")
        raise IntegrationError(str(exc), retryable=True, code="WebhookTransport") from exc
    code = response.status_code
    if code < 300:
        _record(delivery, DeliveryStatus.SUCCEEDED, code=code, error="")
    elif code >= 500 or code in _RETRY_STATUSES:
        _record(delivery, DeliveryStatus.PENDING, code=code, error=response.text[:500])
        raise IntegrationError(f"webhook answered {code}", retryable=True, code=f"HTTP{code}")
    else:
        # 4xx: the receiver refuses this payload; sending it again will not change its mind.
        _record(delivery, DeliveryStatus.FAILED, code=code, error=response.text[:500])
    return delivery


def webhook_delivery_give_up(*, delivery_id: int, error: str) -> None:
    WebhookDelivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING).update(
        status=DeliveryStatus.FAILED, last_error=f"gave up: {error}"[:2000]
    )


def webhook_deliveries_requeue_stale() -> int:
    """Beat: re-enqueue pending deliveries whose task was lost (broker flushed, queue purged)."""
    stale = WebhookDelivery.objects.filter(
        status=DeliveryStatus.PENDING,
        attempts__lt=MAX_ATTEMPTS,
        created_at__lt=timezone.now() - STALE_AFTER,
    ).exclude(next_attempt_at__gt=timezone.now())
    ids = list(stale.values_list("pk", flat=True)[:500])
    for pk in ids:
        _enqueue(pk)
    return len(ids)
