"""Racing retries store one message (PostgreSQL: real concurrent transactions)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from apps.chat.models import ChannelKey, Conversation, Message
from apps.chat.services import chat_receive

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serialises all writers"),
]


def race(n: int, **kwargs) -> list:
    barrier = threading.Barrier(n)
    results: list = []
    errors: list = []

    def worker() -> None:
        try:
            barrier.wait()
            results.append(chat_receive(**kwargs))
        except Exception as exc:  # noqa: BLE001  collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    return results


def test_identical_first_messages_open_one_conversation_with_one_message():
    key = ChannelKey.issue(name="race")[0]

    results = race(6, channel_key=key, user_id="racer", text="안녕하세요", client_message_id="c-1")

    assert Conversation.objects.count() == 1
    assert Message.objects.filter(sender="customer").count() == 1
    assert len({r.customer_message.pk for r in results}) == 1


def test_identical_retries_in_a_session_store_one_message():
    key = ChannelKey.issue(name="race")[0]
    first = chat_receive(channel_key=key, user_id="racer", text="처음")
    session = str(first.conversation.session_id)

    results = race(
        6,
        channel_key=key,
        user_id="racer",
        text="재시도",
        session_id=session,
        client_message_id="c-2",
    )

    assert Message.objects.filter(client_message_id="c-2").count() == 1
    assert len({r.customer_message.pk for r in results}) == 1
    seqs = list(Message.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))


def test_different_messages_in_parallel_get_gapless_seqs():
    key = ChannelKey.issue(name="race")[0]
    session = str(
        chat_receive(channel_key=key, user_id="racer", text="처음").conversation.session_id
    )
    barrier = threading.Barrier(5)

    def send(n: int) -> None:
        barrier.wait()
        chat_receive(
            channel_key=key,
            user_id="racer",
            text=f"메시지 {n}",
            session_id=session,
            client_message_id=f"p-{n}",
        )
        connections.close_all()

    threads = [threading.Thread(target=send, args=(n,)) for n in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    seqs = list(Message.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, 13))


def test_chat_turns_and_other_writers_in_parallel_share_one_gapless_seq():
    """Chat turns number their messages under the row lock; agents and routing increment the
    counter in SQL. Interleaved, they still never collide or leave a gap."""
    from django.db import transaction

    from apps.chat.services import message_append

    key = ChannelKey.issue(name="race")[0]
    first = chat_receive(channel_key=key, user_id="racer", text="처음")
    conversation_id = first.conversation.pk
    session = str(first.conversation.session_id)
    barrier = threading.Barrier(8)
    errors: list = []

    def customer(n: int) -> None:
        try:
            barrier.wait()
            chat_receive(
                channel_key=key,
                user_id="racer",
                text=f"고객 {n}",
                session_id=session,
                client_message_id=f"mix-{n}",
            )
        except Exception as exc:  # noqa: BLE001  asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    def other_writer(n: int) -> None:
        try:
            barrier.wait()
            with transaction.atomic():
                message_append(
                    conversation=Conversation.objects.get(pk=conversation_id),
                    sender="system",
                    text=f"안내 {n}",
                )
        except Exception as exc:  # noqa: BLE001  asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=customer, args=(n,)) for n in range(4)]
    threads += [threading.Thread(target=other_writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    seqs = list(
        Message.objects.filter(conversation_id=conversation_id)
        .order_by("seq")
        .values_list("seq", flat=True)
    )
    # The first turn (2) + four turns of two + four single messages.
    assert seqs == list(range(1, 15))
    assert Conversation.objects.get(pk=conversation_id).last_seq == 14
