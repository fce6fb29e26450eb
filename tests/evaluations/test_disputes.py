"""The agent side: acknowledge or dispute a submitted evaluation; a supervisor resolves."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.core.exceptions import ApplicationError
from apps.evaluations.models import EvaluationStatus
from apps.evaluations.services import (
    evaluation_acknowledge,
    evaluation_dispute,
    evaluation_resolve,
)
from tests.factories import AgentFactory, EvaluationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(agent):
    return EvaluationFactory(agent=agent, status=EvaluationStatus.SUBMITTED, score=72)


def test_the_agent_acknowledges(submitted, agent) -> None:
    evaluation_acknowledge(evaluation=submitted, agent=agent)

    submitted.refresh_from_db()
    assert submitted.status == EvaluationStatus.ACKNOWLEDGED
    assert submitted.acknowledged_at is not None


def test_dispute_then_resolve(submitted, agent, supervisor) -> None:
    evaluation_dispute(evaluation=submitted, agent=agent, comment="본인 확인은 했습니다 (#4)")
    evaluation_resolve(evaluation=submitted, user=supervisor, comment="녹취 확인, 점수 유지")

    submitted.refresh_from_db()
    assert submitted.status == EvaluationStatus.RESOLVED
    assert submitted.dispute_comment == "본인 확인은 했습니다 (#4)"
    assert submitted.resolution_comment == "녹취 확인, 점수 유지"
    assert submitted.resolved_by == supervisor


@pytest.mark.parametrize(
    ("start", "action"),
    [
        (EvaluationStatus.ACKNOWLEDGED, "acknowledge"),
        (EvaluationStatus.ACKNOWLEDGED, "dispute"),
        (EvaluationStatus.DISPUTED, "acknowledge"),
        (EvaluationStatus.DISPUTED, "dispute"),
        (EvaluationStatus.SUBMITTED, "resolve"),
        (EvaluationStatus.ACKNOWLEDGED, "resolve"),
        (EvaluationStatus.RESOLVED, "resolve"),
        (EvaluationStatus.RESOLVED, "dispute"),
    ],
)
def test_invalid_transitions_raise_and_change_nothing(agent, supervisor, start, action) -> None:
    evaluation = EvaluationFactory(agent=agent, status=start)
    calls = {
        "acknowledge": lambda: evaluation_acknowledge(evaluation=evaluation, agent=agent),
        "dispute": lambda: evaluation_dispute(evaluation=evaluation, agent=agent, comment="이의"),
        "resolve": lambda: evaluation_resolve(
            evaluation=evaluation, user=supervisor, comment="처리"
        ),
    }
    with pytest.raises(ApplicationError) as exc:
        calls[action]()

    assert exc.value.code == "conflict"
    evaluation.refresh_from_db()
    assert evaluation.status == start


def test_drafts_and_other_agents_evaluations_cannot_be_answered(agent) -> None:
    draft = EvaluationFactory(agent=agent, status=EvaluationStatus.DRAFT)
    theirs = EvaluationFactory(agent=AgentFactory(), status=EvaluationStatus.SUBMITTED)

    for evaluation in (draft, theirs):
        with pytest.raises(ApplicationError) as exc:
            evaluation_acknowledge(evaluation=evaluation, agent=agent)
        assert exc.value.code == "not_found"


def test_a_dispute_needs_a_comment(submitted, agent) -> None:
    with pytest.raises(ApplicationError, match="이의 내용"):
        evaluation_dispute(evaluation=submitted, agent=agent, comment="   ")
    submitted.refresh_from_db()
    assert submitted.status == EvaluationStatus.SUBMITTED


def test_only_supervisors_resolve(submitted, agent, qa_evaluator) -> None:
    evaluation_dispute(evaluation=submitted, agent=agent, comment="이의")

    with pytest.raises(ApplicationError):
        evaluation_resolve(evaluation=submitted, user=qa_evaluator, comment="처리")
    submitted.refresh_from_db()
    assert submitted.status == EvaluationStatus.DISPUTED


def test_the_agent_pages_acknowledge_and_dispute(client_as_agent, agent) -> None:
    first = EvaluationFactory(agent=agent, status=EvaluationStatus.SUBMITTED, score=90)
    second = EvaluationFactory(agent=agent, status=EvaluationStatus.SUBMITTED, score=40)

    listing = client_as_agent.get(reverse("evaluations:my_evaluations"))
    assert listing.status_code == 200
    assert set(listing.context["evaluations"]) == {first, second}

    ack = client_as_agent.post(reverse("evaluations:my_acknowledge", args=[first.pk]))
    dispute = client_as_agent.post(
        reverse("evaluations:my_dispute", args=[second.pk]),
        {"comment": "<b>녹취</b>를 다시 들어 주세요"},
    )
    assert ack.status_code == dispute.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == EvaluationStatus.ACKNOWLEDGED
    assert second.status == EvaluationStatus.DISPUTED

    page = client_as_agent.get(reverse("evaluations:my_evaluation", args=[second.pk]))
    assert "&lt;b&gt;녹취&lt;/b&gt;" in page.content.decode()


def test_the_agent_page_reports_an_invalid_transition(client_as_agent, agent) -> None:
    done = EvaluationFactory(agent=agent, status=EvaluationStatus.ACKNOWLEDGED)

    response = client_as_agent.post(
        reverse("evaluations:my_dispute", args=[done.pk]), {"comment": "늦은 이의"}, follow=True
    )

    assert (
        "확인" in response.content.decode()
        and "이의 제기할 수 없습니다" in response.content.decode()
    )
    done.refresh_from_db()
    assert done.status == EvaluationStatus.ACKNOWLEDGED


def test_a_supervisor_resolves_from_the_evaluation_page(
    client_as_supervisor, supervisor, agent
) -> None:
    disputed = EvaluationFactory(
        agent=agent, status=EvaluationStatus.DISPUTED, dispute_comment="이의"
    )

    listing = client_as_supervisor.get(reverse("evaluations:disputes"))
    assert list(listing.context["evaluations"]) == [disputed]
    page = client_as_supervisor.get(reverse("evaluations:evaluation", args=[disputed.pk]))
    assert page.context["can_resolve"] is True

    empty = client_as_supervisor.post(
        reverse("evaluations:resolve", args=[disputed.pk]), {"comment": ""}
    )
    assert empty.status_code == 302
    disputed.refresh_from_db()
    assert disputed.status == EvaluationStatus.DISPUTED

    client_as_supervisor.post(
        reverse("evaluations:resolve", args=[disputed.pk]), {"comment": "재평가 결과 유지"}
    )
    disputed.refresh_from_db()
    assert (disputed.status, disputed.resolved_by) == (EvaluationStatus.RESOLVED, supervisor)


BAD_COMMENTS = [
    pytest.param({"comment": "a\x00b"}, id="nul"),
    pytest.param({"comment": "a\x00b" + "x" * 5000}, id="nul-and-too-long"),
    pytest.param({"comment": "x" * 2001}, id="too-long"),
    pytest.param({"comment": "   "}, id="blank"),
    pytest.param({}, id="missing"),
]


def _flashes(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.mark.parametrize("data", BAD_COMMENTS)
def test_a_bad_dispute_comment_is_refused_and_changes_nothing(
    client_as_agent, submitted, data
) -> None:
    response = client_as_agent.post(
        reverse("evaluations:my_dispute", args=[submitted.pk]), data, follow=True
    )

    assert response.status_code == 200
    page = reverse("evaluations:my_evaluation", args=[submitted.pk])
    assert response.redirect_chain[-1][0] == page
    assert any(m.startswith("의견:") for m in _flashes(response))
    submitted.refresh_from_db()
    assert (submitted.status, submitted.dispute_comment) == (EvaluationStatus.SUBMITTED, "")


@pytest.mark.parametrize("data", BAD_COMMENTS)
def test_a_bad_resolution_comment_is_refused_and_changes_nothing(
    client_as_supervisor, agent, data
) -> None:
    disputed = EvaluationFactory(
        agent=agent, status=EvaluationStatus.DISPUTED, dispute_comment="이의"
    )

    response = client_as_supervisor.post(
        reverse("evaluations:resolve", args=[disputed.pk]), data, follow=True
    )

    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("evaluations:evaluation", args=[disputed.pk])
    assert any(m.startswith("의견:") for m in _flashes(response))
    disputed.refresh_from_db()
    assert (disputed.status, disputed.resolution_comment, disputed.resolved_by) == (
        EvaluationStatus.DISPUTED,
        "",
        None,
    )
