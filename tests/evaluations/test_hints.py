"""Auto-QA hints: 반말 from kiwipiepy endings, banned phrases, missing mandatory notices."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.chat.models import MessageSender
from apps.evaluations import hints
from apps.evaluations.models import BannedPhrase, EvaluationStatus, MandatoryNotice
from tests.evaluations.factories import assign, closed_conversation, make_form, transcript
from tests.factories import EvaluationFactory

POLITE = [
    "안녕하세요 고객님, 무엇을 도와드릴까요?",
    "확인해 드릴게요.",
    "잠시만 기다려 주세요.",
    "네, 처리되었습니다.",
    "고객님 성함이 어떻게 되십니까?",
    "본인 확인을 위해 생년월일을 말씀해 주시겠어요?",
    "결제하셨네요.",
    "그럼 그렇게 하시죠.",
    "감사합니다. 좋은 하루 되십시오.",
    "요금제는 월 3만 원입니다.",
]
INFORMAL = [
    ("그건 안 돼.", ["어"]),
    ("알았어.", ["어"]),
    ("이름이 뭐야?", ["야"]),
    ("됐지?", ["지"]),
    ("뭐 하냐?", ["냐"]),
    ("어디 사니?", ["니"]),
    ("기다려.", ["어"]),
    ("접수됐다.", ["다"]),
    ("확인해 줄게.", ["ᆯ게"]),
    ("응", ["응"]),
    ("네, 확인했어요. 근데 그건 안 돼.", ["어"]),  # one informal sentence among polite ones
]


@pytest.mark.parametrize("text", POLITE)
def test_polite_sentences_have_no_informal_endings(text) -> None:
    assert hints.informal_endings(text) == []


@pytest.mark.parametrize(("text", "endings"), INFORMAL)
def test_informal_sentences_are_caught_by_their_ending(text, endings) -> None:
    assert hints.informal_endings(text) == endings


@pytest.fixture
def conversation(agent):
    conv = closed_conversation(agent)
    transcript(
        conv,
        (MessageSender.CUSTOMER, "요금이 왜 이렇게 많이 나왔어?"),  # customers may speak 반말
        (MessageSender.BOT, "상담원을 연결해 드릴게요."),
        (MessageSender.AGENT, "안녕하세요 고객님, 확인해 드릴게요."),
        (MessageSender.AGENT, "그건 규정상 안 돼."),
        (MessageSender.AGENT, "어쩔 수 없어요. 원래 그래요."),
    )
    return conv


@pytest.mark.django_db
def test_hints_come_with_the_agent_message_they_came_from(conversation) -> None:
    BannedPhrase.objects.create(phrase="어쩔 수 없", suggestion="확인 후 다시 안내드리겠습니다")
    BannedPhrase.objects.create(phrase="사용 안 함", is_active=False)
    MandatoryNotice.objects.create(name="본인 확인", keywords="본인 확인\n생년월일")
    MandatoryNotice.objects.create(name="첫인사", pattern=r"안녕하(세요|십니까)")

    found = hints.conversation_hints(conversation)

    assert [(h.kind, h.seq) for h in found] == [
        (hints.INFORMAL, 4),
        (hints.BANNED, 5),
        (hints.MISSING_NOTICE, None),
    ]
    assert found[0].text == "그건 규정상 안 돼." and "어" in found[0].detail
    assert "확인 후 다시 안내드리겠습니다" in found[1].detail
    assert "본인 확인" in found[2].detail


@pytest.mark.django_db
def test_customer_and_whisper_text_is_not_checked(agent) -> None:
    conv = closed_conversation(agent)
    transcript(conv, (MessageSender.CUSTOMER, "빨리 해."), (MessageSender.AGENT, "네 고객님."))
    from apps.chat.models import Message

    Message.objects.create(
        conversation=conv,
        seq=3,
        sender=MessageSender.AGENT,
        text="이거 빨리 끝내.",
        is_internal=True,
    )

    assert hints.conversation_hints(conv) == []


@pytest.mark.django_db
def test_the_scoring_page_shows_hints_but_never_scores_them(conversation, qa_evaluator) -> None:
    from django.test import Client

    BannedPhrase.objects.create(phrase="<b>어쩔 수 없</b>")
    form = make_form()
    evaluation = EvaluationFactory(
        agent=conversation.agent, conversation=conversation, evaluator=qa_evaluator, form=form
    )
    assign(conversation, qa_evaluator, form, evaluation=evaluation)
    client = Client()
    client.force_login(qa_evaluator)

    page = client.get(reverse("evaluations:evaluation", args=[evaluation.pk]))

    body = page.content.decode()
    assert "반말 어미" in body and 'href="#m4"' in body
    assert "<b>어쩔" not in body
    evaluation.refresh_from_db()
    assert evaluation.status == EvaluationStatus.DRAFT and evaluation.answers.count() == 0
