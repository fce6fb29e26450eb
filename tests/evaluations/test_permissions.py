"""Who reaches which QA page: agents never see drafts, calibration rounds or others' evaluations."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from apps.chat.models import MessageSender
from apps.evaluations.models import EvaluationStatus
from tests.evaluations.factories import assign, closed_conversation, make_form, transcript
from tests.factories import AgentFactory, EvaluationFactory, UserFactory

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("name", ["worklist", "disputes", "calibrations"])
def test_agents_get_403_on_evaluator_and_supervisor_pages(client_as_agent, name) -> None:
    assert client_as_agent.get(reverse(f"evaluations:{name}")).status_code == 403


def test_anonymous_users_are_sent_to_login(client) -> None:
    response = client.get(reverse("evaluations:worklist"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_evaluators_cannot_open_supervisor_pages(qa_evaluator) -> None:
    client = _client(qa_evaluator)
    assert client.get(reverse("evaluations:worklist")).status_code == 200
    assert client.get(reverse("evaluations:disputes")).status_code == 403
    assert client.get(reverse("evaluations:calibrations")).status_code == 403


def test_agents_see_only_their_own_published_evaluations(client_as_agent, agent) -> None:
    mine = EvaluationFactory(agent=agent, status=EvaluationStatus.SUBMITTED)
    draft = EvaluationFactory(agent=agent, status=EvaluationStatus.DRAFT)
    calibration = EvaluationFactory(
        agent=agent, status=EvaluationStatus.SUBMITTED, is_calibration=True
    )
    theirs = EvaluationFactory(agent=AgentFactory(), status=EvaluationStatus.SUBMITTED)

    listing = client_as_agent.get(reverse("evaluations:my_evaluations"))
    assert list(listing.context["evaluations"]) == [mine]
    assert (
        client_as_agent.get(reverse("evaluations:my_evaluation", args=[mine.pk])).status_code == 200
    )
    for hidden in (draft, calibration, theirs):
        assert (
            client_as_agent.get(reverse("evaluations:my_evaluation", args=[hidden.pk])).status_code
            == 404
        )
        assert (
            client_as_agent.post(
                reverse("evaluations:my_acknowledge", args=[hidden.pk])
            ).status_code
            == 404
        )
        assert (
            client_as_agent.get(reverse("evaluations:evaluation", args=[hidden.pk])).status_code
            == 403
        )
    theirs.refresh_from_db()
    assert theirs.status == EvaluationStatus.SUBMITTED


def test_non_agents_get_403_on_the_agent_pages(qa_evaluator) -> None:
    assert _client(qa_evaluator).get(reverse("evaluations:my_evaluations")).status_code == 403


def test_an_evaluator_cannot_open_another_evaluators_work(qa_evaluator, agent) -> None:
    other = UserFactory(roles=["qa_evaluator"])
    form = make_form()
    assignment = assign(closed_conversation(agent), other, form)
    evaluation = EvaluationFactory(agent=agent, evaluator=other, form=form)

    client = _client(qa_evaluator)
    assert client.get(reverse("evaluations:evaluation", args=[evaluation.pk])).status_code == 404
    assert (
        client.post(reverse("evaluations:assignment_open", args=[assignment.pk])).status_code == 404
    )


def test_supervisors_read_but_do_not_edit_an_evaluators_draft(client_as_supervisor, agent):
    evaluation = EvaluationFactory(agent=agent, form=make_form())

    page = client_as_supervisor.get(reverse("evaluations:evaluation", args=[evaluation.pk]))
    assert page.status_code == 200 and page.context["editable"] is False
    post = client_as_supervisor.post(
        reverse("evaluations:evaluation", args=[evaluation.pk]), {"action": "submit"}
    )
    assert post.status_code == 409


def test_the_scoring_page_shows_the_transcript_escaped_with_bot_intents(qa_evaluator, agent):
    form = make_form()
    conversation = closed_conversation(agent)
    transcript(
        conversation,
        (MessageSender.CUSTOMER, "<script>alert(1)</script> 요금 문의"),
        (MessageSender.BOT, "요금제 안내입니다."),
        (MessageSender.AGENT, "네, 확인해 드릴게요."),
    )
    conversation.messages.filter(seq=2).update(intent="plan_inquiry", confidence=0.83)
    assignment = assign(conversation, qa_evaluator, form)
    client = _client(qa_evaluator)

    opened = client.post(reverse("evaluations:assignment_open", args=[assignment.pk]))
    page = client.get(opened["Location"])

    body = page.content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt; 요금 문의" in body
    assert "plan_inquiry" in body and "0.83" in body
    assert "첫인사를 했는가" in body
