"""The bot against the demo content, through the chat service as a customer meets it."""

from __future__ import annotations

from collections import Counter

import pytest

from apps.chat.models import ChannelKey
from apps.chat.services import chat_receive
from apps.faqs.models import Faq
from tests.nlu.paraphrases import (
    ESCALATION_ASKS,
    FAQ_PARAPHRASES,
    SCENARIO_PARAPHRASES,
    SMALL_TALK,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def key(demo_content):
    return ChannelKey.issue(name="bot-test")[0]


def ask(key, text, user="u-1"):
    return chat_receive(channel_key=key, user_id=user, text=text)


def test_the_paraphrase_tables_are_large_enough():
    assert len(FAQ_PARAPHRASES) >= 40
    assert len(SMALL_TALK) >= 20


@pytest.mark.parametrize(("text", "question"), FAQ_PARAPHRASES)
def test_a_paraphrase_reaches_its_faq(key, text, question):
    result = ask(key, text)

    faq = Faq.objects.get(question=question)
    assert result.reply.faq_id == faq.pk, (
        result.next_action,
        result.reply.intent,
        result.quick_replies,
    )


@pytest.mark.parametrize(("text", "code"), SCENARIO_PARAPHRASES)
def test_a_paraphrase_starts_its_scenario(key, text, code):
    result = ask(key, text)

    assert result.reply.intent == f"scenario:{code}"


@pytest.mark.parametrize("text", SMALL_TALK)
def test_small_talk_falls_back(key, text):
    result = ask(key, text)

    assert result.next_action == "FALLBACK", (result.reply.intent, result.reply.text)


@pytest.mark.parametrize("text", ESCALATION_ASKS)
def test_an_ask_for_a_person_is_queued(key, text):
    result = ask(key, text)

    assert result.next_action == "QUEUED"
    assert result.escalation is not None and result.escalation.position == 1


def test_two_fallbacks_in_a_row_hand_over(key):
    first = ask(key, SMALL_TALK[0], user="lost")
    second = chat_receive(
        channel_key=key,
        user_id="lost",
        text=SMALL_TALK[1],
        session_id=str(first.conversation.session_id),
    )

    assert first.next_action == "FALLBACK"
    assert second.next_action == "QUEUED"
    second.conversation.refresh_from_db()
    assert second.conversation.escalation_reason == "fallbacks"


def test_after_handoff_the_bot_is_silent(key):
    queued = ask(key, "상담원 연결해 주세요", user="waiting")
    later = chat_receive(
        channel_key=key,
        user_id="waiting",
        text="배송 조회 하고 싶어요",
        session_id=str(queued.conversation.session_id),
    )

    assert later.reply is None
    assert later.next_action == "QUEUED"
    assert Counter(m.sender for m in later.conversation.messages.all()) == {"customer": 2, "bot": 1}

