from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from apps.chat.models import ChannelKey, MessageSender
from tests.factories import ConversationFactory, MessageFactory

pytestmark = pytest.mark.django_db


def test_it_issues_a_channel_key_and_shows_the_raw_key_once(client_as_supervisor):
    response = client_as_supervisor.post(
        reverse("admin:chat_channelkey_add"), {"name": "web-widget", "channel": "web"}, follow=True
    )

    shown = [str(m) for m in get_messages(response.wsgi_request) if "<code>" in str(m)]
    assert len(shown) == 1
    raw = shown[0].split("<code>")[1].split("</code>")[0]
    key = ChannelKey.objects.get(name="web-widget")
    assert ChannelKey.lookup(raw) == key
    assert raw.startswith(key.prefix)
    page = client_as_supervisor.get(reverse("admin:chat_channelkey_change", args=[key.pk]))
    assert raw not in page.content.decode()


def test_it_revokes_keys_so_they_cannot_be_used(client_as_supervisor):
    key, raw = ChannelKey.issue(name="mobile")

    client_as_supervisor.post(
        reverse("admin:chat_channelkey_changelist"),
        {"action": "revoke", "_selected_action": [key.pk]},
    )

    key.refresh_from_db()
    assert key.revoked_at is not None
    assert ChannelKey.lookup(raw) is None


def test_it_shows_the_transcript_in_order_with_customer_text_escaped(client_as_supervisor):
    conversation = ConversationFactory()
    MessageFactory(conversation=conversation, seq=2, sender=MessageSender.BOT, text="두 번째")
    MessageFactory(conversation=conversation, seq=1, text="<script>alert(1)</script>첫 번째")

    response = client_as_supervisor.get(
        reverse("admin:chat_conversation_change", args=[conversation.pk])
    )

    content = response.content.decode()
    assert "<script>alert(1)</script>" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;첫 번째" in content
    assert content.index("첫 번째") < content.index("두 번째")


def test_it_refuses_to_change_or_delete_conversations(client_as_supervisor):
    conversation = ConversationFactory(user_id="u-1")
    url = reverse("admin:chat_conversation_change", args=[conversation.pk])

    client_as_supervisor.post(url, {"user_id": "changed"})
    delete = client_as_supervisor.post(
        reverse("admin:chat_conversation_delete", args=[conversation.pk]), {"post": "yes"}
    )

    conversation.refresh_from_db()
    assert conversation.user_id == "u-1"
    assert delete.status_code == 403


def test_it_lists_conversations_without_a_full_count(client_as_supervisor):
    ConversationFactory.create_batch(3)

    response = client_as_supervisor.get(
        reverse("admin:chat_conversation_changelist"), {"state__exact": "BOT"}
    )

    assert response.status_code == 200
    assert response.context["cl"].show_full_result_count is False
    assert response.context["cl"].result_count == 3


def _count_queries(queries) -> list[str]:
    return [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]


@pytest.mark.parametrize("model", ["conversation", "message"])
def test_unfiltered_changelists_use_the_estimate_not_a_full_count(client_as_supervisor, model):
    from unittest.mock import patch

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    MessageFactory.create_batch(3)
    url = reverse(f"admin:chat_{model}_changelist")

    # SQLite has no planner estimate; stand one in to check the changelist uses nothing else.
    with patch("apps.chat.admin.estimated_count", return_value=5_000_000):
        with CaptureQueriesContext(connection) as ctx:
            response = client_as_supervisor.get(url)

    assert response.status_code == 200
    assert response.context["cl"].result_count == 5_000_000
    assert _count_queries(ctx.captured_queries) == []
    assert "DISTINCT" not in " ".join(q["sql"] for q in ctx.captured_queries).upper()


@pytest.mark.postgres
def test_postgres_reads_the_estimate_from_pg_class(client_as_supervisor):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if connection.vendor != "postgresql":
        pytest.skip("pg_class estimate is PostgreSQL only")
    ConversationFactory.create_batch(3)
    with connection.cursor() as cursor:
        # The planner's figure, faked large so the estimate (not COUNT) is used.
        cursor.execute(
            "UPDATE pg_class SET reltuples = 2000000 WHERE oid = 'chat_conversation'::regclass"
        )

    with CaptureQueriesContext(connection) as ctx:
        response = client_as_supervisor.get(reverse("admin:chat_conversation_changelist"))

    assert response.context["cl"].result_count == 2_000_000
    assert _count_queries(ctx.captured_queries) == []


def test_small_or_filtered_lists_are_counted_exactly(client_as_supervisor):
    ConversationFactory.create_batch(2, state="BOT")
    ConversationFactory(state="CLOSED")

    response = client_as_supervisor.get(reverse("admin:chat_conversation_changelist"))

    assert response.context["cl"].result_count == 3


def test_filtered_lists_count_up_to_a_cap_and_show_it_as_n_plus(client_as_supervisor):
    from unittest.mock import patch

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ConversationFactory.create_batch(4, state="BOT")
    ConversationFactory(state="CLOSED")

    with patch("apps.chat.admin.COUNT_CAP", 2), CaptureQueriesContext(connection) as ctx:
        response = client_as_supervisor.get(
            reverse("admin:chat_conversation_changelist"), {"state__exact": "BOT"}
        )

    assert response.context["cl"].result_count == 3  # stopped at cap + 1
    assert "2+" in response.content.decode()
    (count_sql,) = _count_queries(ctx.captured_queries)
    # A LIMITed subquery, unordered: the count reads at most cap + 1 rows of the filter's index.
    assert "LIMIT 3" in count_sql
    assert "ORDER BY" not in count_sql.upper()


def test_filtered_lists_below_the_cap_are_counted_exactly(client_as_supervisor):
    MessageFactory.create_batch(3, sender=MessageSender.AGENT)
    MessageFactory(sender=MessageSender.BOT)

    response = client_as_supervisor.get(
        reverse("admin:chat_message_changelist"), {"sender__exact": "agent"}
    )

    assert response.context["cl"].result_count == 3
    assert str(response.context["cl"].result_count) == "3"


def test_messages_are_listed_newest_first_without_joining_conversations(client_as_supervisor):
    from datetime import timedelta

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    now = timezone.now()
    old = MessageFactory(created_at=now - timedelta(hours=1))
    new = MessageFactory(created_at=now)

    with CaptureQueriesContext(connection) as ctx:
        response = client_as_supervisor.get(reverse("admin:chat_message_changelist"))

    assert list(response.context["cl"].result_list) == [new, old]
    listing = [q["sql"] for q in ctx.captured_queries if 'FROM "chat_message"' in q["sql"]]
    assert listing and all("chat_conversation" not in sql for sql in listing)
