from __future__ import annotations

import pytest

from apps.agents.models import Agent

pytestmark = pytest.mark.django_db


def test_dashboard_needs_the_supervisor_role(client, client_as_agent):
    assert client.get("/api/admin/dashboard").status_code in (401, 403)
    assert client_as_agent.get("/api/admin/dashboard").status_code == 403


def test_dashboard_shows_kpis_queues_and_agents(client_as_supervisor, queues, agent):
    response = client_as_supervisor.get("/api/admin/dashboard")

    assert response.status_code == 200
    body = response.json()
    assert {"containment", "asa_seconds", "abandonment", "csat_mean"} <= set(body["today"])
    assert {q["queue"] for q in body["queues"]} == {"general", "billing", "retention"}
    assert body["agents"]["by_state"]["AVAILABLE"] == 1


def test_agents_list_and_create(client_as_supervisor, queues):
    created = client_as_supervisor.post(
        "/api/admin/agents",
        {
            "username": "agent.new",
            "display_name": "신입",
            "queues": ["general", "billing"],
            "capacity": 2,
        },
        content_type="application/json",
    )
    listed = client_as_supervisor.get("/api/admin/agents")

    assert created.status_code == 201
    assert set(created.json()["queues"]) == {"general", "billing"}
    assert [a["username"] for a in listed.json()] == ["agent.new"]
    agent = Agent.objects.get(user__username="agent.new")
    assert agent.user.is_staff is False and agent.user.groups.filter(name="agent").exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"display_name": "x"}, "username"),
        ({"username": "a b", "display_name": "x"}, "username"),
        ({"username": "agent.x", "display_name": "x", "queues": ["nope"]}, "queues"),
        ({"username": "agent.x", "display_name": "x", "capacity": 0}, "capacity"),
        ({"username": "agent.x", "display_name": "x", "password": "123"}, "password"),
        ({"username": "agent.x", "display_name": "   "}, "display_name"),
        # A JSON value of the wrong type is refused, not coerced or iterated.
        ({"username": "agent.x", "display_name": "x", "queues": {}}, "queues"),
        ({"username": "agent.x", "display_name": "x", "queues": {"general": 1}}, "queues"),
        ({"username": "agent.x", "display_name": "x", "queues": "general"}, "queues"),
        ({"username": "agent.x", "display_name": "x", "capacity": "2"}, "capacity"),
        ({"username": "agent.x", "display_name": "x", "capacity": True}, "capacity"),
        ({"username": 12345, "display_name": "x"}, "username"),
        ({"username": "agent.x", "display_name": 7}, "display_name"),
        ({"username": "agent.x", "display_name": "x", "password": 12345678}, "password"),
    ],
)
def test_agent_create_names_the_bad_field(client_as_supervisor, queues, body, field):
    response = client_as_supervisor.post("/api/admin/agents", body, content_type="application/json")

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not Agent.objects.exists()


def test_agent_created_with_a_blank_password_has_no_usable_password(client_as_supervisor):
    response = client_as_supervisor.post(
        "/api/admin/agents",
        {"username": "agent.sso", "display_name": "김상담", "password": ""},
        content_type="application/json",
    )

    assert response.status_code == 201
    assert not Agent.objects.get(user__username="agent.sso").user.has_usable_password()


def test_agent_create_refuses_a_taken_username(client_as_supervisor, agent):
    response = client_as_supervisor.post(
        "/api/admin/agents",
        {"username": agent.user.username, "display_name": "x"},
        content_type="application/json",
    )

    assert response.status_code == 409


def test_agents_api_refuses_agents(client_as_agent):
    assert client_as_agent.get("/api/admin/agents").status_code == 403


def test_metrics_are_prometheus_text(client, api):
    api.chat("안녕하세요")

    response = client.get("/api/monitoring/metrics")

    assert response.status_code == 200
    text = response.content.decode()
    assert (
        'aicc_http_requests_total{endpoint="api/chatbot/chat",method="POST",status="200"}' in text
    )
    assert "aicc_http_request_duration_seconds_bucket" in text
    assert 'aicc_conversations{state="BOT"} 1.0' in text
    assert "aicc_nlu_seconds_bucket" in text
    assert 'aicc_bot_replies_total{next_action="FALLBACK"}' in text
