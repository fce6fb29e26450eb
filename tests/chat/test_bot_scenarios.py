"""Scenarios through the chat service with the demo content and the CRM twin."""

from __future__ import annotations

import pytest

from apps.chat.models import ChannelKey, ConversationState
from apps.chat.services import chat_receive

pytestmark = pytest.mark.django_db


@pytest.fixture
def say(demo_content):
    key = ChannelKey.issue(name="scenario-test")[0]
    session: dict[str, str] = {}

    def send(text: str, user: str = "C10001-web"):
        result = chat_receive(
            channel_key=key, user_id=user, text=text, session_id=session.get(user)
        )
        session[user] = str(result.conversation.session_id)
        return result

    return send


def test_order_status_reprompts_cancels_restarts_and_completes(say):
    start = say("배송 조회 하고 싶어요")
    assert start.next_action == "ASK_SLOT"
    assert start.reply.intent == "scenario:order_status"

    bad = say("몰라요 그냥 빨리 보내줘")
    assert bad.next_action == "ASK_SLOT"
    assert "ORD" in bad.reply.text

    cancelled = say("취소")
    assert cancelled.next_action == "ANSWER"
    assert "취소" in cancelled.reply.text
    assert "scenario" not in cancelled.conversation.bot_state

    again = say("배송 조회 다시 할게요")
    assert again.reply.intent == "scenario:order_status"
    done = say("ORD-20261124-0003")

    assert "배송중" in done.reply.text and "CJ대한통운" in done.reply.text
    assert done.next_action == "END"
    done.conversation.refresh_from_db()
    assert done.conversation.state == ConversationState.CLOSED
    assert done.reply.payload.get("ask_csat") is True


def test_a_scenario_escalates_after_too_many_bad_answers(say):
    say("배송 조회 하고 싶어요", user="tries")
    results = [say("모르겠어요", user="tries") for _ in range(3)]

    assert results[-1].next_action == "QUEUED"
    results[-1].conversation.refresh_from_db()
    assert results[-1].conversation.state == ConversationState.QUEUED
    assert results[-1].conversation.escalation_reason == "slot_retries"


def test_the_cancel_service_scenario_hands_over_to_retention(say):
    say("해지 접수하고 싶어요", user="leaving")
    say("010-2345-6781", user="leaving")
    say("요금이 비싸서요", user="leaving")
    final = say("네", user="leaving")

    assert final.next_action == "QUEUED"
    assert final.escalation is not None and final.escalation.queue == "retention"
