from __future__ import annotations

import pytest

from apps.chat.models import ChannelKey
from apps.chat.services import chat_receive

pytestmark = pytest.mark.django_db


def test_without_any_queue_a_handoff_is_refused_politely_and_nothing_is_lost(db):
    key = ChannelKey.issue(name="no-queue")[0]

    result = chat_receive(channel_key=key, user_id="alone", text="상담원 연결해 주세요")

    assert result.next_action == "FALLBACK"
    assert "114" in result.reply.text
    assert result.conversation.messages.count() == 2
