from __future__ import annotations

import hashlib
import secrets
import time
import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel

KEY_PREFIX = "aicc_"
# Every chat request authenticates; remembering an active key for a few seconds saves a database
# round trip per request. Revoking clears this process's entry at once; other worker processes
# stop accepting the key within this many seconds.
KEY_CACHE_SECONDS = 5.0
_KEY_CACHE_MAX = 1024
_key_cache: dict[str, tuple[float, ChannelKey]] = {}


def hash_key(raw_key: str) -> str:
    # Keys carry 256 random bits, so a fast hash is enough; lookups stay one index probe.
    return hashlib.sha256(raw_key.encode()).hexdigest()


class ChannelKeyQuerySet(models.QuerySet["ChannelKey"]):
    def active(self) -> ChannelKeyQuerySet:
        return self.filter(revoked_at__isnull=True)


class ChannelKey(TimeStampedModel):
    name = models.CharField(_("이름"), max_length=100)
    prefix = models.CharField(_("키 앞자리"), max_length=16, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    channel = models.CharField(_("채널"), max_length=20, default="web")
    revoked_at = models.DateTimeField(_("폐기 시각"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("마지막 사용"), null=True, blank=True)

    objects = ChannelKeyQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("채널 키")
        verbose_name_plural = _("채널 키")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def issue(cls, *, name: str, channel: str = "web") -> tuple[ChannelKey, str]:
        """Create a key and return it with the raw secret, which is shown once and never stored."""
        raw = KEY_PREFIX + secrets.token_urlsafe(32)
        key = cls.objects.create(
            name=name, channel=channel, prefix=raw[: len(KEY_PREFIX) + 6], key_hash=hash_key(raw)
        )
        return key, raw

    @classmethod
    def lookup(cls, raw_key: str) -> ChannelKey | None:
        """The active key for a raw secret; active keys are remembered briefly (see above)."""
        digest = hash_key(raw_key)
        now = time.monotonic()
        cached = _key_cache.get(digest)
        if cached is not None and cached[0] > now:
            return cached[1]
        key = cls.objects.active().filter(key_hash=digest).first()
        if key is None:
            _key_cache.pop(digest, None)
            return None
        if len(_key_cache) >= _KEY_CACHE_MAX:
            _key_cache.clear()  # unknown secrets are never stored, so this stays rare
        _key_cache[digest] = (now + KEY_CACHE_SECONDS, key)
        return key

    @classmethod
    def forget_cached(cls) -> None:
        """Drop every remembered key (tests, or after bulk changes outside `revoke`)."""
        _key_cache.clear()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def revoke(self) -> None:
        self.revoked_at = timezone.now()
        self.save(update_fields=["revoked_at", "updated_at"])
        _key_cache.pop(self.key_hash, None)


class ConversationState(models.TextChoices):
    BOT = "BOT", _("챗봇")
    QUEUED = "QUEUED", _("대기 중")
    ASSIGNED = "ASSIGNED", _("상담 중")
    CLOSED = "CLOSED", _("종료")
    ABANDONED = "ABANDONED", _("이탈")


class Conversation(models.Model):
    """One customer conversation; every KPI is an aggregate over its timestamps (DESIGN §3)."""

    session_id = models.UUIDField(_("세션 ID"), default=uuid.uuid4, unique=True, editable=False)
    # channel_key, customer and agent lead a composite index below (Meta.indexes), which serves
    # their joins and deletes too. A lone FK index beside it costs a write per conversation and
    # is a trap: a prepared statement planned while the table was small cached a plan on the
    # lone channel_key index, which then scanned every conversation of the key for the replay
    # check (chat turns at 200/s slowed from 13 ms to seconds in four minutes; bench/chat_load.py).
    channel_key = models.ForeignKey(
        ChannelKey,
        null=True,
        blank=True,
        db_index=False,
        on_delete=models.PROTECT,
        related_name="conversations",
        verbose_name=_("채널 키"),
    )
    user_id = models.CharField(_("고객 식별자"), max_length=128)
    channel = models.CharField(_("채널"), max_length=20, default="web")
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        db_index=False,
        on_delete=models.SET_NULL,
        related_name="conversations",
        verbose_name=_("고객"),
    )
    state = models.CharField(
        _("상태"), max_length=10, choices=ConversationState.choices, default=ConversationState.BOT
    )
    queue = models.ForeignKey(
        "agents.Queue",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="conversations",
        verbose_name=_("큐"),
    )
    agent = models.ForeignKey(
        "agents.Agent",
        null=True,
        blank=True,
        db_index=False,
        on_delete=models.SET_NULL,
        related_name="conversations",
        verbose_name=_("상담원"),
    )
    started_at = models.DateTimeField(_("시작"), default=timezone.now)
    queued_at = models.DateTimeField(_("대기 시작"), null=True, blank=True)
    assigned_at = models.DateTimeField(_("배정"), null=True, blank=True)
    first_agent_reply_at = models.DateTimeField(_("상담원 첫 응답"), null=True, blank=True)
    closed_at = models.DateTimeField(_("종료"), null=True, blank=True)
    abandoned_at = models.DateTimeField(_("이탈"), null=True, blank=True)
    escalation_reason = models.CharField(_("연결 사유"), max_length=40, blank=True)
    wrapup_seconds = models.PositiveIntegerField(_("후처리 시간(초)"), default=0)
    disposition = models.CharField(_("처리 결과 코드"), max_length=40, blank=True)
    wrapup_note = models.TextField(_("상담 메모"), blank=True)
    csat_score = models.PositiveSmallIntegerField(_("만족도"), null=True, blank=True)
    csat_comment = models.TextField(_("만족도 의견"), blank=True)
    # Dialog memory: active scenario, filled slots, consecutive fallbacks.
    bot_state = models.JSONField(_("챗봇 상태"), default=dict, blank=True)
    last_intent = models.CharField(_("마지막 인텐트"), max_length=120, blank=True)
    # Next message gets last_seq + 1, allocated under a row lock (strictly increasing, no gaps).
    last_seq = models.PositiveIntegerField(default=0)
    connect_contact_id = models.CharField(_("Connect 컨택 ID"), max_length=100, blank=True)
    # The client_message_id of the message that opened it: two racing retries of a first
    # message (no session_id yet) must not open two conversations.
    opening_client_message_id = models.CharField(
        max_length=64, null=True, blank=True, editable=False
    )

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("대화")
        verbose_name_plural = _("대화")
        indexes = [
            models.Index(fields=["state", "queued_at"]),
            models.Index(fields=["started_at"]),
            models.Index(fields=["agent", "state"]),
            # FCR looks 7 days ahead per customer: with started_at the probe is index-only.
            models.Index(fields=["channel_key", "user_id", "started_at"]),
            models.Index(fields=["customer", "started_at"]),
            # Admin "state" filter sorted newest first (state=BOT page 50: 525 ms -> 6 ms at 1 M).
            models.Index(fields=["state", "started_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(csat_score__isnull=True) | Q(csat_score__gte=1, csat_score__lte=5),
                name="conversation_csat_1_to_5",
            ),
            models.UniqueConstraint(
                fields=["channel_key", "user_id", "opening_client_message_id"],
                condition=Q(opening_client_message_id__isnull=False),
                name="conversation_unique_opening_message",
            ),
            # A Connect contact (voice call or chat) is one conversation, however often the
            # hourly sync sees it; this also indexes the sync's lookups by contact id.
            models.UniqueConstraint(
                fields=["connect_contact_id"],
                condition=~Q(connect_contact_id=""),
                name="conversation_unique_connect_contact",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.user_id} ({self.get_state_display()})"

    @property
    def was_escalated(self) -> bool:
        return self.queued_at is not None


class MessageSender(models.TextChoices):
    CUSTOMER = "customer", _("고객")
    BOT = "bot", _("챗봇")
    AGENT = "agent", _("상담원")
    SYSTEM = "system", _("시스템")


class Message(models.Model):
    # The unique (conversation, seq) constraint's index serves every lookup by conversation.
    conversation = models.ForeignKey(
        Conversation,
        db_index=False,
        on_delete=models.CASCADE,
        related_name="messages",
        verbose_name=_("대화"),
    )
    seq = models.PositiveIntegerField(_("순번"))
    sender = models.CharField(_("보낸 사람"), max_length=10, choices=MessageSender.choices)
    # Customer text is stored with PII already masked; nothing downstream sees the raw digits.
    text = models.TextField(_("내용"))
    intent = models.CharField(_("인텐트"), max_length=120, blank=True)
    confidence = models.FloatField(_("신뢰도"), null=True, blank=True)
    next_action = models.CharField(_("다음 동작"), max_length=12, blank=True)
    client_message_id = models.CharField(
        _("클라이언트 메시지 ID"), max_length=64, null=True, blank=True
    )
    reply_to = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="replies",
        verbose_name=_("응답 대상"),
    )
    agent = models.ForeignKey(
        "agents.Agent",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("상담원"),
    )
    faq = models.ForeignKey(
        "faqs.Faq",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("FAQ"),
    )
    # Whisper notes between supervisor and agent; never shown to the customer.
    is_internal = models.BooleanField(_("내부 메모"), default=False)
    helpful = models.BooleanField(_("도움이 됨"), null=True, blank=True)
    payload = models.JSONField(_("부가 정보"), default=dict, blank=True)
    created_at = models.DateTimeField(_("시각"), default=timezone.now)

    class Meta:
        ordering = ["conversation", "seq"]
        verbose_name = _("메시지")
        verbose_name_plural = _("메시지")
        indexes = [
            models.Index(fields=["created_at"]),
            models.Index(fields=["intent"]),
            # Admin sender filter, FAQ effectiveness and fallback counts (a seq scan over 10 M).
            models.Index(fields=["sender", "created_at"]),
            # Retries are found by client_message_id before anything is stored (chat API).
            models.Index(
                fields=["client_message_id"],
                condition=Q(client_message_id__isnull=False),
                name="message_client_id_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["conversation", "seq"], name="message_unique_seq"),
            models.UniqueConstraint(
                fields=["conversation", "client_message_id"],
                condition=Q(client_message_id__isnull=False),
                name="message_unique_client_id",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.conversation_id}#{self.seq} {self.sender}"
