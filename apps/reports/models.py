from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel
from apps.core.validators import empty_when_null, validate_json_keys, validate_json_object

# The longest period one report or export covers.
MAX_DAYS = 366


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

    def clean(self) -> None:
        """Recipients and params the scheduled run can use, whichever form or import saves."""
        errors: dict[str, list[ValidationError]] = {}
        for recipient in self.recipient_list:
            try:
                validate_email(recipient)
            except ValidationError:
                # The alert rules' wording (monitoring), one error per address.
                message = _("이메일 주소가 아닙니다: %(value)s")
                error = ValidationError(message, params={"value": recipient})
                errors.setdefault("recipients", []).append(error)
        self.recipients = "\n".join(self.recipient_list)
        empty_when_null(self, params={})
        try:
            # services.report_period reads `days` only, as an int; anything else fails the run.
            validate_json_object(self.params)
            validate_json_keys(self.params, {"days": int})
            if not 1 <= self.params.get("days", 1) <= MAX_DAYS:
                message = _("days는 1에서 %(max)d 사이여야 합니다.")
                raise ValidationError(message, params={"max": MAX_DAYS})
        except ValidationError as exc:
            errors["params"] = [exc]
        if errors:
            raise ValidationError(errors)


class RunStatus(models.TextChoices):
    PENDING = "pending", _("대기")
    RUNNING = "running", _("실행 중")
    SUCCESS = "success", _("완료")
    FAILED = "failed", _("실패")


class ReportRun(models.Model):
    definition = models.ForeignKey(
        ReportDefinition,
        db_index=False,
        on_delete=models.CASCADE,
        related_name="runs",
        verbose_name=_("리포트"),
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
    # Set when a build claims the run: a RUNNING run older than the task time limit was left
    # by a crashed worker and may be claimed again (services.report_run).
    started_at = models.DateTimeField(_("시작 시각"), null=True, blank=True)
    # Claimed before sending (conditional update), so a repeated fire never mails twice.
    emailed_at = models.DateTimeField(_("메일 발송 시각"), null=True, blank=True)

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


class ConversationExport(models.Model):
    """A row-level CSV of filtered conversations, built by a Celery task for its requester."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("요청자"),
    )
    params = models.JSONField(_("조건"), default=dict)
    reason = models.CharField(_("사유"), max_length=300)
    status = models.CharField(
        _("상태"), max_length=10, choices=RunStatus.choices, default=RunStatus.PENDING
    )
    file = models.FileField(_("파일"), upload_to="exports/%Y/%m/", blank=True)
    row_count = models.PositiveIntegerField(_("행 수"), default=0)
    error = models.TextField(_("오류"), blank=True)
    created_at = models.DateTimeField(_("요청 시각"), auto_now_add=True)
    finished_at = models.DateTimeField(_("완료 시각"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("대화 내보내기")
        verbose_name_plural = _("대화 내보내기")

    def __str__(self) -> str:
        return f"{self.requested_by} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def is_ready(self) -> bool:
        return self.status == RunStatus.SUCCESS and bool(self.file)


# KPI roll-ups ------------------------------------------------------------------------------
# Sums and counts, never ratios or means: any period or grouping adds rows up and divides once,
# so a figure from roll-ups equals the live aggregate (apps/reports/kpis.py, tests/reports).


class KpiRollupDay(models.Model):
    """One Seoul day rolled up: also the lock that serialises two roll-ups of the same day."""

    day = models.DateField(_("일자"), unique=True)
    sla_seconds = models.PositiveIntegerField(_("서비스 레벨 기준(초)"), default=60)
    # Taken before the aggregates run: a roll-up counts as complete only when this is after
    # the day's end (rollups.rolled_up_days); later ones may still pick up late FCR/CSAT changes.
    computed_at = models.DateTimeField(_("집계 시각"), null=True, blank=True)

    class Meta:
        ordering = ["-day"]
        verbose_name = _("KPI 일 집계")
        verbose_name_plural = _("KPI 일 집계")

    def __str__(self) -> str:
        return f"{self.day} ({self.computed_at})"


class KpiDaily(models.Model):
    """Conversation sums of one Seoul day (by started_at) for one queue × agent pair."""

    day = models.DateField(_("일자"))
    # SET_NULL like chat.Conversation, so a deleted queue/agent falls into the same group.
    queue = models.ForeignKey(
        "agents.Queue", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    agent = models.ForeignKey(
        "agents.Agent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    total = models.PositiveIntegerField(default=0)
    contained = models.PositiveIntegerField(default=0)
    queued = models.PositiveIntegerField(default=0)
    assigned = models.PositiveIntegerField(default=0)
    within_sla = models.PositiveIntegerField(default=0)
    abandoned = models.PositiveIntegerField(default=0)
    abandoned_late = models.PositiveIntegerField(default=0)
    closed = models.PositiveIntegerField(default=0)
    repeat = models.PositiveIntegerField(default=0)
    csat_n = models.PositiveIntegerField(default=0)
    csat_top = models.PositiveIntegerField(default=0)
    csat_sum = models.PositiveIntegerField(default=0)
    asa_n = models.PositiveIntegerField(default=0)
    asa_sum = models.DurationField(null=True, blank=True)
    frt_n = models.PositiveIntegerField(default=0)
    frt_sum = models.DurationField(null=True, blank=True)
    handled = models.PositiveIntegerField(default=0)
    talk_sum = models.DurationField(null=True, blank=True)
    wrapup_sum = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["-day"]
        verbose_name = _("KPI 일별 합계")
        verbose_name_plural = _("KPI 일별 합계")
        indexes = [models.Index(fields=["day"])]

    def __str__(self) -> str:
        return f"{self.day} queue={self.queue_id} agent={self.agent_id}"


class OccupancyDaily(models.Model):
    """Agent time of one Seoul day: with >= 1 chat (busy) and AVAILABLE/BUSY (staffed).

    Both unclipped: occupancy takes min(busy, staffed) per agent over the whole period, as the
    live computation does, so it must be applied after adding days up.
    """

    day = models.DateField(_("일자"))
    agent = models.ForeignKey("agents.Agent", on_delete=models.CASCADE, related_name="+")
    busy = models.DurationField()
    staffed = models.DurationField()

    class Meta:
        ordering = ["-day"]
        verbose_name = _("점유율 일별 합계")
        verbose_name_plural = _("점유율 일별 합계")
        constraints = [
            models.UniqueConstraint(fields=["day", "agent"], name="occupancy_daily_unique")
        ]

    def __str__(self) -> str:
        return f"{self.day} agent={self.agent_id}"
