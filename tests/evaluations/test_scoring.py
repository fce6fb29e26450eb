"""Scoring a conversation: weighted score with N/A excluded, drafts, submit validation."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from apps.core.exceptions import ApplicationError
from apps.evaluations.models import AssignmentStatus, Evaluation, EvaluationStatus
from apps.evaluations.services import AnswerInput, evaluation_save, evaluation_start
from tests.evaluations.factories import assign, closed_conversation, make_form, questions

pytestmark = pytest.mark.django_db


@pytest.fixture
def form():
    return make_form()  # 50 + 30 (N/A allowed) + 20


@pytest.fixture
def draft(form, agent, qa_evaluator) -> Evaluation:
    assignment = assign(closed_conversation(agent), qa_evaluator, form)
    return evaluation_start(assignment=assignment, user=qa_evaluator)


def _answers(form, *scores):
    return [
        AnswerInput(q.pk, score=None if s == "na" else s, is_na=s == "na")
        for q, s in zip(questions(form), scores, strict=True)
    ]


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        ((100, 100, 100), Decimal("100.00")),
        ((100, 0, 50), Decimal("60.00")),  # (50 + 0 + 10) / 100
        ((100, "na", 50), Decimal("85.71")),  # (50 + 10) / 70: N/A leaves the denominator
        ((0, "na", 0), Decimal("0.00")),
        ((50, 50, 50), Decimal("50.00")),
    ],
)
def test_it_weights_scores_and_excludes_na_from_the_denominator(
    draft, form, qa_evaluator, scores, expected
) -> None:
    evaluation = evaluation_save(
        evaluation=draft, user=qa_evaluator, answers=_answers(form, *scores), submit=True
    )

    assert evaluation.status == EvaluationStatus.SUBMITTED
    assert evaluation.score == expected
    assert evaluation.submitted_at is not None
    assert evaluation.assignment.status == AssignmentStatus.DONE


def test_it_saves_a_partial_draft_without_a_score(draft, form, qa_evaluator) -> None:
    first = questions(form)[0]
    evaluation_save(
        evaluation=draft,
        user=qa_evaluator,
        comment="작성 중",
        answers=[AnswerInput(first.pk, score=50, comment="인사 짧음")],
    )

    draft.refresh_from_db()
    assert draft.status == EvaluationStatus.DRAFT
    assert draft.score is None
    assert draft.comment == "작성 중"
    assert draft.answers.get().comment == "인사 짧음"


def test_submit_names_the_unanswered_question_and_saves_nothing(draft, form, qa_evaluator):
    first, second, third = questions(form)
    with pytest.raises(ApplicationError) as exc:
        evaluation_save(
            evaluation=draft,
            user=qa_evaluator,
            submit=True,
            comment="총평",
            answers=[AnswerInput(first.pk, score=100), AnswerInput(second.pk, score=0)],
        )

    assert "끝인사를 했는가" in exc.value.message
    assert set(exc.value.extra["fields"]) == {f"q{third.pk}"}
    draft.refresh_from_db()
    assert (draft.status, draft.comment, draft.answers.count()) == (EvaluationStatus.DRAFT, "", 0)


def test_it_refuses_na_where_the_question_does_not_allow_it(draft, form, qa_evaluator) -> None:
    with pytest.raises(ApplicationError) as exc:
        evaluation_save(evaluation=draft, user=qa_evaluator, answers=_answers(form, "na", 100, 100))

    assert "첫인사를 했는가" in exc.value.message and "해당 없음" in exc.value.message


def test_it_refuses_scores_outside_the_scale(draft, form, qa_evaluator) -> None:
    with pytest.raises(ApplicationError, match="0/50/100"):
        evaluation_save(evaluation=draft, user=qa_evaluator, answers=_answers(form, 70, 100, 100))


def test_a_submitted_evaluation_cannot_be_saved_again(draft, form, qa_evaluator) -> None:
    evaluation_save(
        evaluation=draft, user=qa_evaluator, answers=_answers(form, 100, 100, 100), submit=True
    )

    with pytest.raises(ApplicationError) as exc:
        evaluation_save(evaluation=draft, user=qa_evaluator, answers=_answers(form, 0, 0, 0))
    assert exc.value.code == "conflict"
    draft.refresh_from_db()
    assert draft.score == Decimal("100.00")


def _post(client, evaluation, form, action, scores, comment="좋은 상담"):
    data = {"action": action, "comment": comment}
    for question, score in zip(questions(form), scores, strict=True):
        data[f"q{question.pk}"] = str(score)
        data[f"c{question.pk}"] = f"{question.text} 의견"
    return client.post(reverse("evaluations:evaluation", args=[evaluation.pk]), data)


def test_the_page_saves_a_draft_then_submits(client, draft, form, qa_evaluator) -> None:
    client.force_login(qa_evaluator)

    saved = _post(client, draft, form, "save", ["100", "", ""])
    assert saved.status_code == 302
    draft.refresh_from_db()
    assert draft.status == EvaluationStatus.DRAFT and draft.answers.count() == 3

    submitted = _post(client, draft, form, "submit", ["100", "na", "50"])
    assert submitted.status_code == 302
    draft.refresh_from_db()
    assert draft.status == EvaluationStatus.SUBMITTED
    assert draft.score == Decimal("85.71")
    assert draft.answers.get(question__text="첫인사를 했는가").comment == "첫인사를 했는가 의견"


def test_the_page_shows_which_question_is_missing(client, draft, form, qa_evaluator) -> None:
    client.force_login(qa_evaluator)

    response = _post(client, draft, form, "submit", ["100", "", "50"])

    assert response.status_code == 400
    assert "&#x27;본인 확인을 했는가&#x27; 항목의 점수를 고르세요." in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == EvaluationStatus.DRAFT


def test_the_page_rejects_a_bogus_choice_with_the_question_name(
    client, draft, form, qa_evaluator
) -> None:
    client.force_login(qa_evaluator)

    response = _post(client, draft, form, "submit", ["na", "100", "100"])

    assert response.status_code == 400
    assert "첫인사를 했는가" in response.context["form"].errors[f"q{questions(form)[0].pk}"][0]
    assert draft.answers.count() == 0
