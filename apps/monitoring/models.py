"""Alert rules on floor and bot metrics, and the log of every alert that fired (issue 7 item 6).

A rule fires at most once per window: windows are aligned to the epoch (a 15-minute rule has
windows 10:00, 10:15, …), and `AlertLog` is unique on (rule, window_start), so two workers
evaluating the same minute cannot both send.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, validate_email
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel
from apps.core.pii import mask_pii

_SPLIT = re.compile(r"[\s,;]+")
_PHONE = re.compile(r"^\+?[\d-]{9,16}$")


class AlertMetric(models.TextChoices):
    # Names mirror Amazon Connect's metrics where one exists (DESIGN §3).
    CONTACTS_IN_QUEUE = "CONTACTS_IN_QUEUE", _("대기 중 고객 수")
    OLDEST_CONTACT_AGE = "OLDEST_CONTACT_AGE", _("최장 대기 시간(초)")
    ABANDONMENT_RATE = "ABANDONMENT_RATE", _("포기율(%)")
    SERVICE_LEVEL = "SERVICE_LEVEL", _("서비스 레벨(%)")
    FALLBACK_RATE = "FALLBACK_RATE", _("챗봇 미이해율(%)")
    CONTAINMENT = "CONTAINMENT", _("챗봇 자체 해결률(%)")
    CSAT_MEAN = "CSAT_MEAN", _("고객 만족도 평균(1~5)")
    AGENTS_AVAILABLE = "AGENTS_AVAILABLE", _("대기 상담원 수")


# Shares are compared in percent, as supervisors think of them ("포기율 20 % 초과").
PERCENT_METRICS = {
    AlertMetric.ABANDONMENT_RATE,
    AlertMetric.SERVICE_LEVEL,
    AlertMetric.FALLBACK_RATE,
    AlertMetric.CONTAINMENT,
}
# Bot figures are about conversations that never reach a queue.
NO_QUEUE_METRICS = {AlertMetric.FALLBACK_RATE, AlertMetric.CONTAINMENT}


class AlertComparison(models.TextChoices):
    ABOVE = "above", _("초과")
    BELOW = "below", _("미만")


class AlertChannel(models.TextChoices):
    # Same codes as apps.integrations.models.NotificationChannel, which does the sending.
    SMS = "sms", _("문자")
    EMAIL = "email", _("이메일")


class AlertRule(TimeStampedModel):
    name = models.CharField(_("이름"), max_length=100)
    metric = models.CharField(_("지표"), max_length=24, choices=AlertMetric.choices)
    comparison = models.CharField(
        _("조건"), max_length=5, choices=AlertComparison.choices, default=AlertComparison.ABOVE
    )
    threshold = models.FloatField(
        _("임계값"), help_text=_("비율 지표는 % 단위(예: 20), 시간은 초, 만족도는 1~5.")
    )
    window_minutes = models.PositiveIntegerField(
        _("집계 구간(분)"),
        default=15,
        validators=[MinValueValidator(1)],
        help_text=_("이 구간의 지표로 판단하고, 한 구간에 한 번만 알립니다."),
    )
    queue = models.ForeignKey(
        "agents.Queue",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="alert_rules",
        verbose_name=_("큐"),
        help_text=_("비우면 전체"),
    )
    channel = models.CharField(
        _("알림 채널"), max_length=5, choices=AlertChannel.choices, default=AlertChannel.EMAIL
    )
    recipients = models.TextField(
        _("수신자"), help_text=_("이메일 주소 또는 휴대폰 번호. 여러 명은 쉼표나 줄바꿈으로 구분.")
    )
    is_active = models.BooleanField(_("사용"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("알림 규칙")
        verbose_name_plural = _("알림 규칙")

    def __str__(self) -> str:
        return self.name

    @property
    def recipient_list(self) -> list[str]:
        return list(dict.fromkeys(r for r in _SPLIT.split(self.recipients.strip()) if r))

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        recipients = self.recipient_list
        if not recipients:
            errors["recipients"] = [str(_("수신자를 한 명 이상 입력하세요."))]
        for recipient in recipients:
            problem = _recipient_problem(self.channel, recipient)
            if problem:
                errors.setdefault("recipients", []).append(problem)
        if self.metric in PERCENT_METRICS and not 0 <= (self.threshold or 0) <= 100:
            errors["threshold"] = [str(_("비율 지표의 임계값은 0~100(%) 사이여야 합니다."))]
        if self.metric in NO_QUEUE_METRICS and self.queue_id:
            errors["queue"] = [str(_("챗봇 지표는 큐별로 계산하지 않습니다. 큐를 비우세요."))]
        if errors:
            raise ValidationError(errors)

    def window_start(self, now: datetime) -> datetime:
        """Start of the aligned window containing `now` (the de-duplication key)."""
        size = self.window_minutes * 60
        epoch = int(now.timestamp())
        return datetime.fromtimestamp(epoch - epoch % size, tz=UTC)

    def window_bounds(self, now: datetime) -> tuple[datetime, datetime]:
        """The trailing window the metric is computed over: the last `window_minutes`."""
        return now - timedelta(minutes=self.window_minutes), now

    def holds(self, value: float) -> bool:
        if self.comparison == AlertComparison.ABOVE:
            return value > self.threshold
        return value < self.threshold


def _recipient_problem(channel: str, recipient: str) -> str | None:
    if channel == AlertChannel.EMAIL:
        try:
            validate_email(recipient)
        except ValidationError:
            return str(_("이메일 주소가 아닙니다: %(value)s")) % {"value": mask_pii(recipient)}
        return None
    if not _PHONE.match(recipient):
        return str(_("휴대폰 번호가 아닙니다: %(value)s")) % {"value": mask_pii(recipient)}
    return None


class AlertStatus(models.TextChoices):
    PENDING = "pending", _("발송 중")
    SENT = "sent", _("발송 완료")
    FAILED = "failed", _("실패")


class AlertLog(models.Model):
    rule = models.ForeignKey(
        AlertRule,
        db_index=False,
        on_delete=models.CASCADE,
        related_name="logs",
        verbose_name=_("규칙"),
    )
    metric = models.CharField(_("지표"), max_length=24, choices=AlertMetric.choices)
    value = models.FloatField(_("측정값"))
    threshold = models.FloatField(_("임계값"))
    comparison = models.CharField(_("조건"), max_length=5, choices=AlertComparison.choices)
    window_start = models.DateTimeField(_("구간 시작"))
    channel = models.CharField(_("알림 채널"), max_length=5, choices=AlertChannel.choices)
    # Masked like NotificationLog.recipient; the raw addresses stay on the rule only.
    sent_to = models.TextField(_("수신자(마스킹)"), blank=True)
    status = models.CharField(
        _("상태"), max_length=8, choices=AlertStatus.choices, default=AlertStatus.PENDING
    )
    error = models.TextField(_("오류"), blank=True)
    created_at = models.DateTimeField(_("발생 시각"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("알림 이력")
        verbose_name_plural = _("알림 이력")
        constraints = [
            # One firing per rule per window, even with two workers racing (see module doc).
            models.UniqueConstraint(
                fields=["rule", "window_start"], name="alertlog_once_per_window"
            )
        ]

    def __str__(self) -> str:
        return f"{self.rule} {self.window_start:%Y-%m-%d %H:%M} {self.value}"
