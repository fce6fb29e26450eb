from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("생성 시각"), auto_now_add=True)
    updated_at = models.DateTimeField(_("수정 시각"), auto_now=True)

    class Meta:
        abstract = True


class ContentVersion(models.Model):
    """A version stamp per kind of content the bot indexes.

    Publishing an FAQ or saving a scenario bumps it; every web process compares its index's stamp
    with this row and rebuilds when it moved, so no restart is needed (DESIGN §5).
    """

    key = models.CharField(max_length=40, unique=True)
    version = models.PositiveBigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("콘텐츠 버전")
        verbose_name_plural = _("콘텐츠 버전")

    def __str__(self) -> str:
        return f"{self.key}@{self.version}"

    @classmethod
    def bump(cls, key: str) -> None:
        obj, created = cls.objects.get_or_create(key=key, defaults={"version": 1})
        if not created:
            cls.objects.filter(pk=obj.pk).update(version=models.F("version") + 1)

    @classmethod
    def current(cls, key: str) -> int:
        row = cls.objects.filter(key=key).values_list("version", flat=True).first()
        return row or 0


class AuditAction(models.TextChoices):
    PII_REVEAL = "pii_reveal", _("개인정보 열람")
    EXPORT = "export", _("내보내기")
    # Call-recording playback on the evaluation page (issue 7 item 3) uses this one.
    RECORDING_PLAY = "recording_play", _("녹취 재생")
    REPORT_VIEW = "report_view", _("보고서 열람")


class AuditLog(models.Model):
    """Who saw or took personal data, when, which customer, and why (PIPA; DESIGN §11)."""

    user = models.ForeignKey(
        "auth.User", on_delete=models.PROTECT, related_name="audit_logs", verbose_name=_("사용자")
    )
    action = models.CharField(_("행위"), max_length=20, choices=AuditAction.choices)
    target = models.CharField(_("대상"), max_length=200)
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        verbose_name=_("고객"),
    )
    fields = models.CharField(_("항목"), max_length=200, blank=True)
    reason = models.CharField(_("사유"), max_length=300)
    created_at = models.DateTimeField(_("시각"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("감사 로그")
        verbose_name_plural = _("감사 로그")

    def __str__(self) -> str:
        return f"{self.user} {self.action} {self.target}"
