"""QA form rules the admin enforces: weights total 100 before a form is used; frozen forms
(used by a submitted evaluation) are copied to a new version instead of edited."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max, Sum

from apps.core.exceptions import ApplicationError
from apps.evaluations.models import EvaluationForm, FormQuestion

REQUIRED_TOTAL_WEIGHT = 100


def form_weight_total(
    *, form: EvaluationForm, exclude_section_ids: set[int] | frozenset[int] = frozenset()
) -> int:
    """Sum of question weights stored for `form`, leaving out the given sections."""
    qs = FormQuestion.objects.filter(section__form=form).exclude(section_id__in=exclude_section_ids)
    return qs.aggregate(total=Sum("weight"))["total"] or 0


def form_check_weights(*, is_active: bool, total: int) -> None:
    if is_active and total != REQUIRED_TOTAL_WEIGHT:
        raise ApplicationError(
            f"배점 합계가 {REQUIRED_TOTAL_WEIGHT}점이어야 평가표를 사용할 수 있습니다 "
            f"(현재 {total}점). '사용'을 끄고 수정한 뒤 다시 켜세요.",
            extra={"total": total},
        )


@transaction.atomic
def form_new_version(*, form: EvaluationForm) -> EvaluationForm:
    """Copy a form with its sections and questions as the next version, inactive until reviewed.

    Evaluations keep pointing at the version they were scored with, so their scores never move.
    """
    latest = EvaluationForm.objects.filter(name=form.name).aggregate(v=Max("version"))["v"]
    copy = EvaluationForm.objects.create(
        name=form.name, version=(latest or form.version) + 1, is_active=False,
        description=form.description,
    )
    for section in form.sections.prefetch_related("questions"):
        questions = list(section.questions.all())
        section.pk = None
        section.form = copy
        section.save()
        for question in questions:
            question.pk = None
            question.section = section
            question.save()
    return copy
