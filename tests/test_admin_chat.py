from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from apps.chat.models import ChannelKey, MessageSender
from tests.factories import ConversationFactory, MessageFactory

pytestmark = pytest.mark.django_db


def test_it_issues_a_channel_key_and_shows_the_raw_key_once(client_as_supervisor):
    response = client_as_supervisor.post(
        reverse("admin:chat_channelkey_add"), {"name": "web-widget", "channel": "web"}, follow=True
    )

    shown = [str(m) for m in get_messages(response.wsgi_request) if "<code>" in str(m)]
    assert len(shown) == 1
    raw = shown[0].split("<code>")[1].split("</code>")[0]
    key = ChannelKey.objects.get(name="web-widget")
    assert ChannelKey.lookup(raw) == key
    assert raw.startswith(key.prefix)
    page = client_as_supervisor.get(reverse("admin:chat_channelkey_change", args=[key.pk]))
    assert raw not in page.content.decode()


def test_it_revokes_keys_so_they_cannot_be_used(client_as_supervisor):
    key, raw = ChannelKey.issue(name="mobile")

    client_as_supervisor.post(
        reverse("admin:chat_channelkey_changelist"),
        {"action": "revoke", "_selected_action": [key.pk]},
    )

    key.refresh_from_db()
    assert key.revoked_at is not None
    assert ChannelKey.lookup(raw) is None


def test_it_shows_the_transcript_in_order_with_customer_text_escaped(client_as_supervisor):
    conversation = ConversationFactory()
    MessageFactory(conversation=conversation, seq=2, sender=MessageSender.BOT, text="두 번째")
    MessageFactory(conversation=conversation, seq=1, text="<script>alert(1)</script>첫 번째")

    response = client_as_supervisor.get(
        reverse("admin:chat_conversation_change", args=[conversation.pk])
    )

    content = response.content.decode()
    assert "<script>alert(1)</script>" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;첫 번째" in content
    assert content.index("첫 번째") < content.index("두 번째")


def test_it_refuses_to_change_or_delete_conversations(client_as_supervisor):
    conversation = ConversationFactory(user_id="u-1")
    url = reverse("admin:chat_conversation_change", args=[conversation.pk])

    client_as_supervisor.post(url, {"user_id": "changed"})
    delete = client_as_supervisor.post(
        reverse("admin:chat_conversation_delete", args=[conversation.pk]), {"post": "yes"}
    )

    conversation.refresh_from_db()
    assert conversation.user_id == "u-1"
    assert delete.status_code == 403


def test_it_lists_conversations_without_a_full_count(client_as_supervisor):
    ConversationFactory.create_batch(3)

    response = client_as_supervisor.get(
        reverse("admin:chat_conversation_changelist"), {"state__exact": "BOT"}
    )

    assert response.status_code == 200
    assert response.context["cl"].show_full_result_count is False
    assert response.context["cl"].result_count == 3
