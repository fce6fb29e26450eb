from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from apps.agents.models import Agent, Queue
from tests.factories import AgentFactory, QueueFactory

pytestmark = pytest.mark.django_db

BAD_SKILLS = ['{"a": 1}', '"text"', "5", "[1, 2]", '["billing", ""]', '[" billing"]']


@pytest.fixture
def queue():
    return QueueFactory(code="billing", name="요금", skills=["billing"])


@pytest.fixture
def agent_row(queue):
    agent = AgentFactory(skills=["billing"])
    agent.queues.add(queue)
    return agent


def _post_agent(client, agent: Agent, skills: str):
    data = {
        "user": agent.user_id,
        "display_name": agent.display_name,
        "team": agent.team_id,
        "queues": [q.pk for q in agent.queues.all()],
        "skills": skills,
        "capacity": agent.capacity,
    }
    return client.post(reverse("admin:agents_agent_change", args=[agent.pk]), data)


def _post_queue(client, queue: Queue, skills: str):
    data = {
        "name": queue.name,
        "code": queue.code,
        "skills": skills,
        "priority": queue.priority,
        "sla_seconds": queue.sla_seconds,
        "is_active": "on",
    }
    return client.post(reverse("admin:agents_queue_change", args=[queue.pk]), data)


@pytest.mark.parametrize("skills", BAD_SKILLS)
def test_it_refuses_agent_skills_that_are_not_a_list_of_strings(
    skills, agent_row, client_as_supervisor
) -> None:
    response = _post_agent(client_as_supervisor, agent_row, skills)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["skills"]
    agent_row.refresh_from_db()
    assert agent_row.skills == ["billing"]


@pytest.mark.parametrize("skills", BAD_SKILLS)
def test_it_refuses_queue_skills_that_are_not_a_list_of_strings(
    skills, queue, client_as_supervisor
) -> None:
    response = _post_queue(client_as_supervisor, queue, skills)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["skills"]
    queue.refresh_from_db()
    assert queue.skills == ["billing"]


@pytest.mark.parametrize("skills", ["", "null"])
def test_it_saves_emptied_skills_as_no_skills(
    skills, agent_row, queue, client_as_supervisor
) -> None:
    assert _post_agent(client_as_supervisor, agent_row, skills).status_code == 302
    assert _post_queue(client_as_supervisor, queue, skills).status_code == 302

    agent_row.refresh_from_db()
    queue.refresh_from_db()
    assert agent_row.skills == [] and queue.skills == []


def test_it_saves_a_list_of_skills(agent_row, queue, client_as_supervisor) -> None:
    skills = '["billing", "vip"]'
    assert _post_agent(client_as_supervisor, agent_row, skills).status_code == 302
    assert _post_queue(client_as_supervisor, queue, skills).status_code == 302

    agent_row.refresh_from_db()
    queue.refresh_from_db()
    assert agent_row.skills == ["billing", "vip"] and queue.skills == ["billing", "vip"]


def test_it_refuses_skills_routing_cannot_compare_outside_the_admin_too(agent_row) -> None:
    agent_row.skills = 5

    with pytest.raises(ValidationError) as exc:
        agent_row.full_clean()

    assert "skills" in exc.value.message_dict
