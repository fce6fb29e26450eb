"""The bot against the demo content, through the chat service as a customer meets it.

The paraphrase tables (tests/nlu/paraphrases.py) were written without copying the FAQ texts.
Understanding is statistical, so the FAQ table is judged as a whole: how many are answered
right outright, how many reach the right FAQ (answered, or offered as a clarifying quick
reply), and how few are answered wrongly. Every miss is listed when a threshold fails.
"""

from __future__ import annotations

from collections import Counter

import pytest

from apps.chat.models import ChannelKey
from apps.chat.services import chat_receive
from apps.faqs.models import Faq
from tests.nlu.paraphrases import (
    ESCALATION_ASKS,
    FAQ_PARAPHRASES,
    NOT_ESCALATION,
    SCENARIO_PARAPHRASES,
    SMALL_TALK,
)

pytestmark = pytest.mark.django_db

MIN_ANSWERED_RIGHT = 40
MIN_REACHED_SHARE = 0.85
MAX_WRONG_SHARE = 0.10
MIN_SMALL_TALK_FALLBACK_SHARE = 0.90


@pytest.fixture
def key(demo_content):
    return ChannelKey.issue(name="bot-test")[0]


def ask(key, text, user="u-1"):
    return chat_receive(channel_key=key, user_id=user, text=text)


def _outcome(result, faq: Faq) -> str:
    if result.reply.faq_id == faq.pk:
        return "right"
    if result.next_action == "CLARIFY" and faq.question in result.quick_replies:
        return "offered"
    if result.next_action == "ANSWER":
        return "wrong"
    return "missed"


def test_faq_paraphrases_reach_their_faqs(key):
    outcomes: dict[str, list[str]] = {"right": [], "offered": [], "wrong": [], "missed": []}
    for text, question in FAQ_PARAPHRASES:
        result = ask(key, text)
        outcomes[_outcome(result, Faq.objects.get(question=question))].append(text)
    total = len(FAQ_PARAPHRASES)
    reached = len(outcomes["right"]) + len(outcomes["offered"])

    report = {k: len(v) for k, v in outcomes.items()}, outcomes["wrong"], outcomes["missed"]
    assert total >= 40
    assert len(outcomes["right"]) >= MIN_ANSWERED_RIGHT, report
    assert reached / total >= MIN_REACHED_SHARE, report
    assert len(outcomes["wrong"]) / total <= MAX_WRONG_SHARE, report


@pytest.mark.parametrize(("text", "code"), SCENARIO_PARAPHRASES)
def test_a_paraphrase_starts_its_scenario(key, text, code):
    result = ask(key, text)

    if code == "agent_handoff":  # the escalation policy takes these before the ranker
        assert result.next_action == "QUEUED"
    else:
        assert result.reply.intent == f"scenario:{code}" or (
            result.next_action == "CLARIFY" and result.reply.intent.startswith("scenario:")
        ), (result.next_action, result.reply.intent, result.quick_replies)


def test_small_talk_falls_back(key):
    answered = [t for t in SMALL_TALK if ask(key, t).next_action != "FALLBACK"]

    assert len(SMALL_TALK) - len(answered) >= 20
    assert 1 - len(answered) / len(SMALL_TALK) >= MIN_SMALL_TALK_FALLBACK_SHARE, answered


@pytest.mark.parametrize("text", ESCALATION_ASKS)
def test_an_ask_for_a_person_is_queued(key, text):
    result = ask(key, text)

    assert result.next_action == "QUEUED"
    assert result.escalation is not None and result.escalation.position == 1


@pytest.mark.parametrize("text", NOT_ESCALATION)
def test_look_alikes_of_an_ask_for_a_person_are_not_queued(key, text):
    assert ask(key, text).next_action != "QUEUED"


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


def test_a_clarifying_quick_reply_answers_that_faq(key):
    first = ask(key, "요금", user="picker")
    if first.next_action != "CLARIFY":
        pytest.skip("the ranker answered outright; nothing to pick")
    picked = chat_receive(
        channel_key=key,
        user_id="picker",
        text=first.quick_replies[0],
        session_id=str(first.conversation.session_id),
    )

    assert picked.next_action in ("ANSWER", "ASK_SLOT")
    assert picked.reply.intent.split(":")[0] in ("faq", "scenario")
    assert picked.reply.intent != first.reply.intent or picked.next_action == "ASK_SLOT"


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
    assert Counter(m.sender for m in later.conversation.messages.all()) == {
        "customer": 2,
        "bot": 1,
    }
