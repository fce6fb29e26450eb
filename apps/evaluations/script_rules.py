"""Script rules the QA hints check in agents' messages: phrases to avoid, notices to give."""

from __future__ import annotations

import re

from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel


class BannedPhrase(TimeStampedModel):
    phrase = models.CharField(_("금지 표현"), max_length=100, unique=True)
    suggestion = models.CharField(_("권장 표현"), max_length=200, blank=True)
    is_active = models.BooleanField(_("사용"), default=True)

    class Meta:
        ordering = ["phrase"]
        verbose_name = _("금지 표현")
        verbose_name_plural = _("금지 표현")

    def __str__(self) -> str:
        return self.phrase


class MandatoryNotice(TimeStampedModel):
    """A notice every agent-handled conversation must contain, e.g. 본인 확인."""

    name = models.CharField(_("이름"), max_length=100, unique=True)
    keywords = models.TextField(
        _("키워드"),
        blank=True,
        help_text=_("한 줄에 하나. 상담원 메시지에 하나라도 있으면 안내한 것으로 봅니다."),
    )
    pattern = models.CharField(_("정규식"), max_length=300, blank=True)
    is_active = models.BooleanField(_("사용"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("필수 안내")
        verbose_name_plural = _("필수 안내")

    def __str__(self) -> str:
        return self.name

    @property
    def keyword_list(self) -> list[str]:
        return [k.strip() for k in self.keywords.splitlines() if k.strip()]

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if not self.keyword_list and not self.pattern:
            raise ValidationError(_("키워드나 정규식 중 하나는 입력하세요."))
        if self.pattern:
            try:
                re.compile(self.pattern)
            except re.error as exc:
                raise ValidationError({"pattern": _("정규식 오류: %s") % exc}) from exc

    def is_met_by(self, text: str) -> bool:
        if any(k in text for k in self.keyword_list):
            return True
        return bool(self.pattern) and re.search(self.pattern, text) is not None
