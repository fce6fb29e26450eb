"""QA services: form rules the admin enforces (weights total 100 before a form is used; frozen
forms, used by a submitted evaluation, are copied to a new version instead of edited), scoring,
and the evaluation state machine agents and supervisors move through."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.exceptions import ApplicationError
from apps.core.roles import is_supervisor
from apps.evaluations.models import (
    AssignmentStatus,
    Evaluation,
    EvaluationAnswer,
    EvaluationAssignment,
    EvaluationForm,
    EvaluationStatus,
    FormQuestion,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from apps.agents.models import Agent

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
        name=form.name,
        version=(latest or form.version) + 1,
        is_active=False,
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


# --- Scoring and the evaluation state machine ---------------------------------------------
#
#   DRAFT --submit--> SUBMITTED --acknowledge--> ACKNOWLEDGED
#                         └------dispute-------> DISPUTED --resolve--> RESOLVED
#
# Transitions are conditional UPDATEs on the old status, so two racing clicks cannot both win.

# Achievement per question, as a share of its weight.
SCORE_CHOICES = (0, 50, 100)
_COMMENT_REQUIRED = {"fields": {"comment": "required"}}


@dataclass(frozen=True)
class AnswerInput:
    question_id: int
    score: int | None = None
    is_na: bool = False
    comment: str = ""


def evaluation_start(*, assignment: EvaluationAssignment, user: User) -> Evaluation:
    """The evaluation behind a work-list line, created as a draft on first open."""
    if assignment.evaluator_id != user.pk:
        raise ApplicationError(_("다른 평가자에게 배정된 건입니다."), code="not_found")
    if assignment.evaluation_id:
        return assignment.evaluation  # type: ignore[return-value]
    conversation = assignment.conversation
    if conversation.agent_id is None:
        raise ApplicationError(_("상담원이 응대하지 않은 대화는 평가할 수 없습니다."))
    with transaction.atomic():
        evaluation, _created = Evaluation.objects.get_or_create(
            conversation=conversation,
            evaluator=assignment.evaluator,
            form=assignment.form,
            defaults={
                "agent_id": conversation.agent_id,
                "is_calibration": assignment.calibration_id is not None,
            },
        )
        assignment.evaluation = evaluation
        assignment.save(update_fields=["evaluation", "updated_at"])
    return evaluation


def _validate_answers(
    questions: list[FormQuestion], answers: dict[int, AnswerInput], *, submit: bool
) -> dict[str, str]:
    errors: dict[str, str] = {}
    for question in questions:
        answer = answers.get(question.pk)
        field = f"q{question.pk}"
        if answer is None or (answer.score is None and not answer.is_na):
            if submit:
                errors[field] = _("'%(q)s' 항목의 점수를 고르세요.") % {"q": question.text}
        elif answer.is_na and not question.allow_na:
            errors[field] = _("'%(q)s' 항목은 '해당 없음'을 고를 수 없습니다.") % {
                "q": question.text
            }
        elif not answer.is_na and answer.score not in SCORE_CHOICES:
            errors[field] = _("'%(q)s' 항목의 점수는 %(choices)s 중 하나여야 합니다.") % {
                "q": question.text,
                "choices": "/".join(map(str, SCORE_CHOICES)),
            }
    unknown = set(answers) - {q.pk for q in questions}
    if unknown:
        errors["answers"] = _("이 평가표에 없는 항목입니다: %s") % sorted(unknown)
    if submit and not errors and all(answers[q.pk].is_na for q in questions):
        errors["answers"] = _("모든 항목이 '해당 없음'이면 점수를 낼 수 없습니다.")
    return errors


@transaction.atomic
def evaluation_save(
    *,
    evaluation: Evaluation,
    user: User,
    answers: list[AnswerInput],
    comment: str = "",
    submit: bool = False,
) -> Evaluation:
    """Save a draft, or submit it: every question scored or N/A, weighted score computed."""
    evaluation = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
    if evaluation.evaluator_id != user.pk:
        raise ApplicationError(_("본인이 작성 중인 평가만 고칠 수 있습니다."), code="not_found")
    if evaluation.status != EvaluationStatus.DRAFT:
        raise ApplicationError(_("제출된 평가는 고칠 수 없습니다."), code="conflict")
    questions = list(FormQuestion.objects.filter(section__form=evaluation.form))
    by_question = {a.question_id: a for a in answers}
    errors = _validate_answers(questions, by_question, submit=submit)
    if errors:
        raise ApplicationError(" ".join(errors.values()), extra={"fields": errors})
    for answer in by_question.values():
        EvaluationAnswer.objects.update_or_create(
            evaluation=evaluation,
            question_id=answer.question_id,
            defaults={
                "score": None if answer.is_na else answer.score,
                "is_na": answer.is_na,
                "comment": answer.comment.strip(),
            },
        )
    evaluation.comment = comment.strip()
    fields = ["comment", "updated_at"]
    if submit:
        evaluation.score = evaluation.compute_score()
        evaluation.status = EvaluationStatus.SUBMITTED
        evaluation.submitted_at = timezone.now()
        fields += ["score", "status", "submitted_at"]
        EvaluationAssignment.objects.filter(evaluation=evaluation).update(
            status=AssignmentStatus.DONE, updated_at=timezone.now()
        )
    evaluation.save(update_fields=fields)
    return evaluation


def _transition(
    evaluation: Evaluation, *, allowed: set[str], to: str, verb: str, **fields: object
) -> Evaluation:
    updated = Evaluation.objects.filter(pk=evaluation.pk, status__in=allowed).update(
        status=to, updated_at=timezone.now(), **fields
    )
    if not updated:
        current = Evaluation.objects.get(pk=evaluation.pk)
        raise ApplicationError(
            _("'%(status)s' 상태인 평가는 %(verb)s할 수 없습니다.")
            % {"status": current.get_status_display(), "verb": verb},
            extra={"status": current.status},
            code="conflict",
        )
    evaluation.refresh_from_db()
    return evaluation


def _own_published(evaluation: Evaluation, agent: Agent) -> None:
    # Drafts and calibration rounds are evaluator business; the agent never sees them.
    if (
        evaluation.agent_id != agent.pk
        or evaluation.is_calibration
        or evaluation.status == EvaluationStatus.DRAFT
    ):
        raise ApplicationError(_("평가를 찾을 수 없습니다."), code="not_found")


def evaluation_acknowledge(*, evaluation: Evaluation, agent: Agent) -> Evaluation:
    _own_published(evaluation, agent)
    return _transition(
        evaluation,
        allowed={EvaluationStatus.SUBMITTED},
        to=EvaluationStatus.ACKNOWLEDGED,
        verb=_("확인"),
        acknowledged_at=timezone.now(),
    )


def evaluation_dispute(*, evaluation: Evaluation, agent: Agent, comment: str) -> Evaluation:
    _own_published(evaluation, agent)
    if not comment.strip():
        raise ApplicationError(_("이의 내용을 입력하세요."), extra=_COMMENT_REQUIRED)
    return _transition(
        evaluation,
        allowed={EvaluationStatus.SUBMITTED},
        to=EvaluationStatus.DISPUTED,
        verb=_("이의 제기"),
        dispute_comment=comment.strip(),
    )


def evaluation_resolve(*, evaluation: Evaluation, user: User, comment: str) -> Evaluation:
    if not is_supervisor(user):
        raise ApplicationError(_("이의 처리는 슈퍼바이저만 할 수 있습니다."), code="forbidden")
    if not comment.strip():
        raise ApplicationError(_("처리 의견을 입력하세요."), extra=_COMMENT_REQUIRED)
    return _transition(
        evaluation,
        allowed={EvaluationStatus.DISPUTED},
        to=EvaluationStatus.RESOLVED,
        verb=_("이의 처리"),
        resolution_comment=comment.strip(),
        resolved_by=user,
    )
