from __future__ import annotations

import json

import httpx
import pytest

from apps.integrations import tasks
from apps.integrations.models import DeliveryStatus, NotificationLog, Webhook, WebhookDelivery
from apps.integrations.services import notifications, webhooks

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver(monkeypatch):
    """A CRM endpoint answering with the queued status codes; records what it got."""
    got: list[httpx.Request] = []
    answers: list[int] = []

    def handle(request: httpx.Request) -> httpx.Response:
        got.append(request)
        return httpx.Response(answers.pop(0) if answers else 200, text="ok")

    monkeypatch.setattr(
        webhooks, "_http_client", lambda: httpx.Client(transport=httpx.MockTransport(handle))
    )
    monkeypatch.setattr(tasks, "backoff", lambda retries: 0)
    return got, answers


@pytest.fixture
def hook():
    return Webhook.objects.create(
        name="CRM", url="https://crm.example/hooks", events=["conversation.closed"], secret="s3cret"
    )


def test_events_are_enqueued_only_after_commit(
    hook, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    sent = []
    monkeypatch.setattr(tasks.webhook_deliver, "delay", sent.append)
    Webhook.objects.create(name="ERP", url="https://erp.example/h", events=["other"])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ids = webhooks.webhook_event_emit(event="conversation.closed", payload={"id": 7})
        assert sent == []  # nothing leaves inside the request's transaction
    for callback in callbacks:
        callback()
    assert sent == ids and len(ids) == 1


def test_deliveries_are_signed_and_logged(hook, receiver) -> None:
    got, _answers = receiver
    delivery = WebhookDelivery.objects.create(
        webhook=hook, event="conversation.closed", payload={"conversation_id": 7, "csat": 5}
    )
    tasks.webhook_deliver.apply(args=[delivery.pk])

    request = got[0]
    assert webhooks.verify("s3cret", request.headers["X-AICC-Signature"], request.content)
    assert not webhooks.verify("other", request.headers["X-AICC-Signature"], request.content)
    assert request.headers["X-AICC-Event-Id"] == str(delivery.event_id)
    assert json.loads(request.content)["data"] == {"conversation_id": 7, "csat": 5}
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_status) == (
        DeliveryStatus.SUCCEEDED,
        1,
        200,
    )

    tasks.webhook_deliver.apply(args=[delivery.pk])  # a redelivered task sends nothing
    assert len(got) == 1


def test_server_errors_are_retried_and_client_errors_are_not(hook, receiver) -> None:
    got, answers = receiver
    answers += [503, 200]  # eager apply() re-raises a second Retry, so one retry here
    retried = WebhookDelivery.objects.create(webhook=hook, event="e", payload={})
    tasks.webhook_deliver.apply(args=[retried.pk], throw=False)
    retried.refresh_from_db()
    assert (retried.status, retried.attempts) == (DeliveryStatus.SUCCEEDED, 2)

    answers += [410]
    refused = WebhookDelivery.objects.create(webhook=hook, event="e", payload={})
    tasks.webhook_deliver.apply(args=[refused.pk], throw=False)
    refused.refresh_from_db()
    assert (refused.status, refused.attempts, refused.response_status) == (
        DeliveryStatus.FAILED,
        1,
        410,
    )
    assert len(got) == 3


def test_signatures_expire() -> None:
    header = webhooks.sign("k", 1_000, b"{}")
    assert webhooks.verify("k", header, b"{}", now=1_100)
    assert not webhooks.verify("k", header, b"{}", now=1_000 + 301)
    assert not webhooks.verify("k", "garbage", b"{}")


def test_notifications_are_logged_masked_and_sent_once_per_key() -> None:
    for _ in range(2):
        tasks.notification_send.apply(
            kwargs={
                "channel": "sms",
                "recipient": "010-1234-5678",
                "text": "결제 링크입니다.",
                "key": "payment-link-7",
            }
        )
    log = NotificationLog.objects.get()
    assert log.status == DeliveryStatus.SUCCEEDED and log.provider_message_id
    assert "1234-5678" not in log.recipient
    from apps.integrations.aws.notify import local_notifier

    assert len(local_notifier().sms_outbox) == 1


def test_notifications_go_out_after_commit(
    django_capture_on_commit_callbacks, mailoutbox, monkeypatch
) -> None:
    # Run the task where .delay() would enqueue it (with REDIS_URL set CI has a real broker).
    monkeypatch.setattr(
        tasks.notification_send, "delay", lambda **kw: tasks.notification_send.apply(kwargs=kw)
    )
    with django_capture_on_commit_callbacks(execute=True):
        notifications.notification_enqueue(
            channel="email", recipient="kim@example.com", subject="상담 내역", text="감사합니다."
        )
    assert [m.subject for m in mailoutbox] == ["상담 내역"]
    assert NotificationLog.objects.get().status == DeliveryStatus.SUCCEEDED
