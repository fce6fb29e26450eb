"""Forms used by a submitted evaluation are frozen; changes go into a new version."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from apps.evaluations.models import EvaluationForm, EvaluationStatus, FormQuestion
from apps.evaluations.services import (
    AnswerInput,
    evaluation_save,
    evaluation_start,
    form_new_version,
)
from tests.evaluations.factories import assign, closed_conversation, make_form, questions

pytestmark = pytest.mark.django_db


@pytest.fixture
def used_form(agent, qa_evaluator) -> EvaluationForm:
    form = make_form()
    evaluation = evaluation_start(
        assignment=assign(closed_conversation(agent), qa_evaluator, form), user=qa_evaluator
    )
    evaluation_save(
        evaluation=evaluation,
        user=qa_evaluator,
        submit=True,
        answers=[
            AnswerInput(q.pk, score=s) for q, s in zip(questions(form), (100, 0, 100), strict=True)
        ],
    )
    return form


def test_a_draft_does_not_freeze_the_form(agent, qa_evaluator) -> None:
    form = make_form()
    evaluation_start(
        assignment=assign(closed_conversation(agent), qa_evaluator, form), user=qa_evaluator
    )

    assert form.is_frozen is False


def test_a_new_version_copies_questions_and_leaves_old_scores_alone(used_form) -> None:
    copy = form_new_version(form=used_form)
    FormQuestion.objects.filter(section__form=copy, text="본인 확인을 했는가").update(weight=10)
    FormQuestion.objects.filter(section__form=copy, text="끝인사를 했는가").update(weight=40)

    assert (copy.name, copy.version, copy.is_active) == (used_form.name, 2, False)
    assert [q.text for q in questions(copy)] == [q.text for q in questions(used_form)]
    assert used_form.total_weight == 100
    evaluation = used_form.evaluations.get()
    assert evaluation.form == used_form
    assert evaluation.compute_score() == evaluation.score == Decimal("70.00")


def test_versions_keep_counting_from_the_latest(used_form) -> None:
    form_new_version(form=used_form)
    third = form_new_version(form=used_form)

    assert third.version == 3


def test_the_admin_will_not_change_a_frozen_form_in_place(used_form, client_as_supervisor):
    url = reverse("admin:evaluations_evaluationform_change", args=[used_form.pk])
    page = client_as_supervisor.get(url)
    assert "새 버전 만들기" in page.content.decode()

    client_as_supervisor.post(
        url,
        {
            "name": "몰래 바꾼 이름",
            "version": 9,
            "description": "x",
            "is_active": "on",
            "sections-TOTAL_FORMS": 0,
            "sections-INITIAL_FORMS": 0,
        },
    )

    used_form.refresh_from_db()
    assert (used_form.name, used_form.version, used_form.description) != ("몰래 바꾼 이름", 9, "x")


def test_the_admin_action_makes_the_next_version_to_edit(used_form, client_as_supervisor):
    response = client_as_supervisor.post(
        reverse("admin:evaluations_evaluationform_changelist"),
        {"action": "new_version", "_selected_action": [used_form.pk]},
        follow=True,
    )

    copy = EvaluationForm.objects.get(name=used_form.name, version=2)
    assert (
        reverse("admin:evaluations_evaluationform_change", args=[copy.pk])
        in response.content.decode()
    )
    section = copy.sections.get()
    edit = client_as_supervisor.get(
        reverse("admin:evaluations_formsection_change", args=[section.pk])
    )
    assert edit.context["inline_admin_formsets"][0].has_change_permission is True
    assert EvaluationStatus.SUBMITTED in used_form.evaluations.values_list("status", flat=True)
