from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel


class ReportKind(models.TextChoices):
    DAILY_KPI = "daily_kpi", _("일일 KPI")
    AGENT_PERFORMANCE = "agent_performance", _("상담원 성과")
    FAQ_EFFECTIVENESS = "faq_effectiveness", _("FAQ 효과")
    QA_SUMMARY = "qa_summary", _("품질 평가 요약")


class ReportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "XLSX"


class ReportDefinition(TimeStampedModel):
    name = models.SlugField(_("이름"), max_length=60, unique=True)
    title = models.CharField(_("제목"), max_length=100)
    kind = models.CharField(_("종류"), max_length=30, choices=ReportKind.choices)
    file_format = models.CharField(
        _("파일 형식"), max_length=4, choices=ReportFormat.choices, default=ReportFormat.XLSX
    )
    recipients = models.TextField(_("수신자"), blank=True, help_text=_("한 줄에 이메일 하나"))
    params = models.JSONField(_("매개변수"), default=dict, blank=True)
    # The schedule itself lives in django-celery-beat so supervisors edit it in admin.
    periodic_task = models.OneToOneField(
        "django_celery_beat.PeriodicTask",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("일정"),
    )
    is_active = models.BooleanField(_("사용"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("리포트 정의")
        verbose_name_plural = _("리포트 정의")

    def __str__(self) -> str:
        return self.title

    @property
    def recipient_list(self) -> list[str]:
        return [line.strip() for line in self.recipients.splitlines() if line.strip()]


class RunStatus(models.TextChoices):
    PENDING = "pending", _("대기")
    RUNNING = "running", _("실행 중")
    SUCCESS = "success", _("완료")
    FAILED = "failed", _("실패")


class ReportRun(models.Model):
    definition = models.ForeignKey(
        ReportDefinition, on_delete=models.CASCADE, related_name="runs", verbose_name=_("리포트")
    )
    period_start = models.DateField(_("기간 시작"))
    period_end = models.DateField(_("기간 끝"))
    status = models.CharField(
        _("상태"), max_length=10, choices=RunStatus.choices, default=RunStatus.PENDING
    )
    file = models.FileField(_("파일"), upload_to="reports/%Y/%m/", blank=True)
    row_count = models.PositiveIntegerField(_("행 수"), default=0)
    error = models.TextField(_("오류"), blank=True)
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("실행자"),
    )
    created_at = models.DateTimeField(_("요청 시각"), auto_now_add=True)
    finished_at = models.DateTimeField(_("완료 시각"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("리포트 실행")
        verbose_name_plural = _("리포트 실행")
        # A schedule fired twice for one period reuses the run instead of mailing twice.
        constraints = [
            models.UniqueConstraint(
                fields=["definition", "period_start", "period_end"], name="report_run_unique_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.definition} {self.period_start}~{self.period_end}"
