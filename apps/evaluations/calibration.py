"""Calibration: one conversation scored by several evaluators, and how far apart they were.

Spread per question and overall over the submitted evaluations: min, max, range (max − min) and
the population standard deviation (the evaluators in the session are the whole population, not a
sample of it). N/A answers are left out of a question's numbers.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from apps.core import roles
from apps.core.exceptions import ApplicationError
from apps.evaluations.models import (
    CalibrationSession,
    Evaluation,
    EvaluationAnswer,
    EvaluationAssignment,
    EvaluationForm,
    EvaluationStatus,
    FormQuestion,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from apps.chat.models import Conversation


@dataclass(frozen=True)
class Spread:
    values: list[float | None]  # one per evaluator, in the session's evaluator order
    min: float | None
    max: float | None
    range: float | None
    stdev: float | None

    @classmethod
    def of(cls, values: Sequence[float | None]) -> Spread:
        present = [v for v in values if v is not None]
        if not present:
            return cls(list(values), None, None, None, None)
        low, high = min(present), max(present)
        return cls(list(values), low, high, high - low, round(statistics.pstdev(present), 2))


@dataclass(frozen=True)
class CalibrationReport:
    evaluators: list[User]
    pending: list[User]
    questions: list[tuple[FormQuestion, Spread]]
    overall: Spread


def calibration_evaluators() -> list[User]:
    """Who may be put in a session: active QA evaluators and supervisors."""
    users = get_user_model().objects.filter(
        is_active=True, groups__name__in=[roles.QA_EVALUATOR, roles.SUPERVISOR]
    )
    return list(users.distinct().order_by("username"))


def calibration_check(
    *, conversation: Conversation, form: EvaluationForm, evaluators: Sequence[User]
) -> None:
    """Raise ApplicationError (naming the field) when the session cannot be set up."""
    if len(evaluators) < 2:
        raise ApplicationError(
            _("보정 평가에는 평가자가 두 명 이상 필요합니다."),
            extra={"fields": {"evaluators": "min 2"}},
        )
    if conversation.agent_id is None:
        raise ApplicationError(
            _("상담원이 응대한 대화만 보정 평가할 수 있습니다."),
            extra={"fields": {"conversation": "no agent"}},
        )
    clash = Evaluation.objects.filter(
        conversation=conversation, form=form, evaluator__in=evaluators
    ).first()
    if clash:
        raise ApplicationError(
            _("%(user)s 님은 이 대화를 이미 같은 평가표로 평가했습니다.")
            % {"user": clash.evaluator},
            extra={"fields": {"evaluators": "already evaluated"}},
        )


@transaction.atomic
def calibration_create(
    *,
    title: str,
    conversation: Conversation,
    form: EvaluationForm,
    evaluators: Sequence[User],
    created_by: User,
) -> CalibrationSession:
    # The same person listed twice is one evaluator (and one assignment), never an IntegrityError.
    evaluators = list({user.pk: user for user in evaluators}.values())
    calibration_check(conversation=conversation, form=form, evaluators=evaluators)
    session = CalibrationSession.objects.create(
        title=title, conversation=conversation, form=form, created_by=created_by
    )
    EvaluationAssignment.objects.bulk_create(
        [
            EvaluationAssignment(
                conversation=conversation, evaluator=user, form=form, calibration=session
            )
            for user in evaluators
        ]
    )
    return session


def calibration_report(*, session: CalibrationSession) -> CalibrationReport:
    assignments = list(
        session.assignments.select_related("evaluator", "evaluation").order_by(
            "evaluator__username"
        )
    )
    submitted = [
        a.evaluation
        for a in assignments
        if a.evaluation and a.evaluation.status != EvaluationStatus.DRAFT
    ]
    pending = [a.evaluator for a in assignments if a.evaluation not in submitted]
    answers = {
        (a.evaluation_id, a.question_id): a
        for a in EvaluationAnswer.objects.filter(evaluation__in=submitted)
    }
    questions = []
    form_questions = FormQuestion.objects.filter(section__form=session.form).order_by(
        "section__order", "section_id", "order", "id"
    )
    for question in form_questions:
        values = []
        for evaluation in submitted:
            answer = answers.get((evaluation.pk, question.pk))  # type: ignore[union-attr]
            values.append(None if answer is None or answer.is_na else float(answer.score or 0))
        questions.append((question, Spread.of(values)))
    overall = Spread.of([_as_float(e.score) for e in submitted])  # type: ignore[union-attr]
    return CalibrationReport(
        [e.evaluator for e in submitted],
        pending,  # type: ignore[union-attr]
        questions,
        overall,
    )


def _as_float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)
