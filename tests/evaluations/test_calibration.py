"""Calibration: several evaluators score one conversation; the spread is shown."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.core.exceptions import ApplicationError
from apps.evaluations.calibration import Spread, calibration_create, calibration_report
from apps.evaluations.models import EvaluationAssignment
from apps.evaluations.services import AnswerInput, evaluation_save, evaluation_start
from tests.evaluations.factories import closed_conversation, make_form, questions
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def trio(db):
    return [UserFactory(username=f"qa-{i}", roles=["qa_evaluator"]) for i in range(3)]


def _score(session, user, *scores) -> None:
    assignment = EvaluationAssignment.objects.get(calibration=session, evaluator=user)
    evaluation = evaluation_start(assignment=assignment, user=user)
    answers = [
        AnswerInput(q.pk, score=None if s == "na" else s, is_na=s == "na")
        for q, s in zip(questions(session.form), scores, strict=True)
    ]
    evaluation_save(evaluation=evaluation, user=user, answers=answers, submit=True)


def test_spread_numbers() -> None:
    spread = Spread.of([100.0, 50.0, 0.0, None])

    assert (spread.min, spread.max, spread.range) == (0.0, 100.0, 100.0)
    assert spread.stdev == 40.82  # population SD of 100, 50, 0
    assert Spread.of([None, None]).stdev is None
    assert Spread.of([70.0]).stdev == 0.0


def test_it_reports_each_evaluator_per_question_and_overall(trio, agent, supervisor) -> None:
    form = make_form()  # 50 + 30 (N/A ok) + 20
    session = calibration_create(
        title="11월 보정",
        conversation=closed_conversation(agent),
        form=form,
        evaluators=trio,
        created_by=supervisor,
    )
    _score(session, trio[0], 100, 100, 100)  # 100.00
    _score(session, trio[1], 50, "na", 100)  # (25 + 20) / 70 = 64.29
    _score(session, trio[2], 0, 50, 50)  # (0 + 15 + 10) / 100 = 25.00

    report = calibration_report(session=session)

    assert report.evaluators == trio and report.pending == []
    (q1, s1), (q2, s2), (q3, s3) = report.questions
    assert s1.values == [100.0, 50.0, 0.0] and (s1.min, s1.max, s1.range) == (0, 100, 100)
    assert s1.stdev == 40.82
    assert s2.values == [100.0, None, 50.0] and s2.range == 50 and s2.stdev == 25.0
    assert s3.values == [100.0, 100.0, 50.0] and s3.stdev == 23.57
    overall = report.overall
    assert overall.values == [100.0, 64.29, 25.0]
    assert (overall.min, overall.max, overall.range) == (25.0, 100.0, 75.0)
    assert overall.stdev == 30.63  # mean 63.10; sqrt((36.90² + 1.19² + 38.10²) / 3)


def test_it_lists_who_has_not_submitted_yet(trio, agent, supervisor) -> None:
    session = calibration_create(
        title="보정",
        conversation=closed_conversation(agent),
        form=make_form(),
        evaluators=trio,
        created_by=supervisor,
    )
    _score(session, trio[1], 100, 100, 100)

    report = calibration_report(session=session)

    assert report.evaluators == [trio[1]]
    assert report.pending == [trio[0], trio[2]]
    assert report.overall.range == 0


def test_it_needs_two_evaluators_and_an_agent_handled_conversation(trio, agent, supervisor):
    form = make_form()
    with pytest.raises(ApplicationError, match="두 명 이상"):
        calibration_create(
            title="x",
            conversation=closed_conversation(agent),
            form=form,
            evaluators=trio[:1],
            created_by=supervisor,
        )
    with pytest.raises(ApplicationError, match="상담원이 응대한"):
        calibration_create(
            title="x",
            conversation=closed_conversation(None),
            form=form,
            evaluators=trio,
            created_by=supervisor,
        )


def test_the_supervisor_pages_create_a_session_and_show_the_spread(
    client_as_supervisor, trio, agent
) -> None:
    form = make_form()
    conversation = closed_conversation(agent)

    bad = client_as_supervisor.post(
        reverse("evaluations:calibrations"),
        {"title": "보정", "conversation": 999999, "form": form.pk, "evaluators": [trio[0].pk]},
    )
    assert bad.status_code == 400
    assert set(bad.context["form"].errors) == {"conversation", "evaluators"}

    created = client_as_supervisor.post(
        reverse("evaluations:calibrations"),
        {
            "title": "11월 보정",
            "conversation": conversation.pk,
            "form": form.pk,
            "evaluators": [u.pk for u in trio],
        },
    )
    assert created.status_code == 302
    session_id = int(created["Location"].rstrip("/").rsplit("/", 1)[1])
    assert EvaluationAssignment.objects.filter(calibration_id=session_id).count() == 3

    from apps.evaluations.models import CalibrationSession

    session = CalibrationSession.objects.get(pk=session_id)
    _score(session, trio[0], 100, 100, 100)
    _score(session, trio[1], 0, 0, 0)
    page = client_as_supervisor.get(created["Location"])
    body = page.content.decode()
    assert page.status_code == 200
    assert "qa-2" in body  # pending
    assert "50.00" in body  # overall SD of 100 and 0


def test_the_admin_creates_sessions_through_the_service(
    client_as_supervisor, trio, agent, supervisor
) -> None:
    from apps.evaluations.models import CalibrationSession

    form = make_form()
    conversation = closed_conversation(agent)
    url = reverse("admin:evaluations_calibrationsession_add")

    refused = client_as_supervisor.post(
        url,
        {
            "title": "보정",
            "conversation": conversation.pk,
            "form": form.pk,
            "evaluators": [trio[0].pk],
        },
    )
    assert refused.status_code == 200 and "두 명 이상" in refused.content.decode()
    assert not CalibrationSession.objects.exists()

    client_as_supervisor.post(
        url,
        {
            "title": "보정",
            "conversation": conversation.pk,
            "form": form.pk,
            "evaluators": [trio[0].pk, trio[1].pk],
        },
    )
    session = CalibrationSession.objects.get()
    assert session.created_by == supervisor
    assert set(session.assignments.values_list("evaluator", flat=True)) == {trio[0].pk, trio[1].pk}


def test_the_same_evaluator_twice_counts_once(client_as_supervisor, trio, agent) -> None:
    from apps.evaluations.models import CalibrationSession

    form = make_form()
    conversation = closed_conversation(agent)
    url = reverse("evaluations:calibrations")
    data = {"title": "보정", "conversation": conversation.pk, "form": form.pk}

    twice = client_as_supervisor.post(url, data | {"evaluators": [trio[0].pk, trio[0].pk]})

    assert twice.status_code == 400
    assert "두 명 이상" in twice.context["form"].errors["evaluators"][0]
    assert not CalibrationSession.objects.exists()

    repeated = client_as_supervisor.post(
        url, data | {"evaluators": [trio[1].pk, trio[0].pk, trio[1].pk]}
    )

    assert repeated.status_code == 302
    session = CalibrationSession.objects.get()
    assert sorted(session.assignments.values_list("evaluator", flat=True)) == sorted(
        [trio[0].pk, trio[1].pk]
    )


def test_the_service_assigns_a_repeated_evaluator_once(trio, agent, supervisor) -> None:
    session = calibration_create(
        title="보정",
        conversation=closed_conversation(agent),
        form=make_form(),
        evaluators=[trio[0], trio[1], trio[0]],
        created_by=supervisor,
    )

    assert session.assignments.count() == 2
