"""Database round trips per chat turn: the load targets depend on keeping them few (issue 4)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.chat.models import ChannelKey, Message

pytestmark = pytest.mark.django_db


def statements(ctx: CaptureQueriesContext) -> list[str]:
    # Transaction control is not counted by Django on every backend; count the real statements.
    return [
        q["sql"]
        for q in ctx.captured_queries
        if not q["sql"].upper().startswith(("SAVEPOINT", "RELEASE", "BEGIN", "COMMIT"))
    ]


@pytest.fixture
def capture(django_capture_on_commit_callbacks):
    """Count the statements of one request, after-commit listeners included."""
    from contextlib import contextmanager

    @contextmanager
    def counting():
        with CaptureQueriesContext(connection) as ctx:
            with django_capture_on_commit_callbacks(execute=True):
                yield ctx

    return counting


@pytest.fixture
def warm(api, demo_content):
    """The first request of a process loads the channel key and the NLU index; time the rest."""
    api.chat("배송 조회는 어떻게 하나요?", user_id="warm-up", client_message_id="warm-1")
    return api


def _most(postgresql: int, elsewhere: int) -> int:
    # On PostgreSQL a turn's writes are one statement (apps/chat/turn_store.py); SQLite
    # takes the ORM's insert, insert, update.
    return postgresql if connection.vendor == "postgresql" else elsewhere


def test_a_follow_up_turn_takes_four_statements_on_postgresql(warm, capture):
    session = warm.chat("배송 조회는 어떻게 하나요?", client_message_id="q-1").json()["session_id"]

    with capture() as ctx:
        response = warm.chat("요금제 바꾸고 싶어요", session_id=session, client_message_id="q-2")

    assert response.status_code == 200
    # replay check, lock the conversation, FAQ answer, then customer message + bot message +
    # closing UPDATE (seq counter + dialog memory) as one statement; the key is cached and
    # listeners get the committed instances, so nothing is read back after commit.
    assert len(statements(ctx)) <= _most(4, 6), statements(ctx)
    seqs = list(
        Message.objects.filter(conversation__session_id=session)
        .order_by("seq")
        .values_list("seq", flat=True)
    )
    assert seqs == [1, 2, 3, 4]


def test_a_first_turn_opens_the_conversation_in_four_statements_on_postgresql(warm, capture):
    with capture() as ctx:
        response = warm.chat("배송 조회는 어떻게 하나요?", client_message_id="q-10")

    assert response.status_code == 200
    # replay check, insert the conversation, FAQ answer, the turn's writes
    assert len(statements(ctx)) <= _most(4, 6), statements(ctx)


def test_the_channel_key_is_read_once_then_remembered_until_revoked(warm, channel, capture):
    with capture() as ctx:
        warm.chat("배송 조회는 어떻게 하나요?", client_message_id="q-20")
    assert not any("chat_channelkey" in sql for sql in statements(ctx))

    channel[0].revoke()

    assert warm.chat("배송 조회", client_message_id="q-21").status_code == 401


def test_a_revoked_key_stops_in_another_process_after_the_cache_time(warm, channel, monkeypatch):
    from apps.chat import models

    warm.chat("배송 조회는 어떻게 하나요?", client_message_id="q-30")
    # Another process revokes: this one's remembered entry is not touched...
    ChannelKey.objects.filter(pk=channel[0].pk).update(revoked_at="2026-01-01T00:00:00Z")
    # ...and expires after KEY_CACHE_SECONDS.
    monkeypatch.setattr(models, "KEY_CACHE_SECONDS", 0.0)
    models._key_cache.clear()

    assert warm.chat("배송 조회", client_message_id="q-31").status_code == 401


def test_the_plain_insert_takes_four_statements(warm, capture):
    from apps.chat.api.bench import BenchInsertApi

    view = BenchInsertApi.as_view()
    from rest_framework.test import APIRequestFactory

    request = APIRequestFactory().post(
        "/api/chatbot/bench-insert",
        {"message": "안녕하세요", "user_id": "plain-1", "client_message_id": "p-1"},
        format="json",
        HTTP_X_API_KEY=warm.key,
    )
    with capture() as ctx:
        response = view(request)

    assert response.status_code == 200
    # the chat turn's replay check, new conversation, message, last_seq: the bot's work left out
    assert len(statements(ctx)) <= 4, statements(ctx)
