"""What the integrations remember: sync runs, synced metrics, Lex intents, webhooks, notifications.

Every background job writes here so a supervisor can see in admin what ran, what changed and
why it failed; the idempotency of the jobs rests on the unique constraints below.
"""

from __future__ import annotations

import secrets
import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SyncKind(models.TextChoices):
    CONNECT_QUEUES = "connect_queues", _("Connect 큐")
    CONNECT_AGENTS = "connect_agents", _("Connect 상담원")
    CONNECT_LIVE = "connect_live", _("Connect 실시간 지표")
    CONNECT_HISTORY = "connect_history", _("Connect 과거 지표")
    CONNECT_VOICE = "connect_voice", _("Connect 음성 상담")
    LEX = "lex", _("Lex 인텐트")


class SyncStatus(models.TextChoices):
    RUNNING = "running", _("진행 중")
    SUCCEEDED = "succeeded", _("성공")
    FAILED = "failed", _("실패")


class SyncRun(models.Model):
    kind = models.CharField(_("종류"), max_length=20, choices=SyncKind.choices)
    status = models.CharField(
        _("상태"), max_length=10, choices=SyncStatus.choices, default=SyncStatus.RUNNING
    )
    started_at = models.DateTimeField(_("시작"), default=timezone.now)
    finished_at = models.DateTimeField(_("종료"), null=True, blank=True)
    created = models.PositiveIntegerField(_("생성"), default=0)
    updated = models.PositiveIntegerField(_("변경"), default=0)
    deleted = models.PositiveIntegerField(_("삭제"), default=0)
    unchanged = models.PositiveIntegerField(_("변경 없음"), default=0)
    error_code = models.CharField(_("오류 코드"), max_length=100, blank=True)
    error_message = models.TextField(_("오류 내용"), blank=True)
    # Lex: the content version stamp ("faqs:3,scenarios:7") this run pushed.
    content_stamp = models.CharField(_("콘텐츠 버전"), max_length=100, blank=True)
    detail = models.JSONField(_("상세"), default=dict, blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("동기화 실행")
        verbose_name_plural = _("동기화 실행")
        indexes = [models.Index(fields=["kind", "status", "started_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.started_at:%Y-%m-%d %H:%M} {self.status}"

    @property
    def changes(self) -> int:
        return self.created + self.updated + self.deleted


class QueueMetricSnapshot(models.Model):
    """The latest Connect real-time metrics of one queue, overwritten every 15 s."""

    connect_queue_id = models.CharField(_("Connect 큐 ID"), max_length=100, unique=True)
    queue = models.ForeignKey(
        "agents.Queue",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("큐"),
    )
    # {"CONTACTS_IN_QUEUE": 3.0, "OLDEST_CONTACT_AGE": null, ...}: null means Connect sent none.
    values = models.JSONField(_("지표"), default=dict)
    data_snapshot_time = models.DateTimeField(_("Connect 기준 시각"), null=True, blank=True)
    updated_at = models.DateTimeField(_("갱신"), auto_now=True)

    class Meta:
        ordering = ["connect_queue_id"]
        verbose_name = _("실시간 큐 지표")
        verbose_name_plural = _("실시간 큐 지표")

    def __str__(self) -> str:
        return f"{self.queue or self.connect_queue_id} @ {self.data_snapshot_time}"


class HistoricalMetric(models.Model):
    """One Connect historical metric value per queue and interval (upserted hourly)."""

    connect_queue_id = models.CharField(_("Connect 큐 ID"), max_length=100)
    queue = models.ForeignKey(
        "agents.Queue",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("큐"),
    )
    interval_start = models.DateTimeField(_("구간 시작"))
    interval_end = models.DateTimeField(_("구간 종료"))
    metric = models.CharField(_("지표"), max_length=60)
    value = models.FloatField(_("값"), null=True, blank=True)  # null: no data, not zero

    class Meta:
        ordering = ["-interval_start", "connect_queue_id", "metric"]
        verbose_name = _("과거 지표")
        verbose_name_plural = _("과거 지표")
        constraints = [
            models.UniqueConstraint(
                fields=["connect_queue_id", "interval_start", "metric"],
                name="historical_metric_unique_interval",
            )
        ]

    def __str__(self) -> str:
        return f"{self.connect_queue_id} {self.interval_start:%Y-%m-%d %H:%M} {self.metric}"


class LexIntent(models.Model):
    """An intent this portal manages in Lex; `digest` skips pushes of unchanged content."""

    name = models.CharField(_("인텐트 이름"), max_length=100, unique=True)
    intent_id = models.CharField(_("Lex 인텐트 ID"), max_length=20, blank=True)
    digest = models.CharField(max_length=64, blank=True)
    pushed_at = models.DateTimeField(_("반영 시각"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("Lex 인텐트")
        verbose_name_plural = _("Lex 인텐트")

    def __str__(self) -> str:
        return self.name


def _new_secret() -> str:
    return secrets.token_urlsafe(32)


class Webhook(models.Model):
    name = models.CharField(_("이름"), max_length=100)
    url = models.URLField(_("URL"), max_length=500)
    # Event names such as "conversation.closed"; ["*"] subscribes to everything.
    events = models.JSONField(_("이벤트"), default=list)
    secret = models.CharField(_("서명 비밀값"), max_length=100, default=_new_secret)
    is_active = models.BooleanField(_("사용"), default=True)
    created_at = models.DateTimeField(_("생성 시각"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("웹훅")
        verbose_name_plural = _("웹훅")

    def __str__(self) -> str:
        return self.name

    def wants(self, event: str) -> bool:
        return "*" in self.events or event in self.events


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("대기")
    SUCCEEDED = "succeeded", _("성공")
    FAILED = "failed", _("실패")


class WebhookDelivery(models.Model):
    webhook = models.ForeignKey(
        Webhook,
        db_index=False,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("웹훅"),
    )
    event = models.CharField(_("이벤트"), max_length=60)
    # Sent as X-AICC-Event-Id: receivers drop repeats of a delivery we had to retry.
    event_id = models.UUIDField(_("이벤트 ID"), default=uuid.uuid4)
    payload = models.JSONField(_("내용"))
    status = models.CharField(
        _("상태"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("시도"), default=0)
    next_attempt_at = models.DateTimeField(_("다음 시도"), null=True, blank=True)
    response_status = models.PositiveSmallIntegerField(_("응답 코드"), null=True, blank=True)
    last_error = models.TextField(_("마지막 오류"), blank=True)
    created_at = models.DateTimeField(_("생성 시각"), default=timezone.now)
    delivered_at = models.DateTimeField(_("전달 시각"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("웹훅 전송")
        verbose_name_plural = _("웹훅 전송")
        indexes = [models.Index(fields=["status", "next_attempt_at"])]
        constraints = [
            models.UniqueConstraint(fields=["webhook", "event_id"], name="delivery_unique_event")
        ]

    def __str__(self) -> str:
        return f"{self.webhook} {self.event} {self.status}"


class NotificationChannel(models.TextChoices):
    SMS = "sms", _("문자")
    EMAIL = "email", _("이메일")


class NotificationLog(models.Model):
    channel = models.CharField(_("채널"), max_length=10, choices=NotificationChannel.choices)
    recipient = models.CharField(_("수신자(마스킹)"), max_length=200)
    subject = models.CharField(_("제목"), max_length=200, blank=True)
    status = models.CharField(
        _("상태"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    provider_message_id = models.CharField(_("발송 ID"), max_length=200, blank=True)
    error = models.TextField(_("오류"), blank=True)
    # A retried task finds its row by this key and never sends twice.
    idempotency_key = models.CharField(max_length=100, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(_("생성 시각"), default=timezone.now)
    sent_at = models.DateTimeField(_("발송 시각"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("알림 발송 이력")
        verbose_name_plural = _("알림 발송 이력")

    def __str__(self) -> str:
        return f"{self.channel} {self.recipient} {self.status}"


class TaskReceipt(models.Model):
    """Idempotency ledger for tasks that may be delivered twice (acks_late redelivery)."""

    key = models.CharField(max_length=200, unique=True)
    task_name = models.CharField(max_length=200)
    deliveries = models.PositiveIntegerField(default=0)  # how often a worker started it
    effects = models.PositiveIntegerField(default=0)  # how often its effect was applied: ≤ 1
    completed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("작업 실행 기록")
        verbose_name_plural = _("작업 실행 기록")

    def __str__(self) -> str:
        return self.key
