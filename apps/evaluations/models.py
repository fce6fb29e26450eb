from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel


class EvaluationForm(TimeStampedModel):
    """A QA form. Forms used by a submitted evaluation are frozen; edits make a new version."""

    name = models.CharField(_("이름"), max_length=100)
    version = models.PositiveSmallIntegerField(_("버전"), default=1)
    is_active = models.BooleanField(_("사용"), default=True)
    description = models.TextField(_("설명"), blank=True)

    class Meta:
        ordering = ["name", "-version"]
        verbose_name = _("평가표")
        verbose_name_plural = _("평가표")
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="form_unique_version")
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    @property
    def total_weight(self) -> int:
        return sum(
            q.weight for s in self.sections.all() for q in s.questions.all()
        )

    @property
    def is_frozen(self) -> bool:
        return self.evaluations.exclude(status=EvaluationStatus.DRAFT).exists()


class FormSection(models.Model):
    form = models.ForeignKey(
        EvaluationForm, on_delete=models.CASCADE, related_name="sections", verbose_name=_("평가표")
    )
    title = models.CharField(_("제목"), max_length=100)
    order = models.PositiveSmallIntegerField(_("순서"), default=0)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("평가 영역")
        verbose_name_plural = _("평가 영역")

    def __str__(self) -> str:
        return self.title


class FormQuestion(models.Model):
    section = models.ForeignKey(
        FormSection, on_delete=models.CASCADE, related_name="questions", verbose_name=_("영역")
    )
    text = models.CharField(_("평가 항목"), max_length=300)
    weight = models.PositiveSmallIntegerField(_("배점"))
    allow_na = models.BooleanField(_("해당 없음 허용"), default=False)
    guidance = models.TextField(_("평가 기준"), blank=True)
    order = models.PositiveSmallIntegerField(_("순서"), default=0)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("평가 항목")
        verbose_name_plural = _("평가 항목")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(weight__gte=1, weight__lte=100), name="question_weight_1_100"
            )
        ]

    def __str__(self) -> str:
        return self.text


class EvaluationStatus(models.TextChoices):
    DRAFT = "draft", _("작성 중")
    SUBMITTED = "submitted", _("제출")
    ACKNOWLEDGED = "acknowledged", _("확인")
    DISPUTED = "disputed", _("이의 제기")
    RESOLVED = "resolved", _("이의 처리 완료")


class Evaluation(TimeStampedModel):
    form = models.ForeignKey(
        EvaluationForm, on_delete=models.PROTECT, related_name="evaluations",
        verbose_name=_("평가표"),
    )
    conversation = models.ForeignKey(
        "chat.Conversation", on_delete=models.PROTECT, related_name="evaluations",
        verbose_name=_("대화"),
    )
    agent = models.ForeignKey(
        "agents.Agent", on_delete=models.PROTECT, related_name="evaluations",
        verbose_name=_("상담원"),
    )
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="evaluations_made",
        verbose_name=_("평가자"),
    )
    status = models.CharField(
        _("상태"), max_length=12, choices=EvaluationStatus.choices, default=EvaluationStatus.DRAFT
    )
    score = models.DecimalField(_("점수"), max_digits=5, decimal_places=2, null=True, blank=True)
    comment = models.TextField(_("총평"), blank=True)
    is_calibration = models.BooleanField(_("보정 평가"), default=False)
    submitted_at = models.DateTimeField(_("제출 시각"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("확인 시각"), null=True, blank=True)
    dispute_comment = models.TextField(_("이의 내용"), blank=True)
    resolution_comment = models.TextField(_("처리 의견"), blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("처리자"),
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("평가")
        verbose_name_plural = _("평가")
        indexes = [models.Index(fields=["agent", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "evaluator", "form"], name="evaluation_unique_per_evaluator"
            )
        ]

    def __str__(self) -> str:
        return f"{self.agent} / {self.conversation_id} ({self.get_status_display()})"

    def compute_score(self) -> Decimal | None:
        """Weighted score 0–100; N/A answers leave the denominator (their weight is excluded)."""
        earned = Decimal(0)
        possible = 0
        for answer in self.answers.select_related("question"):
            if answer.is_na:
                continue
            weight = answer.question.weight
            possible += weight
            earned += Decimal(weight) * Decimal(answer.score or 0) / 100
        if possible == 0:
            return None
        return (earned * 100 / possible).quantize(Decimal("0.01"))


class EvaluationAnswer(models.Model):
    evaluation = models.ForeignKey(
        Evaluation, on_delete=models.CASCADE, related_name="answers", verbose_name=_("평가")
    )
    question = models.ForeignKey(
        FormQuestion, on_delete=models.PROTECT, related_name="answers", verbose_name=_("항목")
    )
    # Share of the question weight achieved (0, 50, 100 …), so weights may change per version.
    score = models.PositiveSmallIntegerField(_("달성률(%)"), null=True, blank=True)
    is_na = models.BooleanField(_("해당 없음"), default=False)
    comment = models.TextField(_("의견"), blank=True)

    class Meta:
        ordering = ["question__section__order", "question__order"]
        verbose_name = _("평가 답변")
        verbose_name_plural = _("평가 답변")
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "question"], name="answer_unique"),
            models.CheckConstraint(
                condition=models.Q(score__isnull=True) | models.Q(score__lte=100),
                name="answer_score_lte_100",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.question}: {'N/A' if self.is_na else self.score}"
