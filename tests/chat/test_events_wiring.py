"""Chat events reach the integrations: webhooks on close, Connect when a flow is configured."""

from __future__ import annotations

import pytest

from apps.chat import events
from apps.chat.models import ConversationState
from apps.integrations.models import Webhook, WebhookDelivery
from tests.factories import ConversationFactory

pytestmark = pytest.mark.django_db


def test_a_closed_conversation_is_offered_to_subscribed_webhooks(
    django_capture_on_commit_callbacks,
):
    hook = Webhook.objects.create(
        name="crm", url="https://crm.example.com/hook", events=["conversation.closed"]
    )
    Webhook.objects.create(
        name="other", url="https://erp.example.com/hook", events=["conversation.abandoned"]
    )
    conversation = ConversationFactory(state=ConversationState.CLOSED, csat_score=5)

    with django_capture_on_commit_callbacks():  # delivery itself is Celery's job
        events.conversation_changed(conversation.pk)

    delivery = WebhookDelivery.objects.get()
    assert delivery.webhook == hook and delivery.event == "conversation.closed"
    assert delivery.payload["session_id"] == str(conversation.session_id)
    assert delivery.payload["csat_score"] == 5


def test_an_open_conversation_emits_no_webhook():
    Webhook.objects.create(name="crm", url="https://crm.example.com/hook", events=["*"])
    conversation = ConversationFactory(state=ConversationState.BOT)

    events.conversation_changed(conversation.pk)

    assert not WebhookDelivery.objects.exists()


def test_queued_chats_go_to_connect_only_with_a_contact_flow(settings, monkeypatch):
    from apps.integrations import tasks

    sent: list[int] = []
    monkeypatch.setattr(tasks.connect_escalate, "delay", sent.append)
    conversation = ConversationFactory(state=ConversationState.QUEUED)

    settings.CONNECT_CHAT_CONTACT_FLOW_ID = ""
    events.conversation_queued(conversation.pk)
    settings.CONNECT_CHAT_CONTACT_FLOW_ID = "flow-123"
    events.conversation_queued(conversation.pk)

    assert sent == [conversation.pk]
