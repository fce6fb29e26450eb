from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from apps.evaluations.models import EvaluationForm, EvaluationStatus, FormQuestion, FormSection
from tests.factories import (
    EvaluationFactory,
    EvaluationFormFactory,
    FormQuestionFactory,
    FormSectionFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def form_90() -> EvaluationForm:
    """An inactive form whose questions weigh 60 + 30 = 90."""
    form = EvaluationFormFactory(is_active=False)
    FormQuestionFactory(section=FormSectionFactory(form=form, title="인사"), weight=60)
    FormQuestionFactory(section=FormSectionFactory(form=form, title="해결"), weight=30)
    return form


def _form_post(client: Client, form: EvaluationForm, *, is_active: bool, delete: int | None = None):
    sections = list(form.sections.all())
    data: dict[str, object] = {
        "name": form.name,
        "version": form.version,
        "description": "",
        "sections-TOTAL_FORMS": len(sections),
        "sections-INITIAL_FORMS": len(sections),
    }
    if is_active:
        data["is_active"] = "on"
    for i, section in enumerate(sections):
        data |= {
            f"sections-{i}-id": section.pk,
            f"sections-{i}-form": form.pk,
            f"sections-{i}-title": section.title,
            f"sections-{i}-order": section.order,
        }
        if i == delete:
            data[f"sections-{i}-DELETE"] = "on"
    return client.post(reverse("admin:evaluations_evaluationform_change", args=[form.pk]), data)


def _section_post(client: Client, section: FormSection, weights: list[int]):
    questions = list(section.questions.all())
    data: dict[str, object] = {
        "title": section.title,
        "order": section.order,
        "questions-TOTAL_FORMS": len(weights),
        "questions-INITIAL_FORMS": len(questions),
    }
    for i, weight in enumerate(weights):
        data |= {
            f"questions-{i}-text": f"항목 {i}",
            f"questions-{i}-weight": weight,
            f"questions-{i}-order": i,
            f"questions-{i}-guidance": "",
            f"questions-{i}-section": section.pk,
        }
        if i < len(questions):
            data[f"questions-{i}-id"] = questions[i].pk
    return client.post(reverse("admin:evaluations_formsection_change", args=[section.pk]), data)


def test_it_refuses_to_activate_a_form_whose_weights_are_not_100(form_90, client_as_supervisor):
    response = _form_post(client_as_supervisor, form_90, is_active=True)

    assert response.status_code == 200
    assert "배점 합계가 100점이어야" in response.content.decode()
    assert "현재 90점" in response.content.decode()
    form_90.refresh_from_db()
    assert form_90.is_active is False


def test_it_activates_once_the_weights_total_100(form_90, client_as_supervisor):
    section = form_90.sections.get(title="해결")
    assert _section_post(client_as_supervisor, section, [30, 10]).status_code == 302

    response = _form_post(client_as_supervisor, form_90, is_active=True)

    assert response.status_code == 302
    form_90.refresh_from_db()
    assert form_90.is_active is True


def test_it_refuses_question_weights_that_break_an_active_form(form_90, client_as_supervisor):
    section = form_90.sections.get(title="해결")
    _section_post(client_as_supervisor, section, [40])
    _form_post(client_as_supervisor, form_90, is_active=True)

    response = _section_post(client_as_supervisor, section, [30])

    assert response.status_code == 200
    assert "현재 90점" in response.content.decode()
    assert FormQuestion.objects.get(section=section).weight == 40


def test_it_counts_deleted_sections_out_of_the_total(form_90, client_as_supervisor):
    _section_post(client_as_supervisor, form_90.sections.get(title="해결"), [40])

    response = _form_post(client_as_supervisor, form_90, is_active=True, delete=0)

    assert "현재 40점" in response.content.decode()


def test_it_shows_the_total_in_the_list_and_on_the_page(form_90, client_as_supervisor):
    listing = client_as_supervisor.get(reverse("admin:evaluations_evaluationform_changelist"))
    page = client_as_supervisor.get(
        reverse("admin:evaluations_evaluationform_change", args=[form_90.pk])
    )

    assert "90 / 100" in listing.content.decode()
    assert "90 / 100" in page.content.decode()


def test_it_starts_new_forms_inactive(client_as_supervisor):
    response = client_as_supervisor.get(reverse("admin:evaluations_evaluationform_add"))

    assert response.context["adminform"].form.initial["is_active"] is False


def test_it_freezes_used_forms_and_copies_them_to_a_new_version(form_90, client_as_supervisor):
    EvaluationFactory(form=form_90, status=EvaluationStatus.SUBMITTED)
    section = form_90.sections.get(title="해결")

    _section_post(client_as_supervisor, section, [10])
    assert FormQuestion.objects.get(section=section).weight == 30  # read-only inline

    client_as_supervisor.post(
        reverse("admin:evaluations_evaluationform_changelist"),
        {"action": "new_version", "_selected_action": [form_90.pk]},
    )

    copy = EvaluationForm.objects.get(name=form_90.name, version=form_90.version + 1)
    assert copy.is_active is False
    assert copy.total_weight == 90
    assert not copy.is_frozen
