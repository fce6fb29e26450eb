from __future__ import annotations

import pytest
from django.test import Client

from apps.agents.models import AgentState
from apps.chat.models import ConversationState, MessageSender
from apps.core.models import AuditAction, AuditLog
from apps.desk.services import conversation_reply
from apps.faqs.models import CannedResponse, FaqStatus
from tests.agents.helpers import agent_in, waiting
from tests.factories import (
    ConversationFactory,
    CustomerFactory,
    FaqFactory,
    MessageFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def desk(queues):
    agent = agent_in(queues["general"], state=AgentState.AWAY)
    return agent, _client(agent.user)


def test_it_sends_anonymous_users_to_login(client):
    response = client.get("/desk/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_it_refuses_users_without_a_desk_role(db):
    response = _client(UserFactory(roles=["qa_evaluator"])).get("/desk/")
    assert response.status_code == 403


def test_it_lists_only_the_agents_own_queues(desk, queues):
    mine = waiting(queues["general"])
    other = waiting(queues["billing"])
    body = desk[1].get("/desk/").content.decode()
    assert f"#{mine.pk} " in body
    assert f"#{other.pk} " not in body


def test_it_hides_conversations_of_other_queues_and_agents(desk, queues):
    other_queue = waiting(queues["billing"])
    someone_else = agent_in(queues["general"])
    theirs = ConversationFactory(
        state=ConversationState.ASSIGNED, agent=someone_else, queue=queues["general"]
    )
    client = desk[1]
    for conversation in (other_queue, theirs):
        assert client.get(f"/desk/c/{conversation.pk}/").status_code == 404
        assert client.post(f"/desk/c/{conversation.pk}/accept/").status_code == 404
        assert client.get(f"/desk/c/{conversation.pk}/messages/").status_code == 404
        reveal = client.post(f"/desk/c/{conversation.pk}/reveal/", {"reason": "확인"})
        assert reveal.status_code == 404


def test_supervisors_may_view_any_conversation(client_as_supervisor, queues):
    conversation = waiting(queues["billing"])
    assert client_as_supervisor.get(f"/desk/c/{conversation.pk}/").status_code == 200


def test_it_accepts_from_the_queue_and_shows_the_transcript(desk, queues):
    agent, client = desk
    conversation = waiting(queues["general"])
    MessageFactory(conversation=conversation, seq=1, text="요금 문의요")
    MessageFactory(
        conversation=conversation,
        seq=2,
        sender=MessageSender.BOT,
        text="안내",
        intent="faq:1",
        confidence=0.87,
    )
    conversation.last_seq = 2
    conversation.save()
    response = client.post(f"/desk/c/{conversation.pk}/accept/")
    assert response.status_code == 302
    conversation.refresh_from_db()
    assert conversation.agent == agent
    body = client.get(f"/desk/c/{conversation.pk}/").content.decode()
    assert "요금 문의요" in body
    assert "faq:1 · 0.87" in body
    assert 'data-testid="composer"' in body


def test_customer_text_is_escaped(desk, queues):
    agent, client = desk
    conversation = ConversationFactory(
        state=ConversationState.ASSIGNED, agent=agent, queue=queues["general"]
    )
    MessageFactory(conversation=conversation, seq=1, text="<img src=x onerror=alert(1)>")
    body = client.get(f"/desk/c/{conversation.pk}/").content.decode()
    assert "<img src=x" not in body
    assert "&lt;img src=x onerror=alert(1)&gt;" in body


def test_reply_close_and_wrapup(desk, queues, django_capture_on_commit_callbacks):
    agent, client = desk
    conversation = ConversationFactory(
        state=ConversationState.ASSIGNED, agent=agent, queue=queues["general"]
    )
    conversation_reply(agent=agent, conversation_id=conversation.pk, text="안녕하세요")
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/desk/c/{conversation.pk}/close/").status_code == 302
    conversation.refresh_from_db()
    assert conversation.state == ConversationState.CLOSED
    assert conversation.first_agent_reply_at is not None
    last = conversation.messages.order_by("-seq").first()
    assert last.payload == {"ask_csat": True}
    client.post(f"/desk/c/{conversation.pk}/wrapup/", {"disposition": "resolved", "note": "완료"})
    conversation.refresh_from_db()
    assert (conversation.disposition, conversation.wrapup_note) == ("resolved", "완료")


def test_an_unknown_state_changes_nothing_and_says_so(desk):
    agent, client = desk

    response = client.post("/desk/state/", {"state": "napping"}, follow=True)

    agent.refresh_from_db()
    assert agent.state == AgentState.AWAY
    assert "상태를 다시 골라 주세요." in [str(m) for m in response.context["messages"]]


@pytest.mark.parametrize("path", ["wrapup", "transfer"])
def test_notes_with_control_characters_are_refused_naming_the_field(desk, queues, path):
    agent, client = desk
    conversation = ConversationFactory(
        state=ConversationState.CLOSED, agent=agent, queue=queues["general"]
    )
    if path == "transfer":
        conversation.state = ConversationState.ASSIGNED
        conversation.save(update_fields=["state"])
    body = {"disposition": "resolved", "queue": queues["billing"].pk, "note": "메모\x01\x02"}

    response = client.post(f"/desk/c/{conversation.pk}/{path}/", body, follow=True)

    conversation.refresh_from_db()
    assert conversation.wrapup_note == "" and conversation.queue == queues["general"]
    assert not conversation.messages.filter(is_internal=True).exists()
    flashed = " ".join(str(m) for m in response.context["messages"])
    assert "메모" in flashed and "제어 문자" in flashed


def test_transfer_to_a_queue_leaves_an_internal_note(desk, queues):
    agent, client = desk
    conversation = ConversationFactory(
        state=ConversationState.ASSIGNED, agent=agent, queue=queues["general"]
    )
    client.post(
        f"/desk/c/{conversation.pk}/transfer/", {"queue": queues["billing"].pk, "note": "요금 건"}
    )
    conversation.refresh_from_db()
    assert (conversation.state, conversation.queue, conversation.agent) == (
        ConversationState.QUEUED,
        queues["billing"],
        None,
    )
    note = conversation.messages.get(is_internal=True)
    assert "요금 건" in note.text


def test_pii_is_masked_until_revealed_with_a_reason(desk, queues):
    agent, client = desk
    customer = CustomerFactory(phone="010-1234-5678", email="minji@example.com")
    conversation = ConversationFactory(
        state=ConversationState.ASSIGNED, agent=agent, queue=queues["general"], customer=customer
    )
    body = client.get(f"/desk/c/{conversation.pk}/").content.decode()
    assert "010-1234-5678" not in body
    assert "010-****-5678" in body
    assert client.get(f"/desk/c/{conversation.pk}/reveal/").status_code == 405
    assert client.post(f"/desk/c/{conversation.pk}/reveal/", {"reason": ""}).status_code == 400
    response = client.post(f"/desk/c/{conversation.pk}/reveal/", {"reason": "본인 확인"})
    assert "010-1234-5678" in response.content.decode()
    log = AuditLog.objects.get()
    assert (log.action, log.user, log.customer) == (AuditAction.PII_REVEAL, agent.user, customer)


def _suggestions(client, conversation) -> str:
    response = client.get(f"/desk/c/{conversation.pk}/suggestions/")
    assert response.status_code == 200
    return response.content.decode()


def test_suggestions_rank_live_faqs_for_the_last_customer_message(desk, queues):
    agent, client = desk
    plan = FaqFactory(
        question="요금제를 변경하려면 어떻게 하나요?",
        answer="앱의 <요금제 변경> 메뉴에서 바꿀 수 있습니다.",
    )
    FaqFactory(question="휴대폰을 잃어버렸을 때 분실 신고 방법", answer="분실 신고 안내")
    draft = FaqFactory(
        question="요금제 변경 수수료가 있나요?", answer="초안", status=FaqStatus.DRAFT
    )
    conversation = ConversationFactory(
        state=ConversationState.ASSIGNED, agent=agent, queue=queues["general"]
    )
    MessageFactory(conversation=conversation, seq=1, text="분실 신고는 어디서 해요?")
    MessageFactory(conversation=conversation, seq=2, text="아 그리고 요금제 변경하고 싶어요")
    MessageFactory(
        conversation=conversation,
        seq=3,
        sender=MessageSender.AGENT,
        agent=agent,
        text="휴대폰 분실 신고 도와드릴게요",
    )

    body = _suggestions(client, conversation)

    # The last *customer* message decides, not the earlier one nor the agent's reply after it.
    first = body.split("<li>")[1]
    assert plan.question in first
    assert draft.question not in body  # only published FAQs are offered
    assert body.count("<li>") <= 3
    # The answer goes into the composer from an attribute: escaped, never markup.
    assert 'data-insert="앱의 &lt;요금제 변경&gt; 메뉴에서 바꿀 수 있습니다."' in body


def test_suggestions_are_empty_before_the_customer_writes(desk, queues):
    agent, client = desk
    FaqFactory(question="요금제를 변경하려면 어떻게 하나요?")
    conversation = ConversationFactory(
        state=ConversationState.ASSIGNED, agent=agent, queue=queues["general"]
    )
    assert "추천할 FAQ가 없습니다." in _suggestions(client, conversation)


def test_suggestions_of_another_queue_are_not_found(desk, queues):
    conversation = waiting(queues["billing"])
    MessageFactory(conversation=conversation, seq=1, text="요금제 변경")
    assert desk[1].get(f"/desk/c/{conversation.pk}/suggestions/").status_code == 404


def test_canned_responses_fill_variables(desk, queues):
    agent, client = desk
    CannedResponse.objects.create(
        title="인사", shortcut="/hi", body="{customer_name}님, 상담사 {agent_name}입니다."
    )
    customer = CustomerFactory(name="김민지")
    conversation = ConversationFactory(
        state=ConversationState.ASSIGNED, agent=agent, queue=queues["general"], customer=customer
    )
    body = client.get(f"/desk/c/{conversation.pk}/").content.decode()
    assert f"김민지님, 상담사 {agent.display_name}입니다." in body


def test_state_switch_records_history(desk):
    agent, client = desk
    client.post("/desk/state/", {"state": AgentState.AVAILABLE})
    agent.refresh_from_db()
    assert agent.state == AgentState.AVAILABLE
    assert agent.state_history.filter(state=AgentState.AVAILABLE).exists()


@pytest.mark.parametrize(
    ("target", "lands"),
    [
        ("/desk/board/", "/desk/board/"),
        ("https://evil.example/desk/", "/desk/"),
        ("//evil.example/", "/desk/"),
        ("javascript:alert(1)", "/desk/"),
        ("foo", "/desk/"),  # redirect() would look this up as a URL name: a 500
        ("admin:index", "/desk/"),
        ("a\x00b", "/desk/"),
    ],
)
def test_state_switch_goes_back_only_within_the_site(desk, target, lands):
    _agent, client = desk

    response = client.post("/desk/state/", {"state": AgentState.AVAILABLE, "next": target})

    assert response.status_code == 302
    assert response["Location"] == lands


def test_messages_after_seq_resync(desk, queues):
    agent, client = desk
    conversation = ConversationFactory(
        state=ConversationState.ASSIGNED, agent=agent, queue=queues["general"]
    )
    for seq in (1, 2, 3):
        MessageFactory(conversation=conversation, seq=seq, text=f"m{seq}")
    data = client.get(f"/desk/c/{conversation.pk}/messages/?after_seq=1").json()
    assert [m["seq"] for m in data["messages"]] == [2, 3]
