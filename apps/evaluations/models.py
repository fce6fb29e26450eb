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
        return sum(q.weight for s in self.sections.all() for q in s.questions.all())

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
        EvaluationForm,
        on_delete=models.PROTECT,
        related_name="evaluations",
        verbose_name=_("평가표"),
    )
    conversation = models.ForeignKey(
        "chat.Conversation",
        db_index=False,
        on_delete=models.PROTECT,
        related_name="evaluations",
        verbose_name=_("대화"),
    )
    agent = models.ForeignKey(
        "agents.Agent",
        db_index=False,
        on_delete=models.PROTECT,
        related_name="evaluations",
        verbose_name=_("상담원"),
    )
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="evaluations_made",
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
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("처리자"),
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
        Evaluation,
        db_index=False,
        on_delete=models.CASCADE,
        related_name="answers",
        verbose_name=_("평가"),
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


class SamplingKind(models.TextChoices):
    RANDOM = "random", _("무작위")
    LOW_CSAT = "low_csat", _("낮은 만족도")
    LONG_HANDLE = "long_handle", _("긴 처리 시간")


class SamplingRule(TimeStampedModel):
    """Each week, `per_agent` closed conversations of every agent are picked by `kind` and put
    into the evaluators' work lists (services_sampling.sample_week)."""

    name = models.CharField(_("이름"), max_length=100)
    kind = models.CharField(_("방식"), max_length=12, choices=SamplingKind.choices)
    per_agent = models.PositiveSmallIntegerField(_("상담원당 건수"), default=2)
    csat_max = models.PositiveSmallIntegerField(
        _("만족도 기준(이하)"),
        default=2,
        help_text=_("낮은 만족도 방식에서 이 점수 이하만 뽑습니다."),
    )
    form = models.ForeignKey(
        EvaluationForm,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("평가표"),
        help_text=_("같은 이름의 사용 중인 최신 버전으로 배정합니다."),
    )
    is_active = models.BooleanField(_("사용"), default=True)
    order = models.PositiveSmallIntegerField(_("순서"), default=0)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("표본 추출 규칙")
        verbose_name_plural = _("표본 추출 규칙")

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()} {self.per_agent}건)"


class CalibrationSession(TimeStampedModel):
    """One conversation scored by several evaluators to see how far apart they are."""

    title = models.CharField(_("제목"), max_length=100)
    conversation = models.ForeignKey(
        "chat.Conversation", on_delete=models.PROTECT, related_name="+", verbose_name=_("대화")
    )
    form = models.ForeignKey(
        EvaluationForm, on_delete=models.PROTECT, related_name="+", verbose_name=_("평가표")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("만든 사람"),
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("보정 세션")
        verbose_name_plural = _("보정 세션")

    def __str__(self) -> str:
        return self.title


class AssignmentStatus(models.TextChoices):
    OPEN = "open", _("대기")
    DONE = "done", _("완료")


class EvaluationAssignment(TimeStampedModel):
    """A line in an evaluator's work list: from weekly sampling (rule + week) or a calibration."""

    conversation = models.ForeignKey(
        "chat.Conversation",
        on_delete=models.PROTECT,
        related_name="evaluation_assignments",
        verbose_name=_("대화"),
    )
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        db_index=False,
        on_delete=models.PROTECT,
        related_name="evaluation_assignments",
        verbose_name=_("평가자"),
    )
    form = models.ForeignKey(
        EvaluationForm,
        on_delete=models.PROTECT,
        related_name="assignments",
        verbose_name=_("평가표"),
    )
    rule = models.ForeignKey(
        SamplingRule,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assignments",
        verbose_name=_("추출 규칙"),
    )
    week = models.DateField(_("대상 주(월요일)"), null=True, blank=True)
    calibration = models.ForeignKey(
        CalibrationSession,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="assignments",
        verbose_name=_("보정 세션"),
    )
    status = models.CharField(
        _("상태"), max_length=8, choices=AssignmentStatus.choices, default=AssignmentStatus.OPEN
    )
    evaluation = models.OneToOneField(
        Evaluation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assignment",
        verbose_name=_("평가"),
    )

    class Meta:
        ordering = ["status", "-created_at"]
        verbose_name = _("평가 배정")
        verbose_name_plural = _("평가 배정")
        indexes = [models.Index(fields=["evaluator", "status"]), models.Index(fields=["week"])]
        constraints = [
            # Sampling picks a conversation once, whatever rule or week; re-runs add nothing.
            models.UniqueConstraint(
                fields=["conversation"],
                condition=models.Q(calibration__isnull=True),
                name="assignment_sampled_once",
            ),
            models.UniqueConstraint(
                fields=["calibration", "evaluator"],
                condition=models.Q(calibration__isnull=False),
                name="assignment_calibration_evaluator_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.evaluator} · #{self.conversation_id} ({self.get_status_display()})"


class CallRecording(TimeStampedModel):
    """Where a voice contact's recording is stored (an S3 key, or a path under the local store)."""

    conversation = models.OneToOneField(
        "chat.Conversation",
        on_delete=models.CASCADE,
        related_name="recording",
        verbose_name=_("대화"),
    )
    storage_key = models.CharField(_("저장 위치(키)"), max_length=500)
    content_type = models.CharField(_("형식"), max_length=50, default="audio/wav")
    duration_seconds = models.PositiveIntegerField(_("길이(초)"), null=True, blank=True)

    class Meta:
        verbose_name = _("통화 녹취")
        verbose_name_plural = _("통화 녹취")

    def __str__(self) -> str:
        return self.storage_key


# The script rules behind the QA hints (apps/evaluations/hints.py) live in their own module;
# imported here so that Django registers them with this app and old imports keep working.
from apps.evaluations.script_rules import BannedPhrase as BannedPhrase  # noqa: E402
from apps.evaluations.script_rules import MandatoryNotice as MandatoryNotice  # noqa: E402
