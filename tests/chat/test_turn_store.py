"""store_turn: a turn's messages and conversation update, one statement on PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from apps.chat.models import Conversation, Message, MessageSender
from apps.chat.turn_store import lock_conversation, store_turn
from tests.factories import ConversationFactory, MessageFactory

pytestmark = pytest.mark.django_db


def _turn(conversation: Conversation, text: str = "요금 조회", client_id: str = "c-1"):
    customer = Message(
        conversation=conversation,
        seq=conversation.last_seq + 1,
        sender=MessageSender.CUSTOMER,
        text=text,
        client_message_id=client_id,
    )
    reply = Message(
        conversation=conversation,
        seq=conversation.last_seq + 2,
        sender=MessageSender.BOT,
        text="요금은 앱에서 확인하실 수 있어요.",
        intent="faq:bill",
        confidence=0.91,
        next_action="ANSWER",
        reply_to=customer,
        payload={"quick_replies": ["상담원 연결"]},
    )
    conversation.last_seq += 2
    conversation.last_intent = "faq:bill"
    conversation.bot_state = {"turns": 1, "slots": {"plan": "5G 프리미엄"}}
    return customer, reply


def test_a_bot_turn_stores_both_messages_with_the_reply_pointing_at_the_question():
    conversation = ConversationFactory()
    customer, reply = _turn(conversation)

    with transaction.atomic():
        store_turn(conversation, customer, reply, ["last_seq", "last_intent", "bot_state"])

    stored = {m.sender: m for m in Message.objects.filter(conversation=conversation)}
    assert stored[MessageSender.CUSTOMER].pk == customer.pk
    assert stored[MessageSender.BOT].pk == reply.pk
    assert stored[MessageSender.BOT].reply_to_id == customer.pk == reply.reply_to_id
    assert stored[MessageSender.BOT].payload == {"quick_replies": ["상담원 연결"]}
    assert stored[MessageSender.BOT].confidence == pytest.approx(0.91)
    assert stored[MessageSender.CUSTOMER].client_message_id == "c-1"
    assert [customer._state.adding, reply._state.adding] == [False, False]
    conversation.refresh_from_db()
    assert conversation.last_seq == 2
    assert conversation.last_intent == "faq:bill"
    assert conversation.bot_state == {"turns": 1, "slots": {"plan": "5G 프리미엄"}}


def test_a_message_to_an_agent_is_stored_alone_with_the_seq_counter():
    conversation = ConversationFactory(last_seq=4)
    customer = Message(
        conversation=conversation,
        seq=5,
        sender=MessageSender.CUSTOMER,
        text="<b>확인</b> '; DROP TABLE chat_message; --",
    )
    conversation.last_seq = 5

    with transaction.atomic():
        store_turn(conversation, customer, None, ["last_seq"])

    assert Message.objects.get(pk=customer.pk).text == "<b>확인</b> '; DROP TABLE chat_message; --"
    conversation.refresh_from_db()
    assert conversation.last_seq == 5


def test_a_duplicate_seq_stores_nothing_of_the_turn():
    conversation = ConversationFactory(last_seq=1)
    MessageFactory(conversation=conversation, seq=2)  # someone else's message took seq 2
    customer, reply = _turn(conversation)

    with pytest.raises(IntegrityError), transaction.atomic():
        store_turn(conversation, customer, reply, ["last_seq", "last_intent", "bot_state"])

    assert Message.objects.filter(conversation=conversation).count() == 1
    conversation.refresh_from_db()
    assert (conversation.last_seq, conversation.last_intent) == (1, "")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the one-statement path")
def test_on_postgresql_the_turn_is_one_statement():
    conversation = ConversationFactory()
    customer, reply = _turn(conversation)

    with CaptureQueriesContext(connection) as ctx, transaction.atomic():
        store_turn(conversation, customer, reply, ["last_seq", "last_intent", "bot_state"])

    sent = [q["sql"] for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert len(sent) == 1 and sent[0].startswith("WITH c AS (INSERT"), sent


def test_lock_conversation_loads_what_the_orm_loads_and_only_for_its_owner():
    conversation = ConversationFactory(bot_state={"scenario": {"code": "plan", "slots": {}}})
    expected = Conversation.objects.get(pk=conversation.pk)
    session, user = str(conversation.session_id), conversation.user_id
    key = conversation.channel_key_id

    with transaction.atomic():
        locked = lock_conversation(session, key, user)

    assert locked is not None and not locked._state.adding
    assert {f.attname: getattr(locked, f.attname) for f in Conversation._meta.concrete_fields} == {
        f.attname: getattr(expected, f.attname) for f in Conversation._meta.concrete_fields
    }
    other = ConversationFactory()
    with transaction.atomic():
        assert lock_conversation(session, key, "someone-else") is None
        assert lock_conversation(session, other.channel_key_id, user) is None
