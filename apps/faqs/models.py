from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from apps.core.models import TimeStampedModel

CHANNEL_CHOICES = [("web", _("웹")), ("mobile", _("모바일 앱")), ("voice", _("음성"))]
ALL_CHANNELS = [code for code, _label in CHANNEL_CHOICES]


def _all_channels() -> list[str]:
    return list(ALL_CHANNELS)


class Category(TimeStampedModel):
    name = models.CharField(_("이름"), max_length=100, unique=True)
    slug = models.SlugField(_("코드"), max_length=50, unique=True)
    order = models.PositiveSmallIntegerField(_("순서"), default=0)

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("카테고리")
        verbose_name_plural = _("카테고리")

    def __str__(self) -> str:
        return self.name


class FaqStatus(models.TextChoices):
    DRAFT = "draft", _("초안")
    REVIEW = "review", _("검토 중")
    PUBLISHED = "published", _("게시")
    ARCHIVED = "archived", _("보관")


class FaqQuerySet(models.QuerySet["Faq"]):
    def published(self) -> FaqQuerySet:
        return self.filter(status=FaqStatus.PUBLISHED)

    def live(self) -> FaqQuerySet:
        """Published and inside the validity window; what the bot may answer with now."""
        now = timezone.now()
        return self.published().filter(
            Q(valid_from__isnull=True) | Q(valid_from__lte=now),
            Q(valid_until__isnull=True) | Q(valid_until__gt=now),
        )


class Faq(TimeStampedModel):
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="faqs", verbose_name=_("카테고리")
    )
    question = models.CharField(_("질문"), max_length=300)
    answer = models.TextField(_("답변"))
    status = models.CharField(
        _("상태"), max_length=12, choices=FaqStatus.choices, default=FaqStatus.DRAFT, db_index=True
    )
    valid_from = models.DateTimeField(_("게시 시작"), null=True, blank=True)
    valid_until = models.DateTimeField(_("게시 종료"), null=True, blank=True)
    channels = models.JSONField(_("채널"), default=_all_channels, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("작성자"),
    )
    # Maker-checker: whoever made the last content change may not publish it.
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("최종 수정자"),
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("게시 승인자"),
    )
    published_at = models.DateTimeField(_("게시 시각"), null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    objects = FaqQuerySet.as_manager()

    class Meta:
        ordering = ["category__order", "question"]
        verbose_name = _("FAQ")
        verbose_name_plural = _("FAQ")
        indexes = [models.Index(fields=["status", "category"])]
        permissions = [("publish_faq", _("FAQ 게시 승인"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_until__gt=models.F("valid_from")),
                name="faq_valid_window_ordered",
            )
        ]

    def __str__(self) -> str:
        return self.question

    @property
    def intent_code(self) -> str:
        """ASCII name for Lex (`^([0-9a-zA-Z][_-]?){1,100}$`); Korean questions cannot be one."""
        return f"FAQ_{self.pk}"


class FaqAlternative(models.Model):
    faq = models.ForeignKey(
        Faq,
        db_index=False,
        on_delete=models.CASCADE,
        related_name="alternatives",
        verbose_name=_("FAQ"),
    )
    text = models.CharField(_("대체 질문"), max_length=300)
    history = HistoricalRecords()

    class Meta:
        ordering = ["id"]
        verbose_name = _("대체 질문")
        verbose_name_plural = _("대체 질문")
        constraints = [
            models.UniqueConstraint(fields=["faq", "text"], name="faq_alternative_unique_text")
        ]

    def __str__(self) -> str:
        return self.text


class CannedResponse(TimeStampedModel):
    title = models.CharField(_("제목"), max_length=100)
    shortcut = models.CharField(_("단축어"), max_length=30, unique=True)
    body = models.TextField(
        _("내용"), help_text=_("{customer_name}, {agent_name} 같은 변수를 쓸 수 있습니다.")
    )
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("카테고리")
    )
    is_active = models.BooleanField(_("사용"), default=True)

    class Meta:
        ordering = ["shortcut"]
        verbose_name = _("상용구")
        verbose_name_plural = _("상용구")

    def __str__(self) -> str:
        return f"{self.shortcut} {self.title}"


class FaqCandidateStatus(models.TextChoices):
    NEW = "new", _("신규")
    DRAFTED = "drafted", _("초안 작성됨")
    DISMISSED = "dismissed", _("제외")


class FaqCandidate(TimeStampedModel):
    """A cluster of customer questions the bot did not understand (apps/faqs/mining.py).

    The weekly run replaces the NEW rows; drafted and dismissed ones stay as the record of what
    was decided, and a later cluster with the same `signature` is not offered again.
    """

    label = models.CharField(_("대표 질문"), max_length=300)
    signature = models.CharField(_("핵심어"), max_length=200, db_index=True)
    count = models.PositiveIntegerField(_("질문 수"))
    # [{"message_id": 12, "text": "..."}], up to 5, already PII-masked when stored in chat.
    examples = models.JSONField(_("예시"), default=list, blank=True)
    period_start = models.DateTimeField(_("집계 시작"))
    period_end = models.DateTimeField(_("집계 종료"))
    status = models.CharField(
        _("상태"),
        max_length=10,
        choices=FaqCandidateStatus.choices,
        default=FaqCandidateStatus.NEW,
        db_index=True,
    )
    faq = models.ForeignKey(
        Faq,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("작성된 FAQ"),
    )

    class Meta:
        ordering = ["-count", "label"]
        verbose_name = _("FAQ 후보")
        verbose_name_plural = _("FAQ 후보")

    def __str__(self) -> str:
        return f"{self.label} ({self.count})"

    @property
    def example_texts(self) -> list[str]:
        return [str(e.get("text", "")) for e in self.examples if isinstance(e, dict)]
