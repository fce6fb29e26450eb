from __future__ import annotations

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apps.core.models import TimeStampedModel
from apps.core.validators import empty_when_null, validate_string_list


class Team(TimeStampedModel):
    name = models.CharField(_("팀 이름"), max_length=100, unique=True)
    description = models.TextField(_("설명"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("팀")
        verbose_name_plural = _("팀")

    def __str__(self) -> str:
        return self.name


class Queue(TimeStampedModel):
    name = models.CharField(_("큐 이름"), max_length=100)
    code = models.SlugField(_("코드"), max_length=50, unique=True)
    # Routing needs an agent with every one of these (routing._candidates).
    skills = models.JSONField(
        _("필요 스킬"), default=list, blank=True, validators=[validate_string_list]
    )
    priority = models.PositiveSmallIntegerField(
        _("우선순위"), default=1, help_text=_("높을수록 먼저 배정됩니다.")
    )
    sla_seconds = models.PositiveIntegerField(_("서비스 레벨 기준(초)"), default=60)
    is_active = models.BooleanField(_("사용"), default=True)
    # Filled by the Connect sync; read-only in admin.
    connect_queue_id = models.CharField(_("Connect 큐 ID"), max_length=100, blank=True)
    connect_arn = models.CharField(_("Connect ARN"), max_length=300, blank=True)

    class Meta:
        ordering = ["-priority", "name"]
        verbose_name = _("큐")
        verbose_name_plural = _("큐")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        empty_when_null(self, skills=[])


class AgentState(models.TextChoices):
    # Context: the same Korean words label conversation and job states, which read differently in
    # English ("Available" vs "Pending").
    AVAILABLE = "AVAILABLE", pgettext_lazy("agent state", "대기")
    BUSY = "BUSY", pgettext_lazy("agent state", "상담 중")
    AWAY = "AWAY", _("자리 비움")
    AFTER_CONTACT_WORK = "AFTER_CONTACT_WORK", _("후처리")
    OFFLINE = "OFFLINE", _("오프라인")


class Agent(TimeStampedModel):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="agent",
        verbose_name=_("사용자"),
    )
    display_name = models.CharField(_("표시 이름"), max_length=100)
    team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="agents",
        verbose_name=_("팀"),
    )
    queues = models.ManyToManyField(Queue, blank=True, related_name="agents", verbose_name=_("큐"))
    skills = models.JSONField(
        _("스킬"), default=list, blank=True, validators=[validate_string_list]
    )
    capacity = models.PositiveSmallIntegerField(_("동시 상담 한도"), default=3)
    state = models.CharField(
        _("상태"), max_length=20, choices=AgentState.choices, default=AgentState.OFFLINE
    )
    state_changed_at = models.DateTimeField(_("상태 변경 시각"), default=timezone.now)
    # "Longest idle" tie-break for routing: when this agent last got a conversation.
    last_assigned_at = models.DateTimeField(_("마지막 배정 시각"), null=True, blank=True)
    connect_user_id = models.CharField(_("Connect 사용자 ID"), max_length=100, blank=True)

    class Meta:
        ordering = ["display_name"]
        verbose_name = _("상담원")
        verbose_name_plural = _("상담원")
        indexes = [models.Index(fields=["state", "last_assigned_at"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(capacity__gte=1), name="agent_capacity_gte_1")
        ]

    def __str__(self) -> str:
        return self.display_name

    def clean(self) -> None:
        empty_when_null(self, skills=[])

    @transaction.atomic
    def set_state(self, state: str) -> None:
        """Change state and close the open history row, keeping occupancy measurable."""
        if state == self.state:
            return
        now = timezone.now()
        self.state_history.filter(ended_at__isnull=True).update(ended_at=now)
        AgentStateChange.objects.create(agent=self, state=state, started_at=now)
        self.state, self.state_changed_at = state, now
        self.save(update_fields=["state", "state_changed_at", "updated_at"])


class AgentStateChange(models.Model):
    agent = models.ForeignKey(
        Agent,
        db_index=False,
        on_delete=models.CASCADE,
        related_name="state_history",
        verbose_name=_("상담원"),
    )
    state = models.CharField(_("상태"), max_length=20, choices=AgentState.choices)
    started_at = models.DateTimeField(_("시작"))
    ended_at = models.DateTimeField(_("종료"), null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("상담원 상태 이력")
        verbose_name_plural = _("상담원 상태 이력")
        indexes = [models.Index(fields=["agent", "started_at"])]

    def __str__(self) -> str:
        return f"{self.agent} {self.state} {self.started_at:%Y-%m-%d %H:%M}"
