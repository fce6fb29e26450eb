from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.chat.models import Conversation, ConversationState, Message
from apps.integrations.aws.connect_local import local_connect
from apps.integrations.aws.errors import IntegrationError
from apps.integrations.services import connect_chat, connect_sync, retention
from apps.integrations.services.probe import worker_probe_run
from apps.integrations.services.ratelimit import TokenBucket
from tests.factories import ConversationFactory, EvaluationFactory, MessageFactory

pytestmark = pytest.mark.django_db


def _closed(days_ago: int) -> Conversation:
    conv = ConversationFactory(
        state=ConversationState.CLOSED, closed_at=timezone.now() - timedelta(days=days_ago)
    )
    MessageFactory(conversation=conv, seq=1)
    MessageFactory(conversation=conv, seq=2)
    return conv


def test_retention_destroys_expired_conversations_once(settings) -> None:
    settings.AICC_RETENTION_DAYS = 30
    old, recent = _closed(40), _closed(5)
    evaluated = _closed(50)
    EvaluationFactory(conversation=evaluated)
    ConversationFactory(state=ConversationState.BOT)  # open: never purged

    first = retention.retention_purge()
    assert (first.conversations, first.messages, first.kept_for_qa) == (1, 2, 1)
    assert not Conversation.objects.filter(pk=old.pk).exists()
    assert Conversation.objects.filter(pk__in=[recent.pk, evaluated.pk]).count() == 2
    assert not Message.objects.filter(conversation_id=old.pk).exists()

    second = retention.retention_purge()
    assert (second.conversations, second.messages) == (0, 0)


def test_escalation_starts_one_connect_chat_with_transcript_and_intent(settings) -> None:
    settings.CONNECT_CHAT_CONTACT_FLOW_ID = "flow-1"
    conv = ConversationFactory(
        state=ConversationState.QUEUED, last_intent="bill_payment", queued_at=timezone.now()
    )
    MessageFactory(conversation=conv, seq=1, text="요금 납부하고 싶어요")
    MessageFactory(conversation=conv, seq=2, sender="bot", text="휴대폰 번호를 알려 주세요.")

    contact = connect_chat.conversation_escalate_to_connect(conversation_id=conv.pk)
    again = connect_chat.conversation_escalate_to_connect(conversation_id=conv.pk)

    assert contact == again
    conv.refresh_from_db()
    assert conv.connect_contact_id == contact.contact_id
    attributes = local_connect().contacts[contact.contact_id]["attributes"]
    assert attributes["aicc_intent"] == "bill_payment"
    assert "고객: 요금 납부하고 싶어요" in attributes["aicc_transcript"]
    assert "챗봇: 휴대폰 번호를 알려 주세요." in attributes["aicc_transcript"]


def test_connect_contact_state_is_mirrored_back(settings) -> None:
    settings.CONNECT_CHAT_CONTACT_FLOW_ID = "flow-1"
    connect_sync.connect_sync_directory()
    conv = ConversationFactory(state=ConversationState.QUEUED, queued_at=timezone.now())
    contact = connect_chat.conversation_escalate_to_connect(conversation_id=conv.pk)
    now = timezone.now()

    local_connect().connect_agent(contact.contact_id, "u-kim-0001", now)
    assert connect_chat.connect_contacts_mirror_open() == 1
    conv.refresh_from_db()
    assert (conv.state, conv.assigned_at, conv.agent.connect_user_id) == (
        ConversationState.ASSIGNED,
        now,
        "u-kim-0001",
    )

    local_connect().end_contact(contact.contact_id, now + timedelta(minutes=5))
    assert connect_chat.conversation_mirror_connect_state(conversation_id=conv.pk) == [
        "state",
        "closed_at",
    ]
    assert connect_chat.conversation_mirror_connect_state(conversation_id=conv.pk) == []
    conv.refresh_from_db()
    assert conv.state == ConversationState.CLOSED


def test_escalation_is_off_without_a_contact_flow() -> None:
    conv = ConversationFactory(state=ConversationState.QUEUED)
    assert connect_chat.conversation_escalate_to_connect(conversation_id=conv.pk) is None


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_the_token_bucket_holds_connect_to_two_requests_a_second() -> None:
    clock = FakeClock()
    bucket = TokenBucket("test", rate=2, capacity=2, clock=clock, sleep=clock.sleep)
    for _ in range(6):
        bucket.acquire()
    # Two tokens at once, then one every half second: 6 requests take 2 seconds.
    assert clock.now == pytest.approx(1_002.0)


def test_the_token_bucket_gives_up_retryably() -> None:
    clock = FakeClock()
    bucket = TokenBucket("slow", rate=0.01, capacity=1, max_wait=5, clock=clock, sleep=clock.sleep)
    bucket.acquire()
    with pytest.raises(IntegrationError) as caught:
        bucket.acquire()
    assert caught.value.retryable


def test_the_worker_probe_applies_its_effect_once() -> None:
    with pytest.raises(IntegrationError):
        worker_probe_run(key="k", fail_times=1)
    assert worker_probe_run(key="k", fail_times=1).effects == 1
    receipt = worker_probe_run(key="k", fail_times=1)
    assert (receipt.deliveries, receipt.effects) == (3, 1)
