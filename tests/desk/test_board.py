"""Supervisor board: who may open it, the snapshot numbers, and the intervention actions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.agents.models import AgentState
from apps.agents.routing import active_chats
from apps.chat.models import ConversationState, Message, MessageSender
from apps.integrations.models import QueueMetricSnapshot
from apps.reports import live
from tests.agents.helpers import agent_in, waiting
from tests.factories import AgentFactory, ConversationFactory, MessageFactory, QueueFactory

pytestmark = pytest.mark.django_db


# Access --------------------------------------------------------------------------------------


def test_it_sends_anonymous_users_to_login(client):
    response = client.get("/desk/board/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    "path", ["/desk/board/", "/desk/board/snapshot/", "/desk/board/panels/lists/"]
)
def test_agents_cannot_open_the_board(client_as_agent, path):
    assert client_as_agent.get(path).status_code == 403


def test_agents_cannot_watch_whisper_or_take_over(client_as_agent, agent, queues):
    conversation = ConversationFactory(
        state=ConversationState.ASSIGNED, agent=agent, queue=queues["general"]
    )
    base = f"/desk/board/c/{conversation.pk}/"
    assert client_as_agent.get(base).status_code == 403
    assert client_as_agent.post(base + "whisper/", {"text": "x"}).status_code == 403
    assert client_as_agent.post(base + "take-over/").status_code == 403
    assert not conversation.messages.exists()


def test_supervisors_open_the_board(client_as_supervisor, queues):
    waiting(queues["general"], seconds_ago=30)
    response = client_as_supervisor.get("/desk/board/")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="board-snapshot"' in body and "vendor/chart.umd.min.js" in body
    assert "<script>" not in body  # CSP script-src 'self': data only through json_script
    assert (
        client_as_supervisor.get("/desk/board/snapshot/").json()["totals"]["contacts_in_queue"] == 1
    )


def test_the_desk_links_to_the_board_for_supervisors_only(client_as_supervisor, client_as_agent):
    assert 'data-testid="board-link"' in client_as_supervisor.get("/desk/").content.decode()
    assert 'data-testid="board-link"' not in client_as_agent.get("/desk/").content.decode()


# Snapshot numbers ----------------------------------------------------------------------------


@pytest.fixture
def floor(queues):
    """A hand-counted floor: waits relative to `now`, SLA 60 s (general) and 100 s (billing)."""
    now = timezone.now()
    general, billing = queues["general"], queues["billing"]
    billing.sla_seconds = 100
    billing.save()

    def queued(queue, seconds, **fields):
        return ConversationFactory(
            queue=queue,
            queued_at=now - timedelta(seconds=seconds),
            **{"state": ConversationState.QUEUED, **fields},
        )

    queued(general, 10)
    queued(general, 50)  # past 48 s = 80 % of 60: at risk
    queued(general, 100)  # at risk
    queued(billing, 70)  # under 80 s: fine
    queued(billing, 90)  # at risk
    queued(general, 900, state=ConversationState.CLOSED)  # finished: not waiting
    queued(QueueFactory(is_active=False), 500)  # inactive queue: not on the board
    busy = agent_in(general, state=AgentState.AVAILABLE)
    agent_in(general, state=AgentState.BUSY)
    agent_in(billing, state=AgentState.AWAY)
    agent_in(billing, state=AgentState.OFFLINE)
    queued(general, 200, state=ConversationState.ASSIGNED, agent=busy)
    queued(general, 300, state=ConversationState.ASSIGNED, agent=busy)
    queued(queues["retention"], 30, state=ConversationState.ASSIGNED, agent=busy)
    return now, busy


def test_queue_counts_oldest_wait_active_and_sla_at_risk(floor, queues):
    now, _ = floor
    rows = {q["queue"]: q for q in live.queue_snapshot(now)}
    assert set(rows) == {"general", "billing", "retention"}
    general, billing, retention = rows["general"], rows["billing"], rows["retention"]
    assert (
        general["contacts_in_queue"],
        general["oldest_contact_age"],
        general["sla_at_risk"],
        general["active_chats"],
    ) == (3, 100, 2, 2)
    assert (
        billing["contacts_in_queue"],
        billing["oldest_contact_age"],
        billing["sla_at_risk"],
        billing["active_chats"],
    ) == (2, 90, 1, 0)
    assert (
        retention["contacts_in_queue"],
        retention["oldest_contact_age"],
        retention["sla_at_risk"],
        retention["active_chats"],
    ) == (0, 0, 0, 1)


def test_snapshot_totals_and_agents_by_state(floor):
    now, busy = floor
    snapshot = live.board_snapshot(now)
    assert snapshot["totals"] == {
        "contacts_in_queue": 5,
        "oldest_contact_age": 100,
        "active_chats": 3,
        "sla_at_risk": 3,
    }
    assert snapshot["agents_by_state"] == {
        "AVAILABLE": 1,
        "BUSY": 1,
        "AWAY": 1,
        "AFTER_CONTACT_WORK": 0,
        "OFFLINE": 1,
    }
    rows = {a["pk"]: a for a in live.agent_rows()}
    assert rows[busy.pk]["active"] == 3
    assert sum(a["active"] for a in rows.values()) == 3


def test_containment_and_fallback_rate_cover_the_last_hour_only(db):
    now = timezone.now()
    minutes = lambda n: now - timedelta(minutes=n)  # noqa: E731
    for _ in range(3):
        ConversationFactory(state=ConversationState.CLOSED, started_at=minutes(10))
    ConversationFactory(
        state=ConversationState.CLOSED, started_at=minutes(20), queued_at=minutes(19)
    )
    ConversationFactory(state=ConversationState.BOT, started_at=minutes(5))
    ConversationFactory(state=ConversationState.CLOSED, started_at=minutes(120))  # too old
    conversation = ConversationFactory(started_at=minutes(30))
    question = MessageFactory(conversation=conversation, seq=1, created_at=minutes(30))

    def reply(seq, action, at, to=question):
        MessageFactory(
            conversation=conversation,
            seq=seq,
            sender=MessageSender.BOT,
            next_action=action,
            reply_to=to,
            created_at=at,
        )

    reply(2, "ANSWER", minutes(30))
    reply(3, "CLARIFY", minutes(29))
    reply(4, "FALLBACK", minutes(28))
    reply(5, "ANSWER", minutes(27))
    reply(6, "FALLBACK", minutes(90))  # too old
    reply(7, "END", minutes(1), to=None)  # CSAT prompt, not a reply to the customer
    bot = live.bot_last_hour(now)
    # conversation (started 30 min ago, still BOT) counts too: 3 contained of 6.
    assert (bot["contained"], bot["conversations"], bot["containment"]) == (3, 6, 0.5)
    assert (bot["fallbacks"], bot["bot_replies"], bot["fallback_rate"]) == (1, 4, 0.25)


def test_a_snapshot_takes_at_most_five_queries(floor, django_assert_max_num_queries):
    now, _ = floor
    with django_assert_max_num_queries(5):
        live.board_snapshot(now)


def test_connect_metrics_show_beside_local_numbers_with_their_age(client_as_supervisor, queues):
    general = queues["general"]
    general.connect_queue_id = "cq-general"
    general.save()
    waiting(general, seconds_ago=20)
    QueueMetricSnapshot.objects.create(
        connect_queue_id="cq-general",
        queue=general,
        values={"CONTACTS_IN_QUEUE": 4.0, "OLDEST_CONTACT_AGE": 95.0},
        data_snapshot_time=timezone.now() - timedelta(seconds=30),
    )
    snapshot = live.board_snapshot()
    row = next(q for q in snapshot["queues"] if q["queue"] == "general")
    assert snapshot["connect_configured"] is True
    assert row["contacts_in_queue"] == 1
    assert row["connect"]["values"]["CONTACTS_IN_QUEUE"] == 4.0
    assert 30 <= row["connect"]["age_seconds"] <= 32 and row["connect"]["stale"] is False
    assert next(q for q in snapshot["queues"] if q["queue"] == "billing")["connect"] is None
    body = client_as_supervisor.get("/desk/board/").content.decode()
    assert "Connect 대기" in body and 'data-field="connect_age"' in body


def test_without_connect_the_board_shows_local_numbers_only(client_as_supervisor, queues):
    snapshot = live.board_snapshot()
    assert snapshot["connect_configured"] is False
    assert "Connect 대기" not in client_as_supervisor.get("/desk/board/").content.decode()


def test_the_dashboard_api_keeps_its_shape(client_as_supervisor, floor):
    body = client_as_supervisor.get("/api/admin/dashboard").json()
    general = next(q for q in body["queues"] if q["queue"] == "general")
    assert set(general) == {
        "queue",
        "name",
        "contacts_in_queue",
        "oldest_contact_age",
        "active_chats",
        "sla_at_risk",
        "sla_seconds",
    }
    assert general["sla_at_risk"] == 2
    assert body["agents"]["by_state"]["AVAILABLE"] == 1
    assert {a["active"] for a in body["agents"]["agents"]} == {0, 3}


# Intervention --------------------------------------------------------------------------------


def test_silent_view_shows_the_transcript_read_only(client_as_supervisor, agent, queues):
    conversation = ConversationFactory(
        state=ConversationState.ASSIGNED, agent=agent, queue=queues["general"]
    )
    MessageFactory(conversation=conversation, seq=1, text="<b>요금이 이상해요</b>")
    body = client_as_supervisor.get(f"/desk/board/c/{conversation.pk}/").content.decode()
    assert "&lt;b&gt;요금이 이상해요&lt;/b&gt;" in body
    assert 'data-testid="composer"' not in body
    assert 'data-testid="take-over-unavailable"' in body  # this supervisor has no Agent profile
    assert conversation.messages.count() == 1


def test_whisper_is_an_internal_note_the_history_api_never_returns(
    client_as_supervisor, agent, queues, channel, api
):
    conversation = ConversationFactory(
        channel_key=channel[0],
        state=ConversationState.ASSIGNED,
        agent=agent,
        queue=queues["general"],
    )
    response = client_as_supervisor.post(
        f"/desk/board/c/{conversation.pk}/whisper/", {"text": "환불 규정 3조를 안내하세요"}
    )
    assert response.status_code == 302
    note = conversation.messages.get()
    assert note.is_internal and "환불 규정 3조" in note.text
    assert note.payload["whisper"]["name"] == "supervisor1"
    history = api.get(
        f"/api/chatbot/history/{conversation.session_id}", {"user_id": conversation.user_id}
    ).json()
    assert history["messages"] == []
    # The agent's desk shows it, marked as an internal note.
    agent_body = _client_for(agent.user).get(f"/desk/c/{conversation.pk}/").content.decode()
    assert "환불 규정 3조" in agent_body and "msg system internal" in agent_body


def test_an_empty_whisper_is_refused_and_nothing_is_stored(client_as_supervisor, agent, queues):
    conversation = ConversationFactory(
        state=ConversationState.ASSIGNED, agent=agent, queue=queues["general"]
    )
    response = client_as_supervisor.post(
        f"/desk/board/c/{conversation.pk}/whisper/", {"text": "   "}, follow=True
    )
    assert "귓속말 내용을 입력해 주세요." in response.content.decode()
    assert not conversation.messages.exists()


def test_take_over_reassigns_records_and_frees_the_agents_capacity(
    supervisor, client_as_supervisor, queues, django_capture_on_commit_callbacks
):
    own = AgentFactory(user=supervisor, display_name="김감독", state=AgentState.AWAY)
    previous = agent_in(queues["general"], state=AgentState.AVAILABLE, capacity=1)
    conversation = ConversationFactory(
        state=ConversationState.ASSIGNED, agent=previous, queue=queues["general"]
    )
    next_in_line = waiting(queues["general"], seconds_ago=40)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as_supervisor.post(f"/desk/board/c/{conversation.pk}/take-over/")
    assert response.status_code == 302
    assert response["Location"] == f"/desk/c/{conversation.pk}/"
    conversation.refresh_from_db()
    assert conversation.agent == own and conversation.state == ConversationState.ASSIGNED
    note = conversation.messages.get(is_internal=True)
    assert note.payload["take_over"] == {
        "by_user": supervisor.pk,
        "to_agent": own.pk,
        "from_agent": previous.pk,
    }
    # The freed slot went straight to the next waiting customer.
    next_in_line.refresh_from_db()
    assert next_in_line.agent == previous
    assert active_chats(previous.pk) == 1
    # The supervisor can now answer from the desk.
    body = client_as_supervisor.get(f"/desk/c/{conversation.pk}/").content.decode()
    assert 'data-testid="composer"' in body


def test_take_over_needs_the_supervisors_agent_profile(client_as_supervisor, agent, queues):
    conversation = ConversationFactory(
        state=ConversationState.ASSIGNED, agent=agent, queue=queues["general"]
    )
    response = client_as_supervisor.post(f"/desk/board/c/{conversation.pk}/take-over/", follow=True)
    assert "상담원 프로필이 없는 감독자는" in response.content.decode()
    conversation.refresh_from_db()
    assert conversation.agent == agent
    assert not Message.objects.exists()


def test_only_chats_with_an_agent_can_be_taken_over(supervisor, client_as_supervisor, queues):
    AgentFactory(user=supervisor)
    conversation = waiting(queues["general"])
    response = client_as_supervisor.post(f"/desk/board/c/{conversation.pk}/take-over/", follow=True)
    assert "상담원이 진행 중인 대화만" in response.content.decode()
    conversation.refresh_from_db()
    assert conversation.agent is None


def test_unknown_conversations_are_404(client_as_supervisor):
    assert client_as_supervisor.get("/desk/board/c/999999/").status_code == 404
    assert client_as_supervisor.post("/desk/board/c/999999/take-over/").status_code == 404


def _client_for(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


# Throttled pushes ----------------------------------------------------------------------------


def test_pushes_are_throttled_with_one_trailing_snapshot(settings, queues, monkeypatch):
    from apps.desk import board, tasks

    sent, scheduled = [], []
    monkeypatch.setattr(board.broadcast, "board_snapshot", lambda r, s: sent.append((r, s)))
    monkeypatch.setattr(
        tasks.push_board_snapshot,
        "apply_async",
        lambda args, countdown: scheduled.append((args, countdown)),
    )
    settings.CELERY_TASK_ALWAYS_EAGER = False
    for reason in ("queued", "changed", "agent", "changed"):
        board.board_publish(reason)
    assert [r for r, _ in sent] == ["queued"]
    assert sent[0][1]["totals"]["contacts_in_queue"] == 0
    assert scheduled == [(["changed"], 1)]  # one trailing push for the whole burst
    tasks.push_board_snapshot.run("agent")  # the worker runs it a second later
    assert [r for r, _ in sent] == ["queued", "agent"]
    board.board_publish("changed")  # a new change inside the new window schedules again
    assert len(scheduled) == 2


def test_a_failing_snapshot_never_breaks_the_chat_event(queues, monkeypatch):
    from apps.desk import board

    def broken(_now=None):
        raise RuntimeError("db gone")

    monkeypatch.setattr(board.live, "board_snapshot", broken)
    board.board_publish("queued")  # logged, not raised
