"""History, escalate, feedback and CSAT: the caller's own session, strict input."""

from __future__ import annotations

import pytest

from apps.chat.models import Conversation, ConversationState, Message
from tests.factories import FaqFactory

pytestmark = pytest.mark.django_db

UNKNOWN = "6f1c1b9e-6f35-4c3c-9d8c-3a4a7f1b2c3d"


@pytest.fixture
def session(api, queues):
    FaqFactory(question="배송지를 변경하고 싶어요", answer="마이페이지에서 바꿀 수 있어요.")
    return api.chat("배송지 변경은 어떻게 하나요?", user_id="alice").json()["session_id"]


def history(api, session, **params):
    return api.get(f"/api/chatbot/history/{session}", {"user_id": "alice", **params})


def test_history_pages_by_seq(api, session):
    api.chat("두 번째", user_id="alice", session_id=session)

    first = history(api, session, limit=2).json()
    rest = history(api, session, after_seq=2).json()

    assert [m["seq"] for m in first["messages"]] == [1, 2]
    assert first["has_more"] is True
    assert [m["seq"] for m in rest["messages"]] == [3, 4]
    assert rest["has_more"] is False and rest["last_seq"] == 4


def test_history_hides_internal_notes(api, session):
    conversation = Conversation.objects.get(session_id=session)
    Message.objects.create(
        conversation=conversation, seq=99, sender="agent", text="내부 메모", is_internal=True
    )

    texts = [m["text"] for m in history(api, session).json()["messages"]]

    assert "내부 메모" not in texts


@pytest.mark.parametrize(
    "params",
    [
        {"user_id": "mallory"},
        {"user_id": ""},
        {"user_id": "alice", "after_seq": "x"},
        {"user_id": "alice", "limit": 0},
        {"user_id": "alice", "limit": 1000},
        {"user_id": "alice", "after_seq": -1},
    ],
)
def test_history_refuses_bad_or_foreign_queries(api, session, params):
    response = api.get(f"/api/chatbot/history/{session}", params)

    assert response.status_code in (400, 404)
    assert "error" in response.json()


def test_history_of_an_unknown_session_is_a_404(api, session):
    assert api.get(f"/api/chatbot/history/{UNKNOWN}", {"user_id": "alice"}).status_code == 404


def test_escalate_queues_with_position_and_wait(api, session):
    response = api.post("/api/chatbot/escalate", {"session_id": session, "user_id": "alice"})

    assert response.status_code == 200
    body = response.json()
    assert body["state"] == "QUEUED" and body["queue"] == "general"
    assert body["position"] == 1 and body["estimated_wait_seconds"] > 0
    assert Conversation.objects.get(session_id=session).state == ConversationState.QUEUED


def test_escalating_twice_keeps_the_place(api, session):
    api.post("/api/chatbot/escalate", {"session_id": session, "user_id": "alice"})
    again = api.post("/api/chatbot/escalate", {"session_id": session, "user_id": "alice"})

    assert again.status_code == 200
    assert again.json()["position"] == 1
    assert Message.objects.filter(intent="handoff").count() == 1


@pytest.mark.parametrize(
    "body",
    [
        {"user_id": "alice"},
        {"session_id": "nope", "user_id": "alice"},
        {"session_id": UNKNOWN, "user_id": "alice"},
        {"session_id": 5, "user_id": "alice"},
        {"session_id": ["x"], "user_id": "alice"},
    ],
)
def test_escalate_refuses_bad_sessions(api, session, body):
    response = api.post("/api/chatbot/escalate", body)

    assert response.status_code in (400, 404)


def test_feedback_marks_the_bot_answer(api, session):
    response = api.post(
        "/api/chatbot/feedback",
        {"session_id": session, "user_id": "alice", "seq": 2, "helpful": False},
    )

    assert response.status_code == 200
    assert Message.objects.get(seq=2).helpful is False


@pytest.mark.parametrize(
    ("seq", "helpful", "status"),
    [
        (1, True, 404),
        (50, True, 404),
        (0, True, 400),
        ("two", True, 400),
        (2, "maybe", 400),
        # JSON types are kept: "2", 2.0 and "false" are not coerced.
        ("2", True, 400),
        (2.0, True, 400),
        (2, "false", 400),
        (2, 0, 400),
    ],
)
def test_feedback_only_on_bot_answers(api, session, seq, helpful, status):
    response = api.post(
        "/api/chatbot/feedback",
        {"session_id": session, "user_id": "alice", "seq": seq, "helpful": helpful},
    )

    assert response.status_code == status
    assert Message.objects.filter(helpful__isnull=False).count() == 0


def test_csat_after_close_once(api, session):
    Conversation.objects.filter(session_id=session).update(state=ConversationState.CLOSED)
    body = {"session_id": session, "user_id": "alice", "score": 5, "comment": "친절해요 👍"}

    first = api.post("/api/chatbot/csat", body)
    second = api.post("/api/chatbot/csat", {**body, "score": 1})

    assert first.status_code == 200 and first.json()["csat_score"] == 5
    assert second.status_code == 409
    assert Conversation.objects.get(session_id=session).csat_score == 5


def test_csat_while_open_is_a_409(api, session):
    response = api.post(
        "/api/chatbot/csat", {"session_id": session, "user_id": "alice", "score": 4}
    )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conversation_open"


@pytest.mark.parametrize("score", [0, 6, "5점", None, 4.5, "5", True])
def test_csat_score_is_1_to_5(api, session, score):
    Conversation.objects.filter(session_id=session).update(state=ConversationState.CLOSED)

    response = api.post(
        "/api/chatbot/csat", {"session_id": session, "user_id": "alice", "score": score}
    )

    assert response.status_code == 400
    assert "score" in response.json()["error"]["fields"]
